// The BPE model proper: a vocabulary and ranked merges applied to the bytes
// of one pre-tokenized word.
#ifndef MAMBA_TEXT_BPE_MODEL_H
#define MAMBA_TEXT_BPE_MODEL_H

#include "mamba/tokenizer.h"

#include "merge_table.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mamba::text {

class BpeModel {
public:
  /// Vocabulary spelling (byte-level characters) -> id.
  std::unordered_map<std::string, TokenId> vocab;
  /// (left id, right id) -> merge.
  MergeTable merges;
  /// The id of each single byte, or -1 for bytes the vocabulary lacks (GPT-2
  /// style vocabularies have no token for bytes that never occur in UTF-8).
  std::array<TokenId, 256> byteIds{};
  /// model.unk_token's id, which replaces bytes without a token (-1: they
  /// are dropped, as the reference does), and model.fuse_unk.
  TokenId unkId = -1;
  bool fuseUnk = false;
  /// tokenizer.json's model.ignore_merges: a word that is itself in the
  /// vocabulary becomes that one token.
  bool ignoreMerges = false;

  /// Appends the ids of `word` (raw bytes, not empty).
  void encodeWord(std::string_view word, std::vector<TokenId> &out) const;
};

} // namespace mamba::text

#endif // MAMBA_TEXT_BPE_MODEL_H

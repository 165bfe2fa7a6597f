// The state of a loaded BpeTokenizer, shared by its loader and its encoder.
#ifndef MAMBA_TEXT_BPE_TOKENIZER_IMPL_H
#define MAMBA_TEXT_BPE_TOKENIZER_IMPL_H

#include "mamba/bpe_tokenizer.h"

#include "added_tokens.h"
#include "bpe_model.h"

#include <string>
#include <unordered_map>
#include <vector>

namespace mamba {

struct BpeTokenizer::Impl {
  bool nfc = false;            ///< normalizer is NFC
  bool addPrefixSpace = false; ///< pre_tokenizer.add_prefix_space
  bool useRegex = true;        ///< pre_tokenizer.use_regex
  text::BpeModel model;
  /// Added tokens matched on the raw text ("normalized": false) and on the
  /// normalized text ("normalized": true).
  text::AddedTokenMatcher rawTokens;
  text::AddedTokenMatcher normalizedTokens;

  /// Per id: the bytes it decodes to, and whether it is a special token.
  std::vector<std::string> bytes;
  std::vector<bool> special;
  /// Added token content -> id (tokenToId checks these first).
  std::unordered_map<std::string, TokenId> added;
};

} // namespace mamba

#endif // MAMBA_TEXT_BPE_TOKENIZER_IMPL_H

// The byte-level BPE tokenizer of GPT-2 / GPT-NeoX models (the one Mamba
// checkpoints use), loaded from a Hugging Face tokenizer.json.
#ifndef MAMBA_BPE_TOKENIZER_H
#define MAMBA_BPE_TOKENIZER_H

#include "mamba/tokenizer.h"

#include <memory>

namespace mamba {

/// Supports model "BPE" with a "ByteLevel" pre-tokenizer and decoder, an
/// "NFC" or null normalizer, and added tokens; anything else is rejected at
/// load time with a message naming the field. Encodes exactly as the Hugging
/// Face tokenizers library does.
class BpeTokenizer final : public Tokenizer {
public:
  /// Loads `path`; errors start with the path.
  static Expected<std::unique_ptr<BpeTokenizer>>
  fromFile(const std::string &path);
  /// Parses tokenizer.json text; errors start with `name`.
  static Expected<std::unique_ptr<BpeTokenizer>>
  fromJson(std::string_view json, const std::string &name);
  ~BpeTokenizer() override;

  std::vector<TokenId> encode(std::string_view text) const override;
  std::string_view tokenBytes(TokenId id) const override;
  bool isSpecial(TokenId id) const override;
  size_t vocabSize() const override;

  /// The id of a token as tokenizer.json spells it ("Ġthe", "<|endoftext|>").
  std::optional<TokenId> tokenToId(std::string_view token) const;

  struct Impl;

private:
  explicit BpeTokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

} // namespace mamba

#endif // MAMBA_BPE_TOKENIZER_H

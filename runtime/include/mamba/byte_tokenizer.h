// A tokenizer whose ids are byte values, for small test models with a
// vocabulary of at least 256 entries; ids above 255 are control tokens.
#ifndef MAMBA_BYTE_TOKENIZER_H
#define MAMBA_BYTE_TOKENIZER_H

#include "mamba/tokenizer.h"

#include <memory>

namespace mamba {

class ByteTokenizer final : public Tokenizer {
public:
  /// `vocabSize` >= 256; `bos` and `eos`, when given, must be in
  /// [256, vocabSize) so that they cannot be confused with a byte.
  static Expected<std::unique_ptr<ByteTokenizer>>
  create(size_t vocabSize, std::optional<TokenId> bos = std::nullopt,
         std::optional<TokenId> eos = std::nullopt);

  std::vector<TokenId> encode(std::string_view text) const override;
  std::string_view tokenBytes(TokenId id) const override;
  bool isSpecial(TokenId id) const override;
  size_t vocabSize() const override { return vocabSize_; }

private:
  explicit ByteTokenizer(size_t vocabSize) : vocabSize_(vocabSize) {}
  size_t vocabSize_;
};

} // namespace mamba

#endif // MAMBA_BYTE_TOKENIZER_H

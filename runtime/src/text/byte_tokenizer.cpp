// The byte tokenizer: id b is byte b, so any byte string round-trips.
#include "mamba/byte_tokenizer.h"

#include <array>

namespace mamba {

Expected<std::unique_ptr<ByteTokenizer>>
ByteTokenizer::create(size_t vocabSize, std::optional<TokenId> bos,
                      std::optional<TokenId> eos) {
  if (vocabSize < 256)
    return Status::error("byte tokenizer: vocabulary size must be at least "
                         "256, got " +
                         std::to_string(vocabSize));
  for (auto [name, id] : {std::pair{"bos", bos}, std::pair{"eos", eos}})
    if (id && (*id < 256 || static_cast<size_t>(*id) >= vocabSize))
      return Status::error("byte tokenizer: " + std::string(name) + " id " +
                           std::to_string(*id) + " must be in [256, " +
                           std::to_string(vocabSize) + ")");
  std::unique_ptr<ByteTokenizer> tokenizer(new ByteTokenizer(vocabSize));
  tokenizer->bos_ = bos;
  tokenizer->eos_ = eos;
  return tokenizer;
}

std::vector<TokenId> ByteTokenizer::encode(std::string_view text) const {
  std::vector<TokenId> ids;
  ids.reserve(text.size());
  for (char c : text)
    ids.push_back(static_cast<unsigned char>(c));
  return ids;
}

std::string_view ByteTokenizer::tokenBytes(TokenId id) const {
  static const std::array<char, 256> bytes = [] {
    std::array<char, 256> b{};
    for (int i = 0; i < 256; ++i)
      b[static_cast<size_t>(i)] = static_cast<char>(i);
    return b;
  }();
  if (id < 0 || id >= 256)
    return {};
  return std::string_view(&bytes[static_cast<size_t>(id)], 1);
}

bool ByteTokenizer::isSpecial(TokenId id) const {
  return id >= 256 && static_cast<size_t>(id) < vocabSize_;
}

} // namespace mamba

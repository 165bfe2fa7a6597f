// The parts of the Tokenizer interface that all tokenizers share.
#include "mamba/tokenizer.h"

#include "../unicode/utf8.h"

namespace mamba {

std::string Tokenizer::decode(const std::vector<TokenId> &ids,
                              bool skipSpecial) const {
  std::string bytes;
  for (TokenId id : ids)
    if (!skipSpecial || !isSpecial(id))
      bytes.append(tokenBytes(id));
  return unicode::toValidUtf8(bytes);
}

Status Tokenizer::setBosEos(std::optional<TokenId> bos,
                            std::optional<TokenId> eos) {
  auto check = [&](const char *what, std::optional<TokenId> id) {
    if (id && (*id < 0 || static_cast<size_t>(*id) >= vocabSize()))
      return Status::error(std::string(what) + " id " + std::to_string(*id) +
                           " is outside the vocabulary [0, " +
                           std::to_string(vocabSize()) + ")");
    return Status::success();
  };
  MAMBA_RETURN_IF_ERROR(check("bos", bos));
  MAMBA_RETURN_IF_ERROR(check("eos", eos));
  bos_ = bos;
  eos_ = eos;
  return Status::success();
}

} // namespace mamba

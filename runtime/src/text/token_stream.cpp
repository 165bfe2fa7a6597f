// Streaming decode: hold back only a trailing, still-completable UTF-8 prefix,
// so that the pieces concatenate to the same text as a one-shot decode.
#include "mamba/token_stream.h"

#include "../unicode/utf8.h"

namespace mamba {

std::string TokenStreamDecoder::push(TokenId id) {
  if (skipSpecial_ && tokenizer_.isSpecial(id))
    return {};
  pending_.append(tokenizer_.tokenBytes(id));
  size_t held;
  unicode::endsWithIncompleteUtf8(pending_, held);
  std::string_view ready(pending_.data(), pending_.size() - held);
  std::string text = unicode::toValidUtf8(ready);
  pending_.erase(0, ready.size());
  return text;
}

std::string TokenStreamDecoder::flush() {
  std::string text = unicode::toValidUtf8(pending_);
  pending_.clear();
  return text;
}

} // namespace mamba

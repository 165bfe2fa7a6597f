// Incremental detokenization for generation: text is released as tokens
// arrive, never splitting a multi-byte UTF-8 character across two pieces.
#ifndef MAMBA_TOKEN_STREAM_H
#define MAMBA_TOKEN_STREAM_H

#include "mamba/tokenizer.h"

#include <string>

namespace mamba {

/// Concatenating every push() and the final flush() gives exactly
/// tokenizer.decode(all ids, skipSpecial).
class TokenStreamDecoder {
public:
  explicit TokenStreamDecoder(const Tokenizer &tokenizer,
                              bool skipSpecial = false)
      : tokenizer_(tokenizer), skipSpecial_(skipSpecial) {}

  /// The text that token `id` completes; may be empty while a character is
  /// still incomplete.
  std::string push(TokenId id);
  /// The rest: an incomplete character left at the end becomes U+FFFD.
  std::string flush();

private:
  const Tokenizer &tokenizer_;
  bool skipSpecial_;
  std::string pending_; ///< bytes of a character not yet complete
};

} // namespace mamba

#endif // MAMBA_TOKEN_STREAM_H

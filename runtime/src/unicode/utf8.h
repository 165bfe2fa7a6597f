// UTF-8 decoding and encoding that never fails: invalid input is reported per
// maximal ill-formed subpart, the way Rust's from_utf8_lossy counts it.
#ifndef MAMBA_UNICODE_UTF8_H
#define MAMBA_UNICODE_UTF8_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mamba::unicode {

/// Marks a byte sequence that is not well-formed UTF-8.
constexpr uint32_t kInvalidCodePoint = 0xFFFFFFFF;

struct DecodedChar {
  uint32_t cp;   ///< the code point, or kInvalidCodePoint
  size_t length; ///< bytes consumed (>= 1 unless at the end of the text)
};

/// Decodes the character at `pos` (< text.size()). An ill-formed sequence
/// yields kInvalidCodePoint and the length of its maximal subpart (1 to 3).
DecodedChar decodeUtf8(std::string_view text, size_t pos);

/// True if `text` ends inside a character that more bytes could complete;
/// returns in `prefixLength` how many trailing bytes belong to it.
bool endsWithIncompleteUtf8(std::string_view text, size_t &prefixLength);

void appendUtf8(std::string &out, uint32_t cp);

/// `bytes` with each maximal ill-formed subpart replaced by U+FFFD.
std::string toValidUtf8(std::string_view bytes);

} // namespace mamba::unicode

#endif // MAMBA_UNICODE_UTF8_H

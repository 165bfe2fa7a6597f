// UTF-8 decoding with the Unicode "maximal subpart" rule for ill-formed input.
#include "utf8.h"

namespace mamba::unicode {
namespace {

/// The valid range of the second byte after lead byte `lead` (Unicode Table
/// 3-7); other continuation bytes are always 0x80..0xBF.
void secondByteRange(uint8_t lead, uint8_t &lo, uint8_t &hi) {
  lo = 0x80;
  hi = 0xBF;
  if (lead == 0xE0)
    lo = 0xA0;
  else if (lead == 0xED)
    hi = 0x9F;
  else if (lead == 0xF0)
    lo = 0x90;
  else if (lead == 0xF4)
    hi = 0x8F;
}

/// Number of bytes of a sequence starting with `lead`, or 0 if it cannot start
/// one.
size_t sequenceLength(uint8_t lead) {
  if (lead < 0x80)
    return 1;
  if (lead >= 0xC2 && lead <= 0xDF)
    return 2;
  if (lead >= 0xE0 && lead <= 0xEF)
    return 3;
  if (lead >= 0xF0 && lead <= 0xF4)
    return 4;
  return 0;
}

/// How many bytes from `pos` form a valid prefix of the sequence (at least 1).
size_t validPrefix(std::string_view text, size_t pos, size_t need) {
  auto lead = static_cast<uint8_t>(text[pos]);
  size_t i = 1;
  for (; i < need && pos + i < text.size(); ++i) {
    auto byte = static_cast<uint8_t>(text[pos + i]);
    uint8_t lo = 0x80, hi = 0xBF;
    if (i == 1)
      secondByteRange(lead, lo, hi);
    if (byte < lo || byte > hi)
      break;
  }
  return i;
}

} // namespace

DecodedChar decodeUtf8(std::string_view text, size_t pos) {
  auto lead = static_cast<uint8_t>(text[pos]);
  size_t need = sequenceLength(lead);
  if (need == 1)
    return {lead, 1};
  if (need == 0)
    return {kInvalidCodePoint, 1};
  size_t have = validPrefix(text, pos, need);
  if (have < need)
    return {kInvalidCodePoint, have};
  uint32_t cp = lead & (0x7F >> need);
  for (size_t i = 1; i < need; ++i)
    cp = (cp << 6) | (static_cast<uint8_t>(text[pos + i]) & 0x3F);
  return {cp, need};
}

bool endsWithIncompleteUtf8(std::string_view text, size_t &prefixLength) {
  // A character is at most 4 bytes, so only the last 3 can start one.
  size_t first = text.size() > 3 ? text.size() - 3 : 0;
  for (size_t pos = first; pos < text.size(); ++pos) {
    size_t need = sequenceLength(static_cast<uint8_t>(text[pos]));
    if (need <= 1)
      continue;
    size_t available = text.size() - pos;
    if (available < need && validPrefix(text, pos, need) == available) {
      prefixLength = available;
      return true;
    }
  }
  prefixLength = 0;
  return false;
}

void appendUtf8(std::string &out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string toValidUtf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (size_t pos = 0; pos < bytes.size();) {
    DecodedChar c = decodeUtf8(bytes, pos);
    if (c.cp == kInvalidCodePoint)
      appendUtf8(out, 0xFFFD);
    else
      out.append(bytes.substr(pos, c.length));
    pos += c.length;
  }
  return out;
}

} // namespace mamba::unicode

// The byte map of GPT-2's bytes_to_unicode(): printable Latin-1 bytes map to
// themselves, the other 68 bytes to U+0100 onwards in byte order.
#include "byte_level.h"

#include "../unicode/utf8.h"

#include <array>

namespace mamba::text {
namespace {

bool isPrintable(uint8_t b) {
  return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
}

const std::array<uint32_t, 256> &byteTable() {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    uint32_t next = 256;
    for (unsigned b = 0; b < 256; ++b)
      t[b] = isPrintable(static_cast<uint8_t>(b)) ? b : next++;
    return t;
  }();
  return table;
}

/// The byte for code point `cp`, or -1 if `cp` is not in the map.
int charToByte(uint32_t cp) {
  if (cp < 256)
    return isPrintable(static_cast<uint8_t>(cp)) ? static_cast<int>(cp) : -1;
  if (cp >= 256 + 68)
    return -1;
  const auto &table = byteTable();
  for (unsigned b = 0; b < 256; ++b)
    if (table[b] == cp)
      return static_cast<int>(b);
  return -1;
}

} // namespace

uint32_t byteToChar(uint8_t byte) { return byteTable()[byte]; }

std::string bytesToVocabSpelling(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes)
    unicode::appendUtf8(out, byteToChar(static_cast<uint8_t>(c)));
  return out;
}

std::optional<std::string> vocabSpellingToBytes(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (size_t pos = 0; pos < token.size();) {
    unicode::DecodedChar c = unicode::decodeUtf8(token, pos);
    int byte = c.cp == unicode::kInvalidCodePoint ? -1 : charToByte(c.cp);
    if (byte < 0)
      return std::nullopt;
    out += static_cast<char>(byte);
    pos += c.length;
  }
  return out;
}

} // namespace mamba::text

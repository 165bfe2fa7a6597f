// GPT-2's reversible byte <-> printable-character map that byte-level BPE
// vocabularies are spelled in ("Ġ" is the space byte 0x20).
#ifndef MAMBA_TEXT_BYTE_LEVEL_H
#define MAMBA_TEXT_BYTE_LEVEL_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mamba::text {

/// The code point that stands for `byte` in vocabulary strings.
uint32_t byteToChar(uint8_t byte);

/// `bytes` spelled as a vocabulary string (UTF-8).
std::string bytesToVocabSpelling(std::string_view bytes);

/// The bytes a vocabulary string stands for, or nullopt if it contains a
/// character outside the map (the ByteLevel decoder then uses its UTF-8).
std::optional<std::string> vocabSpellingToBytes(std::string_view token);

} // namespace mamba::text

#endif // MAMBA_TEXT_BYTE_LEVEL_H

// The character classes of the GPT-2 pre-tokenizer regex: \p{L}, \p{N}, \s.
#ifndef MAMBA_UNICODE_CHAR_CLASS_H
#define MAMBA_UNICODE_CHAR_CLASS_H

#include <cstdint>

namespace mamba::unicode {

enum class CharClass : uint8_t { Letter, Number, Space, Other };

/// Letter: general category L*; Number: N*; Space: the White_Space property
/// (Oniguruma's \s on Unicode text); everything else, including
/// kInvalidCodePoint, is Other.
CharClass classify(uint32_t cp);

} // namespace mamba::unicode

#endif // MAMBA_UNICODE_CHAR_CLASS_H

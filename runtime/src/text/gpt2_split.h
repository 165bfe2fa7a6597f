// The GPT-2 pre-tokenizer split, a hand-written equivalent of the regex
// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
#ifndef MAMBA_TEXT_GPT2_SPLIT_H
#define MAMBA_TEXT_GPT2_SPLIT_H

#include <string_view>
#include <vector>

namespace mamba::text {

/// Appends to `pieces` the consecutive matches of the regex over `text`; they
/// cover `text` exactly. Ill-formed UTF-8 bytes count as punctuation.
void splitGpt2(std::string_view text, std::vector<std::string_view> &pieces);

} // namespace mamba::text

#endif // MAMBA_TEXT_GPT2_SPLIT_H

// Unicode Normalization Form C (canonical decomposition, then composition),
// as the "NFC" normalizer of a Hugging Face tokenizer.json applies it.
#ifndef MAMBA_UNICODE_NFC_H
#define MAMBA_UNICODE_NFC_H

#include <string>
#include <string_view>

namespace mamba::unicode {

/// The NFC form of `text`. Ill-formed UTF-8 bytes pass through unchanged and
/// act as starters that block composition across them.
std::string toNfc(std::string_view text);

} // namespace mamba::unicode

#endif // MAMBA_UNICODE_NFC_H

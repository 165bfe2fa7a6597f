// The tokenizer interface of the runtime: text -> token ids -> text, with the
// model's beginning- and end-of-sequence ids.
#ifndef MAMBA_TOKENIZER_H
#define MAMBA_TOKENIZER_H

#include "mamba/status.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mamba {

using TokenId = int32_t;

/// Turns text into token ids and back. Implementations are immutable after
/// loading, so one tokenizer may be shared between threads.
class Tokenizer {
public:
  virtual ~Tokenizer() = default;

  /// The ids for `text` (UTF-8). Never fails: ill-formed UTF-8 bytes are
  /// encoded as the bytes they are, or dropped if the vocabulary has no token
  /// for them (GPT-2 style vocabularies lack 0xC0, 0xC1 and 0xF5-0xFF).
  virtual std::vector<TokenId> encode(std::string_view text) const = 0;

  /// The raw bytes token `id` stands for; empty for ids outside the
  /// vocabulary. A token may hold part of a multi-byte UTF-8 character.
  virtual std::string_view tokenBytes(TokenId id) const = 0;

  /// True for control tokens (<|endoftext|>) that decode can skip.
  virtual bool isSpecial(TokenId id) const = 0;

  /// One more than the largest id the tokenizer knows.
  virtual size_t vocabSize() const = 0;

  /// The text for `ids`; ill-formed UTF-8 in the joined bytes becomes U+FFFD.
  /// Ids outside the vocabulary (a model's padded logits) decode to nothing.
  std::string decode(const std::vector<TokenId> &ids,
                     bool skipSpecial = false) const;

  std::optional<TokenId> bosId() const { return bos_; }
  std::optional<TokenId> eosId() const { return eos_; }
  /// Overrides the ids (say from the model's config.json); nullopt clears one.
  /// Fails if an id is outside [0, vocabSize()).
  Status setBosEos(std::optional<TokenId> bos, std::optional<TokenId> eos);

protected:
  std::optional<TokenId> bos_;
  std::optional<TokenId> eos_;
};

} // namespace mamba

#endif // MAMBA_TOKENIZER_H

// Encoding with a loaded BpeTokenizer: added tokens, NFC, the GPT-2 split and
// BPE, in the order of the tokenizers library's pipeline.
#include "mamba/bpe_tokenizer.h"

#include "../unicode/nfc.h"
#include "bpe_tokenizer_impl.h"
#include "gpt2_split.h"

namespace mamba {

BpeTokenizer::BpeTokenizer(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

BpeTokenizer::~BpeTokenizer() = default;

std::vector<TokenId> BpeTokenizer::encode(std::string_view text) const {
  std::vector<TokenId> ids;
  std::vector<text::Segment> raw, normalized;
  std::vector<std::string_view> words;
  impl_->rawTokens.split(text, raw);
  for (const text::Segment &segment : raw) {
    if (segment.id >= 0) {
      ids.push_back(segment.id);
      continue;
    }
    std::string norm =
        impl_->nfc ? unicode::toNfc(segment.text) : std::string(segment.text);
    normalized.clear();
    impl_->normalizedTokens.split(norm, normalized);
    for (const text::Segment &piece : normalized) {
      if (piece.id >= 0) {
        ids.push_back(piece.id);
        continue;
      }
      std::string prefixed;
      std::string_view body = piece.text;
      if (impl_->addPrefixSpace && body.substr(0, 1) != " ") {
        prefixed = " " + std::string(body);
        body = prefixed;
      }
      words.clear();
      if (impl_->useRegex)
        text::splitGpt2(body, words);
      else if (!body.empty())
        words.push_back(body);
      for (std::string_view word : words)
        impl_->model.encodeWord(word, ids);
    }
  }
  return ids;
}

std::string_view BpeTokenizer::tokenBytes(TokenId id) const {
  if (id < 0 || static_cast<size_t>(id) >= impl_->bytes.size())
    return {};
  return impl_->bytes[static_cast<size_t>(id)];
}

bool BpeTokenizer::isSpecial(TokenId id) const {
  return id >= 0 && static_cast<size_t>(id) < impl_->special.size() &&
         impl_->special[static_cast<size_t>(id)];
}

size_t BpeTokenizer::vocabSize() const { return impl_->bytes.size(); }

std::optional<TokenId> BpeTokenizer::tokenToId(std::string_view token) const {
  std::string key(token);
  if (auto it = impl_->added.find(key); it != impl_->added.end())
    return it->second;
  if (auto it = impl_->model.vocab.find(key); it != impl_->model.vocab.end())
    return it->second;
  return std::nullopt;
}

} // namespace mamba

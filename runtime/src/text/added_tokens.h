// Finds a tokenizer's added tokens (such as <|endoftext|>) in text before the
// pre-tokenizer runs, as Hugging Face's AddedVocabulary does.
#ifndef MAMBA_TEXT_ADDED_TOKENS_H
#define MAMBA_TEXT_ADDED_TOKENS_H

#include "mamba/tokenizer.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mamba::text {

/// One entry of tokenizer.json's "added_tokens".
struct AddedToken {
  TokenId id = 0;
  std::string content;
  bool singleWord = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = false;
  bool special = false;
};

/// A piece of text, and the added token it is (id >= 0) or -1 for plain text.
struct Segment {
  std::string_view text;
  TokenId id;
};

/// Leftmost-longest matching of a set of token strings (a byte trie).
class AddedTokenMatcher {
public:
  /// `patterns[i]` is the text to find for `tokens[i]`.
  void build(std::vector<AddedToken> tokens, std::vector<std::string> patterns);

  /// Splits `text` into plain segments and matched tokens, in order, applying
  /// each token's single_word, lstrip and rstrip options.
  void split(std::string_view text, std::vector<Segment> &out) const;

private:
  struct Node {
    std::vector<std::pair<unsigned char, int>> children;
    int token = -1; ///< index into tokens_ of a pattern ending here
  };
  /// Longest pattern starting at `pos`: its token index and length.
  bool longestAt(std::string_view text, size_t pos, int &token,
                 size_t &length) const;

  std::vector<AddedToken> tokens_;
  std::vector<Node> nodes_;
};

} // namespace mamba::text

#endif // MAMBA_TEXT_ADDED_TOKENS_H

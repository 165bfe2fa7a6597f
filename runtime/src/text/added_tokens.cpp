// Added-token matching; the strip and word-boundary rules follow
// AddedVocabulary::find_matches in the tokenizers library.
#include "added_tokens.h"

#include "../unicode/char_class.h"
#include "../unicode/utf8.h"

#include <algorithm>

namespace mamba::text {
namespace {

using unicode::CharClass;

bool isWordChar(uint32_t cp) {
  CharClass cls = unicode::classify(cp);
  return cls == CharClass::Letter || cls == CharClass::Number || cp == '_';
}

/// Where the last character of `text` (not empty) starts.
size_t lastCharStart(std::string_view text) {
  size_t pos = text.size() - 1;
  while (pos > 0 && text.size() - pos < 4 &&
         (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80)
    --pos;
  return pos;
}

uint32_t lastChar(std::string_view text) {
  return unicode::decodeUtf8(text, lastCharStart(text)).cp;
}

bool isSpace(uint32_t cp) { return unicode::classify(cp) == CharClass::Space; }

/// Start of the whitespace that ends `text`.
size_t trailingSpaceStart(std::string_view text) {
  size_t end = text.size();
  while (end > 0) {
    size_t start = lastCharStart(text.substr(0, end));
    if (!isSpace(unicode::decodeUtf8(text, start).cp))
      break;
    end = start;
  }
  return end;
}

/// Length of the whitespace that starts `text`.
size_t leadingSpaceLength(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    unicode::DecodedChar c = unicode::decodeUtf8(text, pos);
    if (!isSpace(c.cp))
      break;
    pos += c.length;
  }
  return pos;
}

} // namespace

void AddedTokenMatcher::build(std::vector<AddedToken> tokens,
                              std::vector<std::string> patterns) {
  tokens_ = std::move(tokens);
  nodes_.assign(1, Node());
  for (size_t t = 0; t < patterns.size(); ++t) {
    if (patterns[t].empty())
      continue;
    int node = 0;
    for (unsigned char byte : patterns[t]) {
      int child = -1;
      for (const auto &[b, index] : nodes_[node].children)
        if (b == byte)
          child = index;
      if (child < 0) {
        child = static_cast<int>(nodes_.size());
        nodes_[node].children.emplace_back(byte, child);
        nodes_.emplace_back();
      }
      node = child;
    }
    // The first token with a given content wins, as in the reference.
    if (nodes_[node].token < 0)
      nodes_[node].token = static_cast<int>(t);
  }
}

bool AddedTokenMatcher::longestAt(std::string_view text, size_t pos, int &token,
                                  size_t &length) const {
  int node = 0;
  bool found = false;
  for (size_t i = pos; i < text.size(); ++i) {
    int child = -1;
    for (const auto &[b, index] : nodes_[node].children)
      if (b == static_cast<unsigned char>(text[i]))
        child = index;
    if (child < 0)
      break;
    node = child;
    if (nodes_[node].token >= 0) {
      token = nodes_[node].token;
      length = i + 1 - pos;
      found = true;
    }
  }
  return found;
}

void AddedTokenMatcher::split(std::string_view text,
                              std::vector<Segment> &out) const {
  if (nodes_.empty()) {
    if (!text.empty())
      out.push_back({text, -1});
    return;
  }
  size_t consumed = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    int index;
    size_t length;
    if (!longestAt(text, pos, index, length)) {
      ++pos;
      continue;
    }
    const AddedToken &token = tokens_[static_cast<size_t>(index)];
    size_t start = pos, stop = pos + length;
    pos = stop;
    if (token.singleWord) {
      bool wordBefore =
          start > 0 && isWordChar(lastChar(text.substr(0, start)));
      bool wordAfter =
          stop < text.size() && isWordChar(unicode::decodeUtf8(text, stop).cp);
      if (wordBefore || wordAfter)
        continue;
    }
    if (token.lstrip)
      start = std::max(trailingSpaceStart(text.substr(0, start)), consumed);
    if (token.rstrip) {
      stop += leadingSpaceLength(text.substr(stop));
      pos = stop;
    }
    if (start > consumed)
      out.push_back({text.substr(consumed, start - consumed), -1});
    out.push_back({text.substr(start, stop - start), token.id});
    consumed = stop;
  }
  if (consumed < text.size())
    out.push_back({text.substr(consumed), -1});
}

} // namespace mamba::text

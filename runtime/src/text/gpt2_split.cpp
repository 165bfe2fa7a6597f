// The regex's alternatives are tried in order at each position, as the
// backtracking engine of the reference tokenizer (Oniguruma) does.
#include "gpt2_split.h"

#include "../unicode/char_class.h"
#include "../unicode/utf8.h"

namespace mamba::text {
namespace {

using unicode::CharClass;

struct Cursor {
  std::string_view text;

  CharClass classAt(size_t pos) const {
    return unicode::classify(unicode::decodeUtf8(text, pos).cp);
  }
  size_t next(size_t pos) const {
    return pos + unicode::decodeUtf8(text, pos).length;
  }
  /// End of the run of characters of class `cls` starting at `pos`.
  size_t runEnd(size_t pos, CharClass cls) const {
    while (pos < text.size() && classAt(pos) == cls)
      pos = next(pos);
    return pos;
  }
};

/// Length of a contraction ('s 't 're 've 'm 'll 'd) at `pos`, or 0.
size_t contractionLength(std::string_view text, size_t pos) {
  if (text[pos] != '\'' || pos + 1 >= text.size())
    return 0;
  char a = text[pos + 1];
  if (a == 's' || a == 't' || a == 'm' || a == 'd')
    return 2;
  if (pos + 2 >= text.size())
    return 0;
  char b = text[pos + 2];
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') ||
      (a == 'l' && b == 'l'))
    return 3;
  return 0;
}

/// End of the match that starts at `pos` (< text.size()).
size_t matchEnd(const Cursor &c, size_t pos) {
  if (size_t n = contractionLength(c.text, pos))
    return pos + n;
  // " ?X+" for X in letters, numbers, other: the optional space is U+0020.
  size_t body = c.text[pos] == ' ' ? pos + 1 : pos;
  if (body < c.text.size()) {
    switch (c.classAt(body)) {
    case CharClass::Letter:
      return c.runEnd(body, CharClass::Letter);
    case CharClass::Number:
      return c.runEnd(body, CharClass::Number);
    case CharClass::Other:
      return c.runEnd(body, CharClass::Other);
    case CharClass::Space:
      break;
    }
  }
  // "\s+(?!\S)" backs off one character when the run is followed by a
  // non-space; a one-character run then falls through to "\s+".
  size_t end = c.runEnd(pos, CharClass::Space);
  if (end == c.text.size())
    return end;
  size_t last = pos;
  for (size_t p = pos; p < end; p = c.next(p))
    last = p;
  return last > pos ? last : end;
}

} // namespace

void splitGpt2(std::string_view text, std::vector<std::string_view> &pieces) {
  Cursor cursor{text};
  for (size_t pos = 0; pos < text.size();) {
    size_t end = matchEnd(cursor, pos);
    pieces.push_back(text.substr(pos, end - pos));
    pos = end;
  }
}

} // namespace mamba::text

// Character classification by binary search over the generated range table.
#include "char_class.h"

#include "unicode_tables.h"

#include <algorithm>
#include <iterator>

namespace mamba::unicode {
namespace {

/// The White_Space property: few enough to list.
bool isWhiteSpace(uint32_t cp) {
  static const uint32_t kSpaces[] = {0x09,   0x0A,   0x0B,   0x0C,   0x0D,
                                     0x20,   0x85,   0xA0,   0x1680, 0x2028,
                                     0x2029, 0x202F, 0x205F, 0x3000};
  return (cp >= 0x2000 && cp <= 0x200A) ||
         std::find(std::begin(kSpaces), std::end(kSpaces), cp) !=
             std::end(kSpaces);
}

} // namespace

CharClass classify(uint32_t cp) {
  if (cp < 0x80) {
    if ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z')
      return CharClass::Letter;
    if (cp >= '0' && cp <= '9')
      return CharClass::Number;
    return isWhiteSpace(cp) ? CharClass::Space : CharClass::Other;
  }
  if (isWhiteSpace(cp))
    return CharClass::Space;
  const CategoryRange *end = kCategoryRanges + kNumCategoryRanges;
  const CategoryRange *it = std::upper_bound(
      kCategoryRanges, end, cp,
      [](uint32_t value, const CategoryRange &r) { return value < r.first; });
  if (it == kCategoryRanges || cp > (it - 1)->last)
    return CharClass::Other;
  return (it - 1)->category == kLetter ? CharClass::Letter : CharClass::Number;
}

} // namespace mamba::unicode

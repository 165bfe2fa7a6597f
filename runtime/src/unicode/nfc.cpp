// NFC per UAX #15: decompose fully, order combining marks by class, recompose
// primary composites; Hangul syllables are handled arithmetically.
#include "nfc.h"

#include "unicode_tables.h"
#include "utf8.h"

#include <algorithm>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace mamba::unicode {
namespace {

constexpr uint32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161,
                   kTBase = 0x11A7;
constexpr uint32_t kLCount = 19, kVCount = 21, kTCount = 28;
constexpr uint32_t kNCount = kVCount * kTCount, kSCount = kLCount * kNCount;

/// A decoded code point, or an ill-formed byte run kept verbatim.
struct Item {
  uint32_t cp;
  uint8_t ccc;
  std::string_view raw; ///< set only for ill-formed input
};

uint8_t combiningClass(uint32_t cp) {
  if (cp < 0x300 || cp == kInvalidCodePoint)
    return 0;
  const CombiningRange *end = kCombiningRanges + kNumCombiningRanges;
  const CombiningRange *it = std::upper_bound(
      kCombiningRanges, end, cp,
      [](uint32_t value, const CombiningRange &r) { return value < r.first; });
  if (it == kCombiningRanges || cp > (it - 1)->last)
    return 0;
  return (it - 1)->ccc;
}

const Decomposition *findDecomposition(uint32_t cp) {
  const Decomposition *end = kDecompositions + kNumDecompositions;
  const Decomposition *it = std::lower_bound(
      kDecompositions, end, cp,
      [](const Decomposition &d, uint32_t value) { return d.cp < value; });
  return it != end && it->cp == cp ? it : nullptr;
}

uint64_t pairKey(uint32_t a, uint32_t b) {
  return (static_cast<uint64_t>(a) << 32) | b;
}

/// (starter, combining) -> primary composite, built once from the table.
const std::unordered_map<uint64_t, uint32_t> &compositions() {
  static const std::unordered_map<uint64_t, uint32_t> map = [] {
    std::unordered_map<uint64_t, uint32_t> m;
    for (size_t i = 0; i < kNumDecompositions; ++i) {
      const Decomposition &d = kDecompositions[i];
      if (d.composes)
        m.emplace(pairKey(d.first, d.second), d.cp);
    }
    return m;
  }();
  return map;
}

void decompose(uint32_t cp, std::vector<Item> &out) {
  if (cp >= kSBase && cp < kSBase + kSCount) {
    uint32_t s = cp - kSBase;
    out.push_back({kLBase + s / kNCount, 0, {}});
    out.push_back({kVBase + (s % kNCount) / kTCount, 0, {}});
    if (s % kTCount != 0)
      out.push_back({kTBase + s % kTCount, 0, {}});
    return;
  }
  if (const Decomposition *d = findDecomposition(cp)) {
    decompose(d->first, out);
    if (d->second != 0)
      decompose(d->second, out);
    return;
  }
  out.push_back({cp, combiningClass(cp), {}});
}

/// Canonical ordering: a stable sort of each run of non-starters by class.
void reorder(std::vector<Item> &items) {
  for (size_t i = 0; i < items.size();) {
    if (items[i].ccc == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < items.size() && items[j].ccc != 0)
      ++j;
    std::stable_sort(
        items.begin() + i, items.begin() + j,
        [](const Item &a, const Item &b) { return a.ccc < b.ccc; });
    i = j;
  }
}

bool composePair(uint32_t first, uint32_t second, uint32_t &composite) {
  if (first >= kLBase && first < kLBase + kLCount && second >= kVBase &&
      second < kVBase + kVCount) {
    composite =
        kSBase + ((first - kLBase) * kVCount + (second - kVBase)) * kTCount;
    return true;
  }
  if (first >= kSBase && first < kSBase + kSCount &&
      (first - kSBase) % kTCount == 0 && second > kTBase &&
      second < kTBase + kTCount) {
    composite = first + (second - kTBase);
    return true;
  }
  const auto &map = compositions();
  auto it = map.find(pairKey(first, second));
  if (it == map.end())
    return false;
  composite = it->second;
  return true;
}

/// The canonical composition algorithm; composed items are removed in place.
void compose(std::vector<Item> &items) {
  size_t starter = SIZE_MAX;
  size_t out = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    Item item = items[i];
    if (starter != SIZE_MAX && item.raw.empty()) {
      // Blocked if a kept item since the starter has class 0 or >= ours.
      uint8_t lastCcc = out - 1 == starter ? 0 : items[out - 1].ccc;
      bool blocked =
          out - 1 != starter && (lastCcc == 0 || lastCcc >= item.ccc);
      uint32_t composite;
      if (!blocked && composePair(items[starter].cp, item.cp, composite)) {
        items[starter].cp = composite;
        continue;
      }
    }
    if (item.ccc == 0)
      starter = item.raw.empty() ? out : SIZE_MAX;
    items[out++] = item;
  }
  items.resize(out);
}

/// Code points whose NFC_Quick_Check is not Yes: those that never survive
/// NFC (singletons, exclusions) and those that may combine with a previous
/// character (the second half of a primary composite, Hangul vowels and
/// trailing consonants). Sorted.
const std::vector<uint32_t> &notQuickYes() {
  static const std::vector<uint32_t> list = [] {
    std::vector<uint32_t> v;
    for (size_t i = 0; i < kNumDecompositions; ++i) {
      const Decomposition &d = kDecompositions[i];
      if (!d.composes)
        v.push_back(d.cp);
      else
        v.push_back(d.second);
    }
    for (uint32_t cp = kVBase; cp < kVBase + kVCount; ++cp)
      v.push_back(cp);
    for (uint32_t cp = kTBase + 1; cp < kTBase + kTCount; ++cp)
      v.push_back(cp);
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
  }();
  return list;
}

/// The NFC quick check: true if `text` is certainly in NFC already, which
/// is the common case and avoids decomposing and recomposing everything.
bool isQuickNfc(std::string_view text) {
  const std::vector<uint32_t> &maybe = notQuickYes();
  uint8_t lastCcc = 0;
  for (size_t pos = 0; pos < text.size();) {
    if (static_cast<uint8_t>(text[pos]) < 0x80) {
      lastCcc = 0;
      ++pos;
      continue;
    }
    DecodedChar c = decodeUtf8(text, pos);
    pos += c.length;
    uint8_t ccc = combiningClass(c.cp);
    if ((ccc != 0 && lastCcc > ccc) ||
        std::binary_search(maybe.begin(), maybe.end(), c.cp))
      return false;
    lastCcc = ccc;
  }
  return true;
}

} // namespace

std::string toNfc(std::string_view text) {
  if (isQuickNfc(text))
    return std::string(text);
  std::vector<Item> items;
  items.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    DecodedChar c = decodeUtf8(text, pos);
    if (c.cp == kInvalidCodePoint)
      items.push_back({c.cp, 0, text.substr(pos, c.length)});
    else
      decompose(c.cp, items);
    pos += c.length;
  }
  reorder(items);
  compose(items);
  std::string out;
  out.reserve(text.size());
  for (const Item &item : items) {
    if (!item.raw.empty())
      out.append(item.raw);
    else
      appendUtf8(out, item.cp);
  }
  return out;
}

} // namespace mamba::unicode

// The generated Unicode property tables (unicode_tables.cpp) and their types.
// Regenerate with gen_unicode_tables.py when moving to a newer Unicode version.
#ifndef MAMBA_UNICODE_UNICODE_TABLES_H
#define MAMBA_UNICODE_UNICODE_TABLES_H

#include <cstddef>
#include <cstdint>

namespace mamba::unicode {

enum MajorCategory : uint8_t { kLetter, kNumber };

/// Code points [first, last] whose general category is L* or N*.
struct CategoryRange {
  uint32_t first;
  uint32_t last;
  MajorCategory category;
};

/// Code points [first, last] with a non-zero canonical combining class.
struct CombiningRange {
  uint32_t first;
  uint32_t last;
  uint8_t ccc;
};

/// One step of canonical decomposition: cp -> first [second]; second is 0 for
/// singletons. `composes` is true for primary composites (NFC recomposes them).
struct Decomposition {
  uint32_t cp;
  uint32_t first;
  uint32_t second;
  bool composes;
};

extern const CategoryRange kCategoryRanges[];
extern const size_t kNumCategoryRanges;
extern const CombiningRange kCombiningRanges[];
extern const size_t kNumCombiningRanges;
extern const Decomposition kDecompositions[];
extern const size_t kNumDecompositions;

} // namespace mamba::unicode

#endif // MAMBA_UNICODE_UNICODE_TABLES_H

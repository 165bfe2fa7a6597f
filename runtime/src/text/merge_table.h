// An open-addressing hash table from token pairs to BPE merges: the lookup
// in the innermost loop of encoding, several times faster than
// std::unordered_map.
#ifndef MAMBA_TEXT_MERGE_TABLE_H
#define MAMBA_TEXT_MERGE_TABLE_H

#include "mamba/tokenizer.h"

#include <cstdint>
#include <vector>

namespace mamba::text {

struct Merge {
  uint32_t rank; ///< position in the merges list; lower merges first
  TokenId result;
};

class MergeTable {
public:
  /// Sizes the table for `count` merges; call before inserting.
  void reserve(size_t count) {
    size_t capacity = 16;
    while (capacity < 2 * count)
      capacity *= 2;
    slots_.assign(capacity, Slot{kEmpty, {0, 0}});
    shift_ = 64;
    for (size_t c = capacity; c > 1; c /= 2)
      --shift_;
  }

  /// Adds or replaces the merge of (left, right).
  void insertOrAssign(TokenId left, TokenId right, Merge merge) {
    if (2 * (size_ + 1) > slots_.size())
      grow();
    Slot &slot = slots_[indexOf(key(left, right))];
    if (slot.key == kEmpty)
      ++size_;
    slot = {key(left, right), merge};
  }

  const Merge *find(TokenId left, TokenId right) const {
    if (slots_.empty())
      return nullptr;
    const Slot &slot = slots_[indexOf(key(left, right))];
    return slot.key == kEmpty ? nullptr : &slot.merge;
  }

private:
  static constexpr uint64_t kEmpty = ~uint64_t(0);
  struct Slot {
    uint64_t key;
    Merge merge;
  };

  static uint64_t key(TokenId left, TokenId right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
           static_cast<uint32_t>(right);
  }

  /// The slot holding `k`, or the empty slot where it would go (linear
  /// probing from a Fibonacci hash).
  size_t indexOf(uint64_t k) const {
    size_t mask = slots_.size() - 1;
    size_t i = static_cast<size_t>((k * 0x9E3779B97F4A7C15ull) >> shift_);
    while (slots_[i].key != kEmpty && slots_[i].key != k)
      i = (i + 1) & mask;
    return i;
  }

  void grow() {
    std::vector<Slot> old = std::move(slots_);
    reserve(old.empty() ? 8 : old.size());
    size_ = 0;
    for (const Slot &slot : old)
      if (slot.key != kEmpty) {
        slots_[indexOf(slot.key)] = slot;
        ++size_;
      }
  }

  std::vector<Slot> slots_;
  unsigned shift_ = 64;
  size_t size_ = 0;
};

} // namespace mamba::text

#endif // MAMBA_TEXT_MERGE_TABLE_H

// Merging follows Word::merge_all of the tokenizers library: a heap of
// candidate pairs ordered by (rank, position), stale entries skipped, so that
// results match it exactly, in O(n log n) for long words.
#include "bpe_model.h"

#include "byte_level.h"

#include <queue>

namespace mamba::text {
namespace {

struct Symbol {
  TokenId id;
  int prev;
  int next;
  bool removed;
};

struct Candidate {
  uint32_t rank;
  int pos;
  TokenId result;
  /// std::priority_queue pops the largest, so "less" means "merges later".
  bool operator<(const Candidate &other) const {
    if (rank != other.rank)
      return rank > other.rank;
    return pos > other.pos;
  }
};

} // namespace

void BpeModel::encodeWord(std::string_view word,
                          std::vector<TokenId> &out) const {
  if (ignoreMerges) {
    auto it = vocab.find(bytesToVocabSpelling(word));
    if (it != vocab.end()) {
      out.push_back(it->second);
      return;
    }
  }
  std::vector<Symbol> symbols;
  symbols.reserve(word.size());
  for (char c : word) {
    TokenId id = byteIds[static_cast<unsigned char>(c)];
    if (id < 0) {
      if (unkId < 0 ||
          (fuseUnk && !symbols.empty() && symbols.back().id == unkId))
        continue;
      id = unkId;
    }
    int index = static_cast<int>(symbols.size());
    symbols.push_back({id, index - 1, index + 1, false});
  }
  if (symbols.empty())
    return;
  symbols.back().next = -1;
  int n = static_cast<int>(symbols.size());

  std::priority_queue<Candidate> queue;
  auto push = [&](int pos) {
    int next = symbols[pos].next;
    if (next < 0)
      return;
    if (const Merge *m = merges.find(symbols[pos].id, symbols[next].id))
      queue.push({m->rank, pos, m->result});
  };
  for (int i = 0; i + 1 < n; ++i)
    push(i);

  while (!queue.empty()) {
    Candidate top = queue.top();
    queue.pop();
    Symbol &left = symbols[top.pos];
    if (left.removed || left.next < 0)
      continue;
    Symbol &right = symbols[left.next];
    const Merge *m = merges.find(left.id, right.id);
    if (!m || m->result != top.result)
      continue; // the pair changed since this entry was queued
    left.id = top.result;
    right.removed = true;
    left.next = right.next;
    if (left.next >= 0)
      symbols[left.next].prev = top.pos;
    if (left.prev >= 0)
      push(left.prev);
    push(top.pos);
  }
  for (const Symbol &s : symbols)
    if (!s.removed)
      out.push_back(s.id);
}

} // namespace mamba::text

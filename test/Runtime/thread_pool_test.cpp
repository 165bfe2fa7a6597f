// Unit tests of the thread pool: coverage of the range, alignment of split
// points, and many back-to-back loops (the decode pattern).
#include "mamba/thread_pool.h"

#include <gtest/gtest.h>
#include <mutex>
#include <set>

namespace mamba {
namespace {

TEST(ThreadPool, CoversRangeOnceWithAlignedSplits) {
  for (int threads : {1, 2, 3, 5}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.size(), threads);
    for (int64_t n : {1, 7, 16, 33, 1000}) {
      std::vector<int> hits(n, 0);
      std::mutex m;
      std::set<std::thread::id> ids;
      std::vector<int64_t> begins;
      pool.parallelFor(n, 8, [&](int64_t begin, int64_t end) {
        std::lock_guard<std::mutex> lock(m);
        begins.push_back(begin);
        ids.insert(std::this_thread::get_id());
        for (int64_t i = begin; i < end; ++i)
          ++hits[i];
      });
      for (int64_t i = 0; i < n; ++i)
        ASSERT_EQ(hits[i], 1) << "threads " << threads << " n " << n;
      for (int64_t b : begins)
        EXPECT_EQ(b % 8, 0);
      EXPECT_LE(static_cast<int>(ids.size()), threads);
      if (n >= 8 * threads) {
        EXPECT_EQ(static_cast<int>(ids.size()), threads) << "n " << n;
      }
    }
  }
}

TEST(ThreadPool, ManyShortLoops) {
  ThreadPool pool(2);
  std::vector<int64_t> sums(2, 0);
  int64_t total = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    std::vector<int64_t> part(2, 0);
    pool.parallelFor(64, 16, [&](int64_t begin, int64_t end) {
      int slot = begin == 0 ? 0 : 1;
      for (int64_t i = begin; i < end; ++i)
        part[slot] += i;
    });
    total += part[0] + part[1];
  }
  EXPECT_EQ(total, 20000 * (63 * 64 / 2));
}

TEST(ThreadPool, ZeroItemsIsANoOp) {
  ThreadPool pool(2);
  bool called = false;
  pool.parallelFor(0, 1, [&](int64_t, int64_t) { called = true; });
  EXPECT_FALSE(called);
}

} // namespace
} // namespace mamba

// Checks that the token loop allocates nothing: this binary replaces global
// operator new with a counting one and runs prefill and decode steps.
#include "mamba/cpu_model.h"

#include <atomic>
#include <cstdlib>
#include <gtest/gtest.h>
#include <new>

namespace {
std::atomic<long> allocations{0};
} // namespace

void *operator new(std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void *p = std::malloc(size ? size : 1))
    return p;
  throw std::bad_alloc();
}
void operator delete(void *p) noexcept { std::free(p); }
void operator delete(void *p, std::size_t) noexcept { std::free(p); }

namespace mamba {
namespace {

TEST(NoAllocation, ForwardAndDecodeDoNotAllocate) {
  ModelConfig c;
  c.dModel = 64;
  c.nLayer = 2;
  c.vocabSize = 500;
  c.dtRank = 4;
  CpuModelOptions options;
  options.numThreads = 2;
  options.maxBatch = 2;
  options.maxChunk = 8;
  auto model = CpuModel::create(makeRandomWeights(c, 3), options);
  ASSERT_TRUE(model.ok());
  ModelState state = (*model)->makeState(2);
  std::vector<int32_t> prompt(2 * 20, 7);
  std::vector<float> all(2 * 20 * c.vocabSize), last(2 * c.vocabSize);
  int32_t next[2] = {1, 2};

  long before = allocations.load();
  // 20 tokens with maxChunk 8: three internal chunks.
  Status s1 =
      (*model)->forward(prompt.data(), 20, state, LogitsMode::All, all.data());
  Status s2 = (*model)->forward(prompt.data(), 20, state, LogitsMode::Last,
                                last.data());
  Status s3 = Status::success();
  for (int i = 0; i < 16 && s3.ok(); ++i)
    s3 = (*model)->decode(next, state, last.data());
  long during = allocations.load() - before;

  ASSERT_TRUE(s1.ok() && s2.ok() && s3.ok());
  EXPECT_EQ(during, 0) << "allocations inside forward()/decode()";
  // The counter works: making a state allocates.
  ModelState other = (*model)->makeState(1);
  EXPECT_GT(allocations.load() - before, 0);
}

} // namespace
} // namespace mamba

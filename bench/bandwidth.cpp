// Sums a large buffer with several independent vector accumulators per
// thread, so loads, not the add latency, are the limit.
#include "bandwidth.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

namespace mamba::bench {
namespace {

// SSE-sized vectors: baseline x86-64 keeps eight of them in registers (wider
// generic vectors spill to the stack there), and two 16-byte loads a cycle
// per core exceed what memory delivers.
typedef float Vec __attribute__((vector_size(16)));
constexpr size_t kLanes = sizeof(Vec) / sizeof(float);
constexpr size_t kAccumulators = 8;

float sumRange(const float *data, size_t count) {
  Vec acc[kAccumulators] = {};
  const size_t step = kLanes * kAccumulators;
  for (size_t i = 0; i + step <= count; i += step)
    for (size_t a = 0; a < kAccumulators; ++a) {
      Vec v;
      __builtin_memcpy(&v, data + i + a * kLanes, sizeof v);
      acc[a] += v;
    }
  float total = 0;
  for (const Vec &v : acc)
    for (size_t l = 0; l < kLanes; ++l)
      total += v[l];
  return total;
}

std::atomic<float> sink{0};

} // namespace

double measureReadBandwidth(size_t bytes, int threads, int passes) {
  const size_t count = bytes / sizeof(float);
  std::vector<float> buffer(count);
  const size_t part = count / threads;
  // Touch the pages from the threads that will read them.
  {
    std::vector<std::thread> fill;
    for (int t = 0; t < threads; ++t)
      fill.emplace_back([&, t] {
        std::fill(buffer.begin() + t * part, buffer.begin() + (t + 1) * part,
                  1.0f);
      });
    for (std::thread &th : fill)
      th.join();
  }
  double best = 0;
  for (int pass = 0; pass < passes; ++pass) {
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> workers;
    auto work = [&](int t) {
      float s = sumRange(buffer.data() + t * part, part);
      sink.store(sink.load(std::memory_order_relaxed) + s,
                 std::memory_order_relaxed);
    };
    for (int t = 1; t < threads; ++t)
      workers.emplace_back([&, t] {
        ready.fetch_add(1);
        while (!go.load(std::memory_order_acquire))
          std::this_thread::yield();
        work(t);
      });
    while (ready.load() != threads - 1)
      std::this_thread::yield();
    auto start = std::chrono::steady_clock::now();
    go.store(true, std::memory_order_release);
    work(0);
    for (std::thread &th : workers)
      th.join();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    best = std::max(best, static_cast<double>(part * threads * sizeof(float)) /
                              seconds);
  }
  return best;
}

} // namespace mamba::bench

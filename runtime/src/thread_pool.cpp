// ThreadPool: workers spin briefly before sleeping, because a decode step
// issues hundreds of short parallel loops and a futex wake-up per loop would
// cost more than the loop itself.
#include "mamba/thread_pool.h"

#include <algorithm>
#include <chrono>

namespace mamba {

namespace {

// How long a thread polls before it blocks: longer than the gap between the
// parallel loops of a decode step, far shorter than a scheduler tick.
constexpr auto kSpinTime = std::chrono::microseconds(100);

inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

/// Polls `done` for up to kSpinTime; true if it became true.
template <class Pred> bool spinUntil(Pred done) {
  auto deadline = std::chrono::steady_clock::now() + kSpinTime;
  while (true) {
    // Reading the clock costs more than a poll, so poll in batches.
    for (int i = 0; i < 64; ++i) {
      if (done())
        return true;
      cpuRelax();
    }
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
  }
}

} // namespace

ThreadPool::ThreadPool(int numThreads) {
  if (numThreads <= 0)
    numThreads = std::max(1u, std::thread::hardware_concurrency());
  for (int i = 1; i < numThreads; ++i)
    workers_.emplace_back([this, i] { workerLoop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(startMutex_);
    stop_.store(true, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
  }
  startCv_.notify_all();
  for (std::thread &t : workers_)
    t.join();
}

void ThreadPool::runPart(int index) {
  int64_t begin = std::min(n_, index * chunk_);
  int64_t end = std::min(n_, begin + chunk_);
  if (begin < end)
    fn_(ctx_, begin, end);
}

void ThreadPool::run(TaskFn fn, void *ctx, int64_t n, int64_t align) {
  if (n <= 0)
    return;
  align = std::max<int64_t>(align, 1);
  int64_t units = (n + align - 1) / align;
  int64_t parts = std::min<int64_t>(size(), units);
  if (parts == 1) {
    fn(ctx, 0, n);
    return;
  }
  fn_ = fn;
  ctx_ = ctx;
  n_ = n;
  chunk_ = (units + parts - 1) / parts * align;
  pending_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(startMutex_);
    generation_.fetch_add(1, std::memory_order_release);
  }
  startCv_.notify_all();
  runPart(0);
  if (spinUntil(
          [this] { return pending_.load(std::memory_order_acquire) == 0; }))
    return;
  std::unique_lock<std::mutex> lock(doneMutex_);
  doneCv_.wait(
      lock, [this] { return pending_.load(std::memory_order_acquire) == 0; });
}

void ThreadPool::workerLoop(int index) {
  uint64_t seen = 0;
  while (true) {
    uint64_t g = seen;
    spinUntil([&] {
      g = generation_.load(std::memory_order_acquire);
      return g != seen;
    });
    if (g == seen) {
      std::unique_lock<std::mutex> lock(startMutex_);
      startCv_.wait(lock, [&] {
        return generation_.load(std::memory_order_acquire) != seen;
      });
      g = generation_.load(std::memory_order_acquire);
    }
    seen = g;
    if (stop_.load(std::memory_order_relaxed))
      return;
    runPart(index);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      // Taking the lock orders this notify after the waiter's predicate
      // check, so the wake-up cannot be lost.
      { std::lock_guard<std::mutex> lock(doneMutex_); }
      doneCv_.notify_one();
    }
  }
}

} // namespace mamba

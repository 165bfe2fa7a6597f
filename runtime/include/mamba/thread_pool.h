// A small fixed thread pool for data-parallel loops: the caller takes part in
// the work and dispatch allocates nothing, so it can run inside a token loop.
#ifndef MAMBA_THREAD_POOL_H
#define MAMBA_THREAD_POOL_H

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace mamba {

class ThreadPool {
public:
  /// `numThreads` counts the calling thread; 0 means one per hardware thread.
  explicit ThreadPool(int numThreads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  /// Splits [0, n) into at most size() contiguous ranges whose boundaries are
  /// multiples of `align` and calls fn(begin, end) for each, one per thread;
  /// returns when all are done. Not reentrant: fn must not call parallelFor.
  template <class F> void parallelFor(int64_t n, int64_t align, F &&fn) {
    using Fn = std::remove_reference_t<F>;
    run([](void *ctx, int64_t begin,
           int64_t end) { (*static_cast<Fn *>(ctx))(begin, end); },
        const_cast<void *>(static_cast<const void *>(&fn)), n, align);
  }

private:
  using TaskFn = void (*)(void *, int64_t, int64_t);
  void run(TaskFn fn, void *ctx, int64_t n, int64_t align);
  void workerLoop(int index);
  void runPart(int index);

  std::vector<std::thread> workers_;
  // The current task; written before generation_ is bumped.
  TaskFn fn_ = nullptr;
  void *ctx_ = nullptr;
  int64_t n_ = 0;
  int64_t chunk_ = 0;

  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
  std::mutex startMutex_;
  std::condition_variable startCv_;
  std::mutex doneMutex_;
  std::condition_variable doneCv_;
};

} // namespace mamba

#endif // MAMBA_THREAD_POOL_H

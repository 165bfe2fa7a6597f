// Runs emitted CUDA C on the host, one block at a time, each thread a fiber
// on this thread: enough of CUDA (thread and block indices, shared memory,
// __syncthreads, the warp intrinsics with their masks, shared-memory
// atomics) to check a kernel's logic where no GPU is. Fibers switch only in
// a barrier or a warp intrinsic, so a run is deterministic, and a lane that
// waits on a mask naming a lane that has left is reported as a deadlock.
// Include it, then the kernel's source (with __CUDA_ARCH__ defined as the
// architecture to emulate), prelude (emitPrelude()) included: it defines
// MAMBA_HOST_EMULATION, which keeps the prelude's inline PTX out, and gives
// the prelude the four functions that stand in for it.
#ifndef MAMBA_TEST_RUNTIME_CUDA_EMULATOR_H
#define MAMBA_TEST_RUNTIME_CUDA_EMULATOR_H

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <math.h>
#include <memory>
#include <stdexcept>
#include <string>
#include <ucontext.h>
#include <vector>

namespace mamba::emu {

struct Index {
  unsigned x = 0, y = 0, z = 0;
};

/// One rendezvous of a warp's lanes in a mask: the values they bring.
struct Meeting {
  unsigned arrived = 0, left = 0;
  uint64_t values[32] = {};
};

struct Fiber {
  ucontext_t context;
  std::vector<char> stack;
  Index thread;
  bool done = false;
};

/// The block being run: its fibers, its barrier and its warps' meetings.
struct Block {
  std::vector<std::unique_ptr<Fiber>> fibers;
  size_t current = 0;
  ucontext_t scheduler;
  unsigned barrierArrived = 0, barrierLeft = 0;
  std::vector<std::map<unsigned, Meeting>> meetings; ///< per warp, by mask
  std::function<void()> body;
  Index size;              ///< blockDim: threads x 1 x 1
  bool progressed = false; ///< a fiber arrived or left since the last round
  std::string error;       ///< why a fiber stopped the block
};

inline Block *&block() {
  static Block *b = nullptr;
  return b;
}

inline Fiber &self() { return *block()->fibers[block()->current]; }
inline Index &blockSize() { return block()->size; }

/// Back to the scheduler, which runs the next fiber.
inline void yield() {
  Block &b = *block();
  swapcontext(&b.fibers[b.current]->context, &b.scheduler);
}

inline void progress() { block()->progressed = true; }

inline void fiberMain() {
  try {
    block()->body();
  } catch (const std::exception &e) {
    block()->error = e.what();
  }
  self().done = true;
  progress();
  swapcontext(&self().context, &block()->scheduler);
}

/// Thread `t`'s fiber, to start at fiberMain. (Apart from the loop that
/// makes them: getcontext returns twice, which a caller's locals may not
/// survive.)
inline std::unique_ptr<Fiber> makeFiber(unsigned t) {
  auto f = std::make_unique<Fiber>();
  f->thread.x = t;
  f->stack.resize(64 * 1024);
  getcontext(&f->context);
  f->context.uc_stack.ss_sp = f->stack.data();
  f->context.uc_stack.ss_size = f->stack.size();
  f->context.uc_link = nullptr;
  makecontext(&f->context, fiberMain, 0);
  return f;
}

/// Runs `body` once per thread of a block of `threads` threads.
inline void runBlock(unsigned threads, const std::function<void()> &body) {
  Block b;
  b.body = body;
  b.size = {threads, 1, 1};
  b.meetings.resize((threads + 31) / 32);
  for (unsigned t = 0; t < threads; ++t)
    b.fibers.push_back(makeFiber(t));
  Block *outer = block();
  block() = &b;
  size_t live = threads;
  while (live > 0 && b.error.empty()) {
    live = 0;
    b.progressed = false;
    for (b.current = 0; b.current < b.fibers.size(); ++b.current) {
      if (b.fibers[b.current]->done)
        continue;
      swapcontext(&b.scheduler, &b.fibers[b.current]->context);
      live += !b.fibers[b.current]->done;
    }
    // A round in which no fiber arrived anywhere or left: all of them wait
    // on one another for ever.
    if (live > 0 && !b.progressed && b.error.empty())
      b.error = "deadlock: every live thread waits in a barrier or a warp "
                "intrinsic that cannot complete";
  }
  block() = outer;
  if (!b.error.empty())
    throw std::runtime_error("emulated kernel: " + b.error);
}

inline unsigned lane() { return self().thread.x % 32; }

/// The values the lanes of `mask` bring to the same intrinsic; the caller
/// must be in `mask`.
inline std::array<uint64_t, 32> meet(unsigned mask, uint64_t value) {
  if (!(mask >> lane() & 1u))
    throw std::runtime_error(
        "warp intrinsic called by a lane outside its mask");
  Meeting &m = block()->meetings[self().thread.x / 32][mask];
  const unsigned n = static_cast<unsigned>(__builtin_popcount(mask));
  while (m.arrived == n) // the previous meeting is still being read
    yield();
  m.values[lane()] = value;
  ++m.arrived;
  progress();
  while (m.arrived < n)
    yield();
  std::array<uint64_t, 32> copy;
  std::copy(m.values, m.values + 32, copy.begin());
  if (++m.left == n) {
    m.arrived = 0;
    m.left = 0;
  }
  progress();
  return copy;
}

template <class T> uint64_t bits(T v) {
  uint64_t b = 0;
  std::memcpy(&b, &v, sizeof(T));
  return b;
}
template <class T> T fromBits(uint64_t b) {
  T v;
  std::memcpy(&v, &b, sizeof(T));
  return v;
}

} // namespace mamba::emu

// What the kernel's source sees.
#define __device__
#define __global__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static // blocks run one at a time
#define __restrict__ __restrict
#define __align__(n) __attribute__((aligned(n)))

// The prelude's PTX, as the host computes it: exact where the GPU's is
// approximate (ex2.approx, rcp.approx are within 2 ulp of these).
#define MAMBA_HOST_EMULATION 1
inline float mamba_exp2(float x) { return std::exp2(x); }
inline float mamba_rcp(float x) { return 1.0f / x; }
inline float mamba_f16_to_f32(unsigned short h) {
  _Float16 f;
  std::memcpy(&f, &h, sizeof h);
  return static_cast<float>(f);
}
inline unsigned short mamba_f32_to_f16(float v) {
  const _Float16 f = static_cast<_Float16>(v); // round to nearest even
  unsigned short h;
  std::memcpy(&h, &f, sizeof h);
  return h;
}

struct float4 {
  float x, y, z, w;
};
struct int4 {
  int x, y, z, w;
};
inline int4 make_int4(int x, int y, int z, int w) { return {x, y, z, w}; }

#define threadIdx (mamba::emu::self().thread)
#define blockIdx (mamba::emu::blockIndex())
#define gridDim (mamba::emu::gridSize())
#define blockDim (mamba::emu::blockSize())
namespace mamba::emu {
inline Index &blockIndex() {
  static Index i;
  return i;
}
inline Index &gridSize() {
  static Index g;
  return g;
}
} // namespace mamba::emu

using std::max;
using std::min;

inline int __float_as_int(float f) {
  return mamba::emu::fromBits<int>(mamba::emu::bits(f));
}
inline unsigned __float_as_uint(float f) {
  return mamba::emu::fromBits<unsigned>(mamba::emu::bits(f));
}
inline float __int_as_float(int i) {
  return mamba::emu::fromBits<float>(mamba::emu::bits(i));
}
inline float __uint_as_float(unsigned i) {
  return mamba::emu::fromBits<float>(mamba::emu::bits(i));
}
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
inline int __ffs(unsigned x) { return __builtin_ffs(static_cast<int>(x)); }
inline int __popc(unsigned x) { return __builtin_popcount(x); }

inline void __syncthreads() {
  using namespace mamba::emu;
  Block &b = *block();
  const unsigned n = static_cast<unsigned>(b.fibers.size());
  while (b.barrierArrived == n)
    yield();
  ++b.barrierArrived;
  progress();
  while (b.barrierArrived < n)
    yield();
  if (++b.barrierLeft == n) {
    b.barrierArrived = 0;
    b.barrierLeft = 0;
  }
  progress();
}

// `width` (a power of two) splits the warp into segments; `src` is then a
// lane of the caller's segment.
template <class T> T __shfl_sync(unsigned mask, T v, int src, int width = 32) {
  const unsigned segment = mamba::emu::lane() & ~(width - 1u);
  return mamba::emu::fromBits<T>(mamba::emu::meet(
      mask, mamba::emu::bits(v))[segment + (src & (width - 1))]);
}
template <class T> T __shfl_up_sync(unsigned mask, T v, unsigned d) {
  const std::array<uint64_t, 32> all =
      mamba::emu::meet(mask, mamba::emu::bits(v));
  const unsigned l = mamba::emu::lane();
  return l >= d ? mamba::emu::fromBits<T>(all[l - d]) : v;
}
template <class T> T __shfl_down_sync(unsigned mask, T v, unsigned d) {
  const std::array<uint64_t, 32> all =
      mamba::emu::meet(mask, mamba::emu::bits(v));
  const unsigned l = mamba::emu::lane();
  return l + d < 32 ? mamba::emu::fromBits<T>(all[l + d]) : v;
}
template <class T>
T __shfl_xor_sync(unsigned mask, T v, int m, int width = 32) {
  // As in CUDA: a source in a later segment than the caller's gives the
  // caller its own value (an earlier one may be read).
  const unsigned l = mamba::emu::lane(), src = (l ^ m) % 32;
  const std::array<uint64_t, 32> all =
      mamba::emu::meet(mask, mamba::emu::bits(v));
  return (src & ~(width - 1u)) <= (l & ~(width - 1u))
             ? mamba::emu::fromBits<T>(all[src])
             : v;
}
inline unsigned __ballot_sync(unsigned mask, int predicate) {
  const std::array<uint64_t, 32> all = mamba::emu::meet(mask, predicate != 0);
  unsigned out = 0;
  for (unsigned l = 0; l < 32; ++l)
    if ((mask >> l & 1u) && all[l])
      out |= 1u << l;
  return out;
}
template <class T> unsigned __match_any_sync(unsigned mask, T v) {
  const std::array<uint64_t, 32> all =
      mamba::emu::meet(mask, mamba::emu::bits(v));
  const uint64_t mine = all[mamba::emu::lane()];
  unsigned out = 0;
  for (unsigned l = 0; l < 32; ++l)
    if ((mask >> l & 1u) && all[l] == mine)
      out |= 1u << l;
  return out;
}
inline unsigned __reduce_add_sync(unsigned mask, unsigned v) {
  const std::array<uint64_t, 32> all = mamba::emu::meet(mask, v);
  unsigned sum = 0;
  for (unsigned l = 0; l < 32; ++l)
    if (mask >> l & 1u)
      sum += static_cast<unsigned>(all[l]);
  return sum;
}
// One fiber runs at a time, so an atomic is a plain read-modify-write.
template <class T> T atomicAdd(T *address, T v) {
  const T old = *address;
  *address = old + v;
  return old;
}

namespace mamba::emu {
/// Runs `kernel(args...)` over a grid of `grid.x` x `grid.y` x `grid.z`
/// blocks (0 counts as 1) of `threads` threads, one block after another.
template <class... Params, class... Args>
void launch(void (*kernel)(Params...), Index grid, unsigned threads,
            Args... args) {
  grid.y = std::max(grid.y, 1u);
  grid.z = std::max(grid.z, 1u);
  gridSize() = grid;
  for (unsigned z = 0; z < grid.z; ++z)
    for (unsigned y = 0; y < grid.y; ++y)
      for (unsigned x = 0; x < grid.x; ++x) {
        blockIndex() = {x, y, z};
        runBlock(threads, [&] { kernel(args...); });
      }
}
template <class... Params, class... Args>
void launch(void (*kernel)(Params...), unsigned grid, unsigned threads,
            Args... args) {
  launch(kernel, Index{grid, 1, 1}, threads, args...);
}
} // namespace mamba::emu

#endif // MAMBA_TEST_RUNTIME_CUDA_EMULATOR_H

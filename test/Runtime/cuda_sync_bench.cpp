// The floor of one grid-wide dependency: 48 dependent phases (the 130m
// decode step's two per layer), each reading a 768-float vector that the
// phase before wrote, reducing it per block, and adding one value per block
// into the next vector. Three ways to order them: separate kernels in a CUDA
// graph, launched serially or programmatically (PDL, as the decode step
// does), and one persistent kernel with a grid barrier (an atomic counter)
// between phases. Also with no work, for the cost of the ordering alone.
// Prints microseconds per phase. Usage: cuda_sync_bench.
#include "cuda_bench_util.h"

#include <cstdio>
#include <memory>
#include <string>

using namespace mamba;

namespace {

constexpr int kPhases = 48, kDim = 768, kThreads = 256, kReps = 200;

int fail(const Status &s) { return bench::fail("cuda_sync_bench", s); }

// `work` is a kernel argument, so the kernels with and without work are one
// binary each.
const char *kKernels = R"(
__device__ __forceinline__ void phase_work(const float *in, float *out) {
  __shared__ float part[256 / 32];
  float s = 0.0f;
  for (int i = threadIdx.x; i < 768; i += 256)
    s = fmaf(in[i], in[i], s);
  for (int off = 16; off > 0; off >>= 1)
    s += __shfl_xor_sync(0xffffffffu, s, off);
  if (threadIdx.x % 32 == 0)
    part[threadIdx.x / 32] = s;
  __syncthreads();
  if (threadIdx.x == 0) {
    float t = 0.0f;
    for (int w = 0; w < 256 / 32; ++w)
      t += part[w];
    atomicAdd(&out[blockIdx.x % 768], t * 1e-12f);
  }
}
extern "C" __global__ void __launch_bounds__(256)
phase(const float *in, float *out, int work) {
  mamba_grid_wait();
  mamba_grid_launch_dependents();
  if (work)
    phase_work(in, out);
}
// Every block arrives (release) and spins until all have (acquire). The
// grid is at most one block per SM, so all blocks are resident.
extern "C" __global__ void __launch_bounds__(256)
persistent(float *bufs, unsigned *counter, unsigned base, int phases,
           int work) {
  for (int p = 0; p < phases; ++p) {
    if (work)
      phase_work(bufs + (p % 2) * 768, bufs + (p + 1) % 2 * 768);
    __syncthreads();
    if (threadIdx.x == 0) {
      const unsigned target = base + (p + 1) * gridDim.x;
      asm volatile("red.release.gpu.global.add.u32 [%0], 1;"
                   :: "l"(counter) : "memory");
      unsigned seen;
      do {
        asm volatile("ld.acquire.gpu.global.u32 %0, [%1];"
                     : "=r"(seen) : "l"(counter) : "memory");
      } while (seen < target);
    }
    __syncthreads();
  }
}
)";

struct Bench {
  cuda::Device &dev;
  CUfunction phase, persistent;
  cuda::DeviceBuffer bufs, counter;
  unsigned arrivals = 0; ///< the counter's value after the launches so far

  /// Microseconds per phase of a graph of kPhases kernels.
  Expected<double> graph(unsigned grid, int work, cuda::Device::Order order) {
    Expected<std::unique_ptr<cuda::Graph>> g = dev.capture([&]() -> Status {
      for (int p = 0; p < kPhases; ++p) {
        CUdeviceptr in = bufs.ptr() + (p % 2) * kDim * sizeof(float);
        CUdeviceptr out = bufs.ptr() + (p + 1) % 2 * kDim * sizeof(float);
        void *args[] = {&in, &out, &work};
        MAMBA_RETURN_IF_ERROR(
            dev.launch(phase, grid, 1, 1, kThreads, args, "phase", order));
      }
      return Status();
    });
    if (!g.ok())
      return g.status();
    Expected<double> ms =
        bench::timeMs(dev, kReps, [&] { return (*g)->launch(); });
    if (!ms.ok())
      return ms.status();
    return *ms * 1e3 / kPhases;
  }

  /// Microseconds per phase of one kernel running kPhases phases.
  Expected<double> persistentKernel(unsigned grid, int work) {
    int phases = kPhases;
    CUdeviceptr b = bufs.ptr(), c = counter.ptr();
    Expected<double> ms = bench::timeMs(dev, kReps, [&] {
      unsigned base = arrivals;
      arrivals += kPhases * grid;
      void *args[] = {&b, &c, &base, &phases, &work};
      return dev.launch(persistent, grid, 1, 1, kThreads, args, "persistent");
    });
    if (!ms.ok())
      return ms.status();
    return *ms * 1e3 / kPhases;
  }
};

Status run(cuda::Device &dev) {
  Expected<std::unique_ptr<cuda::Module>> m =
      bench::compileModule(dev, {codegen::cuda::Emitted{kKernels, ""}});
  if (!m.ok())
    return m.status();
  Expected<CUfunction> phase = (*m)->function("phase");
  Expected<CUfunction> persistent = (*m)->function("persistent");
  Expected<cuda::DeviceBuffer> bufs = dev.alloc(2 * kDim * sizeof(float), "x");
  Expected<cuda::DeviceBuffer> counter = dev.alloc(sizeof(unsigned), "counter");
  for (const Status &s :
       {phase.status(), persistent.status(), bufs.status(), counter.status()})
    MAMBA_RETURN_IF_ERROR(s);
  MAMBA_RETURN_IF_ERROR(dev.zero(bufs->ptr(), 2 * kDim * sizeof(float)));
  MAMBA_RETURN_IF_ERROR(dev.zero(counter->ptr(), sizeof(unsigned)));
  Bench b{dev, *phase, *persistent, std::move(bufs).value(),
          std::move(counter).value()};
  std::printf("device: %s, %d SMs; %d dependent phases, %d threads per "
              "block\n\n| blocks | work | graph, serial | graph, PDL | "
              "persistent, grid barrier |\n|---|---|---|---|---|\n",
              dev.name().c_str(), dev.smCount(), kPhases, kThreads);
  for (int grid : {48, 96, dev.smCount()}) {
    if (grid > dev.smCount())
      continue;
    for (int work = 0; work < 2; ++work) {
      Expected<double> serial =
          b.graph(grid, work, cuda::Device::Order::Serial);
      Expected<double> pdl =
          b.graph(grid, work, cuda::Device::Order::Programmatic);
      Expected<double> persist = b.persistentKernel(grid, work);
      for (const Status &s : {serial.status(), pdl.status(), persist.status()})
        MAMBA_RETURN_IF_ERROR(s);
      std::printf("| %d | %s | %.2f us | %.2f us | %.2f us |\n", grid,
                  work ? "read, reduce, atomic" : "none", *serial, *pdl,
                  *persist);
    }
  }
  return Status();
}

} // namespace

int main() {
  Expected<std::unique_ptr<cuda::Device>> dev = cuda::Device::open();
  if (!dev.ok())
    return fail(dev.status());
  Status s = run(**dev);
  return s.ok() ? 0 : fail(s);
}

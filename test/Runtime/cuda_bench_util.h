// Helpers of the GPU benchmarks: event timing on the device's stream and
// the device-to-device copy bandwidth that the bounds are measured against.
#ifndef MAMBA_TEST_RUNTIME_CUDA_BENCH_UTIL_H
#define MAMBA_TEST_RUNTIME_CUDA_BENCH_UTIL_H

#include "../../runtime/src/cuda/compiler.h"
#include "../../runtime/src/cuda/device.h"
#include "mamba/codegen/cuda_emitter.h"

#include <cstdio>
#include <memory>
#include <vector>

namespace mamba::bench {

inline int fail(const char *tool, const Status &s) {
  std::fprintf(stderr, "%s: error: %s\n", tool, s.message().c_str());
  return 1;
}

/// Mean milliseconds of `iters` runs of `body` between two events, after
/// one warm-up run.
template <class F>
Expected<double> timeMs(cuda::Device &dev, int iters, F body) {
  const cuda::DriverApi &api = dev.api();
  CUevent start = nullptr, stop = nullptr;
  MAMBA_RETURN_IF_ERROR(dev.check(api.cuEventCreate(&start, 0), "event"));
  MAMBA_RETURN_IF_ERROR(dev.check(api.cuEventCreate(&stop, 0), "event"));
  Status s = body(); // warm-up
  if (s.ok())
    s = dev.check(api.cuEventRecord(start, dev.stream()), "record");
  for (int i = 0; i < iters && s.ok(); ++i)
    s = body();
  float ms = 0;
  if (s.ok())
    s = dev.check(api.cuEventRecord(stop, dev.stream()), "record");
  if (s.ok())
    s = dev.check(api.cuEventSynchronize(stop), "sync");
  if (s.ok())
    s = dev.check(api.cuEventElapsedTime(&ms, start, stop), "elapsed");
  api.cuEventDestroy(start);
  api.cuEventDestroy(stop);
  if (!s.ok())
    return s;
  return static_cast<double>(ms) / iters;
}

/// GB/s of a device-to-device copy of `bytes` (read + write counted).
inline Expected<double> copyBandwidth(cuda::Device &dev, size_t bytes) {
  Expected<cuda::DeviceBuffer> a = dev.alloc(bytes, "copy source");
  if (!a.ok())
    return a.status();
  Expected<cuda::DeviceBuffer> b = dev.alloc(bytes, "copy destination");
  if (!b.ok())
    return b.status();
  Expected<double> ms = timeMs(dev, 10, [&] {
    return dev.check(
        dev.api().cuMemcpyDtoDAsync(b->ptr(), a->ptr(), bytes, dev.stream()),
        "copy");
  });
  if (!ms.ok())
    return ms.status();
  return 2.0 * bytes / (*ms * 1e-3) / 1e9;
}

/// `kernels` in one module (with the prelude), compiled for the device.
inline Expected<std::unique_ptr<cuda::Module>>
compileModule(cuda::Device &dev,
              const std::vector<codegen::cuda::Emitted> &kernels) {
  codegen::cuda::Emitted module = codegen::cuda::emitModuleOf(kernels);
  if (!module.ok())
    return Status::error(module.error);
  Expected<std::string> image =
      cuda::compileCuda(module.source, "bench.cu", dev.arch());
  if (!image.ok())
    return image.status();
  return dev.loadModule(*image);
}

} // namespace mamba::bench

#endif // MAMBA_TEST_RUNTIME_CUDA_BENCH_UTIL_H

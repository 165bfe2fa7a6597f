// Benchmark of the generated fused selective scan on the GPU: time, bytes
// moved, effective bandwidth vs a device-to-device copy measured in the same
// run, and the exponential-throughput bound. Prints a markdown table.
#include "../../runtime/src/cuda/compiler.h"
#include "../../runtime/src/cuda/device.h"
#include "../../runtime/src/cuda/kernels.h"

#include <algorithm>
#include <cstdio>

using namespace mamba;
namespace cg = codegen::cuda;

namespace {

int fail(const Status &s) {
  std::fprintf(stderr, "cuda_scan_bench: error: %s\n", s.message().c_str());
  return 1;
}

/// Mean milliseconds of `iters` runs of `body` between two events.
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

} // namespace

int main() {
  auto opened = cuda::Device::open();
  if (!opened.ok())
    return fail(opened.status());
  cuda::Device &dev = **opened;
  const cuda::DriverApi &api = dev.api();
  CUdevice device = 0;
  int sms = 0, clockKhz = 0;
  api.cuDeviceGet(&device, 0);
  api.cuDeviceGetAttribute(&sms, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
                           device);
  api.cuDeviceGetAttribute(&clockKhz, CU_DEVICE_ATTRIBUTE_CLOCK_RATE, device);
  // 16 special-function results per clock per SM (4 per SM sub-partition).
  const double expPerSecond = 16.0 * sms * clockKhz * 1e3;

  const int64_t maxTokens = 8LL * 8192 * 5120, n = 16;
  auto big = [&](size_t bytes, const char *what) {
    return dev.alloc(bytes, what);
  };
  auto u = big(maxTokens * 4, "u"), delta = big(maxTokens * 4, "delta"),
       z = big(maxTokens * 4, "z"), y = big(maxTokens * 4, "y"),
       bc = big(8LL * 8192 * 2 * n * 4, "B/C"), a = big(5120 * n * 4, "A"),
       d = big(5120 * 4, "D"), bias = big(5120 * 4, "bias"),
       state = big(8LL * 5120 * n * 4, "state");
  for (auto *b : {&u, &delta, &z, &y, &bc, &a, &d, &bias, &state}) {
    if (!b->ok())
      return fail(b->status());
    // Zeros are valid inputs: softplus(0), exp(0) and silu(0) are finite.
    if (Status s = dev.zero((*b)->ptr(), (*b)->bytes()); !s.ok())
      return fail(s);
  }

  const size_t copyBytes = maxTokens * 4;
  Expected<double> copyMs = timeMs(dev, 10, [&] {
    return dev.check(
        api.cuMemcpyDtoDAsync(y->ptr(), u->ptr(), copyBytes, dev.stream()),
        "copy");
  });
  if (!copyMs.ok())
    return fail(copyMs.status());
  const double copyGBs = 2.0 * copyBytes / (*copyMs * 1e-3) / 1e9;
  std::printf("device: %s (%s), %d SMs at %.0f MHz; device-to-device copy "
              "%.0f GB/s (read + write)\n\n",
              dev.name().c_str(), dev.arch().c_str(), sms, clockKhz / 1e3,
              copyGBs);
  std::printf("| dtype | batch x seqlen x d_inner | time | bytes | GB/s | "
              "of copy | memory bound | exp bound | time / max bound |\n"
              "|---|---|---|---|---|---|---|---|---|\n");

  for (cg::ElemType type : {cg::ElemType::F32, cg::ElemType::BF16}) {
    cg::SelectiveScanDesc desc;
    desc.uType = desc.deltaType = desc.zType = desc.bcType = desc.yType = type;
    desc.schedule = cuda::defaultScanSchedule(static_cast<int>(n));
    cg::Emitted src = cg::emitSelectiveScan(desc);
    if (!src.ok())
      return fail(Status::error(src.error));
    auto image =
        cuda::compileCuda(cg::emitModule({src.source}), "bench.cu", dev.arch());
    if (!image.ok())
      return fail(image.status());
    auto module = dev.loadModule(*image);
    if (!module.ok())
      return fail(module.status());
    auto f = (*module)->function(desc.name);
    if (!f.ok())
      return fail(f.status());
    const int64_t size = type == cg::ElemType::F32 ? 4 : 2;
    for (int64_t batch : {1, 8})
      for (int64_t len : {2048, 8192})
        for (int64_t dim : {1536, 5120}) {
          cuda::ScanTensors t{};
          t.u = u->as<void>();
          t.delta = delta->as<void>();
          t.z = z->as<void>();
          t.b = bc->as<void>();
          t.c = bc->as<char>() + n * size;
          t.a = a->as<float>();
          t.d = d->as<float>();
          t.deltaBias = bias->as<float>();
          t.state = state->as<float>();
          t.y = y->as<void>();
          t.uS = t.deltaS = t.zS = t.yS = cuda::tokenMajor(len, dim);
          t.bS = t.cS = cuda::tokenMajor(len, 2 * n);
          t.batch = static_cast<int>(batch);
          t.dim = static_cast<int>(dim);
          t.seqlen = static_cast<int>(len);
          Expected<double> ms = timeMs(dev, 5, [&] {
            return cuda::launchSelectiveScan(dev, *f, desc, t, false);
          });
          if (!ms.ok())
            return fail(ms.status());
          const double tokens = static_cast<double>(batch * len);
          // u, delta, z, B, C read once, y written once.
          const double bytes = (4.0 * dim + 2.0 * n) * tokens * size;
          const double gbs = bytes / (*ms * 1e-3) / 1e9;
          const double memMs = bytes / (copyGBs * 1e9) * 1e3;
          const double expMs = tokens * dim * n / expPerSecond * 1e3;
          std::printf("| %s | %lld x %lld x %lld | %.3f ms | %.1f MB | %.0f | "
                      "%.0f%% | %.3f ms | %.3f ms | %.2f |\n",
                      cg::elemTypeName(type), static_cast<long long>(batch),
                      static_cast<long long>(len), static_cast<long long>(dim),
                      *ms, bytes / 1e6, gbs, 100.0 * gbs / copyGBs, memMs,
                      expMs, *ms / std::max(memMs, expMs));
        }
  }
  return 0;
}

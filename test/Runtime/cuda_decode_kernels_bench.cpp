// The decode step's weight-streaming kernels alone, over their schedules:
// the GEMVs at batch 1 and 4 (in_proj with its input rmsnorm, out_proj with
// the residual add, lm_head) and the batch-1 conv step + x_proj, at the
// Mamba-1 130m and 1.4b shapes with BF16 weights. Each launch reads another
// copy of the weights (together over 200 MB, 4x an H100's L2), so they are
// DRAM figures; back-to-back launches, so each includes the gap between
// kernels. Prints microseconds per launch and GB/s against the device-to-device
// copy bandwidth measured in the same run. Usage: cuda_decode_kernels_bench.
#include "../../runtime/src/cuda/kernels.h"
#include "cuda_bench_util.h"
#include "mamba/model_config.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

using namespace mamba;

namespace {

namespace cg = codegen::cuda;

int fail(const Status &s) {
  return bench::fail("cuda_decode_kernels_bench", s);
}

struct Buffers {
  std::vector<cuda::DeviceBuffer> weights; ///< copies of one weight
  cuda::DeviceBuffer x, y, norm, scratch, counter;
};

/// Copies of a weight of `bytes` (filled with a pattern: never time zeros),
/// together over 200 MB (4x an H100's L2), plus activations.
Expected<Buffers> makeBuffers(cuda::Device &dev, size_t bytes,
                              size_t actBytes) {
  Buffers b;
  const size_t copies = std::max<size_t>(2, (200u << 20) / bytes + 1);
  std::vector<unsigned short> pattern(bytes / 2);
  for (size_t i = 0; i < pattern.size(); ++i)
    pattern[i] = static_cast<unsigned short>(0x3c00 + (i * 2654435761u) % 977);
  for (size_t i = 0; i < copies; ++i) {
    Expected<cuda::DeviceBuffer> w = dev.alloc(bytes, "weights");
    if (!w.ok())
      return w.status();
    MAMBA_RETURN_IF_ERROR(dev.upload(w->ptr(), pattern.data(), bytes));
    b.weights.push_back(std::move(w).value());
  }
  std::vector<float> ones(actBytes / 4 + 1, 0.5f);
  for (cuda::DeviceBuffer *buf : {&b.x, &b.y, &b.norm, &b.scratch}) {
    Expected<cuda::DeviceBuffer> a = dev.alloc(actBytes, "activations");
    if (!a.ok())
      return a.status();
    MAMBA_RETURN_IF_ERROR(dev.upload(a->ptr(), ones.data(), actBytes));
    *buf = std::move(a).value();
  }
  Expected<cuda::DeviceBuffer> c = dev.alloc(4, "counter");
  if (!c.ok())
    return c.status();
  MAMBA_RETURN_IF_ERROR(dev.zero(c->ptr(), 4));
  b.counter = std::move(c).value();
  return b;
}

/// Microseconds per launch of `launch(weights)` over the copies.
template <class F>
Expected<double> timeUs(cuda::Device &dev, const Buffers &b, F launch) {
  size_t i = 0;
  Expected<double> ms = bench::timeMs(dev, 200, [&] {
    return launch(b.weights[i++ % b.weights.size()].template as<void>());
  });
  if (!ms.ok())
    return ms.status();
  return *ms * 1e3;
}

struct GemvShape {
  const char *what;
  int rows, k;
  bool norm, accumulate;
};

Status benchGemvs(cuda::Device &dev, const std::string &model, double copyGBs) {
  Expected<ModelConfig> c = stockModelConfig(model);
  if (!c.ok())
    return c.status();
  const int d = static_cast<int>(c->dModel), e = static_cast<int>(c->dInner());
  const GemvShape shapes[] = {
      {"in_proj", 2 * e, d, true, false},
      {"out_proj", d, e, false, true},
      {"lm_head", static_cast<int>(c->vocabSize), d, true, false}};
  // threads, rows per warp, loads in flight, min blocks per SM.
  const int schedules[][4] = {
      {256, 2, 4, 0}, {256, 1, 8, 0}, {256, 2, 4, 4}, {256, 1, 4, 0},
      {256, 1, 4, 4}, {128, 1, 8, 0}, {128, 2, 4, 0}, {128, 1, 4, 8},
      {512, 1, 4, 0}, {256, 4, 2, 0}, {256, 2, 8, 0}, {256, 1, 2, 8},
      {256, 4, 4, 0}, {256, 8, 2, 0}, {128, 4, 2, 0}, {256, 8, 1, 0}};
  for (int batch : {1, 4})
    for (const GemvShape &s : shapes) {
      std::vector<cg::Emitted> kernels;
      std::vector<cg::GemvDesc> descs;
      for (const auto &sc : schedules) {
        cg::GemvDesc g;
        g.name = "gemv_" + std::to_string(descs.size());
        g.wType = cg::ElemType::BF16;
        g.xType = s.accumulate ? cg::ElemType::BF16 : cg::ElemType::F32;
        g.batch = batch;
        g.normInput = s.norm;
        g.accumulate = s.accumulate;
        g.schedule.threadsPerBlock = sc[0];
        g.schedule.itemsPerThread = sc[1];
        g.schedule.loadsInFlight = sc[2];
        g.schedule.minBlocksPerSM = sc[3];
        kernels.push_back(cg::emitGemv(g));
        descs.push_back(g);
      }
      Expected<std::unique_ptr<cuda::Module>> module =
          bench::compileModule(dev, kernels);
      if (!module.ok())
        return module.status();
      const size_t bytes = static_cast<size_t>(s.rows) * s.k * 2;
      Expected<Buffers> b =
          makeBuffers(dev, bytes, 4 * std::max(s.rows, s.k) * sizeof(float));
      if (!b.ok())
        return b.status();
      for (const cg::GemvDesc &g : descs) {
        Expected<CUfunction> f = (*module)->function(g.name);
        if (!f.ok())
          return f.status();
        Expected<double> us = timeUs(dev, *b, [&](const void *w) {
          const cuda::GemvTensors t{b->x.as<void>(),
                                    s.k,
                                    w,
                                    nullptr,
                                    b->norm.as<float>(),
                                    1e-5f,
                                    b->y.as<float>(),
                                    s.rows,
                                    batch,
                                    s.rows,
                                    s.k};
          return cuda::launchGemv(dev, *f, g, t);
        });
        if (!us.ok())
          return us.status();
        const double gbs = bytes / (*us * 1e-6) / 1e9;
        std::printf(
            "| %s | %d | %s %d x %d | gemv %d threads, %d rows/warp, "
            "%d loads, min blocks %d | %.2f us | %.0f GB/s | %.0f%% |\n",
            model.c_str(), batch, s.what, s.rows, s.k,
            g.schedule.threadsPerBlock, g.schedule.itemsPerThread,
            g.schedule.loadsInFlight, g.schedule.minBlocksPerSM, *us, gbs,
            100 * gbs / copyGBs);
        std::fflush(stdout);
      }
    }
  return Status::success();
}

Status benchConvLinear(cuda::Device &dev, const std::string &model,
                       double copyGBs) {
  Expected<ModelConfig> c = stockModelConfig(model);
  if (!c.ok())
    return c.status();
  const int e = static_cast<int>(c->dInner());
  const int rows = static_cast<int>(c->dtRank + 2 * c->dState);
  const int slices[] = {32, 64, 128, 256};
  const int threads[] = {128, 256};
  std::vector<cg::Emitted> kernels;
  std::vector<cg::CausalConv1dStepLinearDesc> descs;
  for (int slice : slices)
    for (int t : threads) {
      cg::CausalConv1dStepLinearDesc d;
      d.name = "conv_linear_" + std::to_string(descs.size());
      d.conv.width = static_cast<int>(c->dConv);
      d.conv.hasBias = true;
      d.conv.outType = cg::ElemType::BF16;
      d.wType = cg::ElemType::BF16;
      d.rows = rows;
      d.dim = e;
      d.schedule.threadsPerBlock = t;
      d.schedule.kSlice = slice;
      kernels.push_back(cg::emitCausalConv1dStepLinear(d));
      descs.push_back(d);
    }
  Expected<std::unique_ptr<cuda::Module>> module =
      bench::compileModule(dev, kernels);
  if (!module.ok())
    return module.status();
  const size_t bytes = static_cast<size_t>(rows) * e * 2;
  // Activations: x [2e], the conv state [e, width], the partial products of
  // up to e / 32 slices.
  Expected<Buffers> b = makeBuffers(
      dev, bytes,
      static_cast<size_t>(e) * std::max<int64_t>(c->dConv + 2, rows / 8) * 4);
  if (!b.ok())
    return b.status();
  for (const cg::CausalConv1dStepLinearDesc &dsc : descs) {
    Expected<CUfunction> f = (*module)->function(dsc.name);
    if (!f.ok())
      return f.status();
    cuda::ConvTensors conv{b->x.as<void>(),
                           b->norm.as<float>(),
                           b->norm.as<float>(),
                           b->scratch.as<float>(),
                           b->y.as<void>(),
                           cuda::tokenMajor(1, 2 * e),
                           cuda::tokenMajor(1, e),
                           1,
                           e,
                           1};
    Expected<double> us = timeUs(dev, *b, [&](const void *w) {
      return cuda::launchCausalConv1dStepLinear(
          dev, *f, dsc, conv, w, b->x.as<float>() + 2 * e,
          b->counter.as<unsigned>(), b->norm.as<float>() + e, rows);
    });
    if (!us.ok())
      return us.status();
    const double gbs = bytes / (*us * 1e-6) / 1e9;
    std::printf("| %s | 1 | conv step + x_proj %d x %d | %d threads, %d "
                "channels per block (%d blocks) | %.2f us | %.0f GB/s | %.0f%% "
                "|\n",
                model.c_str(), rows, e, dsc.schedule.threadsPerBlock,
                dsc.schedule.kSlice, cuda::convStepLinearBlocks(dsc, e), *us,
                gbs, 100 * gbs / copyGBs);
    std::fflush(stdout);
  }
  return Status::success();
}

} // namespace

int main() {
  Expected<std::unique_ptr<cuda::Device>> dev = cuda::Device::open();
  if (!dev.ok())
    return fail(dev.status());
  Expected<double> copy = bench::copyBandwidth(**dev, 1ULL << 30);
  if (!copy.ok())
    return fail(copy.status());
  std::printf("device: %s; device-to-device copy %.0f GB/s (read + write); "
              "weights BF16\n\n| shape | batch | kernel | schedule | per "
              "launch | weight GB/s | of copy |\n|---|---|---|---|---|---|---|"
              "\n",
              (*dev)->name().c_str(), *copy);
  for (const char *model : {"130m", "1.4b"}) {
    Status s = benchGemvs(**dev, model, *copy);
    if (s.ok())
      s = benchConvLinear(**dev, model, *copy);
    if (!s.ok())
      return fail(s);
  }
  return 0;
}

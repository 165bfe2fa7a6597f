// Whole-model decode on the GPU with and without CUDA graphs, the fused
// decode path (GEMVs of our own; 2 kernels per layer up to batch 4, 4 with
// deterministicDecode or above) against the previous one (cuBLAS, 7 per
// layer), the fused path with and without programmatic launches
// ("overlap"), next to the weight-bandwidth roofline (weight bytes read per
// step / device copy bandwidth measured in the same run). The first variant
// is CudaModelOptions' defaults (the fused path up to batch 4, cuBLAS
// above); it also runs with the step's output as greedy picks ("out":
// logits copied to the host, greedy = decodeGreedy, pipelined =
// startGreedyDecode / nextGreedyPicks, sampled = startSampledDecode /
// nextSampledPicks at temperature 0.8). Random weights, stock shapes.
// Usage: cuda_decode_bench [shape...] (default: 130m 1.4b); env DTYPE=f32,
// DEFAULT_ONLY=1 (the first variant only).
// cuda_decode_bench --profile SHAPE: four batch-1 steps of the default
// options, launched kernel by kernel, and nothing else (for ncu).
#include "../../runtime/src/cuda/device.h"
#include "cuda_bench_util.h"
#include "mamba/cuda_model.h"
#include "mamba/weights.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace mamba;

namespace {

int fail(const Status &s) { return bench::fail("cuda_decode_bench", s); }

/// Bytes of the weights one decode step reads, as CudaModel stores them.
double weightBytes(const ModelConfig &c, size_t act) {
  const double d = c.dModel, e = c.dInner(), n = c.dState, r = c.dtRank,
               k = c.dConv, f = 4;
  double layer = d * f                                     // norm
                 + 2 * e * d * act                         // in_proj
                 + e * k * f + e * f                       // conv1d + bias
                 + (r + 2 * n) * e * act                   // x_proj
                 + e * r * f + e * f                       // dt_proj + bias
                 + e * n * f + e * f                       // A, D
                 + d * e * act;                            // out_proj
  return c.nLayer * layer + d * f + c.vocabSize * d * act; // norm_f, lm_head
}

/// What a decode step hands the host.
enum class Out { Logits, Greedy, Pipelined, Sampled };
const char *outName(Out o) {
  return o == Out::Logits      ? "logits"
         : o == Out::Greedy    ? "greedy"
         : o == Out::Pipelined ? "pipelined"
                               : "sampled";
}

/// Decode tokens/s of `steps` steps at `batch`, after warm-up steps (the
/// first of a kind runs eagerly, the second captures the graph). Greedy
/// steps feed their picks back, as generation does.
Expected<double> decodeRate(CudaModel &model, int64_t batch, int steps,
                            Out out = Out::Logits) {
  Expected<CudaState> state = model.newState(batch);
  if (!state.ok())
    return state.status();
  std::vector<float> logits(batch * model.vocabSize());
  std::vector<int32_t> ids(batch, 1);
  SamplerConfig sampling;
  sampling.temperature = 0.8f;
  const std::vector<SamplerConfig> configs(batch, sampling);
  std::vector<double> uniforms(batch);
  // Uniforms spread over [0, 1), as a sampler's would be.
  auto draw = [&](int i) {
    for (int64_t b = 0; b < batch; ++b)
      uniforms[b] = std::fmod(i * 0.618034 + b * 0.1, 1.0);
    return uniforms.data();
  };
  // `n` steps of the kind `out` names.
  auto run = [&](int n) -> Status {
    if (out == Out::Sampled) {
      MAMBA_RETURN_IF_ERROR(model.startSampledDecode(
          ids.data(), *state, configs.data(), nullptr, draw(0)));
      for (int i = 0; i < n; ++i)
        MAMBA_RETURN_IF_ERROR(model.nextSampledPicks(
            *state, i + 1 < n ? draw(i + 1) : nullptr, ids.data()));
      return Status::success();
    }
    if (out == Out::Pipelined) {
      MAMBA_RETURN_IF_ERROR(model.startGreedyDecode(ids.data(), *state));
      for (int i = 0; i < n; ++i)
        MAMBA_RETURN_IF_ERROR(
            model.nextGreedyPicks(*state, i + 1 < n, ids.data()));
      return Status::success();
    }
    for (int i = 0; i < n; ++i) {
      if (out == Out::Greedy) {
        MAMBA_RETURN_IF_ERROR(
            model.decodeGreedy(ids.data(), *state, ids.data()));
        continue;
      }
      for (int64_t b = 0; b < batch; ++b)
        ids[b] = static_cast<int32_t>((i * 7 + b) % model.vocabSize());
      MAMBA_RETURN_IF_ERROR(model.decode(ids.data(), *state, logits.data()));
    }
    return Status::success();
  };
  // Warm-up: a kind of step runs eagerly once, then captures its graph.
  // Logits and single greedy steps are one kind; a pipeline has three (ids
  // from the host, then from the device into either slot), and one short
  // pipeline left two of them to capture inside the timed steps.
  const bool piped = out == Out::Pipelined || out == Out::Sampled;
  for (int i = 0; i < (piped ? 2 : 1); ++i)
    MAMBA_RETURN_IF_ERROR(run(piped ? 4 : 2));
  const auto start = std::chrono::steady_clock::now();
  MAMBA_RETURN_IF_ERROR(run(steps));
  const double s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  return batch * steps / s;
}

/// The default decode path alone, for a profiler.
int profile(const std::string &shape, DType dtype) {
  Expected<ModelConfig> config = stockModelConfig(shape);
  if (!config.ok())
    return fail(config.status());
  CudaModelOptions options;
  options.weightType = dtype;
  options.useGraphs = false;
  auto model = CudaModel::create(makeRandomWeights(*config, 0), options);
  if (!model.ok())
    return fail(model.status());
  Expected<double> rate = decodeRate(**model, 1, 2);
  if (!rate.ok())
    return fail(rate.status());
  std::printf("%s: 4 decode steps at batch 1\n", shape.c_str());
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  std::vector<std::string> shapes(argv + 1, argv + argc);
  const char *dtypeEnv = std::getenv("DTYPE");
  const DType dtype =
      dtypeEnv && std::string(dtypeEnv) == "f32" ? DType::F32 : DType::BF16;
  if (!shapes.empty() && shapes[0] == "--profile")
    return profile(shapes.size() > 1 ? shapes[1] : "1.4b", dtype);
  if (shapes.empty())
    shapes = {"130m", "1.4b"};
  double copyGBs = 0;
  {
    auto dev = cuda::Device::open();
    if (!dev.ok())
      return fail(dev.status());
    Expected<double> bw = bench::copyBandwidth(**dev, 1ULL << 30);
    if (!bw.ok())
      return fail(bw.status());
    copyGBs = *bw;
    std::printf("device: %s; device-to-device copy %.0f GB/s (read + write); "
                "weights %s\n\n",
                (*dev)->name().c_str(), copyGBs, dtypeName(dtype));
  }
  std::printf("| shape | batch | graphs | fused | overlap | deterministic | "
              "out | decode tok/s | step | weight MB | roofline steps/s | "
              "steps/s of roofline |\n"
              "|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  const char *defaultOnly = std::getenv("DEFAULT_ONLY");
  const bool onlyFirst = defaultOnly && std::string(defaultOnly) == "1";
  struct Variant {
    bool graphs, fused, programmatic, deterministic;
  };
  const Variant variants[] = {
      {true, true, true, false},   {true, true, true, true},
      {true, true, false, false},  {true, false, false, false},
      {false, true, true, false},  {false, true, false, false},
      {false, false, false, false}};
  const int steps = 256;
  for (const std::string &shape : shapes) {
    Expected<ModelConfig> config = stockModelConfig(shape);
    if (!config.ok())
      return fail(config.status());
    const ModelWeights weights = makeRandomWeights(*config, 0);
    const double bytes = weightBytes(*config, dtypeSize(dtype));
    const double roofline = copyGBs * 1e9 / bytes;
    for (const Variant &v : variants) {
      const bool first = &v == &variants[0];
      if (onlyFirst && !first)
        break;
      CudaModelOptions options;
      options.maxBatch = 16;
      options.weightType = dtype;
      options.useGraphs = v.graphs;
      // The first variant is the library's defaults (fused up to batch
      // 4); the others force the fused path on or off at every batch.
      if (!first)
        options.fusedDecodeMaxBatch = v.fused ? 16 : 0;
      options.programmaticLaunch = v.programmatic;
      options.deterministicDecode = v.deterministic;
      auto model = CudaModel::create(weights, options);
      if (!model.ok())
        return fail(model.status());
      for (int64_t batch : {1, 4, 16})
        for (Out out :
             {Out::Logits, Out::Greedy, Out::Pipelined, Out::Sampled}) {
          if (!first && out != Out::Logits)
            continue;
          Expected<double> rate = decodeRate(**model, batch, steps, out);
          if (!rate.ok())
            return fail(rate.status());
          const double stepUs = batch / *rate * 1e6;
          const bool fused = batch <= options.fusedDecodeMaxBatch;
          const char *overlap = !fused ? "-" : v.programmatic ? "pdl" : "none";
          std::printf("| %s | %lld | %s | %s | %s | %s | %s | %.0f | %.1f us "
                      "| %.1f | %.0f | %.0f%% |\n",
                      shape.c_str(), static_cast<long long>(batch),
                      v.graphs ? "yes" : "no", fused ? "yes" : "no", overlap,
                      v.deterministic ? "yes" : "no", outName(out), *rate,
                      stepUs, bytes / 1e6, roofline,
                      100.0 * (1e6 / stepUs) / roofline);
          std::fflush(stdout);
        }
    }
  }
  return 0;
}

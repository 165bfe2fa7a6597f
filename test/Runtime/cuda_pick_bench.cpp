// The pick that ends a decode step, alone: greedy_pick and sample_pick over
// rows of 50 280 logits (Mamba's vocabulary) drawn like a model's (normal,
// a few peaked tokens), for the samplers mamba-run offers, at batch 1 and 16.
// sample_pick's paths (SamplePickPath) side by side: thread runs, warp
// runs, and the default that chooses between them by the row's top-k.
// Back-to-back launches on rows that stay in L2, as in a decode step where
// lm_head has just written them; so each figure includes the gap between
// launches. Prints microseconds per launch. Usage: cuda_pick_bench.
#include "../../runtime/src/cuda/kernels.h"
#include "../../runtime/src/cuda/sample_pick_params.h"
#include "cuda_bench_util.h"
#include "mamba/sampler.h"

#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

using namespace mamba;

namespace {

namespace cg = codegen::cuda;

int fail(const Status &s) { return bench::fail("cuda_pick_bench", s); }

constexpr int kVocab = 50280;

struct Case {
  const char *what;
  SamplerConfig config;
};

std::vector<Case> cases() {
  SamplerConfig t;
  t.temperature = 0.8f;
  SamplerConfig k = t;
  k.topK = 50;
  SamplerConfig p = t;
  p.topP = 0.9f;
  SamplerConfig kp = k;
  kp.topP = 0.9f;
  SamplerConfig m = t;
  m.minP = 0.05f;
  SamplerConfig r = kp;
  r.repetitionPenalty = 1.2f;
  // The warp-run kernel lists a top-k of up to 1 024 tokens in shared
  // memory and does O(k^2 / threads) work there: near its cap.
  SamplerConfig big = kp;
  big.topK = 1000;
  // Near the default's bound between the paths (warpRunsMaxTopK).
  SamplerConfig mid = kp;
  mid.topK = 500;
  return {{"temperature 0.8", t},
          {"+ top-k 50", k},
          {"+ top-p 0.9", p},
          {"+ top-k 50 + top-p 0.9", kp},
          {"+ min-p 0.05", m},
          {"+ top-k 50 + top-p 0.9 + penalty 1.2", r},
          {"+ top-k 500 + top-p 0.9", mid},
          {"+ top-k 1000 + top-p 0.9", big}};
}

/// sample_pick's parameters for `rows` rows sampled with `c`.
std::vector<float> paramsOf(const SamplerConfig &c, int rows) {
  std::vector<float> out(cuda::kSamplePickParams * rows);
  for (int i = 0; i < rows; ++i)
    cuda::samplePickParams(c, out.data() + cuda::kSamplePickParams * i);
  return out;
}

template <class T>
Expected<cuda::DeviceBuffer> upload(cuda::Device &dev, const std::vector<T> &v,
                                    const char *what) {
  Expected<cuda::DeviceBuffer> b = dev.alloc(v.size() * sizeof(T), what);
  if (b.ok())
    MAMBA_RETURN_IF_ERROR(dev.upload(b->ptr(), v.data(), v.size() * sizeof(T)));
  return b;
}

/// sample_pick's paths, in SamplePickPath's order: thread runs, warp runs,
/// by top-k (the default).
std::vector<cg::SamplePickDesc> variants() {
  std::vector<cg::SamplePickDesc> out(3);
  out[0].path = cg::SamplePickPath::ThreadRuns;
  out[0].name = "sample_pick_thread_runs";
  out[1].path = cg::SamplePickPath::WarpRuns;
  out[1].name = "sample_pick_warp_runs";
  out[2].path = cg::SamplePickPath::ByTopK;
  out[2].name = "sample_pick_by_top_k";
  return out;
}

Status benchBatch(cuda::Device &dev, const cuda::Module &module, int rows) {
  std::mt19937 gen(7 + rows);
  std::normal_distribution<float> normal(0.0f, 2.5f);
  std::vector<float> logits(static_cast<size_t>(rows) * kVocab);
  for (float &l : logits)
    l = normal(gen);
  for (int r = 0; r < rows; ++r)
    for (int j = 0; j < 8; ++j) // a few likely tokens, as a trained model has
      logits[static_cast<size_t>(r) * kVocab + (gen() % kVocab)] += 12.0f;
  // A fifth of the tokens seen, for the penalty.
  std::vector<uint8_t> seen(logits.size());
  for (uint8_t &s : seen)
    s = gen() % 5 == 0;
  std::vector<double> uniforms(rows);
  for (double &u : uniforms)
    u = std::uniform_real_distribution<double>(0.0, 1.0)(gen);

  auto l = upload(dev, logits, "logits");
  auto s = upload(dev, seen, "seen");
  auto u = upload(dev, uniforms, "uniforms");
  auto summary =
      upload(dev, std::vector<GreedySummary>(rows), "pick summaries");
  auto ids = upload(dev, std::vector<int32_t>(rows), "picks");
  for (auto *b : {&l, &s, &u, &summary, &ids})
    if (!b->ok())
      return b->status();

  cg::GreedyPickDesc greedy;
  Expected<CUfunction> greedyFn = module.function(greedy.name);
  if (!greedyFn.ok())
    return greedyFn.status();
  Expected<double> g = bench::timeMs(dev, 500, [&] {
    return cuda::launchGreedyPick(dev, *greedyFn, greedy, l->as<float>(),
                                  kVocab, kVocab, rows, summary->as<void>(),
                                  ids->as<int>());
  });
  if (!g.ok())
    return g.status();
  std::printf("| greedy (greedy_pick) | %d | %.1f | | |\n", rows, *g * 1e3);
  for (const Case &c : cases()) {
    auto p = upload(dev, paramsOf(c.config, rows), "sampler parameters");
    if (!p.ok())
      return p.status();
    double us[3] = {0, 0, 0};
    for (const cg::SamplePickDesc &sample : variants()) {
      Expected<CUfunction> f = module.function(sample.name);
      if (!f.ok())
        return f.status();
      Expected<double> ms = bench::timeMs(dev, 500, [&] {
        return cuda::launchSamplePick(dev, *f, sample, l->as<float>(), kVocab,
                                      kVocab, rows, p->as<void>(),
                                      u->as<double>(), s->as<unsigned char>(),
                                      summary->as<void>(), ids->as<int>());
      });
      if (!ms.ok())
        return ms.status();
      us[static_cast<int>(sample.path)] = *ms * 1e3;
    }
    std::printf("| %s | %d | %.1f | %.1f | %.1f |\n", c.what, rows, us[0],
                us[1], us[2]);
  }
  return Status::success();
}

} // namespace

int main() {
  Expected<std::unique_ptr<cuda::Device>> dev = cuda::Device::open();
  if (!dev.ok())
    return fail(dev.status());
  std::vector<cg::Emitted> kernels = {cg::emitGreedyPick({})};
  for (const cg::SamplePickDesc &d : variants())
    kernels.push_back(cg::emitSamplePick(d));
  Expected<std::unique_ptr<cuda::Module>> module =
      bench::compileModule(**dev, kernels);
  if (!module.ok())
    return fail(module.status());
  std::printf("device: %s; vocabulary %d; microseconds per pick\n\n| "
              "sampler | batch | thread runs | warp runs | by top-k "
              "(default) |\n|---|---|---|---|---|\n",
              (*dev)->name().c_str(), kVocab);
  for (int rows : {1, 16})
    if (Status s = benchBatch(**dev, **module, rows); !s.ok())
      return fail(s);
  return 0;
}

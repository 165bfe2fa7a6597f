// Sampled decoding on the GPU: the sample_pick kernel (both variants)
// against the host Sampler given the same uniform, generate() against a
// host-sampled loop on the same logits, and the sampled pipeline's misuse
// errors.
#include "../../runtime/src/cuda/kernels.h"
#include "../../runtime/src/cuda/sample_pick_params.h"
#include "cuda_test_util.h"
#include "golden_files.h"
#include "mamba/generate.h"
#include "mamba/sampler.h"
#include "mamba/weights.h"

#include <algorithm>
#include <cmath>

namespace mamba {
namespace {

namespace cg = codegen::cuda;

Sampler makeSampler(const SamplerConfig &c) {
  auto s = Sampler::create(c);
  EXPECT_TRUE(s.ok()) << s.status().message();
  return std::move(s).value();
}

/// The weights the kernel draws from, computed in double: after the
/// penalty and temperature, those top-k, top-p and min-p drop set to 0.
std::vector<double> keptWeights(const std::vector<float> &row,
                                const SamplerConfig &c,
                                const std::vector<uint8_t> &seen) {
  const size_t n = row.size();
  std::vector<double> l(n), w(n);
  double top = -INFINITY;
  for (size_t i = 0; i < n; ++i) {
    const double x = row[i];
    const double p = c.repetitionPenalty;
    l[i] = seen[i] ? (x > 0 ? x / p : x * p) : x;
    top = std::max(top, l[i]);
  }
  std::vector<size_t> order;
  for (size_t i = 0; i < n; ++i) {
    const double x = (l[i] - top) / c.temperature;
    w[i] = x > -87 ? std::exp(x) : 0.0;
    if (l[i] != -INFINITY)
      order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return l[a] > l[b]; });
  size_t kept = order.size();
  if (c.topK > 0 && static_cast<size_t>(c.topK) < kept)
    kept = static_cast<size_t>(c.topK);
  if (c.topP < 1.0f) {
    double mass = 0, cumulative = 0;
    for (size_t j = 0; j < kept; ++j)
      mass += w[order[j]];
    for (size_t j = 0; j < kept; ++j) {
      cumulative += w[order[j]];
      if (cumulative >= c.topP * mass) {
        kept = j + 1;
        break;
      }
    }
  }
  std::vector<double> out(n, 0.0);
  for (size_t j = 0; j < kept; ++j)
    if (w[order[j]] >= c.minP)
      out[order[j]] = w[order[j]];
  return out;
}

/// Where `pick` lies among the kept weights in id order, as fractions of
/// their sum: a right pick has its uniform in [before, upto) up to rounding.
struct Interval {
  double before = 0, upto = 0;
};
Interval intervalOf(const std::vector<double> &w, int32_t pick) {
  double sum = 0, before = 0, upto = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    if (static_cast<int32_t>(i) == pick) {
      before = sum;
      upto = sum + w[i];
    }
    sum += w[i];
  }
  return {before / sum, upto / sum};
}

/// The 8 floats of sample_pick's parameters for `c`.
void appendParams(std::vector<float> &params, const SamplerConfig &c) {
  params.resize(params.size() + cuda::kSamplePickParams);
  cuda::samplePickParams(c, params.data() + params.size() -
                                cuda::kSamplePickParams);
}

std::string pathName(cg::SamplePickPath path) {
  switch (path) {
  case cg::SamplePickPath::ThreadRuns:
    return "ThreadRuns";
  case cg::SamplePickPath::WarpRuns:
    return "WarpRuns";
  case cg::SamplePickPath::ByTopK:
    return "ByTopK";
  }
  return "?";
}

/// The sample_pick kernel compiled for the GPU, in the variant the
/// parameter names (SamplePickDesc::path; ByTopK with a bound that the
/// tests' top-ks reach on both sides); skips without a GPU.
class CudaSampleKernel : public ::testing::TestWithParam<cg::SamplePickPath> {
protected:
  void SetUp() override {
    MAMBA_OPEN_DEVICE_OR_SKIP(dev);
    desc.path = GetParam();
    desc.warpRunsMaxTopK = 20;
    module = test::compileModule(*dev, {cg::emitSamplePick(desc)});
    ASSERT_TRUE(module);
  }

  /// What the kernel returns for `rows` rows of `vocab` logits `ld` apart.
  struct Picks {
    std::vector<GreedySummary> summary;
    std::vector<int32_t> next;
    std::vector<uint8_t> seen; ///< the seen bytes after the picks
  };
  void run(const std::vector<float> &flat, long long ld, size_t vocab, int rows,
           const std::vector<float> &params,
           const std::vector<double> &uniforms,
           const std::vector<uint8_t> &seen, Picks &out) {
    cuda::DeviceBuffer logits = test::toDevice(*dev, flat);
    cuda::DeviceBuffer p = test::toDevice(*dev, params);
    cuda::DeviceBuffer u = test::toDevice(*dev, uniforms);
    cuda::DeviceBuffer s = test::toDevice(*dev, seen);
    cuda::DeviceBuffer summary =
        test::toDevice(*dev, std::vector<GreedySummary>(rows));
    cuda::DeviceBuffer ids =
        test::toDevice(*dev, std::vector<int32_t>(rows, -1));
    ASSERT_TRUE(cuda::launchSamplePick(
                    *dev, test::fn(*module, desc.name), desc,
                    logits.as<float>(), ld, static_cast<int>(vocab), rows,
                    p.as<void>(), u.as<double>(), s.as<unsigned char>(),
                    summary.as<void>(), ids.as<int>())
                    .ok());
    out.summary = test::fromDevice<GreedySummary>(*dev, summary);
    out.next = test::fromDevice<int32_t>(*dev, ids);
    out.seen = test::fromDevice<uint8_t>(*dev, s);
  }

  std::unique_ptr<cuda::Device> dev;
  cg::SamplePickDesc desc;
  std::unique_ptr<cuda::Module> module;
};

/// Rows and samplers to draw from: a real vocabulary's flat row, a peaked
/// one, and a short row with masked tokens; temperature alone, with min-p,
/// with a penalty (also on the top token), greedy with a penalty, top-k 1,
/// a temperature whose inverse overflows, top-k, top-p, both with min-p.
TEST_P(CudaSampleKernel, DrawsWhatTheHostSamplerDrawsWithTheSameUniform) {
  std::vector<std::vector<float>> rows;
  rows.push_back(test::randomVector(50280, -8.0f, 8.0f, 5));
  rows.push_back(test::randomVector(50280, -8.0f, 8.0f, 6));
  rows.back()[777] = 9.0f;
  rows.back()[40000] = 8.5f;
  rows.push_back(test::randomVector(37, -2.0f, 2.0f, 7));
  for (size_t i : {0, 5, 36})
    rows.back()[i] = -INFINITY;
  std::vector<SamplerConfig> configs(5);
  configs[0].temperature = 1.0f;
  configs[1].temperature = 0.7f;
  configs[1].minP = 0.05f;
  configs[2].temperature = 1.3f;
  configs[2].repetitionPenalty = 1.5f;
  configs[3].temperature = 0.0f;
  configs[3].repetitionPenalty = 1.5f;
  configs[4].temperature = 2.0f;
  configs[4].topK = 1; // greedy
  // 1 / T overflows: no weight is left, and the host takes the argmax.
  configs.push_back({});
  configs[5].temperature = 1e-40f;
  configs.resize(9);
  configs[6].temperature = 0.9f;
  configs[6].topK = 40;
  configs[7].temperature = 1.0f;
  configs[7].topP = 0.9f;
  configs[8].temperature = 0.8f;
  configs[8].topK = 2000;
  configs[8].topP = 0.5f;
  configs[8].minP = 0.01f;
  const int draws = 64;
  int mismatches = 0;
  for (size_t r = 0; r < rows.size(); ++r) {
    const std::vector<float> &row = rows[r];
    const size_t vocab = row.size();
    // The penalty's history: a few tokens and the row's top one.
    std::vector<TokenId> history = {1, 3, 30};
    history.push_back(argmax(row.data(), vocab));
    std::vector<uint8_t> seenRow(vocab, 0);
    for (TokenId t : history)
      seenRow[t] = 1;
    for (size_t k = 0; k < configs.size(); ++k) {
      SamplerConfig c = configs[k];
      c.seed = 100 + k;
      const bool greedy = isGreedy(c);
      const std::vector<uint8_t> noSeen(vocab, 0);
      const std::vector<uint8_t> &seen =
          c.repetitionPenalty != 1.0f ? seenRow : noSeen;
      // One row per draw, each with its own uniform from the sampler.
      const long long ld = static_cast<long long>(vocab) + 3;
      std::vector<float> flat(draws * ld, 1e30f), params;
      std::vector<double> uniforms;
      std::vector<uint8_t> seenFlat;
      std::vector<int32_t> want;
      Sampler drawer = makeSampler(c), host = makeSampler(c);
      for (int d = 0; d < draws; ++d) {
        std::copy(row.begin(), row.end(), flat.begin() + d * ld);
        appendParams(params, c);
        uniforms.push_back(greedy ? 0.0 : drawer.drawUniform());
        seenFlat.insert(seenFlat.end(), seen.begin(), seen.end());
        auto t = host.sample(row.data(), vocab, history);
        ASSERT_TRUE(t.ok()) << t.status().message();
        want.push_back(*t);
      }
      Picks out;
      ASSERT_NO_FATAL_FAILURE(
          run(flat, ld, vocab, draws, params, uniforms, seenFlat, out));
      const std::vector<GreedySummary> &got = out.summary;
      const std::vector<int32_t> &next = out.next;
      const std::vector<uint8_t> &marked = out.seen;
      const std::vector<double> weights = keptWeights(row, c, seen);
      for (int d = 0; d < draws; ++d) {
        const std::string what = "row " + std::to_string(r) + ", config " +
                                 std::to_string(k) + ", draw " +
                                 std::to_string(d);
        auto pick = greedyToken(got[d], vocab);
        ASSERT_TRUE(pick.ok()) << what << ": " << pick.status().message();
        EXPECT_EQ(next[d], *pick) << what;
        EXPECT_EQ(marked[d * vocab + *pick], 1) << what;
        if (greedy || k == 5) {
          EXPECT_EQ(*pick, want[d]) << what;
          continue;
        }
        // The pick's interval holds the uniform (up to float weights).
        const Interval in = intervalOf(weights, *pick);
        EXPECT_GT(in.upto, in.before) << what;
        EXPECT_LE(in.before, uniforms[d] + 1e-5) << what;
        EXPECT_GE(in.upto, uniforms[d] - 1e-5) << what;
        if (*pick != want[d]) {
          // Only a uniform within rounding of the two tokens' boundary.
          ++mismatches;
          const Interval h = intervalOf(weights, want[d]);
          EXPECT_LT(std::min(std::abs(uniforms[d] - h.before),
                             std::abs(uniforms[d] - h.upto)),
                    1e-5)
              << what << ": device " << *pick << ", host " << want[d];
        }
      }
    }
  }
  EXPECT_LE(mismatches, 1);
}

TEST_P(CudaSampleKernel, UnusableRowsGiveTheHostSamplersErrors) {
  const size_t vocab = 1000;
  std::vector<std::vector<float>> rows(3, test::randomVector(vocab, -3, 3, 9));
  rows[0][400] = NAN;
  rows[0][600] = INFINITY;
  rows[1].assign(vocab, -INFINITY);
  rows[2][2] = INFINITY;
  SamplerConfig c;
  c.temperature = 0.8f;
  c.repetitionPenalty = 1.2f;
  std::vector<float> flat, params;
  for (const auto &r : rows) {
    flat.insert(flat.end(), r.begin(), r.end());
    appendParams(params, c);
  }
  Picks out;
  ASSERT_NO_FATAL_FAILURE(run(flat, vocab, vocab, 3, params,
                              std::vector<double>(3, 0.5),
                              std::vector<uint8_t>(3 * vocab, 1), out));
  const std::vector<GreedySummary> &got = out.summary;
  const std::vector<int32_t> &next = out.next;
  Sampler host = makeSampler(c);
  for (size_t i = 0; i < rows.size(); ++i) {
    auto want = host.sample(rows[i].data(), vocab, {1, 2});
    auto pick = greedyToken(got[i], vocab);
    ASSERT_FALSE(want.ok());
    ASSERT_FALSE(pick.ok()) << "row " << i;
    EXPECT_EQ(pick.status().message(), want.status().message()) << "row " << i;
    EXPECT_EQ(next[i], 0) << "row " << i;
  }
}

/// generate() samples on the device when it can; its tokens must be those
/// of a loop that samples decode()'s logits on the host with the same
/// seeds (deterministicDecode: equal tokens give equal logits).
TEST(CudaSample, GenerateDrawsWhatTheHostDrawsFromTheSameLogits) {
  auto weights = loadModelDir(test::goldenDir("small-untied"));
  ASSERT_TRUE(weights.ok()) << weights.status().message();
  const test::GoldenFiles golden =
      test::readGoldenFiles(test::goldenDir("small-untied"));
  for (DType dtype : {DType::F32, DType::BF16}) {
    CudaModelOptions options;
    options.maxBatch = 3;
    options.weightType = dtype;
    options.deterministicDecode = true;
    MAMBA_CUDA_MODEL_OR_SKIP(model, *weights, options);
    const int64_t vocab = model->vocabSize(), batch = 3;
    std::vector<SamplerConfig> configs(5);
    configs[0].temperature = 0.8f;
    configs[1].temperature = 1.1f;
    configs[1].minP = 0.05f;
    configs[2].temperature = 0.9f;
    configs[2].repetitionPenalty = 1.3f;
    configs[3].temperature = 0.0f;
    configs[3].repetitionPenalty = 1.4f;
    configs[4].temperature = 1.0f;
    configs[4].topP = 0.9f;
    configs[4].topK = 20;
    for (size_t k = 0; k < configs.size(); ++k) {
      SamplerConfig c = configs[k];
      c.seed = 40 + k;
      GenerateOptions g;
      g.sampling = c;
      g.batch = batch;
      g.maxNewTokens = 12;
      std::vector<std::vector<int32_t>> out(batch);
      auto stats = generate(*model, golden.prompt, g,
                            [&](int64_t b, TokenId t) { out[b].push_back(t); });
      ASSERT_TRUE(stats.ok()) << stats.status().message();

      // The reference loop.
      auto state = model->newState(batch);
      ASSERT_TRUE(state.ok());
      const int64_t len = static_cast<int64_t>(golden.prompt.size());
      std::vector<int32_t> tokens;
      for (int64_t b = 0; b < batch; ++b)
        tokens.insert(tokens.end(), golden.prompt.begin(), golden.prompt.end());
      std::vector<float> logits(batch * vocab);
      ASSERT_TRUE(model
                      ->forward(tokens.data(), len, *state, LogitsMode::Last,
                                logits.data())
                      .ok());
      std::vector<Sampler> samplers;
      std::vector<std::vector<TokenId>> history(batch, golden.prompt);
      for (int64_t b = 0; b < batch; ++b) {
        SamplerConfig sc = c;
        sc.seed += static_cast<uint64_t>(b);
        samplers.push_back(makeSampler(sc));
      }
      std::vector<std::vector<int32_t>> want(batch);
      std::vector<int32_t> feed(batch);
      for (int64_t step = 0; step < g.maxNewTokens; ++step) {
        for (int64_t b = 0; b < batch; ++b) {
          auto t =
              samplers[b].sample(logits.data() + b * vocab, vocab, history[b]);
          ASSERT_TRUE(t.ok()) << t.status().message();
          feed[b] = *t;
          history[b].push_back(*t);
          want[b].push_back(*t);
        }
        ASSERT_TRUE(model->decode(feed.data(), *state, logits.data()).ok());
      }
      EXPECT_EQ(out, want) << dtypeName(dtype) << ", config " << k;
    }
  }
}

TEST(CudaSample, MisuseIsAnError) {
  auto weights = loadModelDir(test::goldenDir("small-untied"));
  ASSERT_TRUE(weights.ok()) << weights.status().message();
  CudaModelOptions options;
  options.maxBatch = 2;
  MAMBA_CUDA_MODEL_OR_SKIP(model, *weights, options);
  auto state = model->newState(2);
  ASSERT_TRUE(state.ok());
  const int32_t tokens[2] = {3, 4};
  int32_t picks[2] = {};
  const double u[2] = {0.25, 0.75};
  std::vector<SamplerConfig> c(2);
  c[0].temperature = c[1].temperature = 0.9f;
  auto expectError = [](const Status &s, const std::string &part) {
    ASSERT_FALSE(s.ok()) << "expected an error containing: " << part;
    EXPECT_NE(s.message().find(part), std::string::npos) << s.message();
  };
  expectError(model->startSampledDecode(tokens, *state, nullptr, nullptr, u),
              "the sampler configs are null");
  expectError(
      model->startSampledDecode(tokens, *state, c.data(), nullptr, nullptr),
      "the uniforms are null");
  const double bad[2] = {0.5, 1.0};
  expectError(model->startSampledDecode(tokens, *state, c.data(), nullptr, bad),
              "the uniform of sequence 1 is 1.000000, outside [0, 1)");
  c[1].temperature = -1.0f;
  expectError(model->startSampledDecode(tokens, *state, c.data(), nullptr, u),
              "sequence 1: sampler: temperature must be >= 0");
  c[1].temperature = 0.9f;
  c[0].repetitionPenalty = 1.2f;
  expectError(model->startSampledDecode(tokens, *state, c.data(), nullptr, u),
              "a repetition penalty needs the histories");
  c[0].repetitionPenalty = 1.0f;
  // A sampled pipeline's next step needs uniforms.
  ASSERT_TRUE(
      model->startSampledDecode(tokens, *state, c.data(), nullptr, u).ok());
  expectError(model->nextGreedyPicks(*state, true, picks),
              "needs uniforms (nextSampledPicks)");
  expectError(model->nextSampledPicks(*state, nullptr, picks),
              "no decode pipeline of this state is in flight");
  // A bad uniform mid-pipeline ends it.
  ASSERT_TRUE(
      model->startSampledDecode(tokens, *state, c.data(), nullptr, u).ok());
  expectError(model->nextSampledPicks(*state, bad, picks), "outside [0, 1)");
  expectError(model->endGreedyDecode(*state),
              "no decode pipeline of this state is in flight");
  // Null uniforms end a pipeline with its last picks.
  ASSERT_TRUE(
      model->startSampledDecode(tokens, *state, c.data(), nullptr, u).ok());
  ASSERT_TRUE(model->nextSampledPicks(*state, u, picks).ok());
  ASSERT_TRUE(model->nextSampledPicks(*state, nullptr, picks).ok());
  for (int32_t p : picks)
    EXPECT_TRUE(p >= 0 && p < model->vocabSize()) << p;
  expectError(model->endGreedyDecode(*state),
              "no decode pipeline of this state is in flight");
}

INSTANTIATE_TEST_SUITE_P(
    Variants, CudaSampleKernel,
    ::testing::Values(cg::SamplePickPath::ThreadRuns,
                      cg::SamplePickPath::WarpRuns, cg::SamplePickPath::ByTopK),
    [](const ::testing::TestParamInfo<cg::SamplePickPath> &info) {
      return pathName(info.param);
    });

} // namespace
} // namespace mamba

// Greedy decoding on the GPU: the greedy_pick kernel against a greedy
// Sampler on hard rows, CudaModel::decodeGreedy against a Sampler on the
// same step's logits, the pipelined decode against single steps, its misuse
// errors, and generate() against transformers' greedy tokens.
#include "../../runtime/src/cuda/kernels.h"
#include "cuda_test_util.h"
#include "golden_files.h"
#include "mamba/generate.h"
#include "mamba/sampler.h"
#include "mamba/weights.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace mamba {
namespace {

namespace cg = codegen::cuda;

Sampler greedySampler() {
  SamplerConfig c;
  c.temperature = 0.0f;
  auto s = Sampler::create(c);
  EXPECT_TRUE(s.ok());
  return std::move(s).value();
}

/// Rows that a greedy pick can get wrong: ties (also across the block's
/// threads and warps), masked tokens, NaN, +inf, -0 against 0, a row
/// shorter than the block and one of a real vocabulary.
std::vector<std::vector<float>> hardRows(size_t vocab) {
  std::vector<std::vector<float>> rows;
  std::vector<float> base = test::randomVector(vocab, -8.0f, 8.0f, 3);
  rows.push_back(base);
  std::vector<float> r = base;
  for (size_t i : {vocab - 1, size_t{1031}, size_t{2}, size_t{33}})
    r[i % vocab] = 50.0f; // a four-way tie: index 2 wins
  rows.push_back(r);
  r = base;
  r[vocab - 1] = 60.0f; // the last index
  rows.push_back(r);
  rows.push_back(std::vector<float>(vocab, -INFINITY)); // an error
  r.assign(vocab, -INFINITY);
  r[vocab / 2] = -3.0f; // one live token
  rows.push_back(r);
  r = base;
  r[vocab / 3] = NAN;
  r[vocab / 2] = INFINITY; // the NaN is first
  rows.push_back(r);
  r = base;
  r[7] = INFINITY;
  rows.push_back(r);
  rows.push_back(std::vector<float>(vocab, 0.0f)); // all tie: index 0
  r.assign(vocab, -0.0f);
  r[5] = 0.0f; // -0 == 0: index 0
  rows.push_back(r);
  return rows;
}

TEST(CudaGreedy, KernelPicksWhatAGreedySamplerPicks) {
  std::unique_ptr<cuda::Device> dev;
  MAMBA_OPEN_DEVICE_OR_SKIP(dev);
  for (int threads : {1024, 128}) {
    cg::GreedyPickDesc desc;
    desc.schedule.threadsPerBlock = threads;
    auto module = test::compileModule(*dev, {cg::emitGreedyPick(desc)});
    ASSERT_TRUE(module);
    for (size_t vocab : {size_t{50280}, size_t{37}}) {
      const std::vector<std::vector<float>> rows = hardRows(vocab);
      const long long ld = static_cast<long long>(vocab) + 3; // padded rows
      std::vector<float> flat(rows.size() * ld, 1e30f);
      for (size_t i = 0; i < rows.size(); ++i)
        std::copy(rows[i].begin(), rows[i].end(), flat.begin() + i * ld);
      cuda::DeviceBuffer logits = test::toDevice(*dev, flat);
      cuda::DeviceBuffer summary =
          test::toDevice(*dev, std::vector<GreedySummary>(rows.size()));
      cuda::DeviceBuffer ids =
          test::toDevice(*dev, std::vector<int32_t>(rows.size(), -1));
      ASSERT_TRUE(cuda::launchGreedyPick(*dev, test::fn(*module, desc.name),
                                         desc, logits.as<float>(), ld,
                                         static_cast<int>(vocab),
                                         static_cast<int>(rows.size()),
                                         summary.as<void>(), ids.as<int>())
                      .ok());
      const auto got = test::fromDevice<GreedySummary>(*dev, summary);
      const auto next = test::fromDevice<int32_t>(*dev, ids);
      Sampler sampler = greedySampler();
      for (size_t i = 0; i < rows.size(); ++i) {
        const std::string what = "threads " + std::to_string(threads) +
                                 ", vocab " + std::to_string(vocab) + ", row " +
                                 std::to_string(i);
        auto want = sampler.sample(rows[i].data(), vocab);
        auto pick = greedyToken(got[i], vocab);
        ASSERT_EQ(pick.ok(), want.ok()) << what;
        if (want.ok()) {
          EXPECT_EQ(*pick, *want) << what;
          EXPECT_EQ(next[i], *want) << what;
        } else {
          EXPECT_EQ(pick.status().message(), want.status().message()) << what;
          EXPECT_EQ(next[i], 0) << what;
        }
      }
    }
  }
}

struct Case {
  const char *golden;
  DType dtype;
  bool graphs;
};

/// decodeGreedy and the pipeline against a greedy Sampler on decode()'s
/// logits, step by step, at batch 1 and 3 (fused step) and 5 (cuBLAS).
/// deterministicDecode: two states given the same tokens get the same
/// logits bit for bit, so the picks must agree exactly.
class CudaGreedyDecode : public ::testing::TestWithParam<Case> {};

TEST_P(CudaGreedyDecode, PicksAreASamplersOnTheSameLogits) {
  const Case c = GetParam();
  auto weights = loadModelDir(test::goldenDir(c.golden));
  ASSERT_TRUE(weights.ok()) << weights.status().message();
  CudaModelOptions options;
  options.maxBatch = 5;
  options.weightType = c.dtype;
  options.useGraphs = c.graphs;
  options.deterministicDecode = true;
  MAMBA_CUDA_MODEL_OR_SKIP(model, *weights, options);
  const int64_t vocab = model->vocabSize();
  const int steps = 6;
  for (int64_t batch : {1, 3, 5}) {
    auto viaLogits = model->newState(batch);
    auto single = model->newState(batch);
    auto piped = model->newState(batch);
    ASSERT_TRUE(viaLogits.ok() && single.ok() && piped.ok());
    std::vector<int32_t> tokens(batch);
    for (int64_t b = 0; b < batch; ++b)
      tokens[b] = static_cast<int32_t>((b * 13 + 1) % vocab);
    // The reference: decode()'s logits through a greedy Sampler.
    std::vector<std::vector<int32_t>> want;
    std::vector<float> logits(batch * vocab);
    Sampler sampler = greedySampler();
    std::vector<int32_t> feed = tokens;
    for (int step = 0; step < steps; ++step) {
      ASSERT_TRUE(model->decode(feed.data(), *viaLogits, logits.data()).ok());
      for (int64_t b = 0; b < batch; ++b) {
        auto t = sampler.sample(logits.data() + b * vocab, vocab);
        ASSERT_TRUE(t.ok()) << t.status().message();
        feed[b] = *t;
      }
      want.push_back(feed);
    }
    feed = tokens;
    std::vector<int32_t> picks(batch);
    for (int step = 0; step < steps; ++step) {
      Status s = model->decodeGreedy(feed.data(), *single, picks.data());
      ASSERT_TRUE(s.ok()) << s.message();
      EXPECT_EQ(picks, want[step]) << "batch " << batch << " step " << step;
      feed = picks;
    }
    ASSERT_TRUE(model->startGreedyDecode(tokens.data(), *piped).ok());
    for (int step = 0; step < steps; ++step) {
      Status s = model->nextGreedyPicks(*piped, step + 1 < steps, picks.data());
      ASSERT_TRUE(s.ok()) << s.message();
      EXPECT_EQ(picks, want[step])
          << "pipelined, batch " << batch << " step " << step;
    }
    EXPECT_EQ(piped->position(), steps);
    EXPECT_EQ(single->position(), steps);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Goldens, CudaGreedyDecode,
    ::testing::Values(Case{"small-untied", DType::F32, true},
                      Case{"small-untied", DType::F32, false},
                      Case{"small-untied", DType::BF16, true},
                      Case{"proj-bias-odd-vocab", DType::F32, true},
                      Case{"tiny-tied", DType::BF16, false}),
    [](const auto &info) {
      std::string name = info.param.golden;
      for (char &ch : name)
        if (ch == '-')
          ch = '_';
      return name + "_" + dtypeName(info.param.dtype) +
             (info.param.graphs ? "_graphs" : "_eager");
    });

TEST(CudaGreedy, MisuseAndUnusableLogitsAreErrors) {
  auto weights = loadModelDir(test::goldenDir("small-untied"));
  ASSERT_TRUE(weights.ok()) << weights.status().message();
  // A NaN in lm_head's row of token 9 makes its logit NaN on every step.
  const int64_t d = weights->config.dModel;
  ASSERT_FALSE(weights->lmHead.empty());
  weights->lmHead[9 * d + 1] = NAN;
  CudaModelOptions options;
  options.maxBatch = 2;
  MAMBA_CUDA_MODEL_OR_SKIP(model, *weights, options);
  auto state = model->newState(2);
  ASSERT_TRUE(state.ok());
  int32_t tokens[2] = {1, 2}, picks[2] = {0, 0};
  auto expectError = [](const Status &s, const std::string &part) {
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message().find(part), std::string::npos) << s.message();
  };
  expectError(model->decodeGreedy(tokens, *state, picks),
              "sampler: logit of token 9 is ");
  expectError(model->nextGreedyPicks(*state, true, picks),
              "no decode pipeline of this state is in flight");
  expectError(model->endGreedyDecode(*state),
              "no decode pipeline of this state is in flight");
  int32_t bad[2] = {1, static_cast<int32_t>(model->vocabSize())};
  expectError(model->startGreedyDecode(bad, *state),
              "is outside the vocabulary");
  // A pipeline with a step in flight fails on the NaN, after that step.
  ASSERT_TRUE(model->startGreedyDecode(tokens, *state).ok());
  expectError(model->nextGreedyPicks(*state, true, picks), "logit of token 9");
  expectError(model->nextGreedyPicks(*state, true, picks),
              "no decode pipeline of this state is in flight");
  // forward() ends a pipeline.
  ASSERT_TRUE(model->startGreedyDecode(tokens, *state).ok());
  std::vector<float> logits(2 * model->vocabSize());
  ASSERT_TRUE(model->decode(tokens, *state, logits.data()).ok());
  expectError(model->nextGreedyPicks(*state, false, picks),
              "no decode pipeline of this state is in flight");
  // No output for the picks: an error that leaves the pipeline to end.
  ASSERT_TRUE(model->startGreedyDecode(tokens, *state).ok());
  expectError(model->nextGreedyPicks(*state, false, nullptr),
              "picks output is null");
  EXPECT_TRUE(model->endGreedyDecode(*state).ok());
}

TEST(CudaGreedy, GenerateMatchesTransformersGreedyTokens) {
  for (const char *name : {"small-untied", "tiny-tied"}) {
    auto weights = loadModelDir(test::goldenDir(name));
    ASSERT_TRUE(weights.ok()) << weights.status().message();
    const test::GoldenFiles golden =
        test::readGoldenFiles(test::goldenDir(name));
    ASSERT_GE(golden.greedy.size(), 4u) << name;
    CudaModelOptions options;
    options.maxBatch = 2;
    MAMBA_CUDA_MODEL_OR_SKIP(model, *weights, options);
    GenerateOptions g;
    g.sampling.temperature = 0.0f;
    g.batch = 2;
    g.maxNewTokens = static_cast<int64_t>(golden.greedy.size());
    std::vector<std::vector<int32_t>> out(2);
    auto stats = generate(*model, golden.prompt, g,
                          [&](int64_t b, TokenId t) { out[b].push_back(t); });
    ASSERT_TRUE(stats.ok()) << stats.status().message();
    EXPECT_EQ(out[0], golden.greedy) << name;
    EXPECT_EQ(out[1], golden.greedy) << name;
    EXPECT_EQ(stats->decodeSteps, g.maxNewTokens - 1) << name;

    // An eos at the third token ends both sequences there; the step in
    // flight is waited for and dropped.
    g.eos = golden.greedy[2];
    const auto eosAt = static_cast<size_t>(
        std::find(golden.greedy.begin(), golden.greedy.end(), *g.eos) -
        golden.greedy.begin());
    out.assign(2, {});
    stats = generate(*model, golden.prompt, g,
                     [&](int64_t b, TokenId t) { out[b].push_back(t); });
    ASSERT_TRUE(stats.ok()) << stats.status().message();
    const std::vector<int32_t> upToEos(golden.greedy.begin(),
                                       golden.greedy.begin() + eosAt + 1);
    EXPECT_EQ(out[0], upToEos) << name;
    EXPECT_EQ(out[1], upToEos) << name;
  }
}

} // namespace
} // namespace mamba

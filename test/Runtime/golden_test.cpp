// Numeric contract of the CPU executor: logits of tiny random Mamba models
// against Hugging Face transformers (golden files from make_golden.py), and
// agreement of decode, chunked prefill and batching with one-shot prefill.
#include "golden_files.h"
#include "mamba/cpu_model.h"
#include "mamba/json.h"
#include "mamba/npy.h"
#include "mamba/weights.h"
#include "test_util.h"

#include <gtest/gtest.h>

namespace mamba {
namespace {

using test::argmax;
using test::maxAbs;
using test::maxAbsDiff;

/// The numeric contract: max |ours - ref| <= 1e-4 * max |ref|.
constexpr float kRelTol = 1e-4f;

struct Golden {
  ModelWeights weights;
  std::vector<int32_t> prompt;
  std::vector<int32_t> greedy;
  NpyArray logits; // [prompt, vocab]
};

Golden loadGolden(const std::string &name) {
  const std::string dir = test::goldenDir(name);
  Golden g;
  auto weights = loadModelDir(dir);
  EXPECT_TRUE(weights.ok()) << weights.status().message();
  if (weights.ok())
    g.weights = std::move(weights).value();
  test::GoldenFiles files = test::readGoldenFiles(dir);
  g.prompt = std::move(files.prompt);
  g.greedy = std::move(files.greedy);
  g.logits = std::move(files.logits);
  return g;
}

std::unique_ptr<CpuModel> makeModel(const ModelWeights &w,
                                    CpuModelOptions options = {}) {
  auto model = CpuModel::create(w, options);
  EXPECT_TRUE(model.ok()) << model.status().message();
  return model.ok() ? std::move(model).value() : nullptr;
}

class GoldenModel : public ::testing::TestWithParam<const char *> {
protected:
  void SetUp() override {
    g_ = loadGolden(GetParam());
    ASSERT_FALSE(g_.prompt.empty());
    ASSERT_EQ(g_.logits.shape.size(), 2u);
    ASSERT_EQ(g_.logits.shape[0], static_cast<int64_t>(g_.prompt.size()));
    ASSERT_EQ(g_.logits.shape[1], g_.weights.config.vocabSize);
    refMax_ = maxAbs(g_.logits.data.data(), g_.logits.data.size());
    ASSERT_GT(refMax_, 0.0f);
  }

  int64_t vocab() const { return g_.weights.config.vocabSize; }
  int64_t len() const { return static_cast<int64_t>(g_.prompt.size()); }

  /// Row t of the reference logits.
  const float *refRow(int64_t t) const {
    return g_.logits.data.data() + t * vocab();
  }

  Golden g_;
  float refMax_ = 0.0f;
};

TEST_P(GoldenModel, PrefillMatchesTransformers) {
  for (int threads : {1, 2, 3}) {
    CpuModelOptions options;
    options.numThreads = threads;
    auto model = makeModel(g_.weights, options);
    ASSERT_TRUE(model);
    ModelState state = model->makeState(1);
    auto logits = model->prefill({g_.prompt}, state);
    ASSERT_TRUE(logits.ok()) << logits.status().message();
    ASSERT_EQ(logits->size(), g_.logits.data.size());
    float diff =
        maxAbsDiff(logits->data(), g_.logits.data.data(), logits->size());
    EXPECT_LE(diff, kRelTol * refMax_)
        << "threads " << threads << ": max |ours - ref| " << diff
        << ", max |ref| " << refMax_;
  }
}

TEST_P(GoldenModel, GreedyDecodeMatchesTransformers) {
  auto model = makeModel(g_.weights);
  ASSERT_TRUE(model);
  ModelState state = model->makeState(1);
  std::vector<float> logits(vocab());
  ASSERT_TRUE(model
                  ->forward(g_.prompt.data(), len(), state, LogitsMode::Last,
                            logits.data())
                  .ok());
  std::vector<int32_t> generated;
  for (size_t i = 0; i < g_.greedy.size(); ++i) {
    int32_t next = argmax(logits.data(), vocab());
    generated.push_back(next);
    ASSERT_TRUE(model->decode(&next, state, logits.data()).ok());
  }
  EXPECT_EQ(generated, g_.greedy);
  EXPECT_EQ(state.position(), len() + static_cast<int64_t>(g_.greedy.size()));
}

TEST_P(GoldenModel, DecodeStepsReproducePrefillLogits) {
  auto model = makeModel(g_.weights);
  ASSERT_TRUE(model);
  ModelState state = model->makeState(1);
  std::vector<float> logits(vocab());
  for (int64_t t = 0; t < len(); ++t) {
    ASSERT_TRUE(model->decode(&g_.prompt[t], state, logits.data()).ok());
    float diff = maxAbsDiff(logits.data(), refRow(t), vocab());
    EXPECT_LE(diff, kRelTol * refMax_) << "position " << t;
  }
}

TEST_P(GoldenModel, ChunkedPrefillMatchesOneShot) {
  auto model = makeModel(g_.weights);
  ASSERT_TRUE(model);
  ModelState oneShotState = model->makeState(1);
  auto oneShot = model->prefill({g_.prompt}, oneShotState);
  ASSERT_TRUE(oneShot.ok());
  const int64_t e = g_.weights.config.dInner();
  const size_t ssmSize = e * g_.weights.config.dState;
  const size_t convSize = e * g_.weights.config.dConv;

  for (int64_t chunk :
       {int64_t(1), int64_t(2), int64_t(3), int64_t(5), len()}) {
    ModelState state = model->makeState(1);
    std::vector<float> logits(len() * vocab());
    for (int64_t t0 = 0; t0 < len(); t0 += chunk) {
      int64_t n = std::min(chunk, len() - t0);
      // Each chunk's logits land in their rows of a [n, vocab] block.
      ASSERT_TRUE(model
                      ->forward(g_.prompt.data() + t0, n, state,
                                LogitsMode::All, logits.data() + t0 * vocab())
                      .ok());
    }
    float diff = maxAbsDiff(logits.data(), oneShot->data(), logits.size());
    EXPECT_LE(diff, 1e-5f * refMax_) << "chunk " << chunk;
    for (int64_t l = 0; l < g_.weights.config.nLayer; ++l) {
      EXPECT_LE(
          maxAbsDiff(state.ssmState(l), oneShotState.ssmState(l), ssmSize),
          1e-4f)
          << "chunk " << chunk << " layer " << l;
      float convMax = maxAbs(oneShotState.convState(l), convSize);
      EXPECT_GT(convMax, 0.0f);
      EXPECT_LE(
          maxAbsDiff(state.convState(l), oneShotState.convState(l), convSize),
          1e-5f * convMax)
          << "chunk " << chunk << " layer " << l;
    }
  }

  // The same through the executor's own splitting of long inputs.
  for (int64_t maxChunk : {1, 3, 4}) {
    CpuModelOptions options;
    options.maxChunk = maxChunk;
    auto split = makeModel(g_.weights, options);
    ASSERT_TRUE(split);
    ModelState state = split->makeState(1);
    auto logits = split->prefill({g_.prompt}, state);
    ASSERT_TRUE(logits.ok());
    EXPECT_LE(maxAbsDiff(logits->data(), oneShot->data(), logits->size()),
              1e-5f * refMax_)
        << "maxChunk " << maxChunk;
  }
}

TEST_P(GoldenModel, BatchOfTwoEqualsSeparateRuns) {
  std::vector<int32_t> other(g_.prompt.rbegin(), g_.prompt.rend());
  other[0] = (other[0] + 1) % static_cast<int32_t>(vocab());
  CpuModelOptions options;
  options.maxBatch = 2;
  options.numThreads = 2;
  auto model = makeModel(g_.weights, options);
  ASSERT_TRUE(model);

  ModelState both = model->makeState(2);
  auto batched = model->prefill({g_.prompt, other}, both);
  ASSERT_TRUE(batched.ok()) << batched.status().message();
  const size_t rows = len() * vocab();
  int64_t b = 0;
  for (const auto *prompt : {&g_.prompt, &other}) {
    ModelState single = model->makeState(1);
    auto alone = model->prefill({*prompt}, single);
    ASSERT_TRUE(alone.ok());
    EXPECT_LE(maxAbsDiff(batched->data() + b * rows, alone->data(), rows),
              1e-5f * refMax_)
        << "sequence " << b;
    ++b;
  }
  EXPECT_LE(maxAbsDiff(batched->data(), g_.logits.data.data(), rows),
            kRelTol * refMax_);

  // One decode step of the batch against each sequence decoded alone.
  int32_t next[2] = {3, 5};
  std::vector<float> batchLogits(2 * vocab());
  ASSERT_TRUE(model->decode(next, both, batchLogits.data()).ok());
  for (int64_t s = 0; s < 2; ++s) {
    ModelState single = model->makeState(1);
    ASSERT_TRUE(model->prefill({s == 0 ? g_.prompt : other}, single).ok());
    std::vector<float> logits(vocab());
    ASSERT_TRUE(model->decode(&next[s], single, logits.data()).ok());
    EXPECT_LE(
        maxAbsDiff(batchLogits.data() + s * vocab(), logits.data(), vocab()),
        1e-5f * refMax_)
        << "sequence " << s;
  }
}

INSTANTIATE_TEST_SUITE_P(HuggingFace, GoldenModel,
                         ::testing::Values("tiny-tied", "small-untied",
                                           "no-conv-bias-k3",
                                           "proj-bias-odd-vocab",
                                           "bf16-weights", "f16-weights"),
                         test::goldenTestName);

} // namespace
} // namespace mamba

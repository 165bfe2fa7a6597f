// Unit tests of the CPU executor beyond the golden models: a double-precision
// naive reference on wider shapes and uneven thread splits, and API errors.
#include "mamba/cpu_model.h"
#include "reference_mamba.h"
#include "test_util.h"

#include <gtest/gtest.h>

namespace mamba {
namespace {

using test::maxAbs;
using test::maxAbsDiff;

std::vector<int32_t> someTokens(int64_t len, int64_t vocab, int seed) {
  std::vector<int32_t> t(len);
  for (int64_t i = 0; i < len; ++i)
    t[i] = static_cast<int32_t>((i * 7919 + seed * 104729 + 13) % vocab);
  return t;
}

struct Shape {
  int64_t d, layers, vocab, state, conv;
  bool bias, convBias, tied;
};

class CpuModelVsReference : public ::testing::TestWithParam<Shape> {};

TEST_P(CpuModelVsReference, PrefillAndDecode) {
  const Shape s = GetParam();
  ModelConfig c;
  c.dModel = s.d;
  c.nLayer = s.layers;
  c.vocabSize = s.vocab;
  c.dState = s.state;
  c.dConv = s.conv;
  c.dtRank = (s.d + 15) / 16;
  c.useBias = s.bias;
  c.useConvBias = s.convBias;
  c.tieWordEmbeddings = s.tied;
  ModelWeights w = makeRandomWeights(c, 11);
  auto tokens = someTokens(21, c.vocabSize, 1);
  std::vector<float> ref = test::referenceLogits(w, tokens);
  const float tol = 1e-4f * maxAbs(ref.data(), ref.size());

  for (int threads : {1, 2, 3}) {
    CpuModelOptions options;
    options.numThreads = threads;
    options.maxChunk = 8; // forces three internal chunks
    auto model = CpuModel::create(w, options);
    ASSERT_TRUE(model.ok()) << model.status().message();
    ModelState state = (*model)->makeState(1);
    auto logits = (*model)->prefill({tokens}, state);
    ASSERT_TRUE(logits.ok());
    EXPECT_LE(maxAbsDiff(logits->data(), ref.data(), ref.size()), tol)
        << "threads " << threads;

    ModelState stepState = (*model)->makeState(1);
    std::vector<float> step(c.vocabSize);
    for (size_t t = 0; t < tokens.size(); ++t) {
      ASSERT_TRUE((*model)->decode(&tokens[t], stepState, step.data()).ok());
      ASSERT_LE(
          maxAbsDiff(step.data(), ref.data() + t * c.vocabSize, c.vocabSize),
          tol)
          << "threads " << threads << " position " << t;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, CpuModelVsReference,
    ::testing::Values(Shape{64, 2, 300, 16, 4, false, true, true},
                      Shape{40, 1, 77, 5, 2, true, false, false},
                      Shape{96, 2, 50, 16, 1, false, true, false},
                      Shape{24, 3, 9, 3, 6, true, true, true},
                      // d_inner 36: a partial channel block in the scan.
                      Shape{18, 2, 40, 7, 3, false, true, true}),
    [](const ::testing::TestParamInfo<Shape> &info) {
      const Shape &s = info.param;
      return "d" + std::to_string(s.d) + "_l" + std::to_string(s.layers) +
             "_v" + std::to_string(s.vocab) + "_n" + std::to_string(s.state) +
             "_k" + std::to_string(s.conv) + (s.bias ? "_bias" : "") +
             (s.convBias ? "_convbias" : "") + (s.tied ? "_tied" : "");
    });

TEST(CpuModel, LastLogitsEqualTheLastRowOfAll) {
  ModelConfig c = *stockModelConfig("130m");
  c.dModel = 64;
  c.nLayer = 2;
  c.vocabSize = 1000;
  c.dtRank = 4;
  CpuModelOptions options;
  options.maxBatch = 3;
  auto model = CpuModel::create(makeRandomWeights(c, 5), options);
  ASSERT_TRUE(model.ok());
  std::vector<int32_t> tokens;
  for (int b = 0; b < 3; ++b) {
    auto t = someTokens(6, c.vocabSize, b);
    tokens.insert(tokens.end(), t.begin(), t.end());
  }
  ModelState all = (*model)->makeState(3), last = (*model)->makeState(3);
  std::vector<float> allLogits(3 * 6 * c.vocabSize),
      lastLogits(3 * c.vocabSize);
  ASSERT_TRUE(
      (*model)
          ->forward(tokens.data(), 6, all, LogitsMode::All, allLogits.data())
          .ok());
  ASSERT_TRUE(
      (*model)
          ->forward(tokens.data(), 6, last, LogitsMode::Last, lastLogits.data())
          .ok());
  for (int b = 0; b < 3; ++b)
    EXPECT_LE(maxAbsDiff(lastLogits.data() + b * c.vocabSize,
                         allLogits.data() + (b * 6 + 5) * c.vocabSize,
                         c.vocabSize),
              1e-5f)
        << "sequence " << b;
  ModelState none = (*model)->makeState(3);
  ASSERT_TRUE((*model)
                  ->forward(tokens.data(), 6, none, LogitsMode::None, nullptr)
                  .ok());
  EXPECT_EQ(
      maxAbsDiff(none.ssmState(1), last.ssmState(1), 3 * c.dInner() * c.dState),
      0.0f);
  EXPECT_EQ(none.position(), 6);
}

TEST(CpuModel, Errors) {
  ModelConfig c;
  c.dModel = 16;
  c.nLayer = 1;
  c.vocabSize = 10;
  c.dtRank = 1;
  ModelWeights w = makeRandomWeights(c, 1);
  CpuModelOptions bad;
  bad.maxChunk = 0;
  EXPECT_FALSE(CpuModel::create(w, bad).ok());
  ModelWeights broken = w;
  broken.layers.pop_back();
  auto e = CpuModel::create(broken);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("weights: 0 layers but the config "
                                      "has 1"),
            std::string::npos)
      << e.status().message();
  ModelWeights shortD = w;
  shortD.layers[0].d.pop_back();
  e = CpuModel::create(shortD);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("'backbone.layers.0.mixer.D' has 31 "
                                      "values, expected 32"),
            std::string::npos)
      << e.status().message();

  auto model = CpuModel::create(w);
  ASSERT_TRUE(model.ok());
  ModelState state = (*model)->makeState(1);
  std::vector<float> logits(10);
  int32_t outside = 10;
  Status s = (*model)->decode(&outside, state, logits.data());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("token id 10 (sequence 0, position 0) is "
                             "outside the vocabulary of 10"),
            std::string::npos)
      << s.message();
  int32_t negative = -1;
  EXPECT_FALSE((*model)->decode(&negative, state, logits.data()).ok());
  EXPECT_EQ(state.position(), 0);

  ModelState two = (*model)->makeState(2);
  int32_t ids[2] = {1, 2};
  s = (*model)->decode(ids, two, logits.data());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("batch 2 exceeds maxBatch 1"), std::string::npos);
  EXPECT_FALSE(
      (*model)->forward(ids, 0, state, LogitsMode::None, nullptr).ok());
  EXPECT_FALSE(
      (*model)->forward(ids, 1, state, LogitsMode::Last, nullptr).ok());
  EXPECT_FALSE((*model)->prefill({{1, 2}, {3}}, two).ok());

  ModelConfig wider = c;
  wider.dState = 8;
  ModelState foreign(wider, 1);
  s = (*model)->decode(ids, foreign, logits.data());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("state was not made for this model"),
            std::string::npos);
}

TEST(CpuModel, PaddedEmbeddingGivesVocabSizeLogits) {
  ModelConfig c;
  c.dModel = 32;
  c.nLayer = 1;
  c.vocabSize = 45; // embedding padded to 48 rows
  c.dtRank = 2;
  ModelWeights w = makeRandomWeights(c, 9);
  ASSERT_EQ(w.embeddingRows, 48);
  auto model = CpuModel::create(w);
  ASSERT_TRUE(model.ok());
  EXPECT_EQ((*model)->vocabSize(), 45);
  auto tokens = someTokens(5, 45, 2);
  ModelState state = (*model)->makeState(1);
  auto logits = (*model)->prefill({tokens}, state);
  ASSERT_TRUE(logits.ok());
  ASSERT_EQ(logits->size(), 5u * 45u);
  auto ref = test::referenceLogits(w, tokens);
  EXPECT_LE(maxAbsDiff(logits->data(), ref.data(), ref.size()),
            1e-4f * maxAbs(ref.data(), ref.size()));
}

TEST(CpuModel, ResetStateStartsOver) {
  ModelConfig c;
  c.dModel = 16;
  c.nLayer = 2;
  c.vocabSize = 20;
  c.dtRank = 1;
  auto model = CpuModel::create(makeRandomWeights(c, 4));
  ASSERT_TRUE(model.ok());
  ModelState state = (*model)->makeState(1);
  auto first = (*model)->prefill({someTokens(7, 20, 1)}, state);
  ASSERT_TRUE(first.ok());
  // prefill() resets, so a second identical call gives identical logits.
  auto second = (*model)->prefill({someTokens(7, 20, 1)}, state);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*first, *second);
  EXPECT_EQ(state.position(), 7);
  state.reset();
  EXPECT_EQ(state.position(), 0);
  EXPECT_EQ(maxAbs(state.ssmState(0), c.dInner() * c.dState), 0.0f);
}

} // namespace
} // namespace mamba

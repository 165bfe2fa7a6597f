// Mamba-2 end to end on the CPU: mamba-compile imports each golden Hugging
// Face Mamba-2 model (config.json, model_type "mamba2") into a package
// (its SSD scan a generic ssm.scan, compiled by Halide), PlanModel runs it
// on the model's safetensors, and the logits match transformers'
// Mamba2ForCausalLM (test/golden/make_golden_mamba2.py): the whole prompt,
// the prompt in chunks, two sequences in one batch, and token by token
// through @decode_step, whose greedy continuation is the reference's.
#include "golden_files.h"
#include "mamba/plan_model.h"
#include "test_util.h"

#include <cstdlib>
#include <gtest/gtest.h>

namespace mamba {
namespace {

using test::argmax;
using test::goldenDir;
using test::maxAbs;
using test::maxAbsDiff;

constexpr float kRelTol = 1e-4f;

class Mamba2Golden : public ::testing::TestWithParam<const char *> {
protected:
  void SetUp() override {
#ifndef MAMBA_HAS_HALIDE
    GTEST_SKIP() << "SKIPPED: built without Halide 14, so mamba-compile "
                    "cannot compile Mamba-2's generic scan";
#endif
    const std::string dir = goldenDir(GetParam());
    const std::string pkg = scratch_.file("pkg");
    const std::string cmd = std::string(MAMBA_COMPILE_PATH) + " '" + dir +
                            "' --emit=package -o '" + pkg + "'";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    auto p = plan::readPlanFile(pkg + "/plan.json");
    ASSERT_TRUE(p.ok()) << p.status().message();
    plan_ = std::move(p).value();
    auto file = SafetensorsFile::open(pkg + "/model.safetensors");
    ASSERT_TRUE(file.ok()) << file.status().message();
    file_ = std::make_unique<SafetensorsFile>(std::move(file).value());
    test::GoldenFiles golden = test::readGoldenFiles(dir);
    prompt_ = golden.prompt;
    greedy_ = golden.greedy;
    ref_ = std::move(golden.logits);
    refMax_ = maxAbs(ref_.data.data(), ref_.data.size());
  }

  std::unique_ptr<PlanModel> make(int64_t maxBatch, int64_t maxChunk) {
    CpuModelOptions options;
    options.maxBatch = maxBatch;
    options.maxChunk = maxChunk;
    auto m = PlanModel::create(plan_, *file_, options);
    EXPECT_TRUE(m.ok()) << m.status().message();
    return m.ok() ? std::move(m).value() : nullptr;
  }
  int64_t len() const { return static_cast<int64_t>(prompt_.size()); }
  int64_t vocab() const { return plan_.vocabSize; }

  test::ScratchDir scratch_;
  plan::Plan plan_;
  std::unique_ptr<SafetensorsFile> file_;
  std::vector<int32_t> prompt_, greedy_;
  NpyArray ref_;
  float refMax_ = 0;
};

TEST_P(Mamba2Golden, PrefillMatchesTransformers) {
  ASSERT_EQ(ref_.shape, (std::vector<int64_t>{len(), vocab()}));
  // Whole, and in chunks that carry the conv and SSD states between them
  // (5 does not divide the prompts).
  for (int64_t maxChunk : {256, 5}) {
    auto model = make(1, maxChunk);
    ASSERT_TRUE(model);
    PlanState state = model->makeState(1);
    std::vector<float> logits(len() * vocab());
    ASSERT_TRUE(model
                    ->forward(prompt_.data(), len(), state, LogitsMode::All,
                              logits.data())
                    .ok());
    const float diff =
        maxAbsDiff(logits.data(), ref_.data.data(), logits.size());
    std::printf("%s, maxChunk %lld: max |ours - transformers| / max|ref| = "
                "%.2e\n",
                GetParam(), static_cast<long long>(maxChunk), diff / refMax_);
    EXPECT_LE(diff, kRelTol * refMax_) << "maxChunk " << maxChunk;
  }
}

TEST_P(Mamba2Golden, BatchOfTwoMatchesEachAlone) {
  auto model = make(2, 6);
  ASSERT_TRUE(model);
  std::vector<int32_t> tokens(prompt_);
  tokens.insert(tokens.end(), prompt_.rbegin(), prompt_.rend());
  PlanState state = model->makeState(2);
  std::vector<float> logits(2 * len() * vocab());
  ASSERT_TRUE(
      model
          ->forward(tokens.data(), len(), state, LogitsMode::All, logits.data())
          .ok());
  EXPECT_LE(maxAbsDiff(logits.data(), ref_.data.data(), len() * vocab()),
            kRelTol * refMax_);
  PlanState single = model->makeState(1);
  std::vector<float> alone(len() * vocab());
  ASSERT_TRUE(model
                  ->forward(tokens.data() + len(), len(), single,
                            LogitsMode::All, alone.data())
                  .ok());
  EXPECT_LE(
      maxAbsDiff(logits.data() + len() * vocab(), alone.data(), alone.size()),
      1e-5f * refMax_);
}

TEST_P(Mamba2Golden, DecodeStepsMatchTransformersAndContinueGreedily) {
  auto model = make(1, 256);
  ASSERT_TRUE(model);
  PlanState state = model->makeState(1);
  std::vector<float> row(vocab());
  for (int64_t t = 0; t < len(); ++t) {
    ASSERT_TRUE(model->decode(&prompt_[t], state, row.data()).ok());
    EXPECT_LE(maxAbsDiff(row.data(), ref_.data.data() + t * vocab(), vocab()),
              kRelTol * refMax_)
        << "position " << t;
  }
  std::vector<int32_t> generated;
  for (size_t i = 0; i < greedy_.size(); ++i) {
    int32_t next = static_cast<int32_t>(argmax(row.data(), vocab()));
    generated.push_back(next);
    ASSERT_TRUE(model->decode(&next, state, row.data()).ok());
  }
  EXPECT_EQ(generated, greedy_);
}

INSTANTIATE_TEST_SUITE_P(HuggingFace, Mamba2Golden,
                         ::testing::Values("mamba2-tiny-tied", "mamba2-bias-k3",
                                           "mamba2-groups"),
                         test::goldenTestName);

} // namespace
} // namespace mamba

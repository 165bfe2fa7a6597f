// The plan path end to end: mamba-compile plans each golden Hugging Face
// model, PlanModel runs the plan on the model's safetensors, and the logits
// match transformers' (golden files) as the hand-written executor's do.
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

/// Plans `dir` with mamba-compile and reads the plan.
Expected<plan::Plan> compilePlan(const std::string &dir) {
  test::ScratchDir scratch;
  std::string out = scratch.file("plan.json");
  std::string cmd = std::string(MAMBA_COMPILE_PATH) + " '" + dir +
                    "' --emit=plan -o '" + out + "'";
  if (std::system(cmd.c_str()) != 0)
    return Status::error("mamba-compile failed: " + cmd);
  return plan::readPlanFile(out);
}

class PlanGolden : public ::testing::TestWithParam<const char *> {
protected:
  void SetUp() override {
    const std::string dir = goldenDir(GetParam());
    auto p = compilePlan(dir);
    ASSERT_TRUE(p.ok()) << p.status().message();
    plan_ = std::move(p).value();
    auto file = SafetensorsFile::open(dir + "/model.safetensors");
    ASSERT_TRUE(file.ok()) << file.status().message();
    file_ = std::make_unique<SafetensorsFile>(std::move(file).value());
    test::GoldenFiles golden = test::readGoldenFiles(dir);
    prompt_ = std::move(golden.prompt);
    greedy_ = std::move(golden.greedy);
    ref_ = std::move(golden.logits);
    ASSERT_FALSE(prompt_.empty());
    ASSERT_EQ(ref_.shape.size(), 2u);
    ASSERT_EQ(ref_.shape[1], plan_.vocabSize);
    refMax_ = maxAbs(ref_.data.data(), ref_.data.size());
  }

  std::unique_ptr<PlanModel> make(CpuModelOptions options = {}) {
    auto model = PlanModel::create(plan_, *file_, options);
    EXPECT_TRUE(model.ok()) << model.status().message();
    return model.ok() ? std::move(model).value() : nullptr;
  }

  int64_t vocab() const { return plan_.vocabSize; }
  int64_t len() const { return static_cast<int64_t>(prompt_.size()); }

  plan::Plan plan_;
  std::unique_ptr<SafetensorsFile> file_;
  std::vector<int32_t> prompt_, greedy_;
  NpyArray ref_;
  float refMax_ = 0;
};

TEST_P(PlanGolden, PrefillMatchesTransformers) {
  for (int threads : {1, 2}) {
    CpuModelOptions options;
    options.numThreads = threads;
    auto model = make(options);
    ASSERT_TRUE(model);
    PlanState state = model->makeState(1);
    std::vector<float> logits(len() * vocab());
    Status s = model->forward(prompt_.data(), len(), state, LogitsMode::All,
                              logits.data());
    ASSERT_TRUE(s.ok()) << s.message();
    float diff = maxAbsDiff(logits.data(), ref_.data.data(), logits.size());
    EXPECT_LE(diff, kRelTol * refMax_) << "threads " << threads;
  }
}

TEST_P(PlanGolden, DecodeStepsMatchTransformersAndGreedy) {
  auto model = make();
  ASSERT_TRUE(model);
  PlanState state = model->makeState(1);
  std::vector<float> logits(vocab());
  for (int64_t t = 0; t < len(); ++t) {
    ASSERT_TRUE(model->decode(&prompt_[t], state, logits.data()).ok());
    EXPECT_LE(
        maxAbsDiff(logits.data(), ref_.data.data() + t * vocab(), vocab()),
        kRelTol * refMax_)
        << "position " << t;
  }
  std::vector<int32_t> generated;
  for (size_t i = 0; i < greedy_.size(); ++i) {
    int32_t next = argmax(logits.data(), vocab());
    generated.push_back(next);
    ASSERT_TRUE(model->decode(&next, state, logits.data()).ok());
  }
  EXPECT_EQ(generated, greedy_);
}

TEST_P(PlanGolden, ChunkedPrefillAndBatchingMatch) {
  for (int64_t maxChunk : {2, 3, 5}) {
    CpuModelOptions options;
    options.maxChunk = maxChunk;
    options.maxBatch = 2;
    auto model = make(options);
    ASSERT_TRUE(model);
    // The second sequence is the prompt reversed.
    std::vector<int32_t> tokens(prompt_);
    tokens.insert(tokens.end(), prompt_.rbegin(), prompt_.rend());
    PlanState state = model->makeState(2);
    std::vector<float> logits(2 * len() * vocab());
    ASSERT_TRUE(model
                    ->forward(tokens.data(), len(), state, LogitsMode::All,
                              logits.data())
                    .ok());
    EXPECT_LE(maxAbsDiff(logits.data(), ref_.data.data(), len() * vocab()),
              kRelTol * refMax_)
        << "maxChunk " << maxChunk;
    PlanState single = model->makeState(1);
    std::vector<float> alone(len() * vocab());
    ASSERT_TRUE(model
                    ->forward(tokens.data() + len(), len(), single,
                              LogitsMode::All, alone.data())
                    .ok());
    EXPECT_LE(
        maxAbsDiff(logits.data() + len() * vocab(), alone.data(), alone.size()),
        1e-5f * refMax_)
        << "maxChunk " << maxChunk;
    // Only the last token's logits: the plan's logits tail runs for one
    // token (and is skipped for the inner chunks).
    PlanState lastState = model->makeState(2);
    std::vector<float> lastLogits(2 * vocab());
    ASSERT_TRUE(model
                    ->forward(tokens.data(), len(), lastState, LogitsMode::Last,
                              lastLogits.data())
                    .ok());
    for (int64_t b = 0; b < 2; ++b)
      EXPECT_LE(maxAbsDiff(lastLogits.data() + b * vocab(),
                           logits.data() + ((b + 1) * len() - 1) * vocab(),
                           vocab()),
                1e-5f * refMax_)
          << "maxChunk " << maxChunk << " sequence " << b;
  }
}

INSTANTIATE_TEST_SUITE_P(HuggingFace, PlanGolden,
                         ::testing::Values("tiny-tied", "small-untied",
                                           "no-conv-bias-k3",
                                           "proj-bias-odd-vocab",
                                           "bf16-weights", "f16-weights"),
                         test::goldenTestName);

// A scan written in the spec language (not the named selective scan, so a
// generic ssm.scan) runs as a Halide kernel from the package's kernel
// library, on the golden model's weights, and matches transformers.
TEST(PlanModel, GenericScanThroughHalideMatchesTransformers) {
#ifndef MAMBA_HAS_HALIDE
  GTEST_SKIP() << "SKIPPED: built without Halide 14, so mamba-compile cannot "
                  "compile generic scans";
#else
  const std::string dir = goldenDir("tiny-tied");
  test::ScratchDir scratch;
  const std::string pkg = scratch.file("pkg");
  std::string cmd = std::string(MAMBA_COMPILE_PATH) + " '" + MAMBA_SOURCE_DIR +
                    "/test/Runtime/data/tiny-tied-generic-scan.ssm' "
                    "--emit=package -o '" +
                    pkg + "' --weights '" + dir + "/model.safetensors'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  auto plan = plan::readPlanFile(pkg + "/plan.json");
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  for (const char *fn : {"prefill", "decode_step"}) {
    int libraryScans = 0;
    for (const plan::Step &step : plan->function(fn)->steps)
      libraryScans += step.kernel == "halide" && step.origin == "ssm.scan";
    EXPECT_EQ(libraryScans, 2) << fn << ": one generic scan per layer";
  }
  auto file = SafetensorsFile::open(pkg + "/model.safetensors");
  ASSERT_TRUE(file.ok()) << file.status().message();
  CpuModelOptions options;
  options.maxChunk = 4; // several prefill chunks carry the scan state
  auto model = PlanModel::create(*plan, *file, options);
  ASSERT_TRUE(model.ok()) << model.status().message();

  test::GoldenFiles golden = test::readGoldenFiles(dir);
  const NpyArray *ref = &golden.logits;
  const std::vector<int32_t> &prompt = golden.prompt;
  const int64_t len = static_cast<int64_t>(prompt.size()),
                vocab = plan->vocabSize;
  const float refMax = maxAbs(ref->data.data(), ref->data.size());

  PlanState state = (*model)->makeState(1);
  std::vector<float> logits(len * vocab);
  Status s = (*model)->forward(prompt.data(), len, state, LogitsMode::All,
                               logits.data());
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_LE(maxAbsDiff(logits.data(), ref->data.data(), logits.size()),
            kRelTol * refMax);
  // Token by token through @decode_step's generic scan.
  PlanState stepState = (*model)->makeState(1);
  std::vector<float> row(vocab);
  for (int64_t t = 0; t < len; ++t) {
    ASSERT_TRUE((*model)->decode(&prompt[t], stepState, row.data()).ok());
    EXPECT_LE(maxAbsDiff(row.data(), ref->data.data() + t * vocab, vocab),
              kRelTol * refMax)
        << "position " << t;
  }
#endif
}

TEST(PlanModel, RejectsPlansTheKernelsCannotRun) {
  auto p = compilePlan(goldenDir("tiny-tied"));
  ASSERT_TRUE(p.ok()) << p.status().message();
  auto file =
      SafetensorsFile::open(goldenDir("tiny-tied") + "/model.safetensors");
  ASSERT_TRUE(file.ok());
  // A step whose view runs past its buffer.
  plan::Plan bad = *p;
  bad.functions[0].steps[0].args.back().second.offset = plan::Expr(1 << 30);
  auto m = PlanModel::create(bad, *file);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("prefill step 0 (embedding) argument "
                                      "'out': the view reaches element"),
            std::string::npos)
      << m.status().message();
  // A weight the file lacks.
  bad = *p;
  bad.weights[0].name = "no.such.tensor";
  m = PlanModel::create(bad, *file);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("missing tensor 'no.such.tensor'"),
            std::string::npos);
  // A kernel the runtime does not have.
  bad = *p;
  bad.functions[1].steps[2].kernel = "fft";
  m = PlanModel::create(bad, *file);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("the CPU runtime has no such kernel"),
            std::string::npos);
  // A grouped norm whose group does not divide the width (16).
  bad = *p;
  for (plan::Step &step : bad.functions[0].steps)
    if (step.kernel == "rmsnorm")
      step.attrs["group_size"].number = 3;
  m = PlanModel::create(bad, *file);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("attribute 'group_size' must be a "
                                      "positive divisor of the normalized "
                                      "width 16"),
            std::string::npos)
      << m.status().message();
  // Wrong weight shape.
  bad = *p;
  bad.weights[0].shape = {3, 3};
  m = PlanModel::create(bad, *file);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("expected shape [3, 3]"),
            std::string::npos);
  // No @decode_step.
  bad = *p;
  for (plan::Function &f : bad.functions)
    if (f.name == "decode_step")
      f.name = "step";
  m = PlanModel::create(bad, *file);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find(
                "the plan needs functions 'prefill' and 'decode_step'"),
            std::string::npos)
      << m.status().message();
  // A buffer no allocation can hold (2^52 floats): an error, not a crash.
  bad = *p;
  bad.buffers[0].size = plan::Expr(int64_t{1} << 52);
  m = PlanModel::create(bad, *file);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find(
                "out of memory: plan buffer 0 needs 17179869184 MiB"),
            std::string::npos)
      << m.status().message();
}

} // namespace
} // namespace mamba

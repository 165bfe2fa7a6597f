// Mamba-2 on the GPU: the committed plans of two golden Hugging Face
// Mamba-2 models (data/mamba2-bias-k3.plan.json; data/mamba2-groups.plan.json,
// heads in 2 groups: a rank-5 scan and a grouped norm; kept current by
// test/tools/mamba-run/cuda-plan-fixtures.test) compile with NVRTC
// anywhere; on a GPU, CudaPlanModel runs them (the SSD scan from the step's
// cuda_scan, broadcast operands as stride-0 views, the layout copy before
// the gated norm) and matches transformers' Mamba2ForCausalLM: the prompt
// whole and in chunks, two sequences in a batch, token by token, and the
// greedy continuation.
#include "../../runtime/src/cuda/compiler.h"
#include "../../runtime/src/cuda/plan_steps.h"
#include "cuda_test_util.h"
#include "golden_files.h"
#include "mamba/cuda_plan_model.h"
#include "test_util.h"

#include <cstdio>
#include <gtest/gtest.h>
#include <utility>

namespace mamba {
namespace {

using test::maxAbs;
using test::maxAbsDiff;

constexpr float kRelTol = 1e-4f;

plan::Plan readMamba2Plan(const std::string &model) {
  auto p = plan::readPlanFile(std::string(MAMBA_TEST_DATA_DIR) + "/" + model +
                              ".plan.json");
  EXPECT_TRUE(p.ok()) << p.status().message();
  return p.ok() ? std::move(p).value() : plan::Plan{};
}

TEST(CudaPlanMamba2Kernels, NvrtcCompilesThePlansKernels) {
  // One SSD scan per layer and entry point: 3 and 2 layers.
  for (auto [model, scans] :
       {std::pair<const char *, size_t>{"mamba2-bias-k3", 6},
        {"mamba2-groups", 4}}) {
    plan::Plan p = readMamba2Plan(model);
    auto kernels = cuda::PlanKernels::describe(p, 2);
    ASSERT_TRUE(kernels.ok()) << model << ": " << kernels.status().message();
    EXPECT_EQ((*kernels)->generics.size(), scans) << model;
    auto source = (*kernels)->source();
    ASSERT_TRUE(source.ok()) << source.status().message();
    Expected<std::string> ptx =
        cuda::compileCuda(*source, "plan_kernels.cu", "compute_80");
    EXPECT_TRUE(ptx.ok()) << model << ": " << ptx.status().message();
  }
}

class CudaPlanMamba2 : public ::testing::TestWithParam<const char *> {
protected:
  void SetUp() override {
    std::string why;
    if (!test::openDeviceOrWhy(why))
      GTEST_SKIP() << "no CUDA device: " << why;
    auto file = SafetensorsFile::open(test::goldenDir(GetParam()) +
                                      "/model.safetensors");
    ASSERT_TRUE(file.ok()) << file.status().message();
    file_ = std::make_unique<SafetensorsFile>(std::move(file).value());
    test::GoldenFiles golden =
        test::readGoldenFiles(test::goldenDir(GetParam()));
    prompt_ = golden.prompt;
    greedy_ = golden.greedy;
    ref_ = golden.logits.data;
    refMax_ = maxAbs(ref_.data(), ref_.size());
    plan_ = readMamba2Plan(GetParam());
    vocab_ = plan_.vocabSize;
  }

  std::unique_ptr<CudaPlanModel> gpu(int64_t maxBatch, int64_t maxChunk) {
    CudaPlanModelOptions o;
    o.maxBatch = maxBatch;
    o.maxChunk = maxChunk;
    auto m = CudaPlanModel::create(plan_, *file_, o);
    EXPECT_TRUE(m.ok()) << m.status().message();
    return m.ok() ? std::move(m).value() : nullptr;
  }
  int64_t len() const { return static_cast<int64_t>(prompt_.size()); }

  std::vector<float> prefill(CudaPlanModel &m, const int32_t *tokens,
                             int64_t batch) {
    auto state = m.makeState(batch);
    EXPECT_TRUE(state.ok()) << state.status().message();
    std::vector<float> out(len() * batch * vocab_);
    if (state.ok()) {
      Status s = m.forward(tokens, len(), *state, LogitsMode::All, out.data());
      EXPECT_TRUE(s.ok()) << s.message();
    }
    return out;
  }

  std::unique_ptr<SafetensorsFile> file_;
  std::vector<int32_t> prompt_, greedy_;
  std::vector<float> ref_;
  float refMax_ = 0;
  plan::Plan plan_;
  int64_t vocab_ = 0;
};

TEST_P(CudaPlanMamba2, PrefillMatchesTransformersWholeChunkedAndBatched) {
  std::vector<int32_t> tokens(prompt_);
  tokens.insert(tokens.end(), prompt_.rbegin(), prompt_.rend());
  for (int64_t maxChunk : {256, 4}) {
    auto g = gpu(2, maxChunk);
    ASSERT_TRUE(g);
    std::vector<float> both = prefill(*g, tokens.data(), 2);
    const float diff = maxAbsDiff(both.data(), ref_.data(), len() * vocab_);
    std::printf("%s, maxChunk %lld: max |gpu - transformers| / max|ref| "
                "= %.2e\n",
                GetParam(), static_cast<long long>(maxChunk), diff / refMax_);
    EXPECT_LE(diff, kRelTol * refMax_) << "maxChunk " << maxChunk;
    std::vector<float> alone = prefill(*g, tokens.data() + len(), 1);
    EXPECT_LE(
        maxAbsDiff(both.data() + len() * vocab_, alone.data(), alone.size()),
        1e-5f * refMax_)
        << "maxChunk " << maxChunk;
  }
}

TEST_P(CudaPlanMamba2, DecodeStepsMatchTransformersAndContinueGreedily) {
  auto g = gpu(1, 256);
  ASSERT_TRUE(g);
  auto state = g->makeState(1);
  ASSERT_TRUE(state.ok()) << state.status().message();
  std::vector<float> row(vocab_);
  for (int64_t t = 0; t < len(); ++t) {
    ASSERT_TRUE(g->decode(&prompt_[t], *state, row.data()).ok());
    EXPECT_LE(maxAbsDiff(row.data(), ref_.data() + t * vocab_, vocab_),
              kRelTol * refMax_)
        << "position " << t;
  }
  std::vector<int32_t> generated;
  for (size_t i = 0; i < greedy_.size(); ++i) {
    int32_t next = test::argmax(row.data(), vocab_);
    generated.push_back(next);
    ASSERT_TRUE(g->decode(&next, *state, row.data()).ok());
  }
  EXPECT_EQ(generated, greedy_);
}

INSTANTIATE_TEST_SUITE_P(HuggingFace, CudaPlanMamba2,
                         ::testing::Values("mamba2-bias-k3", "mamba2-groups"),
                         test::goldenTestName);

} // namespace
} // namespace mamba

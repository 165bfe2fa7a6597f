// CudaPlanModel: the kernels a plan calls compile with NVRTC anywhere; on a
// GPU, the plans of the golden tiny model run and match PlanModel (CPU) and
// transformers' logits. The plans are committed fixtures (data/*.plan.json,
// kept current by test/tools/mamba-run/cuda-plan-fixtures.test), so that a
// GPU machine without the compiler runs this test.
#include "../../runtime/src/cuda/compiler.h"
#include "../../runtime/src/cuda/plan_steps.h"
#include "cuda_test_util.h"
#include "golden_files.h"
#include "mamba/cuda_plan_model.h"
#include "mamba/plan_model.h"
#include "test_util.h"

#include <gtest/gtest.h>

namespace mamba {
namespace {

namespace cg = codegen::cuda;
using test::maxAbs;
using test::maxAbsDiff;

constexpr float kRelTol = 1e-4f;

/// The tiny-tied golden model planned with the runtime's kernels only
/// (--cpu-kernels=builtin: PlanModel runs it without a kernel library).
std::string builtinPlanPath() {
  return std::string(MAMBA_TEST_DATA_DIR) + "/tiny-tied.plan.json";
}
/// data/tiny-tied-generic-scan.ssm planned by default: a generic scan per
/// layer and the Halide convolution in @prefill (kernel "halide" steps).
std::string genericPlanPath() {
  return std::string(MAMBA_TEST_DATA_DIR) + "/tiny-tied-generic-scan.plan.json";
}

plan::Plan readFixture(const std::string &path) {
  auto p = plan::readPlanFile(path);
  EXPECT_TRUE(p.ok()) << p.status().message();
  return p.ok() ? std::move(p).value() : plan::Plan{};
}

TEST(CudaPlanKernels, NvrtcCompilesEveryElementwiseKernel) {
  for (int op = 0; op <= static_cast<int>(cg::StridedOp::Skip); ++op) {
    cg::StridedMapDesc d;
    d.op = static_cast<cg::StridedOp>(op);
    d.name = std::string("map_") + cg::stridedOpName(d.op);
    cg::Emitted e = cg::emitStridedMap(d);
    ASSERT_TRUE(e.ok()) << e.error;
    EXPECT_NE(e.source.find(std::string("plan kernel '") +
                            cg::stridedOpName(d.op) + "'"),
              std::string::npos);
    Expected<std::string> ptx = cuda::compileCuda(
        cg::emitModule({e.source}), "strided_map.cu", "compute_80");
    EXPECT_TRUE(ptx.ok()) << d.name << ": " << ptx.status().message();
  }
  cg::StridedMapDesc bad;
  bad.name = "not a name";
  EXPECT_EQ(cg::emitStridedMap(bad).error,
            "strided map: kernel name 'not a name' is not an identifier");
  bad.name = "ok";
  bad.schedule.threadsPerBlock = 100;
  EXPECT_NE(cg::emitStridedMap(bad).error.find("threadsPerBlock"),
            std::string::npos);
}

TEST(CudaPlanKernels, NvrtcCompilesThePlansKernels) {
  for (const std::string &path : {builtinPlanPath(), genericPlanPath()}) {
    plan::Plan p = readFixture(path);
    auto kernels = cuda::PlanKernels::describe(p, 2);
    ASSERT_TRUE(kernels.ok()) << kernels.status().message();
    auto source = (*kernels)->source();
    ASSERT_TRUE(source.ok()) << source.status().message();
    const bool generic = path == genericPlanPath();
    EXPECT_EQ(source->find("plan_generic_scan_0") != std::string::npos, generic)
        << path;
    EXPECT_EQ((*kernels)->generics.size(), generic ? 4u : 0u)
        << "one generic scan per layer and entry point";
    Expected<std::string> ptx =
        cuda::compileCuda(*source, "plan_kernels.cu", "compute_80");
    EXPECT_TRUE(ptx.ok()) << path << ": " << ptx.status().message();
  }
}

TEST(CudaPlanKernels, ScanWithoutCudaDescriptionIsAClearError) {
  plan::Plan p = readFixture(genericPlanPath());
  for (plan::Step &step : p.functions[0].steps)
    if (step.origin == "ssm.scan")
      step.cudaScan.reset();
  auto kernels = cuda::PlanKernels::describe(p, 1);
  ASSERT_FALSE(kernels.ok());
  EXPECT_NE(kernels.status().message().find(
                "kernel 'halide' (from ssm.scan): the plan has no CUDA "
                "description of this kernel (no 'cuda_scan'): recompile the "
                "package with this mamba-compile"),
            std::string::npos)
      << kernels.status().message();
}

/// The GPU tests: the device, or a loud skip.
class CudaPlanGolden : public ::testing::Test {
protected:
  void SetUp() override {
    std::string why;
    if (!test::openDeviceOrWhy(why))
      GTEST_SKIP() << "no CUDA device: " << why;
    auto file = SafetensorsFile::open(test::goldenDir("tiny-tied") +
                                      "/model.safetensors");
    ASSERT_TRUE(file.ok()) << file.status().message();
    file_ = std::make_unique<SafetensorsFile>(std::move(file).value());
    test::GoldenFiles golden =
        test::readGoldenFiles(test::goldenDir("tiny-tied"));
    prompt_ = golden.prompt;
    ref_ = golden.logits.data;
    refMax_ = maxAbs(ref_.data(), ref_.size());
    builtin_ = readFixture(builtinPlanPath());
    generic_ = readFixture(genericPlanPath());
    vocab_ = builtin_.vocabSize;
  }

  std::unique_ptr<CudaPlanModel> gpu(const plan::Plan &p, int64_t maxBatch,
                                     int64_t maxChunk) {
    CudaPlanModelOptions o;
    o.maxBatch = maxBatch;
    o.maxChunk = maxChunk;
    auto m = CudaPlanModel::create(p, *file_, o);
    EXPECT_TRUE(m.ok()) << m.status().message();
    return m.ok() ? std::move(m).value() : nullptr;
  }
  std::unique_ptr<PlanModel> cpu(int64_t maxBatch, int64_t maxChunk) {
    CpuModelOptions o;
    o.maxBatch = maxBatch;
    o.maxChunk = maxChunk;
    auto m = PlanModel::create(builtin_, *file_, o);
    EXPECT_TRUE(m.ok()) << m.status().message();
    return m.ok() ? std::move(m).value() : nullptr;
  }
  int64_t len() const { return static_cast<int64_t>(prompt_.size()); }

  /// The prompt, then the prompt reversed: two sequences.
  std::vector<int32_t> twoSequences() const {
    std::vector<int32_t> t(prompt_);
    t.insert(t.end(), prompt_.rbegin(), prompt_.rend());
    return t;
  }

  /// Prefill (all logits) of `tokens` [batch, len] on the GPU.
  std::vector<float> gpuPrefill(CudaPlanModel &m, const int32_t *tokens,
                                int64_t batch, LogitsMode mode) {
    auto state = m.makeState(batch);
    EXPECT_TRUE(state.ok()) << state.status().message();
    std::vector<float> out((mode == LogitsMode::All ? len() : 1) * batch *
                           vocab_);
    Status s = m.forward(tokens, len(), *state, mode, out.data());
    EXPECT_TRUE(s.ok()) << s.message();
    return out;
  }

  std::unique_ptr<SafetensorsFile> file_;
  std::vector<int32_t> prompt_;
  std::vector<float> ref_;
  float refMax_ = 0;
  plan::Plan builtin_, generic_;
  int64_t vocab_ = 0;
};

TEST_F(CudaPlanGolden, PrefillMatchesPlanModelAndTransformers) {
  auto g = gpu(builtin_, 1, 256);
  auto c = cpu(1, 256);
  ASSERT_TRUE(g && c);
  std::fprintf(stderr, "%s\n", g->kernelReport().deviceName.c_str());
  std::vector<float> gl = gpuPrefill(*g, prompt_.data(), 1, LogitsMode::All);
  PlanState cs = c->makeState(1);
  std::vector<float> cl(len() * vocab_);
  ASSERT_TRUE(
      c->forward(prompt_.data(), len(), cs, LogitsMode::All, cl.data()).ok());
  const float vsCpu = maxAbsDiff(gl.data(), cl.data(), gl.size()),
              vsRef = maxAbsDiff(gl.data(), ref_.data(), gl.size());
  std::printf("prefill: max |gpu - cpu| / max|ref| = %.2e, vs transformers "
              "%.2e\n",
              vsCpu / refMax_, vsRef / refMax_);
  EXPECT_LE(vsCpu, kRelTol * refMax_);
  EXPECT_LE(vsRef, kRelTol * refMax_);
}

TEST_F(CudaPlanGolden, LongPrefillRunsTheTimeParallelScan) {
  // Batch 1 of a tiny model fills one block: past 128 tokens the plan's
  // scans run time-parallel (chunks of at least 128 tokens).
  const int64_t n = 300;
  std::vector<int32_t> tokens(n);
  for (int64_t i = 0; i < n; ++i)
    tokens[i] = static_cast<int32_t>((i * 37 + 11) % vocab_);
  auto g = gpu(builtin_, 1, n);
  auto c = cpu(1, n);
  ASSERT_TRUE(g && c);
  EXPECT_GT(g->kernelReport().scanWorkspaceBytes, 0u);
  auto gs = g->makeState(1);
  ASSERT_TRUE(gs.ok()) << gs.status().message();
  PlanState cs = c->makeState(1);
  std::vector<float> gl(n * vocab_), cl(n * vocab_);
  ASSERT_TRUE(
      g->forward(tokens.data(), n, *gs, LogitsMode::All, gl.data()).ok());
  ASSERT_TRUE(
      c->forward(tokens.data(), n, cs, LogitsMode::All, cl.data()).ok());
  const float clMax = maxAbs(cl.data(), cl.size());
  const float diff = maxAbsDiff(gl.data(), cl.data(), gl.size());
  std::printf("%lld-token prefill: max |gpu - cpu| / max|cpu| = %.2e\n",
              static_cast<long long>(n), diff / clMax);
  EXPECT_LE(diff, kRelTol * clMax);
  // The final state too: the next token's logits.
  std::vector<float> gNext(vocab_), cNext(vocab_);
  int32_t next = tokens[0];
  ASSERT_TRUE(g->decode(&next, *gs, gNext.data()).ok());
  ASSERT_TRUE(c->decode(&next, cs, cNext.data()).ok());
  EXPECT_LE(maxAbsDiff(gNext.data(), cNext.data(), vocab_), kRelTol * clMax);
}

TEST_F(CudaPlanGolden, DecodeStepsMatchPlanModel) {
  auto g = gpu(builtin_, 1, 256);
  auto c = cpu(1, 256);
  ASSERT_TRUE(g && c);
  auto gs = g->makeState(1);
  ASSERT_TRUE(gs.ok()) << gs.status().message();
  PlanState cs = c->makeState(1);
  std::vector<float> gl(vocab_), cl(vocab_);
  int32_t token = prompt_[0];
  for (int64_t t = 0; t < 2 * len(); ++t) {
    // The prompt, then greedy continuation from the GPU's logits.
    ASSERT_TRUE(g->decode(&token, *gs, gl.data()).ok());
    ASSERT_TRUE(c->decode(&token, cs, cl.data()).ok());
    EXPECT_LE(maxAbsDiff(gl.data(), cl.data(), vocab_), kRelTol * refMax_)
        << "step " << t;
    if (t < len()) {
      EXPECT_LE(maxAbsDiff(gl.data(), ref_.data() + t * vocab_, vocab_),
                kRelTol * refMax_)
          << "position " << t;
    }
    token = t + 1 < len() ? prompt_[t + 1] : test::argmax(gl.data(), vocab_);
  }
  EXPECT_EQ(gs->position(), 2 * len());
}

TEST_F(CudaPlanGolden, ChunkedPrefillAndBatchTwoMatchPlanModel) {
  const std::vector<int32_t> tokens = twoSequences();
  for (int64_t maxChunk : {2, 3, 5}) {
    auto g = gpu(builtin_, 2, maxChunk);
    auto c = cpu(2, maxChunk);
    ASSERT_TRUE(g && c);
    std::vector<float> gl = gpuPrefill(*g, tokens.data(), 2, LogitsMode::All);
    PlanState cs = c->makeState(2);
    std::vector<float> cl(2 * len() * vocab_);
    ASSERT_TRUE(
        c->forward(tokens.data(), len(), cs, LogitsMode::All, cl.data()).ok());
    EXPECT_LE(maxAbsDiff(gl.data(), cl.data(), gl.size()), kRelTol * refMax_)
        << "maxChunk " << maxChunk;
    EXPECT_LE(maxAbsDiff(gl.data(), ref_.data(), len() * vocab_),
              kRelTol * refMax_)
        << "maxChunk " << maxChunk << ": sequence 0 against transformers";
    // Only the last token's logits: the logits tail runs for one token.
    std::vector<float> last =
        gpuPrefill(*g, tokens.data(), 2, LogitsMode::Last);
    for (int64_t b = 0; b < 2; ++b)
      EXPECT_LE(maxAbsDiff(last.data() + b * vocab_,
                           gl.data() + ((b + 1) * len() - 1) * vocab_, vocab_),
                1e-5f * refMax_)
          << "maxChunk " << maxChunk << " sequence " << b;
  }
}

TEST_F(CudaPlanGolden, GenericScanPlanMatchesTransformersAndPlanModel) {
  // A generic ssm.scan per layer (its kernel from the step's cuda_scan)
  // and the Halide convolution's steps run as the GPU convolution.
  const std::vector<int32_t> tokens = twoSequences();
  for (int64_t maxChunk : {4, 256}) {
    auto g = gpu(generic_, 2, maxChunk);
    auto c = cpu(2, maxChunk);
    ASSERT_TRUE(g && c);
    std::vector<float> gl = gpuPrefill(*g, tokens.data(), 2, LogitsMode::All);
    EXPECT_LE(maxAbsDiff(gl.data(), ref_.data(), len() * vocab_),
              kRelTol * refMax_)
        << "maxChunk " << maxChunk;
    PlanState cs = c->makeState(2);
    std::vector<float> cl(2 * len() * vocab_);
    ASSERT_TRUE(
        c->forward(tokens.data(), len(), cs, LogitsMode::All, cl.data()).ok());
    const float diff = maxAbsDiff(gl.data(), cl.data(), gl.size());
    std::printf("generic scan, maxChunk %lld: max |gpu - cpu| / max|ref| = "
                "%.2e\n",
                static_cast<long long>(maxChunk), diff / refMax_);
    EXPECT_LE(diff, kRelTol * refMax_) << "maxChunk " << maxChunk;
  }
  // Token by token through @decode_step's generic scan.
  auto g = gpu(generic_, 1, 256);
  ASSERT_TRUE(g);
  auto gs = g->makeState(1);
  ASSERT_TRUE(gs.ok());
  std::vector<float> row(vocab_);
  for (int64_t t = 0; t < len(); ++t) {
    ASSERT_TRUE(g->decode(&prompt_[t], *gs, row.data()).ok());
    EXPECT_LE(maxAbsDiff(row.data(), ref_.data() + t * vocab_, vocab_),
              kRelTol * refMax_)
        << "position " << t;
  }
}

TEST_F(CudaPlanGolden, RejectsPlansTheKernelsCannotRun) {
  // The CPU executor's message for the same plan.
  plan::Plan bad = builtin_;
  bad.functions[0].steps[0].args.back().second.offset = plan::Expr(1 << 30);
  CudaPlanModelOptions o;
  auto m = CudaPlanModel::create(bad, *file_, o);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("prefill step 0 (embedding) argument "
                                      "'out': the view reaches element"),
            std::string::npos)
      << m.status().message();
  bad = builtin_;
  bad.functions[1].steps[2].kernel = "fft";
  m = CudaPlanModel::create(bad, *file_, o);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("the CUDA runtime has no such kernel"),
            std::string::npos)
      << m.status().message();
  auto state = (*gpu(builtin_, 1, 8)).makeState(2);
  ASSERT_FALSE(state.ok());
  EXPECT_EQ(state.status().message(), "batch must be in [1, 1], got 2");
}

} // namespace
} // namespace mamba

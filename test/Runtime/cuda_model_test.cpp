// The CUDA executor end to end: golden logits (F32 and BF16 weights),
// decode, chunked prefill and batches against the CPU executor, mamba-run
// --device cuda, and the error a machine without a GPU gives.
#include "cuda_test_util.h"
#include "golden_files.h"
#include "mamba/cuda_model.h"
#include "mamba/npy.h"
#include "mamba/weights.h"
#include "test_util.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>

namespace mamba {
namespace {

using test::maxAbs;
using test::maxAbsDiff;

/// F32: the project's numeric contract. BF16 weights (and the activations
/// feeding the projections) carry 8 mantissa bits; on the golden models the
/// H100 measured 0.6-2.3% of max |logit| (the tiny ones average least), so
/// 5e-2 is the documented tolerance (docs/cuda.md).
constexpr float kF32Tol = 1e-4f;
constexpr float kBf16Tol = 5e-2f;

using test::goldenDir;

class CudaModelGolden
    : public ::testing::TestWithParam<std::tuple<const char *, DType>> {};

TEST_P(CudaModelGolden, LogitsMatchTransformers) {
  const std::string name = std::get<0>(GetParam());
  const DType dtype = std::get<1>(GetParam());
  auto weights = loadModelDir(goldenDir(name));
  ASSERT_TRUE(weights.ok()) << weights.status().message();
  const test::GoldenFiles golden = test::readGoldenFiles(goldenDir(name));
  const NpyArray *ref = &golden.logits;
  const std::vector<int32_t> &prompt = golden.prompt;
  CudaModelOptions options;
  options.weightType = dtype;
  options.maxChunk = 64;
  MAMBA_CUDA_MODEL_OR_SKIP(model, *weights, options);
  ModelState state(weights->config, 1);
  std::vector<float> logits(prompt.size() * weights->config.vocabSize);
  Status s = model->forward(prompt.data(), static_cast<int64_t>(prompt.size()),
                            state, LogitsMode::All, logits.data());
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(logits.size(), ref->data.size());
  const float refMax = maxAbs(ref->data.data(), ref->data.size());
  const float err = maxAbsDiff(logits.data(), ref->data.data(), logits.size());
  std::printf("%s %s: max |gpu - transformers| = %.3g (%.3g of max |logit|)\n",
              name.c_str(), dtypeName(dtype), err, err / refMax);
  EXPECT_LE(err, (dtype == DType::F32 ? kF32Tol : kBf16Tol) * refMax);
}

INSTANTIATE_TEST_SUITE_P(
    Goldens, CudaModelGolden,
    ::testing::Combine(::testing::Values("tiny-tied", "small-untied",
                                         "proj-bias-odd-vocab",
                                         "no-conv-bias-k3", "bf16-weights",
                                         "f16-weights"),
                       ::testing::Values(DType::F32, DType::BF16)),
    [](const auto &info) {
      std::string name = std::get<0>(info.param);
      for (char &c : name)
        if (c == '-')
          c = '_';
      return name + "_" + dtypeName(std::get<1>(info.param));
    });

TEST(CudaModel, DecodeChunksAndBatchesMatchCpu) {
  auto weights = loadModelDir(goldenDir("small-untied"));
  ASSERT_TRUE(weights.ok()) << weights.status().message();
  CudaModelOptions options;
  options.maxBatch = 3;
  options.fusedDecodeMaxBatch = 4; // decode steps take the fused path
  options.maxChunk = 5; // 13 tokens: chunks of 5, 5, 3 (< conv width tail)
  MAMBA_CUDA_MODEL_OR_SKIP(gpu, *weights, options);
  auto cpu = CpuModel::create(*weights, {1, 3, 64});
  ASSERT_TRUE(cpu.ok()) << cpu.status().message();
  const int64_t B = 3, L = 13, V = weights->config.vocabSize;
  std::vector<int32_t> tokens(B * L);
  for (int64_t i = 0; i < B * L; ++i)
    tokens[i] = static_cast<int32_t>((i * 7 + 3) % V);
  ModelState cpuState = (*cpu)->makeState(B);
  std::vector<float> ref(B * L * V), got(B * L * V);
  ASSERT_TRUE(
      (*cpu)
          ->forward(tokens.data(), L, cpuState, LogitsMode::All, ref.data())
          .ok());
  auto gpuState = gpu->newState(B);
  ASSERT_TRUE(gpuState.ok()) << gpuState.status().message();
  Status s =
      gpu->forward(tokens.data(), L, *gpuState, LogitsMode::All, got.data());
  ASSERT_TRUE(s.ok()) << s.message();
  const float refMax = maxAbs(ref.data(), ref.size());
  EXPECT_LE(maxAbsDiff(got.data(), ref.data(), ref.size()), kF32Tol * refMax);

  // Decode steps continue both states; the state itself must agree too.
  for (int step = 0; step < 4; ++step) {
    const int32_t next[3] = {step + 1, 2 * step + 5, 11};
    std::vector<float> a(B * V), b(B * V);
    ASSERT_TRUE((*cpu)->decode(next, cpuState, a.data()).ok());
    ASSERT_TRUE(gpu->decode(next, *gpuState, b.data()).ok());
    EXPECT_LE(maxAbsDiff(b.data(), a.data(), a.size()),
              kF32Tol * maxAbs(a.data(), a.size()))
        << "decode step " << step;
  }
  ModelState downloaded = (*cpu)->makeState(B);
  ASSERT_TRUE(gpuState->download(downloaded).ok());
  for (int64_t l = 0; l < weights->config.nLayer; ++l) {
    const size_t n = B * weights->config.dInner() * weights->config.dState;
    EXPECT_LE(maxAbsDiff(downloaded.ssmState(l), cpuState.ssmState(l), n),
              1e-4f * maxAbs(cpuState.ssmState(l), n))
        << "layer " << l;
  }
}

TEST(CudaModel, GraphDecodeMatchesEagerDecode) {
  auto weights = loadModelDir(goldenDir("small-untied"));
  ASSERT_TRUE(weights.ok()) << weights.status().message();
  const int64_t V = weights->config.vocabSize;
  for (DType dtype : {DType::F32, DType::BF16}) {
    CudaModelOptions options;
    options.maxBatch = 2;
    options.fusedDecodeMaxBatch = 4; // fused at batch 1 and 2
    options.weightType = dtype;
    MAMBA_CUDA_MODEL_OR_SKIP(graphs, *weights, options);
    options.useGraphs = false;
    MAMBA_CUDA_MODEL_OR_SKIP(eager, *weights, options);
    // Batch 2, then batch 1, then a second batch-2 state: a capture per
    // batch size, and a recapture for other state buffers.
    for (int64_t batch : {2, 1, 2}) {
      auto g = graphs->newState(batch);
      auto e = eager->newState(batch);
      ASSERT_TRUE(g.ok() && e.ok());
      const std::vector<int32_t> prompt(batch * 7, 42);
      std::vector<float> a(batch * V), b(batch * V);
      ASSERT_TRUE(
          graphs->forward(prompt.data(), 7, *g, LogitsMode::Last, a.data())
              .ok());
      ASSERT_TRUE(
          eager->forward(prompt.data(), 7, *e, LogitsMode::Last, b.data())
              .ok());
      for (int step = 0; step < 5; ++step) {
        const int32_t next[2] = {step * 3 + 1, step + 7};
        Status s = graphs->decode(next, *g, a.data());
        ASSERT_TRUE(s.ok()) << s.message();
        ASSERT_TRUE(eager->decode(next, *e, b.data()).ok());
        // The two-kernel layer adds its split-K partial products with
        // atomics, in an order that varies between runs.
        const float err = maxAbsDiff(a.data(), b.data(), a.size());
        EXPECT_LE(err, 1e-5f * maxAbs(b.data(), b.size()))
            << dtypeName(dtype) << " batch " << batch << " step " << step;
      }
      EXPECT_EQ(g->position(), 12);
      ModelState hg(weights->config, batch), he(weights->config, batch);
      ASSERT_TRUE(g->download(hg).ok() && e->download(he).ok());
      const size_t n =
          batch * weights->config.dInner() * weights->config.dState;
      EXPECT_LE(maxAbsDiff(hg.ssmState(0), he.ssmState(0), n),
                1e-5f * maxAbs(he.ssmState(0), n));
    }
  }
}

TEST(CudaModel, FusedDecodeMatchesUnfusedDecode) {
  // small-untied: no biases, untied lm_head; proj-bias-odd-vocab: in/out
  // projection biases and a vocabulary that is no multiple of 16.
  for (const char *name : {"small-untied", "proj-bias-odd-vocab"})
    for (DType dtype : {DType::F32, DType::BF16}) {
      auto weights = loadModelDir(goldenDir(name));
      ASSERT_TRUE(weights.ok()) << weights.status().message();
      const int64_t V = weights->config.vocabSize;
      CudaModelOptions options;
      options.maxBatch = 5; // fused GEMV tiles of 1, 4 and 16
      options.weightType = dtype;
      options.fusedDecodeMaxBatch = 16;
      MAMBA_CUDA_MODEL_OR_SKIP(fused, *weights, options);
      options.fusedDecodeMaxBatch = 0;
      MAMBA_CUDA_MODEL_OR_SKIP(plain, *weights, options);
      for (int64_t batch : {1, 3, 5}) {
        auto f = fused->newState(batch);
        auto p = plain->newState(batch);
        ASSERT_TRUE(f.ok() && p.ok());
        const std::vector<int32_t> prompt(batch * 6, 17);
        std::vector<float> a(batch * V), b(batch * V);
        ASSERT_TRUE(
            fused->forward(prompt.data(), 6, *f, LogitsMode::Last, a.data())
                .ok());
        ASSERT_TRUE(
            plain->forward(prompt.data(), 6, *p, LogitsMode::Last, b.data())
                .ok());
        // F32: summation order only. BF16: the plain path also rounds the
        // projections' inputs to BF16, the fused one keeps them F32.
        const float tol = dtype == DType::F32 ? 1e-5f : kBf16Tol;
        for (int step = 0; step < 4; ++step) {
          std::vector<int32_t> next(batch);
          for (int64_t i = 0; i < batch; ++i)
            next[i] = static_cast<int32_t>((step * 5 + i * 3 + 1) % V);
          Status s = fused->decode(next.data(), *f, a.data());
          ASSERT_TRUE(s.ok()) << s.message();
          ASSERT_TRUE(plain->decode(next.data(), *p, b.data()).ok());
          const float err = maxAbsDiff(a.data(), b.data(), a.size());
          EXPECT_LE(err, tol * maxAbs(b.data(), b.size()))
              << name << " " << dtypeName(dtype) << " batch " << batch
              << " step " << step;
        }
        ModelState hf(weights->config, batch), hp(weights->config, batch);
        ASSERT_TRUE(f->download(hf).ok() && p->download(hp).ok());
        for (int64_t l = 0; l < weights->config.nLayer; ++l) {
          const size_t n =
              batch * weights->config.dInner() * weights->config.dState;
          EXPECT_LE(maxAbsDiff(hf.ssmState(l), hp.ssmState(l), n),
                    tol * maxAbs(hp.ssmState(l), n))
              << name << " layer " << l;
          const size_t nc =
              batch * weights->config.dInner() * weights->config.dConv;
          EXPECT_LE(maxAbsDiff(hf.convState(l), hp.convState(l), nc),
                    tol * maxAbs(hp.convState(l), nc))
              << name << " layer " << l;
        }
      }
    }
}

TEST(CudaModel, OverlappedFusedDecodeMatchesSerialLaunches) {
  // The 130m shape: grids large enough that a kernel started early by a
  // programmatic launch really overlaps the one before it, so a read of
  // data before its producer finished would change the logits. The same
  // kernels and arithmetic run either way: with deterministicDecode the
  // results must be identical. Without it (the two-kernel layer's atomic
  // adds sum in varying order) they must agree to F32 rounding, where a
  // stale read would be off by the size of the values; that case uses F32
  // weights, as BF16 activations would turn last-bit differences into
  // whole BF16 units (2^-8) wherever a value lies near a rounding boundary.
  std::unique_ptr<cuda::Device> dev;
  MAMBA_OPEN_DEVICE_OR_SKIP(dev);
  if (!dev->supportsProgrammaticLaunch())
    GTEST_SKIP() << "GPU test skipped: " << dev->name()
                 << " launches serially (programmatic launch needs compute "
                    "capability 9.0+)";
  dev.reset();
  Expected<ModelConfig> config = stockModelConfig("130m");
  ASSERT_TRUE(config.ok());
  const ModelWeights weights = makeRandomWeights(*config, 3);
  const int64_t V = config->vocabSize;
  for (bool graphs : {true, false})
    for (bool deterministic : {true, false}) {
      CudaModelOptions options;
      options.maxBatch = 4;
      options.fusedDecodeMaxBatch = 4;
      options.weightType = deterministic ? DType::BF16 : DType::F32;
      options.useGraphs = graphs;
      options.deterministicDecode = deterministic;
      MAMBA_CUDA_MODEL_OR_SKIP(overlapped, weights, options);
      options.programmaticLaunch = false;
      MAMBA_CUDA_MODEL_OR_SKIP(serial, weights, options);
      for (int64_t batch : {1, 4}) {
        auto o = overlapped->newState(batch);
        auto s = serial->newState(batch);
        ASSERT_TRUE(o.ok() && s.ok());
        std::vector<int32_t> prompt(batch * 5);
        for (size_t i = 0; i < prompt.size(); ++i)
          prompt[i] = static_cast<int32_t>((i * 7919 + 11) % V);
        std::vector<float> a(batch * V), b(batch * V);
        ASSERT_TRUE(
            overlapped
                ->forward(prompt.data(), 5, *o, LogitsMode::Last, a.data())
                .ok());
        ASSERT_TRUE(
            serial->forward(prompt.data(), 5, *s, LogitsMode::Last, b.data())
                .ok());
        for (int step = 0; step < 6; ++step) {
          std::vector<int32_t> next(batch);
          for (int64_t i = 0; i < batch; ++i)
            next[i] = static_cast<int32_t>((step * 101 + i * 37 + 5) % V);
          Status st = overlapped->decode(next.data(), *o, a.data());
          ASSERT_TRUE(st.ok()) << st.message();
          ASSERT_TRUE(serial->decode(next.data(), *s, b.data()).ok());
          ASSERT_GT(maxAbs(b.data(), b.size()), 0.0f);
          EXPECT_LE(maxAbsDiff(a.data(), b.data(), a.size()),
                    deterministic ? 0.0f : 1e-5f * maxAbs(b.data(), b.size()))
              << (graphs ? "graphs" : "eager")
              << (deterministic ? " deterministic" : "") << " batch " << batch
              << " step " << step;
        }
      }
    }
}

TEST(CudaModel, LongPrefillUsesTheChunkedScanAndMatchesCpu) {
  auto weights = loadModelDir(goldenDir("small-untied"));
  ASSERT_TRUE(weights.ok()) << weights.status().message();
  CudaModelOptions options;
  options.maxChunk = 256; // one pass of 200 tokens: the time-parallel scan
  MAMBA_CUDA_MODEL_OR_SKIP(gpu, *weights, options);
  EXPECT_NE(gpu->kernelSource().find("selective_scan_chunked_chunk_scan("),
            std::string::npos);
  auto cpu = CpuModel::create(*weights, {1, 1, 256});
  ASSERT_TRUE(cpu.ok()) << cpu.status().message();
  const int64_t L = 200, V = weights->config.vocabSize;
  std::vector<int32_t> tokens(L);
  for (int64_t i = 0; i < L; ++i)
    tokens[i] = static_cast<int32_t>((i * 13 + 5) % V);
  ModelState cpuState = (*cpu)->makeState(1);
  ModelState gpuState = (*cpu)->makeState(1);
  std::vector<float> ref(L * V), got(L * V);
  ASSERT_TRUE(
      (*cpu)
          ->forward(tokens.data(), L, cpuState, LogitsMode::All, ref.data())
          .ok());
  Status s =
      gpu->forward(tokens.data(), L, gpuState, LogitsMode::All, got.data());
  ASSERT_TRUE(s.ok()) << s.message();
  const float refMax = maxAbs(ref.data(), ref.size());
  const float err = maxAbsDiff(got.data(), ref.data(), ref.size());
  std::printf("200-token prefill: max |gpu - cpu| = %.3g of max |logit|\n",
              err / refMax);
  EXPECT_LE(err, kF32Tol * refMax);
  for (int64_t l = 0; l < weights->config.nLayer; ++l) {
    const size_t n = weights->config.dInner() * weights->config.dState;
    EXPECT_LE(maxAbsDiff(gpuState.ssmState(l), cpuState.ssmState(l), n),
              1e-4f * maxAbs(cpuState.ssmState(l), n))
        << "layer " << l;
  }
}

TEST(CudaModel, MambaRunGeneratesOnStockShapeAndCachesKernels) {
  std::unique_ptr<cuda::Device> dev;
  MAMBA_OPEN_DEVICE_OR_SKIP(dev);
  dev.reset();
  test::ScratchDir dir;
  const std::string run = std::string("MAMBA_CACHE_DIR=") + dir.file("cache") +
                          " " MAMBA_RUN_PATH " mamba-130m --random-weights 0 "
                          "--device cuda --dtype bf16 -n 16 --batch 2 "
                          "--tokens 510,1182,273 --ignore-eos 2> " +
                          dir.file("err") + " > " + dir.file("out");
  auto readFile = [](const std::string &path) {
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)),
                       std::istreambuf_iterator<char>());
  };
  ASSERT_EQ(std::system(run.c_str()), 0) << readFile(dir.file("err"));
  std::string first = readFile(dir.file("err"));
  std::printf("%s\n", first.c_str());
  EXPECT_NE(first.find("kernels: compiled by NVRTC"), std::string::npos);
  EXPECT_NE(first.find("decode:  15 steps x 2 sequences"), std::string::npos);
  // --deterministic launches other kernels of the same module: a cache hit.
  const std::string rerun =
      std::string("MAMBA_CACHE_DIR=") + dir.file("cache") +
      " " MAMBA_RUN_PATH " mamba-130m --random-weights 0 "
      "--device cuda --dtype bf16 -n 16 --batch 2 "
      "--tokens 510,1182,273 --ignore-eos --deterministic "
      "2> " +
      dir.file("err") + " > " + dir.file("out");
  ASSERT_EQ(std::system(rerun.c_str()), 0) << readFile(dir.file("err"));
  std::string second = readFile(dir.file("err"));
  std::printf("%s\n", second.c_str());
  EXPECT_NE(second.find("kernels: loaded from the cache"), std::string::npos);
}

TEST(CudaModel, WithoutGpuTheErrorSaysSo) {
  std::unique_ptr<cuda::Device> dev;
  std::string why;
  dev = test::openDeviceOrWhy(why);
  if (dev)
    GTEST_SKIP() << "this machine has a GPU: nothing to check";
  EXPECT_TRUE(why.rfind("no CUDA driver", 0) == 0 ||
              why == "no CUDA device found")
      << why;
  auto weights = loadModelDir(goldenDir("tiny-tied"));
  ASSERT_TRUE(weights.ok());
  auto model = CudaModel::create(*weights);
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().message(), why);
  // mamba-run turns it into an error line and exit status 1.
  test::ScratchDir dir;
  const std::string cmd =
      std::string(MAMBA_RUN_PATH) + " " + goldenDir("tiny-tied") +
      " --device cuda --tokens 1,2 -n 1 2> " + dir.file("err");
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  std::ifstream in(dir.file("err"));
  std::string err((std::istreambuf_iterator<char>(in)),
                  std::istreambuf_iterator<char>());
  EXPECT_EQ(err, "mamba-run: error: " + why + "\n");
}

} // namespace
} // namespace mamba

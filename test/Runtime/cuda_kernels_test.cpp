// Every generated kernel on the GPU against the CPU runtime's kernels (or a
// host loop where the CPU has none), with tails in every tiled dimension.
#include "../../runtime/src/cpu/kernels.h"
#include "../../runtime/src/cuda/kernels.h"
#include "cuda_test_util.h"
#include "mamba/dtype.h"
#include "scan_reference.h"
#include "test_util.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace mamba {
namespace {

namespace cg = codegen::cuda;
using test::cpuScan;
using test::fromDevice;
using test::maxAbs;
using test::maxAbsDiff;
using test::randomVector;
using test::roundToBf16;
using test::toChannelMajor;
using test::toDevice;
using test::toTokenMajor;

struct ScanCase {
  cg::ElemType io;
  cg::Layout layout;
  bool step;
  /// Schedule::fmaExpFraction: exponentials on the FMA units' polynomial.
  double fmaExps = 0.0;
  /// Schedule::itemsPerThread, 0 for the default (16 / items lanes share a
  /// channel's tokens).
  int items = 0;
};

class CudaKernelsScan : public ::testing::TestWithParam<ScanCase> {};

TEST_P(CudaKernelsScan, MatchesCpu) {
  std::unique_ptr<cuda::Device> dev;
  MAMBA_OPEN_DEVICE_OR_SKIP(dev);
  const ScanCase p = GetParam();
  const bool bf16 = p.io == cg::ElemType::BF16;
  const bool channelMajor = p.layout == cg::Layout::ChannelMajor;
  // 40 channels and 100 tokens: tails in the channel blocks and time chunks.
  const int64_t B = 2, E = 40, N = 16, L = p.step ? 1 : 100;
  std::vector<float> u = randomVector(B * L * E, -1, 1, 1);
  std::vector<float> delta = randomVector(B * L * E, -3, 0.5f, 2);
  std::vector<float> z = randomVector(B * L * E, -2, 2, 3);
  std::vector<float> b = randomVector(B * L * N, -1, 1, 4);
  std::vector<float> c = randomVector(B * L * N, -1, 1, 5);
  std::vector<float> a = randomVector(E * N, -4, -0.1f, 6);
  std::vector<float> d = randomVector(E, 0.5f, 1.5f, 7);
  std::vector<float> bias = randomVector(E, -1, 1, 8);
  std::vector<float> state = randomVector(B * E * N, -1, 1, 9);
  if (bf16) // both sides see the same BF16 inputs
    roundToBf16(u);

  std::vector<float> yRef, stateRef = state;
  cpuScan(u, delta, z, b, c, a, d, bias, {B, L, E, N}, yRef, stateRef);

  cg::SelectiveScanDesc desc;
  desc.name = p.step ? "scan_step" : "scan";
  desc.uType = desc.yType = p.io;
  desc.layout = p.layout;
  desc.schedule =
      p.step ? cuda::defaultScanStepSchedule(N) : cuda::defaultScanSchedule(N);
  desc.schedule.fmaExpFraction = p.fmaExps;
  if (p.items > 0)
    desc.schedule.itemsPerThread = p.items;
  auto module =
      test::compileModule(*dev, {p.step ? cg::emitSelectiveScanStep(desc)
                                        : cg::emitSelectiveScan(desc)});
  ASSERT_TRUE(module);

  auto layoutOf = [&](const std::vector<float> &v, int64_t width) {
    return channelMajor ? toChannelMajor(v, B, L, width) : v;
  };
  std::vector<float> uHost = layoutOf(u, E);
  const std::vector<uint16_t> uBits =
      bf16 ? roundToBf16(uHost) : std::vector<uint16_t>();
  cuda::DeviceBuffer uDev =
      bf16 ? toDevice(*dev, uBits) : toDevice(*dev, uHost);
  cuda::DeviceBuffer deltaDev = toDevice(*dev, layoutOf(delta, E));
  cuda::DeviceBuffer zDev = toDevice(*dev, layoutOf(z, E));
  cuda::DeviceBuffer bDev = toDevice(*dev, layoutOf(b, N));
  cuda::DeviceBuffer cDev = toDevice(*dev, layoutOf(c, N));
  cuda::DeviceBuffer aDev = toDevice(*dev, a), dDev = toDevice(*dev, d),
                     biasDev = toDevice(*dev, bias),
                     stateDev = toDevice(*dev, state);
  auto yDev = dev->alloc(B * L * E * (bf16 ? 2 : 4), "y");
  ASSERT_TRUE(yDev.ok());

  const cuda::Strides act =
      channelMajor ? cuda::Strides{E * L, L, 1} : cuda::tokenMajor(L, E);
  const cuda::Strides bc =
      channelMajor ? cuda::Strides{N * L, L, 1} : cuda::tokenMajor(L, N);
  cuda::ScanTensors t{};
  t.u = uDev.as<void>();
  t.delta = deltaDev.as<void>();
  t.z = zDev.as<void>();
  t.b = bDev.as<void>();
  t.c = cDev.as<void>();
  t.a = aDev.as<float>();
  t.d = dDev.as<float>();
  t.deltaBias = biasDev.as<float>();
  t.state = stateDev.as<float>();
  t.y = yDev->as<void>();
  t.uS = t.deltaS = t.zS = t.yS = act;
  t.bS = t.cS = bc;
  t.batch = B;
  t.dim = E;
  t.seqlen = L;
  ASSERT_TRUE(cuda::launchSelectiveScan(*dev, test::fn(*module, desc.name),
                                        desc, t, p.step)
                  .ok());
  if (!p.step) {
    // The prefill kernels do not wait for the kernel before them.
    Status early =
        cuda::launchSelectiveScan(*dev, test::fn(*module, desc.name), desc, t,
                                  false, cuda::Device::Order::Programmatic);
    EXPECT_EQ(early.message(), desc.name + ": only the scan step waits for "
                                           "the kernel before it");
  }

  std::vector<float> y(B * L * E);
  if (bf16) {
    std::vector<uint16_t> bits = fromDevice<uint16_t>(*dev, *yDev);
    for (size_t i = 0; i < y.size(); ++i)
      y[i] = bf16ToFloat(bits[i]);
  } else {
    y = fromDevice<float>(*dev, *yDev);
  }
  const std::vector<float> yCmp = channelMajor ? toTokenMajor(y, B, L, E) : y;
  // BF16 output: 8 bits of mantissa, relative rounding 2^-9.
  const float tol = bf16 ? 1e-2f : 1e-4f;
  const float yMax = maxAbs(yRef.data(), yRef.size());
  EXPECT_LE(maxAbsDiff(yCmp.data(), yRef.data(), yRef.size()), tol * yMax);
  std::vector<float> stateOut = fromDevice<float>(*dev, stateDev);
  EXPECT_LE(maxAbsDiff(stateOut.data(), stateRef.data(), stateRef.size()),
            1e-4f * maxAbs(stateRef.data(), stateRef.size()));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CudaKernelsScan,
    ::testing::Values(
        ScanCase{cg::ElemType::F32, cg::Layout::TokenMajor, false},
        ScanCase{cg::ElemType::BF16, cg::Layout::TokenMajor, false},
        ScanCase{cg::ElemType::F32, cg::Layout::ChannelMajor, false},
        ScanCase{cg::ElemType::F32, cg::Layout::TokenMajor, true},
        ScanCase{cg::ElemType::BF16, cg::Layout::TokenMajor, true},
        ScanCase{cg::ElemType::F32, cg::Layout::TokenMajor, false, 0.5},
        ScanCase{cg::ElemType::F32, cg::Layout::TokenMajor, true, 1.0},
        ScanCase{cg::ElemType::F32, cg::Layout::TokenMajor, false, 0.25, 16},
        ScanCase{cg::ElemType::BF16, cg::Layout::TokenMajor, false, 0.0, 4}),
    [](const auto &info) {
      const ScanCase &c = info.param;
      return std::string(c.step ? "Step" : "Prefill") + "_" +
             cg::elemTypeName(c.io) +
             (c.layout == cg::Layout::ChannelMajor ? "_ChannelMajor"
                                                   : "_TokenMajor") +
             (c.fmaExps > 0 ? "_FmaExps" : "") +
             (c.items > 0 ? "_Items" + std::to_string(c.items) : "");
    });

struct ChunkedCase {
  const char *name;
  cg::ElemType io;
  cg::Layout layout;
  bool initialState;
  int timeChunkLen;
  /// Schedule::itemsPerThread, 0 for the default.
  int items = 0;
};

class CudaKernelsChunkedScan : public ::testing::TestWithParam<ChunkedCase> {};

/// The time-parallel scan (3 passes) against the sequential kernel on the
/// same inputs and against the CPU scan, y and final state.
TEST_P(CudaKernelsChunkedScan, MatchesSequentialAndCpu) {
  std::unique_ptr<cuda::Device> dev;
  MAMBA_OPEN_DEVICE_OR_SKIP(dev);
  const ChunkedCase p = GetParam();
  const bool bf16 = p.io == cg::ElemType::BF16;
  const bool channelMajor = p.layout == cg::Layout::ChannelMajor;
  // 300 tokens: chunk tails in time; 40 channels: a tail channel group.
  const int64_t B = 2, E = 40, N = 16, L = 300;
  std::vector<float> u = randomVector(B * L * E, -1, 1, 41);
  std::vector<float> delta = randomVector(B * L * E, -3, 0.5f, 42);
  std::vector<float> z = randomVector(B * L * E, -2, 2, 43);
  std::vector<float> b = randomVector(B * L * N, -1, 1, 44);
  std::vector<float> c = randomVector(B * L * N, -1, 1, 45);
  std::vector<float> a = randomVector(E * N, -4, -0.1f, 46);
  std::vector<float> d = randomVector(E, 0.5f, 1.5f, 47);
  std::vector<float> bias = randomVector(E, -1, 1, 48);
  std::vector<float> state = p.initialState
                                 ? randomVector(B * E * N, -1, 1, 49)
                                 : std::vector<float>(B * E * N, 0.0f);
  if (bf16)
    roundToBf16(u);

  std::vector<float> yRef, stateRef = state;
  cpuScan(u, delta, z, b, c, a, d, bias, {B, L, E, N}, yRef, stateRef);

  cg::SelectiveScanDesc seq;
  seq.uType = seq.yType = p.io;
  seq.layout = p.layout;
  seq.hasInitialState = p.initialState;
  seq.schedule = cuda::defaultScanSchedule(N);
  if (channelMajor) {
    // Staged tiles: the lanes of the step's schedule keep them in 48 KiB.
    seq.schedule = cuda::defaultScanStepSchedule(N);
    seq.schedule.chunkLen = 32;
  }
  if (p.items > 0)
    seq.schedule.itemsPerThread = p.items;
  cg::SelectiveScanDesc chunked = seq;
  chunked.name = "scan_tp";
  chunked.schedule.timeChunkLen = p.timeChunkLen;
  auto module =
      test::compileModule(*dev, {cg::emitSelectiveScan(seq),
                                 cg::emitSelectiveScanChunked(chunked)});
  ASSERT_TRUE(module);

  auto layoutOf = [&](const std::vector<float> &v, int64_t width) {
    return channelMajor ? toChannelMajor(v, B, L, width) : v;
  };
  std::vector<float> uHost = layoutOf(u, E);
  const std::vector<uint16_t> uBits =
      bf16 ? roundToBf16(uHost) : std::vector<uint16_t>();
  cuda::DeviceBuffer uDev =
      bf16 ? toDevice(*dev, uBits) : toDevice(*dev, uHost);
  cuda::DeviceBuffer deltaDev = toDevice(*dev, layoutOf(delta, E));
  cuda::DeviceBuffer zDev = toDevice(*dev, layoutOf(z, E));
  cuda::DeviceBuffer bDev = toDevice(*dev, layoutOf(b, N));
  cuda::DeviceBuffer cDev = toDevice(*dev, layoutOf(c, N));
  cuda::DeviceBuffer aDev = toDevice(*dev, a), dDev = toDevice(*dev, d),
                     biasDev = toDevice(*dev, bias),
                     seqState = toDevice(*dev, state),
                     tpState = toDevice(*dev, state);
  auto ySeq = dev->alloc(B * L * E * (bf16 ? 2 : 4), "y");
  auto yTp = dev->alloc(B * L * E * (bf16 ? 2 : 4), "y");
  ASSERT_TRUE(ySeq.ok() && yTp.ok());

  cuda::ScanTensors t{};
  t.u = uDev.as<void>();
  t.delta = deltaDev.as<void>();
  t.z = zDev.as<void>();
  t.b = bDev.as<void>();
  t.c = cDev.as<void>();
  t.a = aDev.as<float>();
  t.d = dDev.as<float>();
  t.deltaBias = biasDev.as<float>();
  t.uS = t.deltaS = t.zS = t.yS =
      channelMajor ? cuda::Strides{E * L, L, 1} : cuda::tokenMajor(L, E);
  t.bS = t.cS =
      channelMajor ? cuda::Strides{N * L, L, 1} : cuda::tokenMajor(L, N);
  t.batch = B;
  t.dim = E;
  t.seqlen = L;
  t.state = seqState.as<float>();
  t.y = ySeq->as<void>();
  ASSERT_TRUE(cuda::launchSelectiveScan(*dev, test::fn(*module, seq.name), seq,
                                        t, false)
                  .ok());

  // The runtime's choice when the schedule leaves the length open.
  const int chunkLen = p.timeChunkLen > 0
                           ? cuda::scanTimeChunkLen(chunked, B, E, L, 1 << 20)
                           : cuda::scanTimeChunkLen(chunked, B, E, L, 8);
  ASSERT_GT(chunkLen, 0);
  if (p.timeChunkLen > 0) {
    EXPECT_EQ(chunkLen, p.timeChunkLen);
  }
  std::printf("%s: %d tokens per time chunk, %d chunks\n", p.name, chunkLen,
              static_cast<int>((L + chunkLen - 1) / chunkLen));
  auto work = dev->alloc(
      cuda::scanChunkedWorkspaceFloats(chunked, B, E, L, chunkLen) * 4,
      "chunk states");
  ASSERT_TRUE(work.ok());
  t.state = tpState.as<float>();
  t.y = yTp->as<void>();
  const cuda::ScanChunkedKernels fns{test::fn(*module, "scan_tp_chunk_state"),
                                     test::fn(*module, "scan_tp_combine"),
                                     test::fn(*module, "scan_tp_chunk_scan")};
  Status s = cuda::launchSelectiveScanChunked(*dev, fns, chunked, t, chunkLen,
                                              work->as<float>());
  ASSERT_TRUE(s.ok()) << s.message();

  auto readY = [&](const cuda::DeviceBuffer &buf) {
    std::vector<float> y(B * L * E);
    if (bf16) {
      std::vector<uint16_t> bits = fromDevice<uint16_t>(*dev, buf);
      for (size_t i = 0; i < y.size(); ++i)
        y[i] = bf16ToFloat(bits[i]);
    } else {
      y = fromDevice<float>(*dev, buf);
    }
    return channelMajor ? toTokenMajor(y, B, L, E) : y;
  };
  const std::vector<float> yS = readY(*ySeq), yT = readY(*yTp);
  const std::vector<float> hS = fromDevice<float>(*dev, seqState);
  const std::vector<float> hT = fromDevice<float>(*dev, tpState);
  const float yMax = maxAbs(yRef.data(), yRef.size());
  const float hMax = maxAbs(stateRef.data(), stateRef.size());
  const float ySeqErr = maxAbsDiff(yT.data(), yS.data(), yS.size()) / yMax;
  const float yCpuErr = maxAbsDiff(yT.data(), yRef.data(), yRef.size()) / yMax;
  const float hSeqErr = maxAbsDiff(hT.data(), hS.data(), hS.size()) / hMax;
  const float hCpuErr =
      maxAbsDiff(hT.data(), stateRef.data(), stateRef.size()) / hMax;
  std::printf("%s: relative to max: y vs sequential %.2g, vs CPU %.2g; "
              "state vs sequential %.2g, vs CPU %.2g\n",
              p.name, ySeqErr, yCpuErr, hSeqErr, hCpuErr);
  // BF16 y: the two kernels may round an F32 value either way (2^-8).
  EXPECT_LE(ySeqErr, bf16 ? 1e-2f : 1e-5f);
  EXPECT_LE(yCpuErr, bf16 ? 1e-2f : 1e-5f);
  EXPECT_LE(hSeqErr, 1e-5f);
  EXPECT_LE(hCpuErr, 1e-5f);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CudaKernelsChunkedScan,
    ::testing::Values(ChunkedCase{"f32_auto", cg::ElemType::F32,
                                  cg::Layout::TokenMajor, true, 0},
                      ChunkedCase{"f32_len64", cg::ElemType::F32,
                                  cg::Layout::TokenMajor, true, 64},
                      ChunkedCase{"f32_len50_zero_start", cg::ElemType::F32,
                                  cg::Layout::TokenMajor, false, 50},
                      ChunkedCase{"f32_channel_major", cg::ElemType::F32,
                                  cg::Layout::ChannelMajor, true, 96},
                      ChunkedCase{"bf16_len64", cg::ElemType::BF16,
                                  cg::Layout::TokenMajor, true, 64},
                      ChunkedCase{"f32_len50_1_lane", cg::ElemType::F32,
                                  cg::Layout::TokenMajor, true, 50, 16}),
    [](const auto &info) { return std::string(info.param.name); });

class CudaKernelsConv : public ::testing::TestWithParam<bool> {};

TEST_P(CudaKernelsConv, MatchesCpu) {
  std::unique_ptr<cuda::Device> dev;
  MAMBA_OPEN_DEVICE_OR_SKIP(dev);
  const bool step = GetParam();
  const int64_t B = 2, E = 40, K = 4, L = step ? 1 : 37;
  // x is the first half of an in_proj output: row stride 2E.
  std::vector<float> x = randomVector(B * L * 2 * E, -2, 2, 11);
  std::vector<float> w = randomVector(E * K, -1, 1, 12);
  std::vector<float> bias = randomVector(E, -1, 1, 13);
  std::vector<float> state = randomVector(B * E * K, -1, 1, 14);
  std::vector<float> wT(K * E);
  for (int64_t c = 0; c < E; ++c)
    for (int64_t j = 0; j < K; ++j)
      wT[j * E + c] = w[c * K + j];
  std::vector<float> outRef(B * L * E), stateRef = state;
  for (int64_t b = 0; b < B; ++b)
    cpu::causalConv1dSilu(x.data() + b * L * 2 * E, 2 * E, L, wT.data(),
                          bias.data(), E, K, stateRef.data() + b * E * K,
                          outRef.data() + b * L * E, E, 0, E);

  cg::CausalConv1dDesc desc;
  desc.name = step ? "conv_step" : "conv";
  desc.width = K;
  desc.schedule = {64, 4, 0};
  auto module = test::compileModule(*dev, {step ? cg::emitCausalConv1dStep(desc)
                                                : cg::emitCausalConv1d(desc)});
  ASSERT_TRUE(module);
  cuda::DeviceBuffer xDev = toDevice(*dev, x), wDev = toDevice(*dev, w),
                     biasDev = toDevice(*dev, bias),
                     stateDev = toDevice(*dev, state);
  auto outDev = dev->alloc(B * L * E * 4, "out");
  ASSERT_TRUE(outDev.ok());
  cuda::ConvTensors t{xDev.as<void>(),        wDev.as<float>(),
                      biasDev.as<float>(),    stateDev.as<float>(),
                      outDev->as<void>(),     cuda::tokenMajor(L, 2 * E),
                      cuda::tokenMajor(L, E), static_cast<int>(B),
                      static_cast<int>(E),    static_cast<int>(L)};
  Status s =
      step ? cuda::launchCausalConv1dStep(*dev, test::fn(*module, desc.name),
                                          desc, t)
           : cuda::launchCausalConv1d(*dev, test::fn(*module, desc.name),
                                      test::fn(*module, desc.name + "_state"),
                                      desc, t);
  ASSERT_TRUE(s.ok()) << s.message();
  std::vector<float> out = fromDevice<float>(*dev, *outDev);
  std::vector<float> stateOut = fromDevice<float>(*dev, stateDev);
  EXPECT_LE(maxAbsDiff(out.data(), outRef.data(), out.size()),
            1e-5f * maxAbs(outRef.data(), outRef.size()));
  EXPECT_EQ(maxAbsDiff(stateOut.data(), stateRef.data(), stateOut.size()),
            0.0f);
}

INSTANTIATE_TEST_SUITE_P(Cases, CudaKernelsConv, ::testing::Values(false, true),
                         [](const auto &info) {
                           return std::string(info.param ? "Step" : "Prefill");
                         });

TEST(CudaKernels, RmsNormWithResidualMatchesCpu) {
  std::unique_ptr<cuda::Device> dev;
  MAMBA_OPEN_DEVICE_OR_SKIP(dev);
  const int rows = 5, dim = 300;
  std::vector<float> hidden = randomVector(rows * dim, -2, 2, 21);
  std::vector<float> residual = randomVector(rows * dim, -2, 2, 22);
  std::vector<float> w = randomVector(dim, 0.5f, 1.5f, 23);
  std::vector<float> sum(rows * dim), ref(rows * dim);
  for (size_t i = 0; i < sum.size(); ++i)
    sum[i] = hidden[i] + residual[i];
  cpu::rmsnorm(sum.data(), dim, w.data(), 1e-5f, dim, ref.data(), dim, 0, rows);

  cg::RmsNormDesc desc;
  desc.residualAdd = true;
  desc.schedule = {128, 4, 0};
  auto module = test::compileModule(*dev, {cg::emitRmsNorm(desc)});
  ASSERT_TRUE(module);
  cuda::DeviceBuffer hDev = toDevice(*dev, hidden),
                     rDev = toDevice(*dev, residual), wDev = toDevice(*dev, w);
  auto outDev = dev->alloc(rows * dim * 4, "out");
  ASSERT_TRUE(outDev.ok());
  ASSERT_TRUE(cuda::launchRmsNorm(*dev, test::fn(*module, desc.name), desc,
                                  hDev.as<void>(), dim, rDev.as<void>(), dim,
                                  wDev.as<void>(), outDev->as<void>(), dim,
                                  rows, dim, 1e-5f)
                  .ok());
  std::vector<float> out = fromDevice<float>(*dev, *outDev);
  std::vector<float> hOut = fromDevice<float>(*dev, hDev);
  EXPECT_LE(maxAbsDiff(out.data(), ref.data(), ref.size()),
            1e-5f * maxAbs(ref.data(), ref.size()));
  EXPECT_EQ(maxAbsDiff(hOut.data(), sum.data(), sum.size()), 0.0f);
}

TEST(CudaKernels, GateEmbeddingAndBiasMatchHostLoops) {
  std::unique_ptr<cuda::Device> dev;
  MAMBA_OPEN_DEVICE_OR_SKIP(dev);
  const int rows = 3, cols = 70, vocab = 11;
  std::vector<float> y = randomVector(rows * cols, -2, 2, 31);
  std::vector<float> z = randomVector(rows * cols, -4, 4, 32);
  std::vector<float> table = randomVector(vocab * cols, -1, 1, 33);
  std::vector<float> bias = randomVector(cols, -1, 1, 34);
  const std::vector<int> ids = {7, 0, 10};
  cg::GateDesc gate;
  cg::EmbeddingDesc emb;
  emb.tableType = cg::ElemType::BF16;
  cg::BiasAddDesc add;
  gate.schedule = emb.schedule = add.schedule = {64, 2, 0};
  auto module = test::compileModule(
      *dev, {cg::emitGate(gate), cg::emitEmbedding(emb), cg::emitBiasAdd(add)});
  ASSERT_TRUE(module);

  std::vector<uint16_t> tableBits = roundToBf16(table);
  cuda::DeviceBuffer yDev = toDevice(*dev, y), zDev = toDevice(*dev, z),
                     tDev = toDevice(*dev, tableBits),
                     bDev = toDevice(*dev, bias), idDev = toDevice(*dev, ids);
  auto gOut = dev->alloc(rows * cols * 4, "gate out");
  auto eOut = dev->alloc(rows * cols * 4, "embedding out");
  ASSERT_TRUE(gOut.ok() && eOut.ok());
  ASSERT_TRUE(cuda::launchGate(*dev, test::fn(*module, gate.name), gate,
                               yDev.as<void>(), cols, zDev.as<void>(), cols,
                               gOut->as<void>(), cols, rows, cols)
                  .ok());
  ASSERT_TRUE(cuda::launchEmbedding(*dev, test::fn(*module, emb.name), emb,
                                    idDev.as<int>(), tDev.as<void>(),
                                    eOut->as<void>(), cols, rows, cols, vocab)
                  .ok());
  ASSERT_TRUE(cuda::launchBiasAdd(*dev, test::fn(*module, add.name), add,
                                  yDev.as<void>(), cols, bDev.as<void>(), rows,
                                  cols)
                  .ok());
  std::vector<float> g = fromDevice<float>(*dev, *gOut);
  std::vector<float> e = fromDevice<float>(*dev, *eOut);
  std::vector<float> yb = fromDevice<float>(*dev, yDev);
  for (int r = 0; r < rows; ++r)
    for (int i = 0; i < cols; ++i) {
      const int k = r * cols + i;
      const float silu = z[k] / (1.0f + std::exp(-z[k]));
      EXPECT_NEAR(g[k], y[k] * silu, 1e-5f * (1 + std::fabs(y[k] * silu)));
      EXPECT_EQ(e[k], table[ids[r] * cols + i]);
      EXPECT_EQ(yb[k], y[k] + bias[i]);
    }
}

// Host-side rules, no GPU needed.
TEST(CudaKernelsSchedule, DefaultScanScheduleIsValidForEveryStateSize) {
  // Lanes of 8 states where d_state allows; chunks hold a multiple of the
  // lanes and their B/C fit shared memory, so every default emits
  // (validateScan's constraints).
  for (int n : {4, 8, 12, 16, 64, 128, 256}) {
    cg::SelectiveScanDesc d;
    d.dState = n;
    d.schedule = cuda::defaultScanSchedule(n);
    const int items = n == 12 ? 6 : n == 256 ? 16 : std::min(n, 8);
    EXPECT_EQ(d.schedule.itemsPerThread, items) << n;
    cg::Emitted seq = cg::emitSelectiveScan(d);
    EXPECT_TRUE(seq.ok()) << "d_state " << n << ": " << seq.error;
    cg::Emitted tp = cg::emitSelectiveScanChunked(d);
    EXPECT_TRUE(tp.ok()) << "d_state " << n << ": " << tp.error;
  }
  EXPECT_EQ(cuda::defaultScanSchedule(16).chunkLen, 16);
  EXPECT_EQ(cuda::defaultScanSchedule(128).chunkLen, 16); // 16 lanes
  // 24 tokens of B/C fit: 16 lanes of 16 states.
  EXPECT_EQ(cuda::defaultScanSchedule(256).chunkLen, 16);
}

TEST(CudaKernelsSchedule, ChunkedScanKeepsThePrefillScheduleUpTo32Tokens) {
  cg::SelectiveScanDesc d;
  d.schedule = cuda::defaultScanSchedule(16);
  cg::SelectiveScanDesc tp = cuda::chunkedScanDesc(d, "scan_tp");
  EXPECT_EQ(tp.name, "scan_tp");
  EXPECT_EQ(tp.schedule.chunkLen, 16);
  EXPECT_EQ(tp.schedule.itemsPerThread, d.schedule.itemsPerThread);
  d.schedule.chunkLen = 64;
  EXPECT_EQ(cuda::chunkedScanDesc(d, "scan_tp").schedule.chunkLen, 32);
}

TEST(CudaKernelsSchedule, TimeChunksFollowTheDocumentedRule) {
  cg::SelectiveScanDesc d;
  d.schedule = cuda::defaultScanSchedule(16); // 64 channels per block
  // 64 channels per SM on 132 SMs.
  const int minBlocks = cuda::scanMinBlocks(d, 132);
  EXPECT_EQ(minBlocks, 132);
  // 80 channel groups: ceil(8 x 132 / 80) = 14 chunks of 586 -> 592 tokens.
  EXPECT_EQ(cuda::scanTimeChunkLen(d, 1, 5120, 8192, minBlocks), 592);
  // 24 groups would take 44 chunks of 47 tokens: at least 128.
  EXPECT_EQ(cuda::scanTimeChunkLen(d, 1, 1536, 2048, minBlocks), 128);
  // 8 x 24 = 192 blocks fill the GPU: sequential.
  EXPECT_EQ(cuda::scanTimeChunkLen(d, 8, 1536, 2048, minBlocks), 0);
  // Sequential where one 128-token chunk holds the whole prompt, and where
  // the prompt is shorter than two staged chunks (2 x 16 tokens).
  EXPECT_EQ(cuda::scanTimeChunkLen(d, 1, 1536, 100, minBlocks), 0);
  EXPECT_EQ(cuda::scanTimeChunkLen(d, 1, 1536, 20, minBlocks), 0);
  // The runtime's choice also needs room for the chunk states: 14 chunks x
  // 5120 channels x (16 states + the dt sum) floats.
  const size_t need = 14 * 5120 * 17 * sizeof(float);
  EXPECT_EQ(cuda::scanChunkedWorkspaceBytes(d, d, 1, 5120, 8192, 132), need);
  EXPECT_EQ(cuda::scanTimeChunkFor(d, d, 1, 5120, 8192, 132, need), 592);
  EXPECT_EQ(cuda::scanTimeChunkFor(d, d, 1, 5120, 8192, 132, need - 1), 0);
  // Batch 2 takes 7 chunks: the same need, which batch 1..2 covers.
  EXPECT_EQ(cuda::scanChunkedWorkspaceBytes(d, d, 2, 5120, 8192, 132), need);
  // No batch runs it: nothing to allocate.
  EXPECT_EQ(cuda::scanChunkedWorkspaceBytes(d, d, 8, 1536, 100, 132), 0u);
  // A schedule's own length is used as is.
  d.schedule.timeChunkLen = 50;
  EXPECT_EQ(cuda::scanTimeChunkLen(d, 1, 1536, 2048, minBlocks), 50);
}

} // namespace
} // namespace mamba

// The fused decode-step kernels on the GPU against the CPU runtime's kernels
// and host loops: the batch-1..B GEMV (rmsnorm, bias, residual add), the
// conv step + split-K x_proj, and the scan step with dt_proj folded in.
#include "../../runtime/src/cpu/kernels.h"
#include "../../runtime/src/cuda/kernels.h"
#include "cuda_test_util.h"
#include "test_util.h"

namespace mamba {
namespace {

namespace cg = codegen::cuda;
using test::fromDevice;
using test::maxAbs;
using test::maxAbsDiff;
using test::randomVector;
using test::roundToBf16;
using test::toDevice;

/// Uploads `v` as `type`, rounding it in place to what the device sees.
cuda::DeviceBuffer upload(cuda::Device &dev, std::vector<float> &v,
                          cg::ElemType type) {
  if (type == cg::ElemType::F32)
    return toDevice(dev, v);
  return toDevice(dev, roundToBf16(v));
}

struct GemvCase {
  const char *name;
  cg::ElemType x, w;
  int batch, bucket, rows, k;
  bool norm, bias, accumulate;
};

class CudaDecodeGemv : public ::testing::TestWithParam<GemvCase> {};

TEST_P(CudaDecodeGemv, MatchesCpu) {
  std::unique_ptr<cuda::Device> dev;
  MAMBA_OPEN_DEVICE_OR_SKIP(dev);
  const GemvCase p = GetParam();
  const int B = p.batch, R = p.rows, K = p.k;
  std::vector<float> x = randomVector(B * K, -2, 2, 1);
  std::vector<float> w = randomVector(static_cast<size_t>(R) * K, -1, 1, 2);
  std::vector<float> bias = randomVector(R, -1, 1, 3);
  std::vector<float> normW = randomVector(K, 0.5f, 1.5f, 4);
  std::vector<float> y0 = randomVector(B * R, -1, 1, 5);
  cuda::DeviceBuffer xDev = upload(*dev, x, p.x), wDev = upload(*dev, w, p.w);
  std::vector<float> in = x;
  if (p.norm)
    cpu::rmsnorm(x.data(), K, normW.data(), 1e-5f, K, in.data(), K, 0, B);
  std::vector<float> ref(B * R);
  for (int b = 0; b < B; ++b)
    for (int r = 0; r < R; ++r) {
      double s = p.bias ? bias[r] : 0.0;
      for (int i = 0; i < K; ++i)
        s += static_cast<double>(w[static_cast<size_t>(r) * K + i]) *
             in[b * K + i];
      ref[b * R + r] =
          static_cast<float>(s) + (p.accumulate ? y0[b * R + r] : 0);
    }

  cg::GemvDesc desc;
  desc.name = "gemv";
  desc.xType = p.x;
  desc.wType = p.w;
  desc.batch = p.bucket;
  desc.normInput = p.norm;
  desc.hasBias = p.bias;
  desc.accumulate = p.accumulate;
  desc.schedule.threadsPerBlock = 128;
  desc.schedule.itemsPerThread = 3; // rows tail within a warp
  desc.schedule.loadsInFlight = 2;
  auto module = test::compileModule(*dev, {cg::emitGemv(desc)});
  ASSERT_TRUE(module);
  cuda::DeviceBuffer biasDev = toDevice(*dev, bias),
                     normDev = toDevice(*dev, normW), yDev = toDevice(*dev, y0);
  Status s = cuda::launchGemv(*dev, test::fn(*module, "gemv"), desc,
                              xDev.as<void>(), K, wDev.as<void>(),
                              biasDev.as<float>(), normDev.as<float>(), 1e-5f,
                              yDev.as<float>(), R, B, R, K);
  ASSERT_TRUE(s.ok()) << s.message();
  std::vector<float> y = fromDevice<float>(*dev, yDev);
  EXPECT_LE(maxAbsDiff(y.data(), ref.data(), y.size()),
            1e-5f * maxAbs(ref.data(), ref.size()));
  EXPECT_FALSE(cuda::launchGemv(*dev, test::fn(*module, "gemv"), desc,
                                xDev.as<void>(), K, wDev.as<void>(), nullptr,
                                nullptr, 0, yDev.as<float>(), R, p.bucket + 1,
                                R, K)
                   .ok());
}

constexpr cg::ElemType F32 = cg::ElemType::F32, BF16 = cg::ElemType::BF16;

INSTANTIATE_TEST_SUITE_P(
    Cases, CudaDecodeGemv,
    ::testing::Values(
        GemvCase{"F32Batch1Norm", F32, F32, 1, 1, 100, 768, true, false, false},
        GemvCase{"Bf16Batch1NormBias", F32, BF16, 1, 1, 77, 1024, true, true,
                 false},
        GemvCase{"Bf16Batch3Residual", BF16, BF16, 3, 4, 50, 512, false, true,
                 true},
        GemvCase{"F32Batch16Residual", F32, F32, 16, 16, 40, 256, false, false,
                 true},
        GemvCase{"Bf16Batch16Norm", F32, BF16, 16, 16, 33, 2048, true, false,
                 false},
        // K not a multiple of the 16-byte vector: the element-wise path.
        GemvCase{"Bf16OddKScalarPath", F32, BF16, 2, 4, 21, 51, true, true,
                 false},
        GemvCase{"F32OddKResidual", BF16, F32, 1, 1, 9, 30, false, false,
                 true}),
    [](const auto &info) { return std::string(info.param.name); });

class CudaDecodeConvLinear : public ::testing::TestWithParam<cg::ElemType> {};

TEST_P(CudaDecodeConvLinear, MatchesCpu) {
  std::unique_ptr<cuda::Device> dev;
  MAMBA_OPEN_DEVICE_OR_SKIP(dev);
  const cg::ElemType wt = GetParam();
  // 200 channels: a partial last slice of 64; 20 rows: a partial row pass.
  const int64_t B = 3, E = 200, K = 4, R = 20;
  std::vector<float> w = randomVector(E * K, -1, 1, 12);
  std::vector<float> bias = randomVector(E, -1, 1, 13);
  std::vector<float> state = randomVector(B * E * K, -1, 1, 14);
  std::vector<float> proj = randomVector(R * E, -1, 1, 15);
  std::vector<float> wT(K * E);
  for (int64_t c = 0; c < E; ++c)
    for (int64_t j = 0; j < K; ++j)
      wT[j * E + c] = w[c * K + j];

  cg::CausalConv1dStepLinearDesc desc;
  desc.name = "conv_linear";
  desc.conv.width = K;
  desc.wType = wt;
  desc.rows = R;
  desc.dim = E;
  desc.batch = 4;
  desc.schedule.threadsPerBlock = 128;
  desc.schedule.kSlice = 64;
  auto module =
      test::compileModule(*dev, {cg::emitCausalConv1dStepLinear(desc)});
  ASSERT_TRUE(module);
  const int blocks = cuda::convStepLinearBlocks(desc, E);
  ASSERT_EQ(blocks, 4);
  cuda::DeviceBuffer wDev = toDevice(*dev, w), biasDev = toDevice(*dev, bias),
                     stateDev = toDevice(*dev, state),
                     projDev = upload(*dev, proj, wt);
  auto outDev = dev->alloc(B * E * 4, "out");
  auto yDev = dev->alloc(B * R * 4, "y");
  auto partial = dev->alloc(blocks * B * R * 4, "partial");
  auto counter = dev->alloc(4, "counter");
  ASSERT_TRUE(outDev.ok() && yDev.ok() && partial.ok() && counter.ok());
  ASSERT_TRUE(dev->zero(counter->ptr(), 4).ok());

  std::vector<float> stateRef = state;
  // Two steps: the second checks that the counter was rearmed.
  for (int step = 0; step < 2; ++step) {
    std::vector<float> x = randomVector(B * 2 * E, -2, 2, 20 + step);
    std::vector<float> outRef(B * E), yRef(B * R);
    for (int64_t b = 0; b < B; ++b)
      cpu::causalConv1dSilu(x.data() + b * 2 * E, 2 * E, 1, wT.data(),
                            bias.data(), E, K, stateRef.data() + b * E * K,
                            outRef.data() + b * E, E, 0, E);
    for (int64_t b = 0; b < B; ++b)
      for (int64_t r = 0; r < R; ++r) {
        double s = 0;
        for (int64_t c = 0; c < E; ++c)
          s += static_cast<double>(proj[r * E + c]) * outRef[b * E + c];
        yRef[b * R + r] = static_cast<float>(s);
      }
    cuda::DeviceBuffer xDev = toDevice(*dev, x);
    cuda::ConvTensors t{xDev.as<void>(),        wDev.as<float>(),
                        biasDev.as<float>(),    stateDev.as<float>(),
                        outDev->as<void>(),     cuda::tokenMajor(1, 2 * E),
                        cuda::tokenMajor(1, E), static_cast<int>(B),
                        static_cast<int>(E),    1};
    Status s = cuda::launchCausalConv1dStepLinear(
        *dev, test::fn(*module, "conv_linear"), desc, t, projDev.as<void>(),
        partial->as<float>(), counter->as<unsigned>(), yDev->as<float>(), R);
    ASSERT_TRUE(s.ok()) << s.message();
    std::vector<float> out = fromDevice<float>(*dev, *outDev);
    std::vector<float> y = fromDevice<float>(*dev, *yDev);
    std::vector<float> st = fromDevice<float>(*dev, stateDev);
    EXPECT_LE(maxAbsDiff(out.data(), outRef.data(), out.size()),
              1e-5f * maxAbs(outRef.data(), outRef.size()))
        << "step " << step;
    EXPECT_EQ(maxAbsDiff(st.data(), stateRef.data(), st.size()), 0.0f);
    EXPECT_LE(maxAbsDiff(y.data(), yRef.data(), y.size()),
              1e-5f * maxAbs(yRef.data(), yRef.size()))
        << "step " << step;
  }
  EXPECT_EQ(fromDevice<unsigned>(*dev, *counter)[0], 0u);
}

INSTANTIATE_TEST_SUITE_P(Types, CudaDecodeConvLinear,
                         ::testing::Values(F32, BF16), [](const auto &info) {
                           return std::string(elemTypeName(info.param));
                         });

/// dt_proj's rank: 5 takes the scalar loop, 32 (a multiple of 4 x the
/// lanes of a channel) the 16-byte loads of the weight row.
class CudaDecodeScanStepDt : public ::testing::TestWithParam<int> {};

TEST_P(CudaDecodeScanStepDt, MatchesCpu) {
  std::unique_ptr<cuda::Device> dev;
  MAMBA_OPEN_DEVICE_OR_SKIP(dev);
  const int64_t B = 2, E = 40, N = 16, R = GetParam(), W = R + 2 * N;
  std::vector<float> u = randomVector(B * E, -1, 1, 1);
  std::vector<float> dbc = randomVector(B * W, -1, 1, 2);
  std::vector<float> z = randomVector(B * E, -2, 2, 3);
  std::vector<float> dtProj = randomVector(E * R, -1, 1, 4);
  std::vector<float> a = randomVector(E * N, -4, -0.1f, 6);
  std::vector<float> d = randomVector(E, 0.5f, 1.5f, 7);
  std::vector<float> bias = randomVector(E, -1, 1, 8);
  std::vector<float> state = randomVector(B * E * N, -1, 1, 9);

  std::vector<float> delta(B * E), yRef(B * E), stateRef = state;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t c = 0; c < E; ++c) {
      double s = 0;
      for (int64_t r = 0; r < R; ++r)
        s += static_cast<double>(dtProj[c * R + r]) * dbc[b * W + r];
      delta[b * E + c] = static_cast<float>(s);
    }
  for (int64_t b = 0; b < B; ++b) {
    cpu::ScanArgs args{};
    args.x = u.data() + b * E;
    args.delta = delta.data() + b * E;
    args.z = z.data() + b * E;
    args.b = dbc.data() + b * W + R;
    args.c = dbc.data() + b * W + R + N;
    args.a = a.data();
    args.d = d.data();
    args.dtBias = bias.data();
    args.state = stateRef.data() + b * E * N;
    args.y = yRef.data() + b * E;
    args.ldx = args.ldDelta = args.ldz = args.ldy = E;
    args.ldBC = W;
    args.len = 1;
    args.dState = N;
    cpu::selectiveScan(args, 0, E);
  }

  cg::SelectiveScanDesc desc;
  desc.name = "scan_step_dt";
  desc.dtRank = static_cast<int>(R);
  desc.schedule = cuda::defaultScanStepSchedule(N);
  auto module = test::compileModule(*dev, {cg::emitSelectiveScanStep(desc)});
  ASSERT_TRUE(module);
  cuda::DeviceBuffer uDev = toDevice(*dev, u), dbcDev = toDevice(*dev, dbc),
                     zDev = toDevice(*dev, z), dtDev = toDevice(*dev, dtProj),
                     aDev = toDevice(*dev, a), dDev = toDevice(*dev, d),
                     biasDev = toDevice(*dev, bias),
                     stateDev = toDevice(*dev, state);
  auto yDev = dev->alloc(B * E * 4, "y");
  ASSERT_TRUE(yDev.ok());
  cuda::ScanTensors t{};
  t.u = uDev.as<void>();
  t.delta = dbcDev.as<float>();
  t.b = dbcDev.as<float>() + R;
  t.c = dbcDev.as<float>() + R + N;
  t.z = zDev.as<void>();
  t.a = aDev.as<float>();
  t.d = dDev.as<float>();
  t.deltaBias = biasDev.as<float>();
  t.state = stateDev.as<float>();
  t.y = yDev->as<void>();
  t.uS = t.zS = t.yS = cuda::tokenMajor(1, E);
  t.deltaS = t.bS = t.cS = {W, 1, W};
  t.batch = static_cast<int>(B);
  t.dim = static_cast<int>(E);
  t.seqlen = 1;
  EXPECT_FALSE(cuda::launchSelectiveScan(*dev, test::fn(*module, desc.name),
                                         desc, t, true)
                   .ok()); // no dt_proj weight
  t.dtProj = dtDev.as<float>();
  Status s = cuda::launchSelectiveScan(*dev, test::fn(*module, desc.name), desc,
                                       t, true);
  ASSERT_TRUE(s.ok()) << s.message();
  std::vector<float> y = fromDevice<float>(*dev, *yDev);
  std::vector<float> st = fromDevice<float>(*dev, stateDev);
  EXPECT_LE(maxAbsDiff(y.data(), yRef.data(), y.size()),
            1e-5f * maxAbs(yRef.data(), yRef.size()));
  EXPECT_LE(maxAbsDiff(st.data(), stateRef.data(), st.size()),
            1e-5f * maxAbs(stateRef.data(), stateRef.size()));
}

INSTANTIATE_TEST_SUITE_P(Ranks, CudaDecodeScanStepDt, ::testing::Values(5, 32),
                         [](const auto &info) {
                           return "rank" + std::to_string(info.param);
                         });

} // namespace
} // namespace mamba

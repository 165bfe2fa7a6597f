// The fused decode-step kernels on the GPU against the CPU runtime's kernels
// and host loops: the batch-1..B GEMV (rmsnorm, bias, residual add), the
// conv step + split-K x_proj, the scan step with dt_proj folded in, and the
// two-kernel layer: in_proj + conv step + split-K x_proj, and the scan step
// + split-K out_proj.
#include "../../runtime/src/cpu/kernels.h"
#include "../../runtime/src/cuda/kernels.h"
#include "cuda_test_util.h"
#include "decode_reference.h"
#include "test_util.h"

namespace mamba {
namespace {

namespace cg = codegen::cuda;
using test::fromDevice;
using test::hostProduct;
using test::maxAbs;
using test::maxAbsDiff;
using test::randomVector;
using test::roundToBf16;
using test::ScanStepCase;
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
  std::vector<float> ref =
      hostProduct(w, R, K, in.data(), K, B, p.bias ? bias.data() : nullptr);
  if (p.accumulate)
    for (int i = 0; i < B * R; ++i)
      ref[i] += y0[i];

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
  cuda::GemvTensors g{xDev.as<void>(),
                      K,
                      wDev.as<void>(),
                      biasDev.as<float>(),
                      normDev.as<float>(),
                      1e-5f,
                      yDev.as<float>(),
                      R,
                      B,
                      R,
                      K};
  Status s = cuda::launchGemv(*dev, test::fn(*module, "gemv"), desc, g);
  ASSERT_TRUE(s.ok()) << s.message();
  std::vector<float> y = fromDevice<float>(*dev, yDev);
  EXPECT_LE(maxAbsDiff(y.data(), ref.data(), y.size()),
            1e-5f * maxAbs(ref.data(), ref.size()));
  g.batch = p.bucket + 1;
  EXPECT_FALSE(cuda::launchGemv(*dev, test::fn(*module, "gemv"), desc, g).ok());
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
    std::vector<float> outRef(B * E);
    for (int64_t b = 0; b < B; ++b)
      cpu::causalConv1dSilu(x.data() + b * 2 * E, 2 * E, 1, wT.data(),
                            bias.data(), E, K, stateRef.data() + b * E * K,
                            outRef.data() + b * E, E, 0, E);
    const std::vector<float> yRef =
        hostProduct(proj, R, E, outRef.data(), E, B);
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

struct GemvConvCase {
  const char *name;
  cg::ElemType w; ///< in_proj's, x_proj's and the conv output's type
  int batch, bucket, dim;
  bool bias, stateBeforeWait;
};

class CudaDecodeGemvConvLinear : public ::testing::TestWithParam<GemvConvCase> {
};

TEST_P(CudaDecodeGemvConvLinear, MatchesCpu) {
  std::unique_ptr<cuda::Device> dev;
  MAMBA_OPEN_DEVICE_OR_SKIP(dev);
  const GemvConvCase p = GetParam();
  // in_proj [2 E, D] with rmsnorm; the conv and x_proj [R, E] take its
  // first E rows. 8 warps x 4 rows = 32 rows per block: E = 100 puts x and z
  // rows in one block and leaves the last block partly past the rows.
  const int64_t B = p.batch, D = 64, E = p.dim, R = 21, K = 4;
  std::vector<float> x = randomVector(B * D, -2, 2, 40);
  std::vector<float> w = randomVector(2 * E * D, -1, 1, 41);
  std::vector<float> inBias = randomVector(2 * E, -1, 1, 42);
  std::vector<float> normW = randomVector(D, 0.5f, 1.5f, 43);
  std::vector<float> convW = randomVector(E * K, -1, 1, 44);
  std::vector<float> convBias = randomVector(E, -1, 1, 45);
  std::vector<float> state = randomVector(B * E * K, -1, 1, 46);
  std::vector<float> w2 = randomVector(R * E, -1, 1, 47);
  cuda::DeviceBuffer wDev = upload(*dev, w, p.w), w2Dev = upload(*dev, w2, p.w);

  std::vector<float> in(B * D), outRef(B * E);
  std::vector<float> stateRef = state, convWT(K * E);
  for (int64_t c = 0; c < E; ++c)
    for (int64_t j = 0; j < K; ++j)
      convWT[j * E + c] = convW[c * K + j];
  cpu::rmsnorm(x.data(), D, normW.data(), 1e-5f, D, in.data(), D, 0, B);
  const std::vector<float> xzRef = hostProduct(
      w, 2 * E, D, in.data(), D, B, p.bias ? inBias.data() : nullptr);
  for (int64_t b = 0; b < B; ++b)
    cpu::causalConv1dSilu(xzRef.data() + b * 2 * E, 2 * E, 1, convWT.data(),
                          convBias.data(), E, K, stateRef.data() + b * E * K,
                          outRef.data() + b * E, E, 0, E);
  // x_proj reads the conv output in F32; the stored u is rounded to BF16.
  const std::vector<float> y2Ref = hostProduct(w2, R, E, outRef.data(), E, B);

  cg::GemvConvStepLinearDesc desc;
  desc.name = "gemv_conv_linear";
  desc.gemv.wType = p.w;
  desc.gemv.batch = p.bucket;
  desc.gemv.normInput = true;
  desc.gemv.hasBias = p.bias;
  desc.gemv.schedule.threadsPerBlock = 256;
  desc.gemv.schedule.itemsPerThread = 4;
  desc.conv.outType = p.w;
  desc.conv.width = K;
  desc.wType = p.w;
  desc.rows = R;
  desc.dim = E;
  desc.stateBeforeWait = p.stateBeforeWait;
  auto module = test::compileModule(*dev, {cg::emitGemvConvStepLinear(desc)});
  ASSERT_TRUE(module);
  cuda::DeviceBuffer xDev = toDevice(*dev, x), biasDev = toDevice(*dev, inBias),
                     normDev = toDevice(*dev, normW),
                     convWDev = toDevice(*dev, convW),
                     convBiasDev = toDevice(*dev, convBias),
                     stateDev = toDevice(*dev, state),
                     y2Dev = toDevice(*dev, std::vector<float>(B * R, 0.0f));
  auto xzDev = dev->alloc(B * 2 * E * 4, "xz");
  auto outDev = dev->alloc(B * E * 4, "out");
  ASSERT_TRUE(xzDev.ok() && outDev.ok());
  const cuda::GemvTensors g{
      xDev.as<void>(),     D,
      wDev.as<void>(),     p.bias ? biasDev.as<float>() : nullptr,
      normDev.as<float>(), 1e-5f,
      xzDev->as<float>(),  2 * E,
      static_cast<int>(B), static_cast<int>(2 * E),
      static_cast<int>(D)};
  cuda::ConvTensors conv{nullptr,
                         convWDev.as<float>(),
                         convBiasDev.as<float>(),
                         stateDev.as<float>(),
                         outDev->as<void>(),
                         {},
                         cuda::tokenMajor(1, E),
                         static_cast<int>(B),
                         static_cast<int>(E),
                         1};
  CUfunction f = test::fn(*module, desc.name);
  conv.dim = static_cast<int>(E + 1);
  EXPECT_FALSE(cuda::launchGemvConvStepLinear(*dev, f, desc, g, conv,
                                              w2Dev.as<void>(),
                                              y2Dev.as<float>(), R)
                   .ok()); // not the channels the kernel was emitted for
  conv.dim = static_cast<int>(E);
  Status s = cuda::launchGemvConvStepLinear(
      *dev, f, desc, g, conv, w2Dev.as<void>(), y2Dev.as<float>(), R);
  ASSERT_TRUE(s.ok()) << s.message();
  std::vector<float> xz = fromDevice<float>(*dev, *xzDev);
  std::vector<float> y2 = fromDevice<float>(*dev, y2Dev);
  std::vector<float> st = fromDevice<float>(*dev, stateDev);
  EXPECT_LE(maxAbsDiff(xz.data(), xzRef.data(), xz.size()),
            1e-5f * maxAbs(xzRef.data(), xzRef.size()));
  EXPECT_LE(maxAbsDiff(st.data(), stateRef.data(), st.size()),
            1e-5f * maxAbs(stateRef.data(), stateRef.size()));
  // The stored u: F32, or BF16 (rounding a value within 1e-5 of the
  // reference may land one unit, 2^-8 relative, off its rounding).
  std::vector<float> out(B * E);
  if (p.w == F32) {
    out = fromDevice<float>(*dev, *outDev);
  } else {
    std::vector<uint16_t> bits = fromDevice<uint16_t>(*dev, *outDev);
    for (size_t i = 0; i < out.size(); ++i)
      out[i] = bf16ToFloat(bits[i]);
  }
  const float outTol = p.w == F32 ? 1e-5f : 1.0f / 128;
  EXPECT_LE(maxAbsDiff(out.data(), outRef.data(), out.size()),
            outTol * maxAbs(outRef.data(), outRef.size()));
  EXPECT_LE(maxAbsDiff(y2.data(), y2Ref.data(), y2.size()),
            1e-5f * maxAbs(y2Ref.data(), y2Ref.size()));
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, CudaDecodeGemvConvLinear,
    ::testing::Values(
        GemvConvCase{"F32Batch1", F32, 1, 1, 100, false, true},
        GemvConvCase{"Bf16Batch3Bias", BF16, 3, 4, 100, true, false},
        GemvConvCase{"Bf16Batch2Aligned", BF16, 2, 4, 128, false, true},
        // 99 channels: element-wise x_proj weight loads.
        GemvConvCase{"F32OddDimBias", F32, 4, 4, 99, true, false},
        // 16 x 32 conv steps per block: two per thread, the second loaded
        // after the grid wait.
        GemvConvCase{"F32Batch16", F32, 16, 16, 100, false, true}),
    [](const auto &info) { return std::string(info.param.name); });

/// ScanStepCase's operands on the device, and the scan tensors naming them.
struct DeviceScanStep {
  cuda::DeviceBuffer u, dbc, z, dtProj, a, d, bias, state;
  cuda::ScanTensors t{};

  DeviceScanStep(cuda::Device &dev, const ScanStepCase &c, cg::ElemType uType)
      : u([&] {
          std::vector<float> v = c.u; // already rounded: stays as it is
          return upload(dev, v, uType);
        }()),
        dbc(toDevice(dev, c.dbc)), z(toDevice(dev, c.z)),
        dtProj(toDevice(dev, c.dtProj)), a(toDevice(dev, c.a)),
        d(toDevice(dev, c.d)), bias(toDevice(dev, c.bias)),
        state(toDevice(dev, c.state)) {
    t.u = u.as<void>();
    t.delta = dbc.as<float>();
    t.b = dbc.as<float>() + c.R;
    t.c = dbc.as<float>() + c.R + c.N;
    t.z = z.as<void>();
    t.a = a.as<float>();
    t.d = d.as<float>();
    t.deltaBias = bias.as<float>();
    t.state = state.as<float>();
    t.uS = t.zS = t.yS = cuda::tokenMajor(1, c.E);
    t.deltaS = t.bS = t.cS = {c.W, 1, c.W};
    t.batch = static_cast<int>(c.B);
    t.dim = static_cast<int>(c.E);
    t.seqlen = 1;
  }
};

/// dt_proj's rank: 5 takes the scalar loop, 32 (a multiple of 4 x the
/// lanes of a channel) the 16-byte loads of the weight row.
class CudaDecodeScanStepDt : public ::testing::TestWithParam<int> {};

TEST_P(CudaDecodeScanStepDt, MatchesCpu) {
  std::unique_ptr<cuda::Device> dev;
  MAMBA_OPEN_DEVICE_OR_SKIP(dev);
  const ScanStepCase c(2, 40, GetParam(), F32);
  cg::SelectiveScanDesc desc;
  desc.name = "scan_step_dt";
  desc.dtRank = static_cast<int>(c.R);
  desc.schedule = cuda::defaultScanStepSchedule(c.N);
  auto module = test::compileModule(*dev, {cg::emitSelectiveScanStep(desc)});
  ASSERT_TRUE(module);
  DeviceScanStep in(*dev, c, F32);
  auto yDev = dev->alloc(c.B * c.E * 4, "y");
  ASSERT_TRUE(yDev.ok());
  in.t.y = yDev->as<void>();
  EXPECT_FALSE(cuda::launchSelectiveScan(*dev, test::fn(*module, desc.name),
                                         desc, in.t, true)
                   .ok()); // no dt_proj weight
  in.t.dtProj = in.dtProj.as<float>();
  Status s = cuda::launchSelectiveScan(*dev, test::fn(*module, desc.name), desc,
                                       in.t, true);
  ASSERT_TRUE(s.ok()) << s.message();
  std::vector<float> y = fromDevice<float>(*dev, *yDev);
  std::vector<float> st = fromDevice<float>(*dev, in.state);
  EXPECT_LE(maxAbsDiff(y.data(), c.yRef.data(), y.size()),
            1e-5f * maxAbs(c.yRef.data(), c.yRef.size()));
  EXPECT_LE(maxAbsDiff(st.data(), c.stateRef.data(), st.size()),
            1e-5f * maxAbs(c.stateRef.data(), c.stateRef.size()));
}

INSTANTIATE_TEST_SUITE_P(Ranks, CudaDecodeScanStepDt, ::testing::Values(5, 32),
                         [](const auto &info) {
                           return "rank" + std::to_string(info.param);
                         });

struct ScanLinearCase {
  const char *name;
  cg::ElemType w; ///< also u's type
  int batch, bucket, rows, dim, rank, slice;
  bool bias, stateBeforeWait;
};

class CudaDecodeScanStepLinear
    : public ::testing::TestWithParam<ScanLinearCase> {};

TEST_P(CudaDecodeScanStepLinear, MatchesCpu) {
  std::unique_ptr<cuda::Device> dev;
  MAMBA_OPEN_DEVICE_OR_SKIP(dev);
  const ScanLinearCase p = GetParam();
  const ScanStepCase c(p.batch, p.dim, p.rank, p.w);
  const int64_t B = p.batch, E = p.dim, O = p.rows;
  std::vector<float> w = randomVector(O * E, -1, 1, 30);
  std::vector<float> outBias = randomVector(O, -1, 1, 31);
  std::vector<float> y0 = randomVector(B * O, -1, 1, 32);
  cuda::DeviceBuffer wDev = upload(*dev, w, p.w);
  std::vector<float> ref = hostProduct(w, O, E, c.yRef.data(), E, B,
                                       p.bias ? outBias.data() : nullptr);
  for (int64_t i = 0; i < B * O; ++i)
    ref[i] += y0[i];

  cg::SelectiveScanStepLinearDesc desc;
  desc.name = "scan_linear";
  desc.scan.uType = p.w;
  desc.scan.dtRank = p.rank;
  desc.scan.schedule = cuda::defaultScanStepSchedule(c.N);
  desc.wType = p.w;
  desc.rows = p.rows;
  desc.dim = p.dim;
  desc.batch = p.bucket;
  desc.hasBias = p.bias;
  desc.stateBeforeWait = p.stateBeforeWait;
  desc.schedule.threadsPerBlock = 256;
  desc.schedule.kSlice = p.slice;
  desc.schedule.loadsInFlight = 2; // several rounds of loads at these rows
  auto module =
      test::compileModule(*dev, {cg::emitSelectiveScanStepLinear(desc)});
  ASSERT_TRUE(module);
  DeviceScanStep in(*dev, c, p.w);
  cuda::DeviceBuffer biasDev = toDevice(*dev, outBias),
                     yDev = toDevice(*dev, y0);
  CUfunction f = test::fn(*module, desc.name);
  const float *bias = p.bias ? biasDev.as<float>() : nullptr;
  EXPECT_FALSE(cuda::launchSelectiveScanStepLinear(*dev, f, desc, in.t,
                                                   wDev.as<void>(), bias,
                                                   yDev.as<float>(), O)
                   .ok()); // no dt_proj weight
  in.t.dtProj = in.dtProj.as<float>();
  Status s = cuda::launchSelectiveScanStepLinear(
      *dev, f, desc, in.t, wDev.as<void>(), bias, yDev.as<float>(), O);
  ASSERT_TRUE(s.ok()) << s.message();
  std::vector<float> y = fromDevice<float>(*dev, yDev);
  std::vector<float> st = fromDevice<float>(*dev, in.state);
  EXPECT_LE(maxAbsDiff(y.data(), ref.data(), y.size()),
            1e-5f * maxAbs(ref.data(), ref.size()));
  EXPECT_LE(maxAbsDiff(st.data(), c.stateRef.data(), st.size()),
            1e-5f * maxAbs(c.stateRef.data(), c.stateRef.size()));
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, CudaDecodeScanStepLinear,
    ::testing::Values(
        // 100 channels: a partial last slice; 771 rows: a partial row group
        // (scalar atomics) and several rounds of weight loads.
        ScanLinearCase{"F32Batch1", F32, 1, 1, 771, 100, 5, 16, false, true},
        ScanLinearCase{"Bf16Batch3Bias", BF16, 3, 4, 771, 100, 32, 16, true,
                       false},
        // Two batch passes: the first pass's state loaded before the wait.
        ScanLinearCase{"Bf16Batch4Slice32", BF16, 4, 4, 512, 256, 16, 32, false,
                       true},
        // 99 channels: not a multiple of the 16-byte vector, the element-wise
        // weight loads.
        ScanLinearCase{"Bf16OddDimScalarPath", BF16, 2, 4, 64, 99, 8, 16, true,
                       false},
        ScanLinearCase{"F32Batch16", F32, 16, 16, 130, 64, 32, 8, true, true}),
    [](const auto &info) { return std::string(info.param.name); });

} // namespace
} // namespace mamba

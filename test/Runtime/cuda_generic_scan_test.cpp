// The generic ssm.scan kernel: NVRTC compiles it anywhere; on a GPU, cumsum,
// retention, a selective-scan-shaped scan, Mamba-2's SSD and every region op
// against a double-precision CPU loop over the same description
// (generic_scan_cases.h; generic_scan_emulated_test runs the same cases on
// the host).
#include "cuda_test_util.h"
#include "generic_scan_cases.h"

#include <cstdio>

namespace mamba {
namespace {

namespace cg = codegen::cuda;
using test::allDescs;
using test::cumsum;
using test::maxAbs;
using test::maxAbsDiff;
using test::Op;
using test::retention;
using test::selective;

TEST(CudaGenericScan, NvrtcCompilesEveryDescription) {
  for (cg::GenericScanDesc d : allDescs()) {
    for (cg::GenericScanSchedule s :
         {cg::GenericScanSchedule{}, cg::GenericScanSchedule{64, 4, 4},
          cg::GenericScanSchedule{256, 32, 2}}) {
      d.schedule = s;
      cg::Emitted e = cg::emitGenericScan(d);
      ASSERT_TRUE(e.ok()) << e.error;
      EXPECT_EQ(e.source.rfind("// ssm.scan " + d.name, 0), 0u);
      Expected<std::string> ptx = cuda::compileCuda(
          cg::emitModule({e.source}), "generic_scan.cu", "compute_80");
      EXPECT_TRUE(ptx.ok()) << d.name << ": " << ptx.status().message();
    }
  }
}

TEST(CudaGenericScan, HeaderShowsTheRegionsAsFormulas) {
  cg::Emitted e = cg::emitGenericScan(selective(cg::ElemType::BF16));
  ASSERT_TRUE(e.ok()) << e.error;
  EXPECT_NE(e.source.find("a_t = exp(in1 * in2)"), std::string::npos)
      << e.source;
  EXPECT_NE(e.source.find("b_t = in1 * in3 * in0"), std::string::npos);
  EXPECT_NE(e.source.find("y[s0, s1, t] = sum over s2 of (h_t * in4 * 0.5)"),
            std::string::npos);
  EXPECT_NE(e.source.find("const mamba_bf16 *__restrict__ in0"),
            std::string::npos);
}

TEST(CudaGenericScan, InvalidDescriptionsSayWhy) {
  auto error = [](const cg::GenericScanDesc &d) {
    return cg::emitGenericScan(d).error;
  };
  cg::GenericScanDesc d = cumsum();
  d.nodes[1].op = static_cast<Op>(99);
  EXPECT_EQ(error(d), "cumsum: node 1 (?) is not a supported operation");
  d = cumsum();
  d.decay = 0; // h_{t-1} itself
  EXPECT_EQ(error(d), "cumsum: the decay a_t reads the state h_{t-1}; the "
                      "update must be h_t = a_t * h_{t-1} + b_t with a_t and "
                      "b_t independent of the state");
  d = cumsum();
  d.inputDims[0] = {0, 0, 2};
  EXPECT_EQ(error(d), "cumsum: input #0 maps two tensor dimensions to s0");
  d = cumsum();
  d.inputDims[0] = {0, 3};
  EXPECT_EQ(error(d), "cumsum: input #0 maps a tensor dimension to 3, which "
                      "is not an iteration dimension (0..2, 2 = t)");
  d = cumsum();
  d.outputDims = {0, 1};
  EXPECT_EQ(error(d), "cumsum: y must keep the time dimension t");
  d = cumsum();
  d.nodes[1].arg = 2;
  EXPECT_EQ(error(d), "cumsum: node 1 (arg) reads argument 2; the regions "
                      "have 2 (the state, then one per input)");
  d = retention();
  d.nodes.push_back({Op::Exp, 0, 0.0f, 99, -1});
  d.readout = static_cast<int>(d.nodes.size()) - 1;
  EXPECT_EQ(error(d), "retention: node 9 (exp) reads node 99, which is not "
                      "defined before it");
  d = retention();
  d.schedule.lanes = 3;
  EXPECT_EQ(error(d),
            "retention: lanes must be a power of two in [1, 32], got 3");
}

class CudaGenericScanGpu
    : public ::testing::TestWithParam<test::GenericScanCase> {};

TEST_P(CudaGenericScanGpu, MatchesDoubleLoop) {
  std::unique_ptr<cuda::Device> dev;
  MAMBA_OPEN_DEVICE_OR_SKIP(dev);
  const test::GenericScanCase &c = GetParam();
  const cg::GenericScanDesc d = c.kernelDesc();
  test::GenericScanData g = test::makeGenericScanData(c);
  std::vector<test::View> &inputs = g.inputs;
  test::View &init = g.init, &yRef = g.yRef, &stateRef = g.stateRef;

  cg::Emitted e = cg::emitGenericScan(d);
  ASSERT_TRUE(e.ok()) << e.error;
  auto module = test::compileModule(*dev, {e});
  ASSERT_TRUE(module);
  CUfunction f = test::fn(*module, d.name);
  ASSERT_TRUE(f);

  std::vector<cuda::DeviceBuffer> inBufs;
  for (size_t k = 0; k < inputs.size(); ++k) {
    if (!d.inputTypes.empty() && d.inputTypes[k] == cg::ElemType::BF16) {
      std::vector<uint16_t> bits;
      for (float x : inputs[k].data)
        bits.push_back(floatToBf16(x));
      inBufs.push_back(test::toDevice(*dev, bits));
    } else {
      inBufs.push_back(test::toDevice(*dev, inputs[k].data));
    }
  }
  cuda::DeviceBuffer initDev = test::toDevice(*dev, init.data);
  cuda::DeviceBuffer yDev = test::toDevice(*dev, yRef.data);
  ASSERT_TRUE(dev->zero(yDev.ptr(), yDev.bytes()).ok());
  auto stateAlloc = dev->alloc(stateRef.data.size() * 4, "final_state");
  ASSERT_TRUE(stateAlloc.ok());
  cuda::DeviceBuffer &stateDev = c.stateInPlace ? initDev : *stateAlloc;

  // Arguments in the emitter's order; their storage must stay put.
  std::vector<CUdeviceptr> ptrs;
  for (const cuda::DeviceBuffer &b : inBufs)
    ptrs.push_back(b.ptr());
  ptrs.push_back(d.hasInit ? initDev.ptr() : 0);
  ptrs.push_back(yDev.ptr());
  ptrs.push_back(stateDev.ptr());
  test::GenericScanLaunch<CUdeviceptr> launch(c, g, ptrs);
  ASSERT_GT(launch.blocks, 0);
  ASSERT_TRUE(dev->launch(f, static_cast<unsigned>(launch.blocks), 1, 1,
                          d.schedule.threadsPerBlock, launch.args.data(),
                          d.name.c_str())
                  .ok());

  std::vector<float> y = test::fromDevice<float>(*dev, yDev);
  std::vector<float> state = test::fromDevice<float>(*dev, stateDev);
  const float yErr = maxAbsDiff(y, yRef.data),
              stateErr = maxAbsDiff(state, stateRef.data);
  EXPECT_LE(yErr, 1e-5f * maxAbs(yRef.data)) << "max |y| " << maxAbs(yRef.data);
  EXPECT_LE(stateErr, 1e-5f * maxAbs(stateRef.data))
      << "max |state| " << maxAbs(stateRef.data);
  std::printf("%s: max |y - ref| / max |ref| = %.2e, state %.2e\n", c.name,
              yErr / maxAbs(yRef.data), stateErr / maxAbs(stateRef.data));
}

INSTANTIATE_TEST_SUITE_P(Cases, CudaGenericScanGpu,
                         ::testing::ValuesIn(test::genericScanCases()),
                         [](const auto &info) {
                           return std::string(info.param.name);
                         });

} // namespace
} // namespace mamba

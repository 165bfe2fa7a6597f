// The generic ssm.scan kernel: NVRTC compiles it anywhere; on a GPU, cumsum,
// retention, a selective-scan-shaped scan and every region op against a
// double-precision CPU loop over the same description.
#include "cuda_test_util.h"
#include "mamba/codegen/generic_scan.h"
#include "mamba/dtype.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

namespace mamba {
namespace {

namespace cg = codegen::cuda;
using Op = cg::ScanExprOp;

/// Appends expression nodes to a description.
struct Builder {
  cg::GenericScanDesc &d;
  int arg(int i) { return add({Op::Arg, i, 0.0f, -1, -1}); }
  int constant(float v) { return add({Op::Constant, 0, v, -1, -1}); }
  int unary(Op op, int x) { return add({op, 0, 0.0f, x, -1}); }
  int binary(Op op, int l, int r) { return add({op, 0, 0.0f, l, r}); }
  int add(cg::ScanExprNode n) {
    d.nodes.push_back(n);
    return static_cast<int>(d.nodes.size()) - 1;
  }
};

/// h_t = h_{t-1} + x_t over (b, c), y = h.
cg::GenericScanDesc cumsum() {
  cg::GenericScanDesc d;
  d.name = "cumsum";
  d.stateRank = 2;
  d.inputDims = {{0, 1, 2}};
  d.outputDims = {0, 1, 2};
  d.hasInit = true;
  Builder b{d};
  b.arg(0);
  d.input = b.arg(1);
  d.decay = b.constant(1.0f);
  d.readout = b.arg(0);
  return d;
}

/// Retention over (b, i, j): h = 0.96875 h + k_i v_j, y_j = sum_i q_i h.
cg::GenericScanDesc retention() {
  cg::GenericScanDesc d;
  d.name = "retention";
  d.stateRank = 3;
  d.inputDims = {{0, 1, 3}, {0, 1, 3}, {0, 2, 3}};
  d.outputDims = {0, 2, 3};
  d.hasInit = true;
  Builder b{d};
  b.arg(0);
  b.arg(1);
  const int k = b.arg(2), v = b.arg(3);
  d.decay = b.constant(0.96875f);
  d.input = b.binary(Op::Mul, k, v);
  const int h = b.arg(0), q = b.arg(1);
  d.readout = b.binary(Op::Mul, q, h);
  return d;
}

/// S6 over (b, d, n): inputs u[b,d,t] (`uType`), dt[b,d,t], A[d,n],
/// B[b,n,t], C[b,n,t]; h = exp(dt A) h + dt B u, y = sum_n 0.5 h C.
cg::GenericScanDesc selective(cg::ElemType uType) {
  cg::GenericScanDesc d;
  d.name = "selective";
  d.stateRank = 3;
  d.inputDims = {{0, 1, 3}, {0, 1, 3}, {1, 2}, {0, 2, 3}, {0, 2, 3}};
  d.inputTypes = {uType, cg::ElemType::F32, cg::ElemType::F32,
                  cg::ElemType::F32, cg::ElemType::F32};
  d.outputDims = {0, 1, 3};
  d.hasInit = true;
  Builder b{d};
  const int half = b.constant(0.5f); // hoisted out of the region
  const int u = b.arg(1), dt = b.arg(2), a = b.arg(3), bt = b.arg(4);
  d.decay = b.unary(Op::Exp, b.binary(Op::Mul, dt, a));
  d.input = b.binary(Op::Mul, b.binary(Op::Mul, dt, bt), u);
  const int h = b.arg(0), c = b.arg(5);
  d.readout = b.binary(Op::Mul, b.binary(Op::Mul, h, c), half);
  return d;
}

/// Every op once, over (b, c) with x[b,c,t], w[c]; y is stored time-major.
cg::GenericScanDesc allOps() {
  cg::GenericScanDesc d;
  d.name = "all_ops";
  d.stateRank = 2;
  d.inputDims = {{0, 1, 2}, {1}};
  d.outputDims = {2, 0, 1};
  Builder b{d};
  const int x = b.arg(1), w = b.arg(2);
  const int ax = b.unary(Op::Abs, x);
  // a = exp(-|x|) / (1 + |w|), b = tanh(x) + sqrt(|x| + 1) - log(|w| + 2)
  d.decay = b.binary(Op::Div, b.unary(Op::Exp, b.unary(Op::Neg, ax)),
                     b.binary(Op::Add, b.constant(1.0f), b.unary(Op::Abs, w)));
  d.input = b.binary(
      Op::Sub,
      b.binary(Op::Add, b.unary(Op::Tanh, x),
               b.unary(Op::Sqrt, b.binary(Op::Add, ax, b.constant(1.0f)))),
      b.unary(Op::Log,
              b.binary(Op::Add, b.unary(Op::Abs, w), b.constant(2.0f))));
  // y = max(h, -0.5) * x + min(h, w)
  const int h = b.arg(0);
  d.readout = b.binary(
      Op::Add,
      b.binary(Op::Mul, b.binary(Op::Max, h, b.constant(-0.5f)), b.arg(1)),
      b.binary(Op::Min, h, b.arg(2)));
  return d;
}

std::vector<cg::GenericScanDesc> allDescs() {
  return {cumsum(), retention(), selective(cg::ElemType::F32),
          selective(cg::ElemType::BF16), allOps()};
}

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

/// A tensor of the iteration space: `dims` (iteration dimensions), element
/// strides in the order `storage` lists the tensor's dims (outermost first).
struct View {
  std::vector<int> dims;
  std::vector<long long> strides; ///< per tensor dim
  std::vector<float> data;

  View(const std::vector<int> &d, const std::vector<long long> &sizes,
       const std::vector<int> &storage)
      : dims(d), strides(d.size()) {
    long long n = 1;
    for (auto it = storage.rbegin(); it != storage.rend(); ++it) {
      strides[*it] = n;
      n *= sizes[dims[*it]];
    }
    data.assign(n, 0.0f);
  }
  View(const std::vector<int> &d, const std::vector<long long> &sizes)
      : View(d, sizes, iota(d.size())) {}

  static std::vector<int> iota(size_t n) {
    std::vector<int> v(n);
    for (size_t i = 0; i < n; ++i)
      v[i] = static_cast<int>(i);
    return v;
  }
  /// The element at iteration point `at` (one coordinate per dimension).
  float &operator()(const std::vector<long long> &at) {
    long long off = 0;
    for (size_t k = 0; k < dims.size(); ++k)
      off += at[dims[k]] * strides[k];
    return data[off];
  }
};

double eval(const cg::GenericScanDesc &d, int root,
            const std::vector<double> &args) {
  std::vector<double> v(d.nodes.size());
  for (size_t n = 0; n <= static_cast<size_t>(root); ++n) {
    const cg::ScanExprNode &e = d.nodes[n];
    const double l = e.lhs >= 0 ? v[e.lhs] : 0, r = e.rhs >= 0 ? v[e.rhs] : 0;
    switch (e.op) {
    case Op::Arg:
      v[n] = args[e.arg];
      break;
    case Op::Constant:
      v[n] = e.value;
      break;
    case Op::Add:
      v[n] = l + r;
      break;
    case Op::Sub:
      v[n] = l - r;
      break;
    case Op::Mul:
      v[n] = l * r;
      break;
    case Op::Div:
      v[n] = l / r;
      break;
    case Op::Max:
      v[n] = std::max(l, r);
      break;
    case Op::Min:
      v[n] = std::min(l, r);
      break;
    case Op::Neg:
      v[n] = -l;
      break;
    case Op::Exp:
      v[n] = std::exp(l);
      break;
    case Op::Log:
      v[n] = std::log(l);
      break;
    case Op::Sqrt:
      v[n] = std::sqrt(l);
      break;
    case Op::Tanh:
      v[n] = std::tanh(l);
      break;
    case Op::Abs:
      v[n] = std::fabs(l);
      break;
    }
  }
  return v[root];
}

/// y and the final state of `d` in double precision, by the op's
/// definition: every state element runs its own recurrence.
void reference(const cg::GenericScanDesc &d,
               const std::vector<long long> &sizes, std::vector<View> &inputs,
               View *init, View &y, View &state) {
  const int rank = d.stateRank;
  const long long len = sizes[rank];
  std::vector<double> yAcc(y.data.size(), 0.0);
  std::vector<long long> at(rank + 1, 0);
  long long points = 1;
  for (int i = 0; i < rank; ++i)
    points *= sizes[i];
  for (long long p = 0; p < points; ++p) {
    long long rest = p;
    for (int i = rank - 1; i >= 0; --i) {
      at[i] = rest % sizes[i];
      rest /= sizes[i];
    }
    double h = init ? (*init)(at) : 0.0;
    for (at[rank] = 0; at[rank] < len; ++at[rank]) {
      std::vector<double> args{h};
      for (View &in : inputs)
        args.push_back(in(at));
      const double a = eval(d, d.decay, args), b = eval(d, d.input, args);
      h = a * h + b;
      args[0] = h;
      yAcc[&y(at) - y.data.data()] += eval(d, d.readout, args);
    }
    state(at) = static_cast<float>(h);
  }
  for (size_t i = 0; i < yAcc.size(); ++i)
    y.data[i] = static_cast<float>(yAcc[i]);
}

float maxAbs(const std::vector<float> &v) {
  float m = 0;
  for (float x : v)
    m = std::max(m, std::fabs(x));
  return m;
}

float maxAbsDiff(const std::vector<float> &a, const std::vector<float> &b) {
  float m = 0;
  for (size_t i = 0; i < a.size(); ++i)
    m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

struct GpuCase {
  const char *name;
  cg::GenericScanDesc desc;
  std::vector<long long> sizes;                ///< n_0..n_{R-1}, seqlen
  std::vector<std::pair<float, float>> ranges; ///< per input
  cg::GenericScanSchedule schedule;
  bool stateInPlace; ///< init and final_state in one buffer
};

class CudaGenericScanGpu : public ::testing::TestWithParam<GpuCase> {};

TEST_P(CudaGenericScanGpu, MatchesDoubleLoop) {
  std::unique_ptr<cuda::Device> dev;
  MAMBA_OPEN_DEVICE_OR_SKIP(dev);
  GpuCase c = GetParam();
  cg::GenericScanDesc &d = c.desc;
  d.schedule = c.schedule;
  const int rank = d.stateRank;
  std::mt19937_64 rng(42);
  std::vector<View> inputs;
  for (size_t k = 0; k < d.inputDims.size(); ++k) {
    // The last input is stored with its dims reversed (strides not 1-last).
    std::vector<int> order = View::iota(d.inputDims[k].size());
    if (k + 1 == d.inputDims.size())
      std::reverse(order.begin(), order.end());
    View v(d.inputDims[k], c.sizes, order);
    std::uniform_real_distribution<float> dist(c.ranges[k].first,
                                               c.ranges[k].second);
    const bool bf16 =
        !d.inputTypes.empty() && d.inputTypes[k] == cg::ElemType::BF16;
    for (float &x : v.data)
      x = bf16 ? bf16ToFloat(floatToBf16(dist(rng))) : dist(rng);
    inputs.push_back(std::move(v));
  }
  std::vector<int> stateDims(View::iota(rank));
  View init(stateDims, c.sizes), yRef(d.outputDims, c.sizes),
      stateRef(stateDims, c.sizes);
  std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
  for (float &x : init.data)
    x = d.hasInit ? unit(rng) : 0.0f;
  reference(d, c.sizes, inputs, d.hasInit ? &init : nullptr, yRef, stateRef);

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
  std::vector<int> ints(c.sizes.begin(), c.sizes.end());
  std::vector<long long> strides;
  for (const View &v : inputs)
    strides.insert(strides.end(), v.strides.begin(), v.strides.end());
  strides.insert(strides.end(), init.strides.begin(), init.strides.end());
  strides.insert(strides.end(), yRef.strides.begin(), yRef.strides.end());
  strides.insert(strides.end(), stateRef.strides.begin(),
                 stateRef.strides.end());
  std::vector<void *> args;
  for (CUdeviceptr &p : ptrs)
    args.push_back(&p);
  for (int &i : ints)
    args.push_back(&i);
  for (long long &s : strides)
    args.push_back(&s);
  const long long blocks = cg::genericScanBlocks(
      d, std::vector<long long>(c.sizes.begin(), c.sizes.end() - 1));
  ASSERT_GT(blocks, 0);
  ASSERT_TRUE(dev->launch(f, static_cast<unsigned>(blocks), 1, 1,
                          d.schedule.threadsPerBlock, args.data(),
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

INSTANTIATE_TEST_SUITE_P(
    Cases, CudaGenericScanGpu,
    ::testing::Values(
        GpuCase{"cumsum", cumsum(), {3, 37, 100}, {{-1, 1}}, {}, false},
        GpuCase{"cumsum_in_place",
                cumsum(),
                {2, 70, 33},
                {{-1, 1}},
                {64, 1, 1},
                true},
        // 40 summed slots > 4 lanes x 4 items: three groups of slots.
        GpuCase{"retention_groups",
                retention(),
                {2, 40, 24, 50},
                {{-1, 1}, {-1, 1}, {-1, 1}},
                {64, 4, 4},
                false},
        GpuCase{"retention_default",
                retention(),
                {2, 16, 24, 50},
                {{-1, 1}, {-1, 1}, {-1, 1}},
                cg::defaultGenericScanSchedule(16),
                true},
        GpuCase{"selective_f32",
                selective(cg::ElemType::F32),
                {2, 40, 16, 100},
                {{-1, 1}, {0.01f, 0.5f}, {-4, -0.1f}, {-1, 1}, {-1, 1}},
                cg::defaultGenericScanSchedule(16),
                false},
        GpuCase{"selective_bf16_u_32_lanes",
                selective(cg::ElemType::BF16),
                {1, 24, 64, 40},
                {{-1, 1}, {0.01f, 0.5f}, {-4, -0.1f}, {-1, 1}, {-1, 1}},
                {128, 32, 2},
                false},
        GpuCase{
            "all_ops", allOps(), {2, 45, 30}, {{-2, 2}, {-2, 2}}, {}, false}),
    [](const auto &info) { return std::string(info.param.name); });

} // namespace
} // namespace mamba

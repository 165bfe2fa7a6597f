// The generic scan's test cases, shared by cuda_generic_scan_test (NVRTC
// anywhere, the kernels on a GPU) and generic_scan_emulated_test (the
// kernels on the host): descriptions built node by node, the cases' sizes
// and schedules, seeded inputs, and a double-precision loop over each
// state element's recurrence as the reference.
#ifndef MAMBA_TEST_RUNTIME_GENERIC_SCAN_CASES_H
#define MAMBA_TEST_RUNTIME_GENERIC_SCAN_CASES_H

#include "mamba/codegen/generic_scan.h"
#include "mamba/dtype.h"

#include <algorithm>
#include <cmath>
#include <ostream>
#include <random>
#include <utility>
#include <vector>

namespace mamba::test {

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
inline cg::GenericScanDesc cumsum() {
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
inline cg::GenericScanDesc retention() {
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
inline cg::GenericScanDesc selective(cg::ElemType uType) {
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
inline cg::GenericScanDesc allOps() {
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

/// Mamba-2's SSD over (b, g, p, n), as the planner describes it: inputs
/// x[b,g,p,t], dt[b,g,t], A[g], B[b,n,t], C[b,n,t]; the decay exp(dt A) is
/// one scalar per head, h = exp(dt A) h + dt B x, y = sum_n h C.
inline cg::GenericScanDesc ssd() {
  cg::GenericScanDesc d;
  d.name = "ssd";
  d.stateRank = 4;
  d.inputDims = {{0, 1, 2, 4}, {0, 1, 4}, {1}, {0, 3, 4}, {0, 3, 4}};
  d.outputDims = {0, 1, 2, 4};
  d.hasInit = true;
  Builder b{d};
  const int x = b.arg(1), dt = b.arg(2), a = b.arg(3), bt = b.arg(4);
  d.decay = b.unary(Op::Exp, b.binary(Op::Mul, dt, a));
  d.input = b.binary(Op::Mul, b.binary(Op::Mul, dt, bt), x);
  const int h = b.arg(0), c = b.arg(5);
  d.readout = b.binary(Op::Mul, h, c);
  return d;
}

/// SSD with heads in groups (n_groups > 1) over (b, r, j, p, n): head j of
/// group r reads its group's B[b,r,n,t] and C[b,r,n,t].
inline cg::GenericScanDesc ssdGrouped() {
  cg::GenericScanDesc d = ssd();
  d.name = "ssd_grouped";
  d.stateRank = 5;
  d.inputDims = {
      {0, 1, 2, 3, 5}, {0, 1, 2, 5}, {1, 2}, {0, 1, 4, 5}, {0, 1, 4, 5}};
  d.outputDims = {0, 1, 2, 3, 5};
  return d;
}

inline std::vector<cg::GenericScanDesc> allDescs() {
  return {cumsum(),
          retention(),
          selective(cg::ElemType::F32),
          selective(cg::ElemType::BF16),
          ssd(),
          ssdGrouped(),
          allOps()};
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

inline double eval(const cg::GenericScanDesc &d, int root,
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
inline void reference(const cg::GenericScanDesc &d,
                      const std::vector<long long> &sizes,
                      std::vector<View> &inputs, View *init, View &y,
                      View &state) {
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

inline float maxAbs(const std::vector<float> &v) {
  float m = 0;
  for (float x : v)
    m = std::max(m, std::fabs(x));
  return m;
}

inline float maxAbsDiff(const std::vector<float> &a,
                        const std::vector<float> &b) {
  float m = 0;
  for (size_t i = 0; i < a.size(); ++i)
    m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

/// A scan to run: its description and schedule, the iteration extents,
/// each input's value range.
struct GenericScanCase {
  const char *name; ///< also the kernel's name
  cg::GenericScanDesc desc;
  std::vector<long long> sizes;                ///< n_0..n_{R-1}, seqlen
  std::vector<std::pair<float, float>> ranges; ///< per input
  cg::GenericScanSchedule schedule;
  bool stateInPlace; ///< init and final_state in one buffer

  /// The description to emit: named after the case, with its schedule.
  cg::GenericScanDesc kernelDesc() const {
    cg::GenericScanDesc d = desc;
    d.name = name;
    d.schedule = schedule;
    return d;
  }
};

/// gtest names a failing case by its name, not its bytes.
inline void PrintTo(const GenericScanCase &c, std::ostream *os) {
  *os << c.name;
}

/// The cases cuda_generic_scan_test runs on a GPU and
/// generic_scan_emulated_test on the host.
inline std::vector<GenericScanCase> genericScanCases() {
  return {
      GenericScanCase{"cumsum", cumsum(), {3, 37, 100}, {{-1, 1}}, {}, false},
      GenericScanCase{"cumsum_in_place",
                      cumsum(),
                      {2, 70, 33},
                      {{-1, 1}},
                      {64, 1, 1},
                      true},
      // 40 summed slots > 4 lanes x 4 items: three groups of slots.
      GenericScanCase{"retention_groups",
                      retention(),
                      {2, 40, 24, 50},
                      {{-1, 1}, {-1, 1}, {-1, 1}},
                      {64, 4, 4},
                      false},
      GenericScanCase{"retention_default",
                      retention(),
                      {2, 16, 24, 50},
                      {{-1, 1}, {-1, 1}, {-1, 1}},
                      cg::defaultGenericScanSchedule(16),
                      true},
      GenericScanCase{"selective_f32",
                      selective(cg::ElemType::F32),
                      {2, 40, 16, 100},
                      {{-1, 1}, {0.01f, 0.5f}, {-4, -0.1f}, {-1, 1}, {-1, 1}},
                      cg::defaultGenericScanSchedule(16),
                      false},
      GenericScanCase{"selective_bf16_u_32_lanes",
                      selective(cg::ElemType::BF16),
                      {1, 24, 64, 40},
                      {{-1, 1}, {0.01f, 0.5f}, {-4, -0.1f}, {-1, 1}, {-1, 1}},
                      {128, 32, 2},
                      false},
      // Mamba-2's shape at small sizes: 3 heads of 8 channels, d_state 16,
      // the runtime's schedule for its summed dimension (the planner's).
      GenericScanCase{"ssd_default",
                      ssd(),
                      {2, 3, 8, 16, 37},
                      {{-1, 1}, {0.01f, 0.5f}, {-4, -0.1f}, {-1, 1}, {-1, 1}},
                      cg::defaultGenericScanSchedule(16),
                      true},
      GenericScanCase{"ssd_128_states",
                      ssd(),
                      {1, 2, 4, 128, 9},
                      {{-1, 1}, {0.01f, 0.5f}, {-4, -0.1f}, {-1, 1}, {-1, 1}},
                      cg::defaultGenericScanSchedule(128),
                      false},
      // 2 groups of 3 heads of 4 channels, d_state 8.
      GenericScanCase{"ssd_grouped",
                      ssdGrouped(),
                      {2, 2, 3, 4, 8, 11},
                      {{-1, 1}, {0.01f, 0.5f}, {-4, -0.1f}, {-1, 1}, {-1, 1}},
                      cg::defaultGenericScanSchedule(8),
                      true},
      GenericScanCase{
          "all_ops", allOps(), {2, 45, 30}, {{-2, 2}, {-2, 2}}, {}, false}};
}

/// A case's inputs (seeded; the last input stored with its dims reversed,
/// so strides are not all 1-last; BF16 inputs rounded to BF16), init, and
/// the reference's y and final state.
struct GenericScanData {
  std::vector<View> inputs;
  View init, yRef, stateRef;
};

inline GenericScanData makeGenericScanData(const GenericScanCase &c) {
  const cg::GenericScanDesc &d = c.desc;
  const int rank = d.stateRank;
  std::mt19937_64 rng(42);
  std::vector<View> inputs;
  for (size_t k = 0; k < d.inputDims.size(); ++k) {
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
  GenericScanData g{std::move(inputs), View(stateDims, c.sizes),
                    View(d.outputDims, c.sizes), View(stateDims, c.sizes)};
  std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
  for (float &x : g.init.data)
    x = d.hasInit ? unit(rng) : 0.0f;
  reference(d, c.sizes, g.inputs, d.hasInit ? &g.init : nullptr, g.yRef,
            g.stateRef);
  return g;
}

/// A case's launch, as emitGenericScan declares the kernel: after the
/// pointers (inputs, init, y, final state; `Ptr` a device or a host
/// address, `ptrs` outliving the launch) the extents, then every tensor's
/// strides; `args` holds each argument's address, as cuLaunchKernel takes
/// them, and `blocks` the grid.
template <class Ptr> struct GenericScanLaunch {
  std::vector<int> ints;
  std::vector<long long> strides;
  std::vector<void *> args;
  long long blocks = 0;

  GenericScanLaunch(const GenericScanCase &c, const GenericScanData &g,
                    std::vector<Ptr> &ptrs)
      : ints(c.sizes.begin(), c.sizes.end()) {
    for (const View &v : g.inputs)
      strides.insert(strides.end(), v.strides.begin(), v.strides.end());
    for (const View *v : {&g.init, &g.yRef, &g.stateRef})
      strides.insert(strides.end(), v->strides.begin(), v->strides.end());
    for (Ptr &p : ptrs)
      args.push_back(&p);
    for (int &i : ints)
      args.push_back(&i);
    for (long long &s : strides)
      args.push_back(&s);
    blocks = cg::genericScanBlocks(
        c.kernelDesc(),
        std::vector<long long>(c.sizes.begin(), c.sizes.end() - 1));
  }
  // `args` points into this object.
  GenericScanLaunch(const GenericScanLaunch &) = delete;
  GenericScanLaunch &operator=(const GenericScanLaunch &) = delete;
};

} // namespace mamba::test

#endif // MAMBA_TEST_RUNTIME_GENERIC_SCAN_CASES_H

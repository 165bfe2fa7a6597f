// Every Halide kernel, AOT-compiled through compileKernelLibrary and called
// through the runtime's loader, against a plain scalar loop in double (and
// the runtime's hand-written conv and rmsnorm) on random inputs; plus the
// kernel cache.
#include "HalideKernels.h"
#include "halide_kernels.h"
#include "kernels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <random>

using namespace mamba;
using namespace mamba::halide;
using cpu::TensorView;

namespace {

constexpr double kTolerance = 1e-5;

std::vector<float> uniform(size_t n, float lo, float hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(rng);
  return v;
}

/// max|got - want| / max|want|.
double relError(const std::vector<float> &got,
                const std::vector<double> &want) {
  double diff = 0, scale = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    diff = std::max(diff, std::fabs(got[i] - want[i]));
    scale = std::max(scale, std::fabs(want[i]));
  }
  return scale > 0 ? diff / scale : diff;
}

/// [b, e, l] stored token-major ([b][l][ld] with ld >= e): channels
/// contiguous as in the runtime, with a padded row when ld > e.
struct Seq {
  int64_t b, e, l, ld;
  std::vector<float> data;
  Seq(int64_t b, int64_t e, int64_t l, uint32_t seed, float lo = -1,
      float hi = 1, int64_t pad = 0)
      : b(b), e(e), l(l), ld(e + pad),
        data(uniform(b * l * (e + pad), lo, hi, seed)) {}
  float &at(int64_t i, int64_t c, int64_t t) {
    return data[(i * l + t) * ld + c];
  }
  TensorView view() {
    return cpu::makeView(data.data(), {b, e, l}, {l * ld, 1, ld});
  }
};

/// The library of every kernel under test, compiled once for the suite.
class HalideKernelsTest : public ::testing::Test {
protected:
  static std::string cacheDir() {
    return (std::filesystem::temp_directory_path() /
            ("mamba-halide-test-" + std::to_string(::getpid())))
        .string();
  }
  static std::map<std::string, KernelDesc> &descs() {
    static std::map<std::string, KernelDesc> d;
    return d;
  }
  static void add(KernelDesc d) { descs()[d.name] = d; }

  static void SetUpTestSuite() {
    if (library())
      return;
    for (bool full : {false, true}) {
      KernelDesc d;
      d.kind = KernelKind::SelectiveScan;
      d.name = full ? "scan_full" : "scan_plain";
      d.dState = full ? 16 : 0;
      d.deltaSoftplus = d.hasD = d.hasZ = d.hasDeltaBias = d.hasInitialState =
          full;
      add(d);
    }
    {
      KernelDesc d;
      d.kind = KernelKind::SelectiveScan;
      d.name = "scan_zoh";
      d.dState = 5;
      d.zohB = d.deltaSoftplus = d.hasInitialState = true;
      d.schedule.parallel = false;
      add(d);
    }
    for (bool full : {false, true}) {
      KernelDesc d;
      d.kind = KernelKind::CausalConv1d;
      d.name = full ? "conv_full" : "conv_plain";
      d.width = 4;
      d.hasBias = d.silu = d.hasState = full;
      add(d);
    }
    for (bool res : {false, true}) {
      KernelDesc d;
      d.kind = KernelKind::RMSNorm;
      d.name = res ? "rmsnorm_res" : "rmsnorm";
      d.hasResidual = res;
      add(d);
    }
    {
      KernelDesc d;
      d.kind = KernelKind::Gate;
      d.name = "gate";
      add(d);
    }
    add(cumsumScan());
    add(retentionScan());
    add(selectiveAsGenericScan());

    std::vector<KernelDesc> list;
    for (auto &[name, d] : descs())
      list.push_back(d);
    auto lib = compileKernelLibrary(list, cacheDir());
    ASSERT_TRUE(lib.ok()) << lib.error().message();
    EXPECT_FALSE(lib->cacheHit);
    auto loaded = cpu::HalideKernelLibrary::open(lib->path);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message();
    library() = std::make_unique<cpu::HalideKernelLibrary>(std::move(*loaded));
    size_t i = 0;
    for (auto &[name, d] : descs())
      symbols()[name] = lib->kernels[i++].symbol;
  }
  friend class RemoveCache;
  static std::unique_ptr<cpu::HalideKernelLibrary> &library() {
    static std::unique_ptr<cpu::HalideKernelLibrary> lib;
    return lib;
  }
  static std::map<std::string, std::string> &symbols() {
    static std::map<std::string, std::string> s;
    return s;
  }
  void run(const std::string &name, const std::vector<TensorView> &args) {
    ASSERT_TRUE(library());
    auto k = library()->kernel(symbols().at(name));
    ASSERT_TRUE(k.ok()) << k.error().message();
    Status st = k->run(args);
    ASSERT_TRUE(st.ok()) << st.message();
  }

  // Generic scans, written as MLIRGen writes models/std/scans.ssm.
  static int node(GenericScanDesc &g, ScanExprOp op, int lhs = -1,
                  int rhs = -1) {
    ScanExprNode n;
    n.op = op;
    n.lhs = lhs;
    n.rhs = rhs;
    g.nodes.push_back(n);
    return static_cast<int>(g.nodes.size()) - 1;
  }
  static int arg(GenericScanDesc &g, int i) {
    ScanExprNode n;
    n.op = ScanExprOp::Arg;
    n.arg = i;
    g.nodes.push_back(n);
    return static_cast<int>(g.nodes.size()) - 1;
  }
  static int constant(GenericScanDesc &g, float v) {
    ScanExprNode n;
    n.value = v;
    g.nodes.push_back(n);
    return static_cast<int>(g.nodes.size()) - 1;
  }
  /// cumsum(x[b, c, t]) -> y[b, c, t], h[b, c], with an init.
  static KernelDesc cumsumScan() {
    KernelDesc d;
    d.kind = KernelKind::Scan;
    d.name = "cumsum";
    GenericScanDesc &g = d.scan;
    g.stateRank = 2;
    g.inputDims = {{0, 1, 2}};
    g.outputDims = {0, 1, 2};
    g.hasInit = true;
    g.decay = constant(g, 1.0f);
    g.input = arg(g, 1);
    g.readout = arg(g, 0);
    return d;
  }
  /// retention(q[b,g,i,t], k[b,g,i,t], v[b,g,j,t], gamma[g]) -> y[b,g,j,t]:
  /// s[b,g,i,j] = gamma * s + k * v; y = sum_i q * s.
  static KernelDesc retentionScan() {
    KernelDesc d;
    d.kind = KernelKind::Scan;
    d.name = "retention";
    GenericScanDesc &g = d.scan;
    g.stateRank = 4;
    g.inputDims = {{0, 1, 2, 4}, {0, 1, 2, 4}, {0, 1, 3, 4}, {1}};
    g.outputDims = {0, 1, 3, 4};
    g.decay = arg(g, 4);
    g.input = node(g, ScanExprOp::Mul, arg(g, 2), arg(g, 3));
    g.readout = node(g, ScanExprOp::Mul, arg(g, 1), arg(g, 0));
    return d;
  }
  /// selective_scan(u[b,e,t], dt[b,e,t], A[e,n], B[b,n,t], C[b,n,t]):
  /// h = exp(dt * A) * h + dt * B * u; y = sum_n h * C.
  static KernelDesc selectiveAsGenericScan() {
    KernelDesc d;
    d.kind = KernelKind::Scan;
    d.name = "generic_selective";
    GenericScanDesc &g = d.scan;
    g.stateRank = 3;
    g.inputDims = {{0, 1, 3}, {0, 1, 3}, {1, 2}, {0, 2, 3}, {0, 2, 3}};
    g.outputDims = {0, 1, 3};
    int dt = arg(g, 2);
    g.decay = node(g, ScanExprOp::Exp, node(g, ScanExprOp::Mul, dt, arg(g, 3)));
    g.input = node(g, ScanExprOp::Mul, node(g, ScanExprOp::Mul, dt, arg(g, 4)),
                   arg(g, 1));
    g.readout = node(g, ScanExprOp::Mul, arg(g, 0), arg(g, 5));
    return d;
  }
};

/// Unloads the suite's library and deletes its cache at exit.
class RemoveCache : public ::testing::Environment {
public:
  void TearDown() override {
    HalideKernelsTest::library().reset();
    std::filesystem::remove_all(HalideKernelsTest::cacheDir());
  }
};
const auto *removeCache = ::testing::AddGlobalTestEnvironment(new RemoveCache);

struct ScanShape {
  int64_t b, e, n, l;
};

double softplus(double x) { return x > 20 ? x : std::log1p(std::exp(x)); }
double silu(double x) { return x / (1 + std::exp(-x)); }

} // namespace

class SelectiveScan : public HalideKernelsTest,
                      public ::testing::WithParamInterface<ScanShape> {
protected:
  /// Runs kernel `name` and the scalar reference of the op's semantics.
  void check(const std::string &name) {
    const KernelDesc &d = descs().at(name);
    const ScanShape s = GetParam();
    const int64_t b = s.b, e = s.e, n = d.dState ? d.dState : s.n, l = s.l;
    // Without softplus, dt itself must be a positive step.
    const float dLo = d.deltaSoftplus ? -2.0f : 0.01f,
                dHi = d.deltaSoftplus ? 1.0f : 0.5f;
    Seq u(b, e, l, 1), delta(b, e, l, 2, dLo, dHi, 3), z(b, e, l, 3, -2, 2);
    Seq B(b, n, l, 4), C(b, n, l, 5);
    std::vector<float> A = uniform(e * n, -2, -0.1f, 6);
    std::vector<float> D = uniform(e, -1, 1, 7), bias = uniform(e, -1, 0, 8);
    std::vector<float> h0 = uniform(b * e * n, -1, 1, 9);
    // B and C token-major too: [b][l][n].
    std::vector<TensorView> args{u.view(), delta.view(),
                                 cpu::contiguousView(A.data(), {e, n}),
                                 B.view(), C.view()};
    if (d.hasD)
      args.push_back(cpu::contiguousView(D.data(), {e}));
    if (d.hasZ)
      args.push_back(z.view());
    if (d.hasDeltaBias)
      args.push_back(cpu::contiguousView(bias.data(), {e}));
    if (d.hasInitialState)
      args.push_back(cpu::contiguousView(h0.data(), {b, e, n}));
    Seq y(b, e, l, 10, 0, 0, 1);
    std::vector<float> hN(b * e * n, -99);
    args.push_back(y.view());
    args.push_back(cpu::contiguousView(hN.data(), {b, e, n}));
    run(name, args);

    std::vector<double> yRef(y.data.size()), hRef(b * e * n);
    std::vector<float> yGot(y.data.size());
    for (int64_t i = 0; i < b; ++i)
      for (int64_t c = 0; c < e; ++c) {
        std::vector<double> h(n);
        for (int64_t k = 0; k < n; ++k)
          h[k] = d.hasInitialState ? h0[(i * e + c) * n + k] : 0.0;
        for (int64_t t = 0; t < l; ++t) {
          double dt = delta.at(i, c, t) + (d.hasDeltaBias ? bias[c] : 0.0);
          if (d.deltaSoftplus)
            dt = softplus(dt);
          double acc = 0;
          for (int64_t k = 0; k < n; ++k) {
            double a = A[c * n + k], dA = std::exp(dt * a);
            double dB = d.zohB ? (dA - 1) / a : dt;
            h[k] = dA * h[k] + dB * B.at(i, k, t) * u.at(i, c, t);
            acc += h[k] * C.at(i, k, t);
          }
          if (d.hasD)
            acc += D[c] * u.at(i, c, t);
          if (d.hasZ)
            acc *= silu(z.at(i, c, t));
          yRef[(i * l + t) * y.ld + c] = acc;
          yGot[(i * l + t) * y.ld + c] = y.at(i, c, t);
        }
        for (int64_t k = 0; k < n; ++k)
          hRef[(i * e + c) * n + k] = h[k];
      }
    EXPECT_LT(relError(yGot, yRef), kTolerance) << name;
    EXPECT_LT(relError(hN, hRef), kTolerance) << name;
  }
};

TEST_P(SelectiveScan, Plain) { check("scan_plain"); }
TEST_P(SelectiveScan, Fused) { check("scan_full"); }
TEST_P(SelectiveScan, ZohSerial) { check("scan_zoh"); }

INSTANTIATE_TEST_SUITE_P(Shapes, SelectiveScan,
                         ::testing::Values(ScanShape{1, 8, 16, 1},
                                           ScanShape{2, 13, 4, 1},
                                           ScanShape{2, 37, 16, 33},
                                           ScanShape{3, 5, 3, 7},
                                           ScanShape{1, 64, 16, 130}));

class Conv1d : public HalideKernelsTest,
               public ::testing::WithParamInterface<ScanShape> {};

TEST_P(Conv1d, MatchesScalarAndRuntime) {
  const ScanShape s = GetParam();
  const int64_t b = s.b, e = s.e, l = s.l, k = 4;
  for (const char *name : {"conv_plain", "conv_full"}) {
    const KernelDesc &d = descs().at(name);
    Seq x(b, e, l, 11, -1, 1, 2);
    std::vector<float> w = uniform(e * k, -0.5f, 0.5f, 12),
                       bias = uniform(e, -0.1f, 0.1f, 13),
                       st = uniform(b * e * k, -1, 1, 14),
                       stOut(b * e * k, -99);
    Seq out(b, e, l, 15, 0, 0);
    std::vector<TensorView> args{x.view(),
                                 cpu::contiguousView(w.data(), {e, k})};
    if (d.hasBias)
      args.push_back(cpu::contiguousView(bias.data(), {e}));
    if (d.hasState)
      args.push_back(cpu::contiguousView(st.data(), {b, e, k}));
    args.push_back(out.view());
    if (d.hasState)
      args.push_back(cpu::contiguousView(stOut.data(), {b, e, k}));
    run(name, args);

    std::vector<double> ref(out.data.size()), stRef(b * e * k);
    for (int64_t i = 0; i < b; ++i)
      for (int64_t c = 0; c < e; ++c) {
        auto in = [&](int64_t t) -> double {
          if (t >= 0)
            return x.at(i, c, t);
          return d.hasState ? st[(i * e + c) * k + k + t] : 0.0;
        };
        for (int64_t t = 0; t < l; ++t) {
          double acc = d.hasBias ? bias[c] : 0.0;
          for (int64_t j = 0; j < k; ++j)
            acc += w[c * k + j] * in(t - (k - 1) + j);
          ref[(i * l + t) * e + c] = d.silu ? silu(acc) : acc;
        }
        for (int64_t j = 0; j < k; ++j)
          stRef[(i * e + c) * k + j] = in(l - k + j);
      }
    EXPECT_LT(relError(out.data, ref), kTolerance) << name;
    if (!d.hasState)
      continue;
    EXPECT_LT(relError(stOut, stRef), kTolerance) << name;
    // The runtime's hand-written kernel (one sequence at a time, weight
    // transposed, state updated in place) agrees to its approximations.
    for (int64_t i = 0; i < b; ++i) {
      std::vector<float> wT(k * e),
          state(st.begin() + i * e * k, st.begin() + (i + 1) * e * k), o(l * e);
      for (int64_t c = 0; c < e; ++c)
        for (int64_t j = 0; j < k; ++j)
          wT[j * e + c] = w[c * k + j];
      cpu::causalConv1dSilu(&x.at(i, 0, 0), x.ld, l, wT.data(), bias.data(), e,
                            k, state.data(), o.data(), e, 0, e);
      for (int64_t t = 0; t < l; ++t)
        for (int64_t c = 0; c < e; ++c)
          EXPECT_NEAR(o[t * e + c], out.at(i, c, t), 1e-4);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, Conv1d,
                         ::testing::Values(ScanShape{1, 8, 0, 1},
                                           ScanShape{2, 13, 0, 2},
                                           ScanShape{2, 37, 0, 33},
                                           ScanShape{1, 100, 0, 9}));

TEST_F(HalideKernelsTest, RMSNormMatchesScalarAndRuntime) {
  for (auto [rows, dim] :
       {std::pair<int64_t, int64_t>{1, 7}, {5, 768}, {3, 37}, {4, 2560}}) {
    std::vector<float> x = uniform(rows * dim, -2, 2, 21),
                       res = uniform(rows * dim, -1, 1, 22),
                       w = uniform(dim, 0.5f, 1.5f, 23), y(rows * dim),
                       resOut(rows * dim), yRt(rows * dim);
    for (bool withResidual : {false, true}) {
      std::vector<TensorView> args{cpu::contiguousView(x.data(), {rows, dim})};
      if (withResidual)
        args.push_back(cpu::contiguousView(res.data(), {rows, dim}));
      args.push_back(cpu::contiguousView(w.data(), {dim}));
      args.push_back(cpu::contiguousView(y.data(), {rows, dim}));
      if (withResidual)
        args.push_back(cpu::contiguousView(resOut.data(), {rows, dim}));
      run(withResidual ? "rmsnorm_res" : "rmsnorm", args);
      std::vector<double> ref(rows * dim), hid(rows * dim);
      for (int64_t r = 0; r < rows; ++r) {
        double ss = 0;
        for (int64_t i = 0; i < dim; ++i) {
          hid[r * dim + i] =
              x[r * dim + i] + (withResidual ? res[r * dim + i] : 0.0);
          ss += hid[r * dim + i] * hid[r * dim + i];
        }
        double scale = 1 / std::sqrt(ss / dim + 1e-5);
        for (int64_t i = 0; i < dim; ++i)
          ref[r * dim + i] = hid[r * dim + i] * scale * w[i];
      }
      EXPECT_LT(relError(y, ref), kTolerance) << rows << "x" << dim;
      if (withResidual) {
        EXPECT_LT(relError(resOut, hid), kTolerance);
      } else {
        cpu::rmsnorm(x.data(), dim, w.data(), 1e-5f, dim, yRt.data(), dim, 0,
                     rows);
        std::vector<double> rt(yRt.begin(), yRt.end());
        EXPECT_LT(relError(y, rt), kTolerance);
      }
    }
  }
}

TEST_F(HalideKernelsTest, GateMatchesScalar) {
  for (ScanShape s : {ScanShape{1, 8, 0, 1}, {2, 37, 0, 5}}) {
    Seq y(s.b, s.e, s.l, 31), z(s.b, s.e, s.l, 32, -3, 3),
        out(s.b, s.e, s.l, 0);
    run("gate", {y.view(), z.view(), out.view()});
    std::vector<double> ref(out.data.size());
    for (size_t i = 0; i < ref.size(); ++i)
      ref[i] = y.data[i] * silu(z.data[i]);
    EXPECT_LT(relError(out.data, ref), kTolerance);
  }
}

TEST_F(HalideKernelsTest, GenericCumsumWithInit) {
  for (ScanShape s : {ScanShape{2, 13, 0, 1}, {3, 40, 0, 17}}) {
    Seq x(s.b, s.e, s.l, 41), y(s.b, s.e, s.l, 0);
    std::vector<float> h0 = uniform(s.b * s.e, -1, 1, 42), hN(s.b * s.e);
    run("cumsum", {x.view(), cpu::contiguousView(h0.data(), {s.b, s.e}),
                   y.view(), cpu::contiguousView(hN.data(), {s.b, s.e})});
    std::vector<double> ref(y.data.size()), hRef(hN.size());
    for (int64_t i = 0; i < s.b; ++i)
      for (int64_t c = 0; c < s.e; ++c) {
        double h = h0[i * s.e + c];
        for (int64_t t = 0; t < s.l; ++t)
          ref[(i * s.l + t) * s.e + c] = h += x.at(i, c, t);
        hRef[i * s.e + c] = h;
      }
    EXPECT_LT(relError(y.data, ref), kTolerance);
    EXPECT_LT(relError(hN, hRef), kTolerance);
  }
}

TEST_F(HalideKernelsTest, GenericRetention) {
  // Row-major [b, g, i|j, t] tensors: time contiguous, channel j strided.
  const int64_t B = 2, G = 3, I = 4, J = 11, L = 9;
  std::vector<float> q = uniform(B * G * I * L, -1, 1, 51),
                     k = uniform(B * G * I * L, -1, 1, 52),
                     v = uniform(B * G * J * L, -1, 1, 53),
                     gamma = uniform(G, 0.8f, 1.0f, 54), y(B * G * J * L),
                     hN(B * G * I * J);
  // y's channel dim j must be contiguous for the vector loop: store y as
  // [b][g][t][j] and view it as [b, g, j, t].
  TensorView yView =
      cpu::makeView(y.data(), {B, G, J, L}, {G * L * J, L * J, 1, J});
  // v is read every step along j: also [b][g][t][j].
  TensorView vView =
      cpu::makeView(v.data(), {B, G, J, L}, {G * L * J, L * J, 1, J});
  run("retention", {cpu::contiguousView(q.data(), {B, G, I, L}),
                    cpu::contiguousView(k.data(), {B, G, I, L}), vView,
                    cpu::contiguousView(gamma.data(), {G}), yView,
                    cpu::contiguousView(hN.data(), {B, G, I, J})});
  std::vector<double> ref(y.size()), hRef(hN.size());
  for (int64_t b = 0; b < B; ++b)
    for (int64_t g = 0; g < G; ++g) {
      std::vector<double> s(I * J, 0.0);
      for (int64_t t = 0; t < L; ++t)
        for (int64_t j = 0; j < J; ++j) {
          double acc = 0;
          for (int64_t i = 0; i < I; ++i) {
            double &h = s[i * J + j];
            h = gamma[g] * h + k[((b * G + g) * I + i) * L + t] *
                                   v[((b * G + g) * L + t) * J + j];
            acc += q[((b * G + g) * I + i) * L + t] * h;
          }
          ref[((b * G + g) * L + t) * J + j] = acc;
        }
      for (int64_t i = 0; i < I * J; ++i)
        hRef[(b * G + g) * I * J + i] = s[i];
    }
  EXPECT_LT(relError(y, ref), kTolerance);
  EXPECT_LT(relError(hN, hRef), kTolerance);
}

TEST_F(HalideKernelsTest, GenericSelectiveScanMatchesNamedKernel) {
  const int64_t b = 2, e = 19, n = 16, l = 12;
  Seq u(b, e, l, 61), dt(b, e, l, 62, 0.01f, 0.5f), B(b, n, l, 63),
      C(b, n, l, 64), y1(b, e, l, 0), y2(b, e, l, 0);
  std::vector<float> A = uniform(e * n, -2, -0.1f, 65), h1(b * e * n),
                     h2(b * e * n);
  TensorView a = cpu::contiguousView(A.data(), {e, n});
  run("generic_selective",
      {u.view(), dt.view(), a, B.view(), C.view(), y1.view(),
       cpu::contiguousView(h1.data(), {b, e, n})});
  run("scan_plain", {u.view(), dt.view(), a, B.view(), C.view(), y2.view(),
                     cpu::contiguousView(h2.data(), {b, e, n})});
  EXPECT_LT(
      relError(y1.data, std::vector<double>(y2.data.begin(), y2.data.end())),
      kTolerance);
  EXPECT_LT(relError(h1, std::vector<double>(h2.begin(), h2.end())),
            kTolerance);
}

TEST_F(HalideKernelsTest, UnitChannelStrideIsChecked) {
  const int64_t b = 1, e = 8, l = 2;
  std::vector<float> y(b * e * l), z(b * e * l), out(b * e * l);
  // Row-major [b, e, l]: channel stride l, not 1.
  auto k = library()->kernel(symbols().at("gate"));
  ASSERT_TRUE(k.ok());
  Status st = k->run({cpu::contiguousView(y.data(), {b, e, l}),
                      cpu::contiguousView(z.data(), {b, e, l}),
                      cpu::contiguousView(out.data(), {b, e, l})});
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("stride"), std::string::npos) << st.message();
}

TEST(HalideKernelCache, SecondCompileIsAHit) {
  const std::string dir = (std::filesystem::temp_directory_path() /
                           ("mamba-halide-cache-" + std::to_string(::getpid())))
                              .string();
  KernelDesc d;
  d.kind = KernelKind::Gate;
  d.name = "cached_gate";
  auto first = compileKernelLibrary({d}, dir);
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_FALSE(first->cacheHit);
  auto second = compileKernelLibrary({d}, dir);
  ASSERT_TRUE(second.ok()) << second.error().message();
  EXPECT_TRUE(second->cacheHit);
  EXPECT_EQ(first->path, second->path);
  EXPECT_EQ(first->kernels[0].symbol, second->kernels[0].symbol);
  EXPECT_LT(second->seconds, first->seconds);
  // Another schedule is another library.
  d.schedule.vectorWidth = 4;
  auto third = compileKernelLibrary({d}, dir);
  ASSERT_TRUE(third.ok()) << third.error().message();
  EXPECT_FALSE(third->cacheHit);
  EXPECT_NE(third->path, first->path);
  std::filesystem::remove_all(dir);
}

TEST(HalideKernelCache, RejectsAnInvalidDescription) {
  KernelDesc d;
  d.kind = KernelKind::CausalConv1d;
  d.name = "bad_conv";
  auto lib = compileKernelLibrary({d}, "/tmp/mamba-halide-unused");
  ASSERT_FALSE(lib.ok());
  EXPECT_NE(lib.error().message().find("width"), std::string::npos);
}

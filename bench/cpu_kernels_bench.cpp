// Google Benchmark of the CPU kernels (runtime/src/cpu/kernels.h), each next
// to its plain scalar loop (scalar_kernels.h) on the same inputs in the same
// run, at the channel counts of Mamba-130m and 2.8b. Built with the Halide
// backend, the scan, conv and rmsnorm also run as AOT Halide kernels, on one
// thread and on two (the hand-written kernel split over channels or rows by
// a ThreadPool, the Halide library's own pool), and the run ends with the
// Halide / hand-written time ratios. Before a case is timed, every version
// runs once on identical inputs and the run aborts if they disagree, so the
// comparison is between equal results.
#include "kernels.h"
#include "scalar_kernels.h"

#ifdef MAMBA_BENCH_HALIDE
#include "HalideKernels.h"
#include "halide_kernels.h"
#endif

#include "mamba/thread_pool.h"

#include <benchmark/benchmark.h>
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

using namespace mamba;

namespace {

constexpr int64_t kDState = 16;
constexpr int64_t kDConv = 4;
constexpr float kEps = 1e-5f;
/// Largest max|optimized - scalar| / max|scalar| accepted; the golden tests'
/// bound against transformers.
constexpr double kTolerance = 1e-4;
constexpr int64_t kSeqLens[] = {1, 512, 4096};
/// Threads of the multi-threaded runs (the machine has two cores).
constexpr int kThreads = 2;

struct Shape {
  const char *name;
  int64_t dModel, dInner;
};
constexpr Shape kShapes[] = {{"130m", 768, 1536}, {"2.8b", 2560, 5120}};

std::vector<float> uniform(size_t n, float lo, float hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(rng);
  return v;
}

/// max|got - want| / max|want| over the first n elements.
double relativeError(const float *got, const float *want, size_t n) {
  double diff = 0, scale = 0;
  for (size_t i = 0; i < n; ++i) {
    diff = std::max(diff, std::fabs(static_cast<double>(got[i]) - want[i]));
    scale = std::max(scale, std::fabs(static_cast<double>(want[i])));
  }
  return scale > 0 ? diff / scale : diff;
}

/// One kernel at one shape and sequence length, with its inputs.
#ifdef MAMBA_BENCH_HALIDE
/// The Halide kernels of the benchmark, compiled (or found in the kernel
/// cache) at start-up.
struct HalideKernels {
  std::unique_ptr<cpu::HalideKernelLibrary> library;
  cpu::HalideKernel scan, conv, rmsnorm;
};
HalideKernels &halideKernels() {
  static HalideKernels k;
  return k;
}

void runHalide(const cpu::HalideKernel &k,
               const std::vector<cpu::TensorView> &args) {
  Status st = k.run(args);
  if (!st.ok()) {
    std::fprintf(stderr, "cpu_kernels_bench: error: %s\n",
                 st.message().c_str());
    std::abort();
  }
}

/// Compiles the library (a cache miss the first time), then asks again to
/// time a cache hit, and loads it.
bool loadHalideKernels() {
  using namespace mamba::halide;
  KernelDesc scan;
  scan.kind = KernelKind::SelectiveScan;
  scan.name = "bench_selective_scan";
  scan.dState = kDState;
  scan.deltaSoftplus = scan.hasD = scan.hasZ = scan.hasDeltaBias =
      scan.hasInitialState = true;
  KernelDesc conv;
  conv.kind = KernelKind::CausalConv1d;
  conv.name = "bench_conv1d_silu";
  conv.width = kDConv;
  conv.hasBias = conv.silu = conv.hasState = true;
  KernelDesc norm;
  norm.kind = KernelKind::RMSNorm;
  norm.name = "bench_rmsnorm";
  norm.eps = kEps;
  std::vector<KernelDesc> descs{scan, conv, norm};
  auto first = compileKernelLibrary(descs);
  if (!first.ok()) {
    std::fprintf(stderr, "cpu_kernels_bench: error: %s\n",
                 first.error().message().c_str());
    return false;
  }
  auto second = compileKernelLibrary(descs);
  std::fprintf(stderr,
               "halide: kernel library %s\n  first call: %s in %.3f s\n"
               "  second call: %s in %.6f s\n",
               first->path.c_str(), first->cacheHit ? "cache hit" : "compiled",
               first->seconds,
               second.ok() && second->cacheHit ? "cache hit" : "compiled",
               second.ok() ? second->seconds : -1.0);
  auto lib = cpu::HalideKernelLibrary::open(first->path);
  if (!lib.ok()) {
    std::fprintf(stderr, "cpu_kernels_bench: error: %s\n",
                 lib.error().message().c_str());
    return false;
  }
  HalideKernels &k = halideKernels();
  k.library = std::make_unique<cpu::HalideKernelLibrary>(std::move(*lib));
  // One thread, as the hand-written and scalar versions here.
  k.library->setThreads(1);
  k.scan = *k.library->kernel(first->kernels[0].symbol);
  k.conv = *k.library->kernel(first->kernels[1].symbol);
  k.rmsnorm = *k.library->kernel(first->kernels[2].symbol);
  return true;
}
#endif

/// The pool of the multi-threaded hand-written runs.
ThreadPool &pool() {
  static ThreadPool p(kThreads);
  return p;
}

class Case {
public:
  virtual ~Case() = default;
  virtual void runOptimized() = 0;
  /// The hand-written kernel split over pool().
  virtual void runParallel() { runOptimized(); }
  virtual void runScalar() = 0;
  /// The Halide kernel on the same inputs; false where there is none.
  virtual bool hasHalide() const { return false; }
  virtual void runHalide() {}
  /// Worst relative error of the Halide kernel against the scalar loop.
  virtual double verifyHalide() { return 0; }
  /// Runs both from identical inputs; the worst relative error of the
  /// outputs (and of the carried state where there is one).
  virtual double verify() = 0;
  /// Elements produced per call.
  virtual double items() const = 0;
  /// Bytes a call must move at least: inputs, weights and state read once,
  /// outputs and state written once.
  virtual double bytes() const = 0;
  virtual double flops() const { return 0; }
};

class RmsnormCase : public Case {
public:
  RmsnormCase(const Shape &s, int64_t len)
      : len_(len), d_(s.dModel), x_(uniform(len * d_, -2, 2, 1)),
        w_(uniform(d_, 0.5f, 1.5f, 2)), y_(len * d_), yRef_(len * d_) {}
  void runOptimized() override {
    cpu::rmsnorm(x_.data(), d_, w_.data(), kEps, d_, y_.data(), d_, 0, len_);
  }
  void runParallel() override {
    pool().parallelFor(len_, 1, [&](int64_t begin, int64_t end) {
      cpu::rmsnorm(x_.data(), d_, w_.data(), kEps, d_, y_.data(), d_, begin,
                   end);
    });
  }
  void runScalar() override {
    bench::scalarRmsnorm(x_.data(), w_.data(), kEps, len_, d_, yRef_.data());
  }
  double verify() override {
    runOptimized();
    runScalar();
    return relativeError(y_.data(), yRef_.data(), y_.size());
  }
  double items() const override { return double(len_) * d_; }
  double bytes() const override { return 4.0 * (2.0 * len_ * d_ + d_); }
#ifdef MAMBA_BENCH_HALIDE
  bool hasHalide() const override { return true; }
  void runHalide() override {
    ::runHalide(halideKernels().rmsnorm,
                {cpu::contiguousView(x_.data(), {len_, d_}),
                 cpu::contiguousView(w_.data(), {d_}),
                 cpu::contiguousView(y_.data(), {len_, d_})});
  }
  double verifyHalide() override {
    runHalide();
    runScalar();
    return relativeError(y_.data(), yRef_.data(), y_.size());
  }
#endif

private:
  int64_t len_, d_;
  std::vector<float> x_, w_, y_, yRef_;
};

class ConvCase : public Case {
public:
  ConvCase(const Shape &s, int64_t len)
      : len_(len), e_(s.dInner), x_(uniform(len * e_, -1, 1, 3)),
        w_(uniform(e_ * kDConv, -0.5f, 0.5f, 4)), wT_(kDConv * e_),
        bias_(uniform(e_, -0.1f, 0.1f, 5)),
        state0_(uniform(e_ * kDConv, -1, 1, 6)), state_(state0_),
        stateRef_(state0_), out_(len * e_), outRef_(len * e_) {
    for (int64_t c = 0; c < e_; ++c)
      for (int64_t j = 0; j < kDConv; ++j)
        wT_[j * e_ + c] = w_[c * kDConv + j];
  }
  void runOptimized() override {
    cpu::causalConv1dSilu(x_.data(), e_, len_, wT_.data(), bias_.data(), e_,
                          kDConv, state_.data(), out_.data(), e_, 0, e_);
  }
  void runParallel() override {
    pool().parallelFor(e_, 16, [&](int64_t begin, int64_t end) {
      cpu::causalConv1dSilu(x_.data(), e_, len_, wT_.data(), bias_.data(), e_,
                            kDConv, state_.data(), out_.data(), e_, begin, end);
    });
  }
  void runScalar() override {
    bench::scalarConv1dSilu(x_.data(), len_, w_.data(), bias_.data(), e_,
                            kDConv, stateRef_.data(), outRef_.data());
  }
  double verify() override {
    state_ = stateRef_ = state0_;
    runOptimized();
    runScalar();
    return std::max(
        relativeError(out_.data(), outRef_.data(), out_.size()),
        relativeError(state_.data(), stateRef_.data(), state_.size()));
  }
  double items() const override { return double(len_) * e_; }
  double bytes() const override {
    return 4.0 * (2.0 * len_ * e_ + (kDConv + 1) * e_ + 2.0 * kDConv * e_);
  }
  double flops() const override { return 2.0 * kDConv * len_ * e_; }
#ifdef MAMBA_BENCH_HALIDE
  bool hasHalide() const override { return true; }
  void runHalide() override {
    // State in and out are separate buffers: the kernel does not update
    // in place.
    stateOut_.resize(state_.size());
    ::runHalide(halideKernels().conv,
                {cpu::makeView(x_.data(), {1, e_, len_}, {len_ * e_, 1, e_}),
                 cpu::contiguousView(w_.data(), {e_, kDConv}),
                 cpu::contiguousView(bias_.data(), {e_}),
                 cpu::contiguousView(state_.data(), {1, e_, kDConv}),
                 cpu::makeView(out_.data(), {1, e_, len_}, {len_ * e_, 1, e_}),
                 cpu::contiguousView(stateOut_.data(), {1, e_, kDConv})});
  }
  double verifyHalide() override {
    state_ = stateRef_ = state0_;
    runHalide();
    runScalar();
    return std::max(
        relativeError(out_.data(), outRef_.data(), out_.size()),
        relativeError(stateOut_.data(), stateRef_.data(), stateRef_.size()));
  }
#endif

private:
  int64_t len_, e_;
  std::vector<float> x_, w_, wT_, bias_, state0_, state_, stateRef_, out_,
      outRef_, stateOut_;
};

class ScanCase : public Case {
public:
  ScanCase(const Shape &s, int64_t len)
      : len_(len), e_(s.dInner), x_(uniform(len * e_, -1, 1, 7)),
        delta0_(uniform(len * e_, -1, 1, 8)), z_(uniform(len * e_, -2, 2, 9)),
        bc_(uniform(len * 2 * kDState, -1, 1, 10)), a_(e_ * kDState),
        d_(e_, 1.0f), dtBias_(e_), delta_(delta0_), deltaRef_(delta0_),
        state_(e_ * kDState), stateRef_(e_ * kDState), y_(len * e_),
        yRef_(len * e_) {
    // As makeRandomWeights: A = -(1..n), softplus(dtBias) in [1e-3, 1e-1].
    std::vector<float> dt = uniform(e_, std::log(1e-3f), std::log(1e-1f), 11);
    for (int64_t c = 0; c < e_; ++c) {
      const float v = std::exp(dt[c]);
      dtBias_[c] = v + std::log(-std::expm1(-v));
      for (int64_t i = 0; i < kDState; ++i)
        a_[c * kDState + i] = -static_cast<float>(i + 1);
    }
  }
  void runOptimized() override {
    cpu::selectiveScan(args(delta_, state_, y_), 0, e_);
  }
  void runParallel() override {
    const cpu::ScanArgs a = args(delta_, state_, y_);
    pool().parallelFor(e_, 16, [&](int64_t begin, int64_t end) {
      cpu::selectiveScan(a, begin, end);
    });
  }
  void runScalar() override {
    bench::scalarSelectiveScan(args(deltaRef_, stateRef_, yRef_), e_);
  }
  double verify() override {
    delta_ = deltaRef_ = delta0_;
    std::fill(state_.begin(), state_.end(), 0.0f);
    std::fill(stateRef_.begin(), stateRef_.end(), 0.0f);
    runOptimized();
    runScalar();
    return std::max(
        {relativeError(y_.data(), yRef_.data(), y_.size()),
         relativeError(delta_.data(), deltaRef_.data(), delta_.size()),
         relativeError(state_.data(), stateRef_.data(), state_.size())});
  }
  double items() const override { return double(len_) * e_; }
  double bytes() const override {
    // x, delta, z read; y and dt written; B, C; A, D, dt bias; state r+w.
    return 4.0 * (5.0 * len_ * e_ + 2.0 * len_ * kDState +
                  (kDState + 2.0) * e_ + 2.0 * e_ * kDState);
  }
  // exp, two multiply-adds and the readout per state element.
  double flops() const override { return 6.0 * len_ * e_ * kDState; }
#ifdef MAMBA_BENCH_HALIDE
  bool hasHalide() const override { return true; }
  void runHalide() override {
    // The same tensors as views: token-major [len, e] is [1, e, len] with
    // channel stride 1; B and C interleaved in one [len, 2n] matrix.
    auto seq = [&](float *p) {
      return cpu::makeView(p, {1, e_, len_}, {len_ * e_, 1, e_});
    };
    auto bc = [&](float *p) {
      return cpu::makeView(p, {1, kDState, len_},
                           {len_ * 2 * kDState, 1, 2 * kDState});
    };
    stateOut_.resize(state_.size());
    ::runHalide(halideKernels().scan,
                {seq(x_.data()), seq(delta0_.data()),
                 cpu::contiguousView(a_.data(), {e_, kDState}), bc(bc_.data()),
                 bc(bc_.data() + kDState), cpu::contiguousView(d_.data(), {e_}),
                 seq(z_.data()), cpu::contiguousView(dtBias_.data(), {e_}),
                 cpu::contiguousView(state_.data(), {1, e_, kDState}),
                 seq(y_.data()),
                 cpu::contiguousView(stateOut_.data(), {1, e_, kDState})});
  }
  double verifyHalide() override {
    deltaRef_ = delta0_;
    std::fill(state_.begin(), state_.end(), 0.0f);
    std::fill(stateRef_.begin(), stateRef_.end(), 0.0f);
    runHalide();
    runScalar();
    return std::max(
        relativeError(y_.data(), yRef_.data(), y_.size()),
        relativeError(stateOut_.data(), stateRef_.data(), stateRef_.size()));
  }
#endif

private:
  cpu::ScanArgs args(std::vector<float> &delta, std::vector<float> &state,
                     std::vector<float> &y) {
    cpu::ScanArgs p;
    p.x = x_.data();
    p.delta = delta.data();
    p.z = z_.data();
    p.b = bc_.data();
    p.c = bc_.data() + kDState;
    p.a = a_.data();
    p.d = d_.data();
    p.dtBias = dtBias_.data();
    p.state = state.data();
    p.y = y.data();
    p.ldx = p.ldDelta = p.ldz = p.ldy = e_;
    p.ldBC = 2 * kDState;
    p.len = len_;
    p.dState = kDState;
    return p;
  }
  // Both versions write dt over delta; across timed iterations delta
  // converges to the fixed point dt = softplus(dt + bias), a realistic dt.
  int64_t len_, e_;
  std::vector<float> x_, delta0_, z_, bc_, a_, d_, dtBias_, delta_, deltaRef_,
      state_, stateRef_, y_, yRef_, stateOut_;
};

/// The model's in_proj: [len, d] x [2e, d]^T through cpu::linear on a pool
/// of one thread (sgemv for one row, sgemm otherwise).
class LinearCase : public Case {
public:
  LinearCase(const Shape &s, int64_t len)
      : m_(len), n_(2 * s.dInner), k_(s.dModel), pool_(1),
        x_(uniform(m_ * k_, -1, 1, 12)),
        w_(uniform(n_ * k_, -0.05f, 0.05f, 13)), y_(m_ * n_), yRef_(m_ * n_) {}
  void runOptimized() override {
    cpu::linear(pool_, x_.data(), k_, w_.data(), nullptr, y_.data(), n_, m_, n_,
                k_, false);
  }
  void runScalar() override {
    bench::scalarLinear(x_.data(), w_.data(), yRef_.data(), m_, n_, k_, false);
  }
  double verify() override {
    runOptimized();
    // The scalar product costs minutes at 4096 rows; rows are independent,
    // so the first and last 8 are checked.
    double worst = 0;
    for (int64_t r0 : {int64_t(0), std::max<int64_t>(0, m_ - 8)}) {
      const int64_t rows = std::min<int64_t>(8, m_);
      bench::scalarLinear(x_.data() + r0 * k_, w_.data(),
                          yRef_.data() + r0 * n_, rows, n_, k_, false);
      worst = std::max(worst, relativeError(y_.data() + r0 * n_,
                                            yRef_.data() + r0 * n_, rows * n_));
    }
    return worst;
  }
  double items() const override { return double(m_) * n_; }
  double bytes() const override {
    return 4.0 * (double(m_) * k_ + double(n_) * k_ + double(m_) * n_);
  }
  double flops() const override { return 2.0 * m_ * n_ * k_; }

private:
  int64_t m_, n_, k_;
  ThreadPool pool_;
  std::vector<float> x_, w_, y_, yRef_;
};

enum class Kernel { Rmsnorm, Conv, Scan, Linear };
const char *kernelName(Kernel k) {
  switch (k) {
  case Kernel::Rmsnorm:
    return "rmsnorm";
  case Kernel::Conv:
    return "conv1d_silu";
  case Kernel::Scan:
    return "selective_scan";
  case Kernel::Linear:
    return "linear_in_proj";
  }
  return "?";
}

std::unique_ptr<Case> makeCase(Kernel k, const Shape &s, int64_t len) {
  switch (k) {
  case Kernel::Rmsnorm:
    return std::make_unique<RmsnormCase>(s, len);
  case Kernel::Conv:
    return std::make_unique<ConvCase>(s, len);
  case Kernel::Scan:
    return std::make_unique<ScanCase>(s, len);
  case Kernel::Linear:
    return std::make_unique<LinearCase>(s, len);
  }
  return nullptr;
}

/// The case being timed; the optimized and scalar benchmarks of a case run
/// one after the other and share it, and it is verified when first built.
Case &currentCase(Kernel k, const Shape &s, int64_t len) {
  static std::string key;
  static std::unique_ptr<Case> current;
  std::string wanted =
      std::string(kernelName(k)) + "/" + s.name + "/len:" + std::to_string(len);
  if (key != wanted) {
    current.reset();
    current = makeCase(k, s, len);
    key = wanted;
    const double err = current->verify();
    std::fprintf(stderr, "verified %s: optimized vs scalar max rel err %.2e\n",
                 key.c_str(), err);
    if (!(err <= kTolerance)) {
      std::fprintf(stderr,
                   "cpu_kernels_bench: error: %s: optimized and scalar "
                   "outputs differ (%.3e > %.0e)\n",
                   key.c_str(), err, kTolerance);
      std::abort();
    }
    if (current->hasHalide()) {
      const double herr = current->verifyHalide();
      std::fprintf(stderr, "verified %s: halide vs scalar max rel err %.2e\n",
                   key.c_str(), herr);
      if (!(herr <= kTolerance)) {
        std::fprintf(stderr,
                     "cpu_kernels_bench: error: %s: halide and scalar "
                     "outputs differ (%.3e > %.0e)\n",
                     key.c_str(), herr, kTolerance);
        std::abort();
      }
    }
  }
  return *current;
}

enum class Version { Optimized, Scalar, Halide };
/// Wall and CPU time per iteration of every finished run, by name.
std::map<std::string, std::pair<double, double>> &times() {
  static std::map<std::string, std::pair<double, double>> t;
  return t;
}

/// The console output, with each run's times kept for the ratio table.
class RatioReporter : public benchmark::ConsoleReporter {
public:
  void ReportRuns(const std::vector<Run> &runs) override {
    // With --benchmark_repetitions the median replaces the single runs.
    for (const Run &r : runs)
      if (r.run_type == Run::RT_Iteration || r.aggregate_name == "median")
        times()[r.run_name.function_name] = {r.GetAdjustedRealTime(),
                                             r.GetAdjustedCPUTime()};
    ConsoleReporter::ReportRuns(runs);
  }
};

/// Halide / hand-written time for every case where both ran.
void printRatios() {
  bool header = false;
  for (const auto &[name, halide] : times()) {
    const std::string suffix = "/halide";
    if (name.size() < suffix.size() ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    const std::string stem = name.substr(0, name.size() - suffix.size());
    auto hand = times().find(stem + "/optimized");
    if (hand == times().end())
      continue;
    if (!header)
      std::printf("\n%-44s %12s %12s %8s %8s\n", "halide / hand-written",
                  "hand (us)", "halide (us)", "wall", "cpu");
    header = true;
    std::printf("%-44s %12.1f %12.1f %8.2f %8.2f\n", stem.c_str(),
                hand->second.first, halide.first,
                halide.first / hand->second.first,
                halide.second / hand->second.second);
  }
}
const char *versionName(Version v) {
  switch (v) {
  case Version::Optimized:
    return "optimized";
  case Version::Scalar:
    return "scalar";
  case Version::Halide:
    return "halide";
  }
  return "?";
}

void runBenchmark(benchmark::State &state, Kernel k, Shape s, int64_t len,
                  Version version, int threads) {
  Case &c = currentCase(k, s, len);
#ifdef MAMBA_BENCH_HALIDE
  if (version == Version::Halide)
    halideKernels().library->setThreads(threads);
#endif
  for (auto _ : state) {
    if (version == Version::Optimized && threads > 1)
      c.runParallel();
    else if (version == Version::Optimized)
      c.runOptimized();
    else if (version == Version::Scalar)
      c.runScalar();
    else
      c.runHalide();
    benchmark::ClobberMemory();
  }
  const double iters = static_cast<double>(state.iterations());
  state.SetItemsProcessed(static_cast<int64_t>(c.items() * iters));
  state.SetBytesProcessed(static_cast<int64_t>(c.bytes() * iters));
  if (c.flops() > 0)
    state.counters["FLOP/s"] =
        benchmark::Counter(c.flops() * iters, benchmark::Counter::kIsRate);
  // The CPU time of a multi-threaded run counts the main thread only; wall
  // time is what compares.
  if (threads > 1)
    state.counters["threads"] = threads;
}

void registerAll(bool withHalide) {
  const Kernel kernels[] = {Kernel::Scan, Kernel::Conv, Kernel::Rmsnorm,
                            Kernel::Linear};
  for (Kernel k : kernels)
    for (const Shape &s : kShapes)
      for (int64_t len : kSeqLens)
        for (Version version :
             {Version::Optimized, Version::Halide, Version::Scalar}) {
          if (version == Version::Halide &&
              (!withHalide || k == Kernel::Linear))
            continue;
          const bool optimized = version != Version::Scalar;
          // A naive product of 4096 x 2560 by 10240 x 2560 takes minutes per
          // iteration; its cost per row equals that at 512 rows.
          const bool hugeScalar = k == Kernel::Linear && !optimized &&
                                  len == 4096 && s.dModel > 1024;
          if (hugeScalar)
            continue;
          std::string name = std::string(kernelName(k)) + "/" + s.name +
                             "/len:" + std::to_string(len) + "/" +
                             versionName(version);
          auto *b = benchmark::RegisterBenchmark(name.c_str(), runBenchmark, k,
                                                 s, len, version, 1);
          b->Unit(benchmark::kMicrosecond);
          // The naive 130m product at 4096 rows takes ~10 s per iteration.
          if (k == Kernel::Linear && !optimized && len == 4096)
            b->Iterations(1)->Repetitions(1);
        }
  // Two threads, hand-written and Halide only (linear is BLAS's), after
  // every one-thread run: once Halide's pool has run two threads, setting
  // it back to one still leaves a worker taking tasks.
  if (!withHalide)
    return;
  for (Kernel k : kernels)
    for (const Shape &s : kShapes)
      for (int64_t len : kSeqLens)
        for (Version version : {Version::Optimized, Version::Halide}) {
          if (k == Kernel::Linear)
            continue;
          std::string name = std::string(kernelName(k)) + "/" + s.name +
                             "/len:" + std::to_string(len) +
                             "/threads:" + std::to_string(kThreads) + "/" +
                             versionName(version);
          benchmark::RegisterBenchmark(name.c_str(), runBenchmark, k, s, len,
                                       version, kThreads)
              ->Unit(benchmark::kMicrosecond)
              ->UseRealTime();
        }
}

} // namespace

int main(int argc, char **argv) {
#ifdef OPENBLAS_VERSION
  // One thread, as the model runs BLAS inside its own pool.
  openblas_set_num_threads(1);
#endif
#ifdef MAMBA_BENCH_HALIDE
  if (!loadHalideKernels())
    return 1;
  registerAll(true);
#else
  registerAll(false);
#endif
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  printRatios();
  benchmark::Shutdown();
  return 0;
}

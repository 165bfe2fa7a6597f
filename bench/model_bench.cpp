// Whole-model CPU benchmark: a stock Mamba-1 shape with random F32 weights,
// prefill and decode tokens/s (median of repetitions), peak RSS, and the
// decode roofline against the read bandwidth measured in the same process.
#include "bandwidth.h"

#include "mamba/cpu_model.h"
#include "mamba/model_config.h"
#include "mamba/plan_model.h"
#include "mamba/process_memory.h"
#include "mamba/weights.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

using namespace mamba;

namespace {

constexpr const char *kUsage = R"(USAGE: model_bench SHAPE [options]

Benchmarks the CPU executor on a stock Mamba-1 shape (130m, 370m, 790m,
1.4b, 2.8b) with random F32 weights, then measures the machine's read
bandwidth and prints one markdown table row (--header prints the header):
prefill and decode tokens/s as median and best of the repetitions, peak
RSS, weight bytes read per decoded token, bandwidth, the decode roofline and
the fraction of it achieved (median and best).
Details of every repetition go to stderr.

Options:
  --threads T          worker threads, the caller's included (default 2)
  --reps R             repetitions per figure (default 5)
  --prefill-chunk C    tokens per prefill pass (default 512)
  --decode N           decode steps timed (default 128)
  --bandwidth-mib M    size of the bandwidth probe's buffer (default 1024)
  --plan FILE          run this execution plan (mamba-compile --emit=plan of
                       the same shape) on the plan executor instead of the
                       built-in one
  --header             print the table header and exit
)";

constexpr int64_t kPrefillLens[] = {512, 2048};

struct Options {
  std::string shape;
  int threads = 2;
  int reps = 5;
  int64_t prefillChunk = 512;
  int64_t decodeSteps = 128;
  size_t bandwidthMiB = 1024;
  std::string plan;
  bool header = false;
};

[[noreturn]] void die(const std::string &message) {
  std::fprintf(stderr, "model_bench: error: %s\n", message.c_str());
  std::exit(1);
}

int64_t positiveInt(const std::string &flag, const char *text) {
  char *end = nullptr;
  long long v = std::strtoll(text, &end, 10);
  if (*text == '\0' || *end != '\0' || v <= 0)
    die(flag + " expects a positive integer, got '" + text + "'");
  return v;
}

Options parse(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (arg == "--header") {
      o.header = true;
      continue;
    }
    if (arg.rfind("--", 0) == 0) {
      if (i + 1 >= argc)
        die(arg + " expects a value");
      const char *v = argv[++i];
      if (arg == "--threads")
        o.threads = static_cast<int>(positiveInt(arg, v));
      else if (arg == "--reps")
        o.reps = static_cast<int>(positiveInt(arg, v));
      else if (arg == "--prefill-chunk")
        o.prefillChunk = positiveInt(arg, v);
      else if (arg == "--decode")
        o.decodeSteps = positiveInt(arg, v);
      else if (arg == "--plan")
        o.plan = v;
      else if (arg == "--bandwidth-mib")
        o.bandwidthMiB = static_cast<size_t>(positiveInt(arg, v));
      else
        die("unknown option '" + arg + "' (see model_bench --help)");
      continue;
    }
    if (!o.shape.empty())
      die("more than one SHAPE given");
    o.shape = arg.rfind("mamba-", 0) == 0 ? arg.substr(6) : arg;
  }
  if (!o.header && o.shape.empty())
    die("no SHAPE given (see model_bench --help)");
  return o;
}

/// F32 weight bytes one decode step reads: every matrix and vector of every
/// layer once, the final norm, the whole (tied) head, one embedding row.
double weightBytesPerToken(const ModelConfig &c) {
  const double d = c.dModel, e = c.dInner(), n = c.dState, r = c.dtRank,
               k = c.dConv;
  double layer = 2 * e * d         // in_proj
                 + e * k + e       // conv1d weight and bias
                 + (r + 2 * n) * e // x_proj
                 + e * r + e       // dt_proj weight and bias
                 + e * n + e       // A, D
                 + d * e           // out_proj
                 + d;              // norm
  double head = static_cast<double>(c.vocabSize) * d;
  return 4.0 * (c.nLayer * layer + d + head + d);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

/// "median (best)" of tokens/s figures.
std::string cell(const std::vector<double> &v) {
  char text[64];
  std::snprintf(text, sizeof text, "%.1f (%.1f)", median(v),
                *std::max_element(v.begin(), v.end()));
  return text;
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

void check(const Status &s) {
  if (!s.ok())
    die(s.message());
}

template <class Model>
double prefillTokensPerSecond(Model &model, const std::vector<int32_t> &p,
                              std::vector<float> &logits) {
  auto state = model.makeState(1);
  auto start = std::chrono::steady_clock::now();
  check(model.forward(p.data(), static_cast<int64_t>(p.size()), state,
                      LogitsMode::Last, logits.data()));
  return static_cast<double>(p.size()) / secondsSince(start);
}

/// Greedy decoding from a one-token prompt: steps tokens per second.
template <class Model>
double decodeTokensPerSecond(Model &model, int64_t steps,
                             std::vector<float> &logits) {
  auto state = model.makeState(1);
  int32_t token = 1;
  check(model.forward(&token, 1, state, LogitsMode::Last, logits.data()));
  auto start = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < steps; ++i) {
    token = static_cast<int32_t>(
        std::max_element(logits.begin(), logits.end()) - logits.begin());
    check(model.decode(&token, state, logits.data()));
  }
  return static_cast<double>(steps) / secondsSince(start);
}

/// Warm-up, then o.reps repetitions of prefill 512 and 2048 and decode.
template <class Model>
void measure(Model &model, const Options &o, std::vector<double> (&prefill)[2],
             std::vector<double> &decode) {
  std::vector<float> logits(model.vocabSize());
  std::mt19937 rng(42);
  std::uniform_int_distribution<int32_t> id(
      0, static_cast<int32_t>(model.vocabSize()) - 1);
  std::vector<int32_t> prompt(kPrefillLens[1]);
  for (int32_t &t : prompt)
    t = id(rng);

  // Warm-up: first touch of the workspace, thread start, caches.
  prefillTokensPerSecond(
      model, std::vector<int32_t>(prompt.begin(), prompt.begin() + 64), logits);
  decodeTokensPerSecond(model, 8, logits);

  for (int rep = 0; rep < o.reps; ++rep) {
    for (int i = 0; i < 2; ++i) {
      std::vector<int32_t> p(prompt.begin(), prompt.begin() + kPrefillLens[i]);
      prefill[i].push_back(prefillTokensPerSecond(model, p, logits));
    }
    decode.push_back(decodeTokensPerSecond(model, o.decodeSteps, logits));
    std::fprintf(stderr,
                 "%s rep %d: prefill 512 %.1f tok/s, prefill 2048 %.1f tok/s, "
                 "decode %lld steps %.1f tok/s\n",
                 o.shape.c_str(), rep + 1, prefill[0].back(), prefill[1].back(),
                 static_cast<long long>(o.decodeSteps), decode.back());
  }
}
} // namespace

int main(int argc, char **argv) {
  const Options o = parse(argc, argv);
  if (o.header) {
    std::printf("| shape | prefill 512 tok/s | prefill 2048 tok/s | decode "
                "tok/s | peak RSS MiB | weights read/token MB | read BW GB/s "
                "| decode roofline tok/s | of roofline |\n"
                "|---|---|---|---|---|---|---|---|---|\n");
    return 0;
  }
  Expected<ModelConfig> config = stockModelConfig(o.shape);
  if (!config.ok())
    die(config.status().message());
  CpuModelOptions options;
  options.numThreads = o.threads;
  options.maxChunk = o.prefillChunk;
  std::vector<double> prefill[2], decode;
  if (o.plan.empty()) {
    auto created =
        CpuModel::create(makeRandomWeights(config.value(), 0), options);
    if (!created.ok())
      die(created.status().message());
    measure(*created.value(), o, prefill, decode);
  } else {
    auto plan = plan::readPlanFile(o.plan);
    if (!plan.ok())
      die(plan.status().message());
    auto created = PlanModel::createRandom(std::move(plan.value()), 0, options);
    if (!created.ok())
      die(created.status().message());
    measure(*created.value(), o, prefill, decode);
  }
  const double peakMiB = static_cast<double>(peakRssBytes()) / (1 << 20);

  // Measured after the model runs so its buffer is not in the peak RSS.
  const double bandwidth =
      bench::measureReadBandwidth(o.bandwidthMiB << 20, o.threads, 10);
  const double bytes = weightBytesPerToken(config.value());
  const double roofline = bandwidth / bytes;
  const double decodeMedian = median(decode);
  std::fprintf(stderr,
               "%s: read bandwidth %.1f GB/s (best of 10, %d threads, %zu "
               "MiB); %.1f MB of weights per token; roofline %.1f tok/s\n",
               o.shape.c_str(), bandwidth / 1e9, o.threads, o.bandwidthMiB,
               bytes / 1e6, roofline);
  const double decodeBest = *std::max_element(decode.begin(), decode.end());
  const std::string label = o.plan.empty() ? o.shape : o.shape + " (plan)";
  std::printf("| %s | %s | %s | %s | %.0f | %.1f | %.1f | %.1f | %.0f%% "
              "(%.0f%%) |\n",
              label.c_str(), cell(prefill[0]).c_str(),
              cell(prefill[1]).c_str(), cell(decode).c_str(), peakMiB,
              bytes / 1e6, bandwidth / 1e9, roofline,
              100.0 * decodeMedian / roofline, 100.0 * decodeBest / roofline);
  return 0;
}

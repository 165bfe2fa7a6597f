// Command line of mamba-run: the flags, their defaults, and the checks that
// turn a bad flag into an error naming it.
#ifndef MAMBA_RUN_RUNOPTIONS_H
#define MAMBA_RUN_RUNOPTIONS_H

#include "mamba/sampler.h"
#include "mamba/status.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mamba::run {

struct RunOptions {
  /// A Hugging Face model directory, a config.json, a stock shape name
  /// (mamba-130m, ...), a package directory or a spec (.ssm); empty means
  /// the embedded default model.
  std::string model;
  std::optional<std::string> prompt;
  std::optional<std::vector<int32_t>> tokens;
  std::optional<std::string> tokenizer;
  /// The weights of a spec or package (default: the package's own).
  std::optional<std::string> weights;
  int64_t newTokens = 32;
  int64_t batch = 1;
  int64_t prefillChunk = 256;
  int threads = 0;
  /// Where the model runs: "cpu" or "cuda".
  std::string device = "cpu";
  /// Element type of the weights on the GPU: "f32" or "bf16".
  std::string dtype = "f32";
  /// GPU decode sums in a fixed order (CudaModelOptions::deterministicDecode).
  bool deterministic = false;
  SamplerConfig sampling;
  std::optional<uint64_t> randomWeights;
  std::optional<std::string> logitsOut;
  bool ignoreEos = false;
  /// Print generated token ids instead of text.
  bool printIds = false;
  /// With a batch, also print sequences 1..B-1 after sequence 0.
  bool printAll = false;
  /// MODEL is the package this executable carries (mamba-compile
  /// --emit=executable), not one the user named.
  bool embeddedModel = false;
  bool showHelp = false;
  bool showVersion = false;
};

/// Parses argv; the error names the flag and what it expected.
Expected<RunOptions> parseRunOptions(int argc, char **argv);

/// The --help text.
std::string usage();

} // namespace mamba::run

#endif // MAMBA_RUN_RUNOPTIONS_H

// Text generation over a batch: chunked prefill of the prompt, then the
// recurrent decode loop with per-sequence sampling, timed phase by phase.
#ifndef MAMBA_GENERATE_H
#define MAMBA_GENERATE_H

#include "mamba/cpu_model.h"
#include "mamba/sampler.h"
#include "mamba/status.h"
#include "mamba/tokenizer.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace mamba {

struct GenerateOptions {
  /// New tokens per sequence; 0 runs the prompt only.
  int64_t maxNewTokens = 32;
  /// Sequences decoded together, all from the same prompt; sequence i
  /// samples with seed `sampling.seed + i`.
  int64_t batch = 1;
  /// Prompt tokens per prefill pass; the state carries across passes.
  int64_t prefillChunk = 256;
  SamplerConfig sampling;
  /// A sequence ends when it samples this token (it is still reported).
  std::optional<TokenId> eos;
};

struct GenerateStats {
  int64_t promptTokens = 0; ///< per sequence
  double prefillSeconds = 0;
  int64_t decodeSteps = 0; ///< forward passes of one token per sequence
  double decodeSeconds = 0;
  int64_t generatedTokens = 0; ///< over all sequences
};

/// Called once per sampled token, in order, with the sequence index.
using TokenCallback = std::function<void(int64_t sequence, TokenId token)>;

/// The checks generate() starts with: a non-empty prompt of ids inside the
/// model's vocabulary, and valid options. The message names what is wrong.
/// `Model` is CpuModel or CudaModel (instantiated for both).
template <class Model>
Status checkGenerateInputs(const Model &model,
                           const std::vector<TokenId> &prompt,
                           const GenerateOptions &options);

/// Runs `prompt` through `model` and samples up to maxNewTokens tokens for
/// each of options.batch sequences. When `promptLogits` is given it receives
/// sequence 0's logits for every prompt position, [prompt size, vocab].
/// Token ids outside the model's vocabulary and an empty prompt are errors.
/// The state lives where the model runs: newGenerateState(model, batch).
template <class Model>
Expected<GenerateStats>
generate(Model &model, const std::vector<TokenId> &prompt,
         const GenerateOptions &options, const TokenCallback &onToken,
         std::vector<float> *promptLogits = nullptr);

/// The state generate() runs a CpuModel on: host memory.
inline Expected<ModelState> newGenerateState(CpuModel &model, int64_t batch) {
  return model.makeState(batch);
}

} // namespace mamba

#endif // MAMBA_GENERATE_H

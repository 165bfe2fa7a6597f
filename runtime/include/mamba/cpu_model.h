// The CPU executor of a Mamba-1 language model: prefill, chunked prefill and
// one-token decode over a batch, with every buffer planned at creation.
#ifndef MAMBA_CPU_MODEL_H
#define MAMBA_CPU_MODEL_H

#include "mamba/model_state.h"
#include "mamba/status.h"
#include "mamba/thread_pool.h"
#include "mamba/weights.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace mamba {

struct CpuModelOptions {
  /// Threads including the caller's; 0 means one per hardware thread.
  int numThreads = 0;
  /// Largest batch a ModelState passed to forward() may have.
  int64_t maxBatch = 1;
  /// Tokens per sequence processed in one pass; longer inputs are run as
  /// consecutive chunks (same result), so this only bounds the workspace.
  int64_t maxChunk = 256;
};

/// Which logits forward() writes.
enum class LogitsMode {
  None, ///< none (state update only)
  Last, ///< [batch, vocab]: the last new token of each sequence
  All,  ///< [batch, len, vocab]: every new token
};

class CpuModel {
public:
  /// Takes the weights; checks the options and allocates the workspace.
  static Expected<std::unique_ptr<CpuModel>>
  create(ModelWeights weights, const CpuModelOptions &options = {});
  ~CpuModel();

  const ModelConfig &config() const { return weights_.config; }
  const ModelWeights &weights() const { return weights_; }
  int numThreads() const { return pool_.size(); }
  int64_t maxBatch() const { return options_.maxBatch; }
  /// Entries per logits row (config vocab_size, not the padded embedding).
  int64_t vocabSize() const { return weights_.config.vocabSize; }

  /// A zero state for `batch` sequences.
  ModelState makeState(int64_t batch) const {
    return ModelState(weights_.config, batch);
  }

  /// Feeds `len` new tokens to each of the state's sequences (tokens is
  /// [batch, len], row-major), continuing from `state` and updating it. With
  /// a fresh state this is prefill; len == 1 is one decode step; calling it
  /// repeatedly on pieces of a prompt is chunked prefill. Allocates nothing.
  /// One call at a time per model: calls share the model's workspace.
  Status forward(const int32_t *tokens, int64_t len, ModelState &state,
                 LogitsMode mode, float *logits);

  /// Prefill of equal-length prompts from a fresh state: logits [b, l, V].
  Expected<std::vector<float>>
  prefill(const std::vector<std::vector<int32_t>> &prompts, ModelState &state);
  /// One decode step: tokens [b], logits [b, V].
  Status decode(const int32_t *tokens, ModelState &state, float *logits) {
    return forward(tokens, 1, state, LogitsMode::Last, logits);
  }

private:
  struct Workspace;
  CpuModel(ModelWeights weights, const CpuModelOptions &options);
  void runChunk(const int32_t *tokens, int64_t tokenStride, int64_t batch,
                int64_t len, ModelState &state);
  void computeLogits(int64_t batch, int64_t len, LogitsMode mode, float *logits,
                     int64_t logitsRowStride);

  ModelWeights weights_;
  CpuModelOptions options_;
  ThreadPool pool_;
  /// Per layer: A = -exp(A_log) [e, n] and the conv weight as [k, e].
  std::vector<std::vector<float>> a_;
  std::vector<std::vector<float>> convWeightT_;
  std::unique_ptr<Workspace> ws_;
};

} // namespace mamba

#endif // MAMBA_CPU_MODEL_H

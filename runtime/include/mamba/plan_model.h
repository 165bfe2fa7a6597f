// The CPU executor of an execution plan (mamba/plan.h): any model the
// compiler planned, run with the runtime's kernels and no LLVM.
#ifndef MAMBA_PLAN_MODEL_H
#define MAMBA_PLAN_MODEL_H

#include "mamba/cpu_model.h"
#include "mamba/plan.h"
#include "mamba/safetensors.h"
#include "mamba/status.h"
#include "mamba/thread_pool.h"

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

namespace mamba {

namespace planexec {
struct StepArgs;
} // namespace planexec

/// The recurrent states of a batch of sequences, one slot per plan state.
class PlanState {
public:
  PlanState() = default;
  PlanState(const plan::Plan &plan, int64_t batch);

  int64_t batch() const { return batch_; }
  int64_t position() const { return position_; }
  void advance(int64_t tokens) { position_ += tokens; }
  float *slot(int64_t i) { return slots_[i].data(); }
  size_t numSlots() const { return slots_.size(); }
  /// True if this state has the slots of `plan` (any batch).
  bool matches(const plan::Plan &plan) const;
  /// Back to the empty prefix; keeps the memory.
  void reset();

private:
  int64_t batch_ = 0;
  int64_t position_ = 0;
  std::vector<std::vector<float>> slots_;
};

class PlanModel {
public:
  /// Binds the plan's weights from `weights` (checked by name, shape and
  /// dtype; computation in F32), checks every step against the kernels,
  /// and allocates the workspace for options.maxBatch x options.maxChunk.
  static Expected<std::unique_ptr<PlanModel>>
  create(plan::Plan plan, const SafetensorsFile &weights,
         const CpuModelOptions &options = {});
  /// The same with deterministic random weights from the plan's shapes
  /// (uniform in +-1/sqrt(fan_in), 1-D tensors near 1), for benchmarks.
  static Expected<std::unique_ptr<PlanModel>>
  createRandom(plan::Plan plan, uint64_t seed,
               const CpuModelOptions &options = {});
  ~PlanModel();

  const plan::Plan &plan() const { return plan_; }
  int numThreads() const { return pool_.size(); }
  int64_t maxBatch() const { return options_.maxBatch; }
  int64_t vocabSize() const { return plan_.vocabSize; }
  PlanState makeState(int64_t batch) const { return PlanState(plan_, batch); }

  /// As CpuModel::forward: `len` new tokens per sequence (tokens is
  /// [batch, len]); len == 1 runs @decode_step, longer inputs @prefill in
  /// chunks of maxChunk. Allocates nothing.
  Status forward(const int32_t *tokens, int64_t len, PlanState &state,
                 LogitsMode mode, float *logits);
  Status decode(const int32_t *tokens, PlanState &state, float *logits) {
    return forward(tokens, 1, state, LogitsMode::Last, logits);
  }

private:
  struct Prepared;
  PlanModel(plan::Plan plan, const CpuModelOptions &options);
  Status bind(std::vector<std::vector<float>> weights);
  Status bindLibraryKernels();
  Status runLibraryKernel(const plan::Step &step,
                          const planexec::StepArgs &args, bool execute);
  /// Runs `fn` for [batch, len] tokens; steps of the logits tail run for
  /// the last token only (Last) or not at all (None). With execute = false
  /// only checks every step's views against its kernel.
  Status runFunction(const plan::Function &fn, const int32_t *tokens,
                     int64_t batch, int64_t len, PlanState &state,
                     LogitsMode logits, bool execute);

  plan::Plan plan_;
  CpuModelOptions options_;
  ThreadPool pool_;
  const plan::Function *prefill_ = nullptr;
  const plan::Function *decode_ = nullptr;
  std::vector<std::vector<float>> weights_;
  /// Zeroed workspace from calloc: large blocks come mapped on demand, so
  /// buffers sized for maxBatch x maxChunk tokens (the logits for every
  /// token too, though LogitsMode::Last writes one row) cost resident
  /// memory only where a call writes them.
  struct Workspace {
    std::unique_ptr<float[], void (*)(void *)> data{nullptr, std::free};
    size_t size = 0;
  };
  std::vector<Workspace> buffers_;
  std::vector<int32_t> chunkTokens_;
  std::unique_ptr<Prepared> prepared_;
};

/// The state generate() runs a PlanModel on.
inline Expected<PlanState> newGenerateState(PlanModel &model, int64_t batch) {
  return model.makeState(batch);
}

} // namespace mamba

#endif // MAMBA_PLAN_MODEL_H

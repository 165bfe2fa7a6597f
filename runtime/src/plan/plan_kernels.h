// The plan executor's kernel table: each plan kernel checks its views
// against what the CPU kernel supports, then (unless only checking) runs.
#ifndef MAMBA_SRC_PLAN_KERNELS_H
#define MAMBA_SRC_PLAN_KERNELS_H

#include "mamba/plan.h"
#include "mamba/status.h"
#include "mamba/thread_pool.h"

#include <cstdint>
#include <map>
#include <vector>

namespace mamba::planexec {

constexpr int kMaxRank = 4;

/// A view evaluated for one batch size and sequence length.
struct Tensor {
  float *data = nullptr;
  const int32_t *ids = nullptr; // for the tokens
  int rank = 0;
  int64_t shape[kMaxRank] = {};
  int64_t stride[kMaxRank] = {};
  int64_t numel() const;
};

/// What the kernels share: the pool, per-weight prepared layouts and a
/// scratch area for the scan's dt when the plan keeps delta alive.
struct Context {
  ThreadPool &pool;
  /// Conv weights as [width, channels], keyed by plan weight index.
  const std::map<int64_t, std::vector<float>> &convWeightT;
  /// Zeros, at least as long as any channel count (absent D / delta_bias).
  const float *zeros;
  int64_t zerosSize;
  float *deltaScratch;
  int64_t deltaScratchSize;
};

/// The arguments of one step, evaluated; `weightIndex` gives the plan
/// weight index of each weight argument (for prepared layouts).
struct StepArgs {
  std::vector<std::pair<std::string, Tensor>> tensors;
  std::vector<std::pair<std::string, int64_t>> weightIndex;
  const Tensor *get(const char *name) const;
  int64_t weight(const char *name) const;
};

/// Checks `step` against its kernel and, when `execute`, runs it. Errors
/// name the kernel, the argument and what was expected.
Status runStep(const plan::Step &step, const StepArgs &args, Context &ctx,
               bool execute);

} // namespace mamba::planexec

#endif // MAMBA_SRC_PLAN_KERNELS_H

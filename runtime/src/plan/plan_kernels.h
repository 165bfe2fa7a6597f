// The CPU plan executor's kernel table: each plan kernel checks its views
// (plan_checks.h, then the CPU kernel's own limits) and, unless only
// checking, runs.
#ifndef MAMBA_SRC_PLAN_KERNELS_H
#define MAMBA_SRC_PLAN_KERNELS_H

#include "mamba/plan.h"
#include "mamba/status.h"
#include "mamba/thread_pool.h"
#include "plan_checks.h"

#include <cstdint>
#include <map>
#include <vector>

namespace mamba::planexec {

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

/// Checks `step` against its kernel and, when `execute`, runs it. Errors
/// name the kernel, the argument and what was expected.
Status runStep(const plan::Step &step, const StepArgs &args, Context &ctx,
               bool execute);

} // namespace mamba::planexec

#endif // MAMBA_SRC_PLAN_KERNELS_H

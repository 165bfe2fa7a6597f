// A plan's weights as F32 host arrays, read from a safetensors file or made
// up from a seed, with the plan's load-time transforms applied; both plan
// executors bind the same values.
#ifndef MAMBA_SRC_PLAN_WEIGHTS_H
#define MAMBA_SRC_PLAN_WEIGHTS_H

#include "mamba/plan.h"
#include "mamba/safetensors.h"
#include "mamba/status.h"

#include <cstdint>
#include <vector>

namespace mamba::planexec {

/// Each plan weight from `file`, checked by name and element count.
Expected<std::vector<std::vector<float>>>
readPlanWeights(const plan::Plan &plan, const SafetensorsFile &file);

/// Deterministic random weights from the plan's shapes: uniform in
/// +-1/sqrt(fan_in), 1-D tensors near 1; each depends on the seed and its
/// name only.
std::vector<std::vector<float>> randomPlanWeights(const plan::Plan &plan,
                                                  uint64_t seed);

} // namespace mamba::planexec

#endif // MAMBA_SRC_PLAN_WEIGHTS_H

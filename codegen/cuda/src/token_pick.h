// What the greedy and the sampled pick kernels share.
#ifndef MAMBA_CODEGEN_CUDA_TOKEN_PICK_H
#define MAMBA_CODEGEN_CUDA_TOKEN_PICK_H

#include "emit_util.h"

#include <string>

namespace mamba::codegen::cuda::detail {

/// The row argmax's device functions `name`_better and `name`_warp_reduce:
/// likelier first, ties to the lower index, NaN and +inf set aside as bad.
std::string argmaxHelpers(const std::string &name);
/// Empty if a pick kernel of `kind` can be emitted with `name` and
/// `schedule`; else why.
std::string checkPick(const char *kind, const std::string &name,
                      const Schedule &schedule);

} // namespace mamba::codegen::cuda::detail

#endif // MAMBA_CODEGEN_CUDA_TOKEN_PICK_H

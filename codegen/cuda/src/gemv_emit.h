// The decode GEMV's source with hooks, for kernels that fuse what consumes
// its output into it (gemv_conv_linear.cpp).
#ifndef MAMBA_CODEGEN_CUDA_GEMV_EMIT_H
#define MAMBA_CODEGEN_CUDA_GEMV_EMIT_H

#include "emit_util.h"

#include <string>

namespace mamba::codegen::cuda::detail {

/// Text spliced into the GEMV kernel; all empty gives emitGemv's kernel.
struct GemvEpilogue {
  /// Appended to the argument list (starting with ", ").
  std::string params;
  /// Before the wait for the previous kernel: weight loads only.
  std::string preload;
  /// Where the lane holding output (b, row) = v stores it.
  std::string store;
  /// After every output is stored. With a body, warps past the last row do
  /// not return early, so the body may use block barriers.
  std::string body;
};

/// Empty if `d` can be emitted.
std::string validateGemv(const GemvDesc &d);
/// The GEMV kernel of a valid `d`, with `epi` spliced in.
std::string gemvKernel(const GemvDesc &d, const GemvEpilogue &epi);

} // namespace mamba::codegen::cuda::detail

#endif // MAMBA_CODEGEN_CUDA_GEMV_EMIT_H

// The variants of the sampled pick's top-k, top-p, min-p and walk, which
// sample_pick.cpp assembles with the shared prologue (penalty, maximum).
#ifndef MAMBA_CODEGEN_CUDA_SAMPLE_PICK_H
#define MAMBA_CODEGEN_CUDA_SAMPLE_PICK_H

namespace mamba::codegen::cuda::detail {

/// The warp-run kernel's device functions (batched row loads, histograms
/// with an atomic per warp and digit, per-warp runs of ids, the radix
/// select, the pick among a listed top-k); they use sample_pick.cpp's
/// shared helpers.
extern const char *const kWarpRunsHelpers;
/// The warp-run kernel's pass for the row's maximum, which also counts the
/// live tokens and builds top-k's first histogram.
extern const char *const kWarpRunsMaxLoop;
/// The warp-run kernel after the row's maximum.
extern const char *const kWarpRunsTail;

} // namespace mamba::codegen::cuda::detail

#endif // MAMBA_CODEGEN_CUDA_SAMPLE_PICK_H

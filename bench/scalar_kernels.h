// Plain scalar C++ loops of the CPU kernels' math: the baselines that
// cpu_kernels_bench times next to the runtime's kernels (libm exp/log1p, the
// Hugging Face weight layouts, no blocking, no threads).
#ifndef MAMBA_BENCH_SCALAR_KERNELS_H
#define MAMBA_BENCH_SCALAR_KERNELS_H

#include "kernels.h"

#include <cstdint>

namespace mamba::bench {

/// y[r] = x[r] / sqrt(mean(x[r]^2) + eps) * weight, rows x dim, contiguous.
void scalarRmsnorm(const float *x, const float *weight, float eps, int64_t rows,
                   int64_t dim, float *y);

/// y[m, n] = sum_k x[m, k] * w[n, k] (+ y when accumulate), contiguous.
void scalarLinear(const float *x, const float *w, float *y, int64_t m,
                  int64_t n, int64_t k, bool accumulate);

/// Causal depthwise conv1d + SiLU with the weight in its [e, k] layout and
/// the same state contract as cpu::causalConv1dSilu (state [e, k], oldest
/// input first, updated to the last k inputs). x and out are [len, e].
void scalarConv1dSilu(const float *x, int64_t len, const float *weight,
                      const float *bias, int64_t channels, int64_t kernel,
                      float *state, float *out);

/// The same contract as cpu::selectiveScan over all channels (dt written
/// back to delta), written the way the reference reads: time outer, then
/// channels, then d_state, with torch's softplus (threshold 20).
void scalarSelectiveScan(const cpu::ScanArgs &args, int64_t channels);

} // namespace mamba::bench

#endif // MAMBA_BENCH_SCALAR_KERNELS_H

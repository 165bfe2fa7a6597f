// The CPU kernels of a Mamba-1 block. Each works on a caller-chosen range of
// rows or channels so the model can spread them over its thread pool.
#ifndef MAMBA_CPU_KERNELS_H
#define MAMBA_CPU_KERNELS_H

#include <cstdint>

namespace mamba {
class ThreadPool;
} // namespace mamba

namespace mamba::cpu {

/// Largest conv kernel: causalConv1dSilu keeps its window on the stack.
constexpr int64_t kMaxConvKernel = 64;
/// Largest d_state: selectiveScan keeps a block's state on the stack.
constexpr int64_t kMaxScanState = 256;

/// y[r] = x[r] / sqrt(mean(x[r]^2) + eps) * weight for rows [begin, end).
void rmsnorm(const float *x, int64_t ldx, const float *weight, float eps,
             int64_t dim, float *y, int64_t ldy, int64_t begin, int64_t end);

/// Makes BLAS run on the calling thread only: linear() gets its parallelism
/// from our pool, and two thread pools on few cores fight. Call before the
/// first linear().
void useSingleThreadedBlas();

/// y[m, n] = x[m, k] * w[n, k]^T (+ bias[n]) (+ y when accumulate), with
/// the n columns split over the pool; BLAS runs single-threaded per slice.
void linear(ThreadPool &pool, const float *x, int64_t ldx, const float *w,
            const float *bias, float *y, int64_t ldy, int64_t m, int64_t n,
            int64_t k, bool accumulate);

/// Causal depthwise conv1d + SiLU for one sequence over channels
/// [cBegin, cEnd): out[t, c] = silu(bias[c] + sum_j w[j, c] * in(t - k+1 + j,
/// c)) where inputs before t = 0 come from state[c, :] (the last k inputs,
/// oldest first), which is then updated to the last k inputs seen. `weightT` is
/// the conv weight transposed to [k, e] so channels are contiguous; `bias` may
/// be null.
void causalConv1dSilu(const float *x, int64_t ldx, int64_t len,
                      const float *weightT, const float *bias, int64_t channels,
                      int64_t kernel, float *state, float *out, int64_t ldo,
                      int64_t cBegin, int64_t cEnd);

/// Inputs of the selective scan for one sequence; row t of every matrix is
/// token t. The state h is [e, n] and is carried across calls.
struct ScanArgs {
  const float *x;      // [len, e] conv output, stride ldx
  float *delta;        // [len, e] dt before bias and softplus (overwritten with
                       // dt), stride ldDelta
  const float *z;      // [len, e] gate, stride ldz
  const float *b;      // [len, n] stride ldBC
  const float *c;      // [len, n] stride ldBC
  const float *a;      // [e, n] = -exp(A_log)
  const float *d;      // [e]
  const float *dtBias; // [e]
  float *state;        // [e, n]
  float *y;            // [len, e] output, stride ldy
  int64_t ldx, ldDelta, ldz, ldBC, ldy;
  int64_t len;
  int64_t dState;
};

/// Fused softplus(delta + dtBias) (written back to delta), discretisation
/// (exp(dt*A), dt*B*x), recurrence, C readout, D skip and silu(z) gate for
/// channels [cBegin, cEnd).
void selectiveScan(const ScanArgs &args, int64_t cBegin, int64_t cEnd);

} // namespace mamba::cpu

#endif // MAMBA_CPU_KERNELS_H

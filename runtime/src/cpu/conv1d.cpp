// Causal depthwise conv1d + SiLU with a carried state, vectorised over
// channels (the contiguous dimension of the activations).
#include "fast_math.h"
#include "kernels.h"

namespace mamba::cpu {

MAMBA_MULTIVERSION
void causalConv1dSilu(const float *x, int64_t ldx, int64_t len,
                      const float *weightT, const float *bias, int64_t channels,
                      int64_t kernel, float *state, float *out, int64_t ldo,
                      int64_t cBegin, int64_t cEnd) {
  for (int64_t t = 0; t < len; ++t) {
    float *o = out + t * ldo;
    for (int64_t c = cBegin; c < cEnd; ++c)
      o[c] = bias ? bias[c] : 0.0f;
    for (int64_t j = 0; j < kernel; ++j) {
      int64_t s = t - (kernel - 1) + j; // input time of tap j
      const float *w = weightT + j * channels;
      if (s >= 0) {
        const float *in = x + s * ldx;
        for (int64_t c = cBegin; c < cEnd; ++c)
          o[c] += w[c] * in[c];
      } else {
        // state holds inputs -k..-1 at indices 0..k-1.
        for (int64_t c = cBegin; c < cEnd; ++c)
          o[c] += w[c] * state[c * kernel + kernel + s];
      }
    }
    for (int64_t c = cBegin; c < cEnd; ++c)
      o[c] = siluApprox(o[c]);
  }
  // Keep the last k inputs: from this chunk where it has them, else shifted
  // from the old state (chunks shorter than the kernel).
  for (int64_t c = cBegin; c < cEnd; ++c) {
    float *st = state + c * kernel;
    float window[kMaxConvKernel];
    for (int64_t j = 0; j < kernel; ++j) {
      int64_t s = len - kernel + j;
      window[j] = s >= 0 ? x[s * ldx + c] : st[kernel + s];
    }
    for (int64_t j = 0; j < kernel; ++j)
      st[j] = window[j];
  }
}

} // namespace mamba::cpu

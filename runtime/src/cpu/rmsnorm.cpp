// RMSNorm over the model dimension, as Hugging Face's MambaRMSNorm in fp32.
#include "kernels.h"

#include <cmath>

namespace mamba::cpu {

void rmsnorm(const float *x, int64_t ldx, const float *weight, float eps,
             int64_t dim, float *y, int64_t ldy, int64_t begin, int64_t end) {
  for (int64_t r = begin; r < end; ++r) {
    const float *xr = x + r * ldx;
    float *yr = y + r * ldy;
    float sum = 0.0f;
    for (int64_t i = 0; i < dim; ++i)
      sum += xr[i] * xr[i];
    float scale = 1.0f / std::sqrt(sum / static_cast<float>(dim) + eps);
    for (int64_t i = 0; i < dim; ++i)
      yr[i] = xr[i] * scale * weight[i];
  }
}

} // namespace mamba::cpu

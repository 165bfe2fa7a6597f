// The scalar baselines of cpu_kernels_bench: the math of REFERENCE.md's
// Mamba-1 block, one element at a time.
#include "scalar_kernels.h"

#include <cmath>
#include <vector>

namespace mamba::bench {
namespace {
float softplus(float x) { return x > 20.0f ? x : std::log1p(std::exp(x)); }
float silu(float x) { return x / (1.0f + std::exp(-x)); }
} // namespace

void scalarRmsnorm(const float *x, const float *weight, float eps, int64_t rows,
                   int64_t dim, float *y) {
  for (int64_t r = 0; r < rows; ++r) {
    const float *xr = x + r * dim;
    float sum = 0.0f;
    for (int64_t i = 0; i < dim; ++i)
      sum += xr[i] * xr[i];
    const float inv = 1.0f / std::sqrt(sum / static_cast<float>(dim) + eps);
    for (int64_t i = 0; i < dim; ++i)
      y[r * dim + i] = xr[i] * inv * weight[i];
  }
}

void scalarLinear(const float *x, const float *w, float *y, int64_t m,
                  int64_t n, int64_t k, bool accumulate) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      float sum = accumulate ? y[i * n + j] : 0.0f;
      for (int64_t p = 0; p < k; ++p)
        sum += x[i * k + p] * w[j * k + p];
      y[i * n + j] = sum;
    }
}

void scalarConv1dSilu(const float *x, int64_t len, const float *weight,
                      const float *bias, int64_t channels, int64_t kernel,
                      float *state, float *out) {
  for (int64_t t = 0; t < len; ++t)
    for (int64_t c = 0; c < channels; ++c) {
      float sum = bias ? bias[c] : 0.0f;
      for (int64_t j = 0; j < kernel; ++j) {
        const int64_t s = t - (kernel - 1) + j;
        const float in =
            s >= 0 ? x[s * channels + c] : state[c * kernel + kernel + s];
        sum += weight[c * kernel + j] * in;
      }
      out[t * channels + c] = silu(sum);
    }
  std::vector<float> window(kernel);
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t j = 0; j < kernel; ++j) {
      const int64_t s = len - kernel + j;
      window[j] = s >= 0 ? x[s * channels + c] : state[c * kernel + kernel + s];
    }
    for (int64_t j = 0; j < kernel; ++j)
      state[c * kernel + j] = window[j];
  }
}

void scalarSelectiveScan(const cpu::ScanArgs &p, int64_t channels) {
  const int64_t n = p.dState;
  for (int64_t t = 0; t < p.len; ++t) {
    const float *b = p.b + t * p.ldBC;
    const float *c = p.c + t * p.ldBC;
    for (int64_t ch = 0; ch < channels; ++ch) {
      float &delta = p.delta[t * p.ldDelta + ch];
      const float dt = softplus(delta + p.dtBias[ch]);
      delta = dt;
      const float x = p.x[t * p.ldx + ch];
      float *h = p.state + ch * n;
      float y = 0.0f;
      for (int64_t s = 0; s < n; ++s) {
        h[s] = std::exp(dt * p.a[ch * n + s]) * h[s] + dt * b[s] * x;
        y += h[s] * c[s];
      }
      y += p.d[ch] * x;
      p.y[t * p.ldy + ch] = y * silu(p.z[t * p.ldz + ch]);
    }
  }
}

} // namespace mamba::bench

// Branch-free float math that the compiler can vectorise (libm's expf is a
// call per element), plus the function-multiversioning macro for hot loops.
#ifndef MAMBA_CPU_FAST_MATH_H
#define MAMBA_CPU_FAST_MATH_H

#include <cstdint>
#include <cstring>

// Hot kernels are compiled twice, for AVX2+FMA and for baseline x86-64, and
// the loader picks one (GNU ifunc), so the binary stays portable.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) &&         \
    defined(__linux__)
#define MAMBA_MULTIVERSION                                                     \
  __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define MAMBA_MULTIVERSION
#endif

// Helpers of a multiversioned kernel must be inlined into it: an out-of-line
// copy would be compiled for the baseline ISA only.
#if defined(__GNUC__)
#define MAMBA_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define MAMBA_ALWAYS_INLINE inline
#endif

namespace mamba::cpu {

/// e^x with relative error below 3e-7 for x in [-87, 88] (inputs outside are
/// clamped: the result is then ~1e-38 or ~1.6e38 rather than 0 or inf).
/// Cody-Waite range reduction x = k ln2 + f, |f| <= ln2/2, then a degree-6
/// polynomial for e^f and an exponent-field add for 2^k.
inline float expApprox(float x) {
  x = x < -87.0f ? -87.0f : x;
  x = x > 88.0f ? 88.0f : x;
  // Round x / ln2 to nearest with the 1.5 * 2^23 trick (no floor needed).
  const float shifter = 12582912.0f;
  float kf = x * 1.44269504088896341f + shifter;
  int32_t kBits;
  std::memcpy(&kBits, &kf, sizeof kBits);
  kf -= shifter;
  float f = x - kf * 0.693145751953125f; // ln2, high part (exact product)
  f -= kf * 1.428606765330187e-06f;      // ln2, low part
  float p = 1.0f / 720.0f;
  p = p * f + 1.0f / 120.0f;
  p = p * f + 1.0f / 24.0f;
  p = p * f + 1.0f / 6.0f;
  p = p * f + 0.5f;
  p = p * f + 1.0f;
  p = p * f + 1.0f;
  int32_t pBits;
  std::memcpy(&pBits, &p, sizeof pBits);
  // kBits - bits(shifter) is k; adding k << 23 multiplies by 2^k.
  pBits += (kBits - 0x4B400000) * (1 << 23);
  float r;
  std::memcpy(&r, &pBits, sizeof r);
  return r;
}

/// torch.nn.functional.softplus, log(1 + e^x), with relative error below
/// 1e-6: max(x, 0) + log1p(e^-|x|), where log1p(y) = 2 atanh(y / (2 + y))
/// keeps full precision for tiny y and the atanh series converges fast
/// because y / (2 + y) <= 1/3.
inline float softplusApprox(float x) {
  float ax = x < 0.0f ? -x : x;
  float y = expApprox(-ax);
  float s = y / (2.0f + y);
  float s2 = s * s;
  float p = 1.0f / 13.0f;
  p = p * s2 + 1.0f / 11.0f;
  p = p * s2 + 1.0f / 9.0f;
  p = p * s2 + 1.0f / 7.0f;
  p = p * s2 + 1.0f / 5.0f;
  p = p * s2 + 1.0f / 3.0f;
  p = p * s2 + 1.0f;
  return (x > 0.0f ? x : 0.0f) + 2.0f * s * p;
}

/// x * sigmoid(x).
inline float siluApprox(float x) { return x / (1.0f + expApprox(-x)); }

} // namespace mamba::cpu

#endif // MAMBA_CPU_FAST_MATH_H

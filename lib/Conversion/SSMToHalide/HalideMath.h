//===- HalideMath.h - vectorizable exp, softplus and silu -------*- C++ -*-===//
//
// Halide lowers exp and log of f32 to scalar libm calls; these polynomial
// versions vectorize, with the accuracy of runtime/src/cpu/fast_math.h.
//
//===----------------------------------------------------------------------===//

#ifndef MAMBA_CONVERSION_SSMTOHALIDE_HALIDEMATH_H
#define MAMBA_CONVERSION_SSMTOHALIDE_HALIDEMATH_H

#include <Halide.h>

namespace mamba::halide {

/// e^x with relative error below 3e-7 for x in [-87, 88]; inputs outside
/// are clamped. Cody-Waite reduction x = k ln2 + f, |f| <= ln2/2, a degree-6
/// polynomial for e^f, and 2^k built in the exponent field.
inline Halide::Expr fastExp(Halide::Expr x) {
  using namespace Halide;
  x = clamp(x, -87.0f, 88.0f);
  Expr k = round(x * 1.44269504088896341f);
  Expr f = x - k * 0.693145751953125f; // ln2, high part: k * it is exact
  f = f - k * 1.428606765330187e-06f;  // ln2, low part
  Expr p = 1.0f / 720.0f;
  for (float c : {1.0f / 120.0f, 1.0f / 24.0f, 1.0f / 6.0f, 0.5f, 1.0f, 1.0f})
    p = p * f + c;
  Expr scale = reinterpret<float>((cast<int32_t>(k) + 127) << 23);
  return p * scale;
}

/// log(1 + e^x) with relative error below 1e-6: max(x, 0) + log1p(e^-|x|),
/// log1p(y) = 2 atanh(y / (2 + y)) as a series in s = y / (2 + y) <= 1/3.
/// Equals torch's softplus (threshold 20) to float precision.
inline Halide::Expr fastSoftplus(Halide::Expr x) {
  using namespace Halide;
  Expr y = fastExp(-abs(x));
  Expr s = y / (2.0f + y);
  Expr s2 = s * s;
  Expr p = 1.0f / 13.0f;
  for (float c :
       {1.0f / 11.0f, 1.0f / 9.0f, 1.0f / 7.0f, 1.0f / 5.0f, 1.0f / 3.0f, 1.0f})
    p = p * s2 + c;
  return max(x, 0.0f) + 2.0f * s * p;
}

/// x * sigmoid(x).
inline Halide::Expr fastSilu(Halide::Expr x) {
  return x / (1.0f + fastExp(-x));
}

} // namespace mamba::halide

#endif // MAMBA_CONVERSION_SSMTOHALIDE_HALIDEMATH_H

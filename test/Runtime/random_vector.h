// Seeded random test data and its BF16 rounding, with no CUDA: the GPU
// tests (through cuda_test_util.h) and the host-emulated kernel tests share
// it.
#ifndef MAMBA_TEST_RUNTIME_RANDOM_VECTOR_H
#define MAMBA_TEST_RUNTIME_RANDOM_VECTOR_H

#include "mamba/dtype.h"

#include <cstdint>
#include <random>
#include <vector>

namespace mamba::test {

/// n values uniform in [lo, hi), the same for the same seed.
inline std::vector<float> randomVector(size_t n, float lo, float hi,
                                       uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(rng);
  return v;
}

/// Rounds to BF16 in place (what a kernel reading BF16 will see) and
/// returns the bits.
inline std::vector<uint16_t> roundToBf16(std::vector<float> &v) {
  std::vector<uint16_t> bits(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    bits[i] = floatToBf16(v[i]);
    v[i] = bf16ToFloat(bits[i]);
  }
  return bits;
}

} // namespace mamba::test

#endif // MAMBA_TEST_RUNTIME_RANDOM_VECTOR_H

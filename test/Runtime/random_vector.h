// Seeded random test data, with no CUDA: the GPU tests (through
// cuda_test_util.h) and the host-emulated kernel tests share it.
#ifndef MAMBA_TEST_RUNTIME_RANDOM_VECTOR_H
#define MAMBA_TEST_RUNTIME_RANDOM_VECTOR_H

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

} // namespace mamba::test

#endif // MAMBA_TEST_RUNTIME_RANDOM_VECTOR_H

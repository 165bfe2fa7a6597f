// The emulated kernel tests' operands as the kernels' element types. Include
// it after the generated kernels (their prelude defines the 16-bit types).
#ifndef MAMBA_TEST_RUNTIME_EMULATED_VALUES_H
#define MAMBA_TEST_RUNTIME_EMULATED_VALUES_H

#include "random_vector.h"

#include <type_traits>
#include <vector>

namespace mamba::test {

/// `v` as elements of T: floats, or a BF16 type built from its bits (`v`
/// rounded in place to what they hold).
template <class T> std::vector<T> asElements(std::vector<float> &v) {
  if constexpr (std::is_same_v<T, float>) {
    return v;
  } else {
    std::vector<T> out;
    for (uint16_t bits : roundToBf16(v))
      out.push_back(T{bits});
    return out;
  }
}

} // namespace mamba::test

#endif // MAMBA_TEST_RUNTIME_EMULATED_VALUES_H

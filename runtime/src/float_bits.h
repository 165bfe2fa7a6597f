// A float's bit pattern and back (std::bit_cast is C++20; memcpy is the
// defined way in C++17 and compiles to a register move).
#ifndef MAMBA_FLOAT_BITS_H
#define MAMBA_FLOAT_BITS_H

#include <cstdint>
#include <cstring>

namespace mamba {

inline uint32_t bitsOf(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

inline float floatOf(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

} // namespace mamba

#endif // MAMBA_FLOAT_BITS_H

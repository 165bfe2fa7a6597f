// The C ABI of Halide's buffers (halide_buffer_t and the structs it holds),
// copied from Halide 14's HalideRuntime.h so the runtime can call AOT-compiled
// Halide kernels without Halide's headers. test/Conversion/Halide checks the
// layout against the real header.
#ifndef MAMBA_CPU_HALIDE_BUFFER_H
#define MAMBA_CPU_HALIDE_BUFFER_H

#include <cstdint>

namespace mamba::cpu::hl {

/// halide_type_code_t.
enum TypeCode : uint8_t { kInt = 0, kUInt = 1, kFloat = 2, kHandle = 3 };

struct halide_type_t {
  uint8_t code; // TypeCode
  uint8_t bits;
  uint16_t lanes;
};

struct halide_dimension_t {
  int32_t min, extent, stride;
  uint32_t flags;
};

struct halide_buffer_t {
  uint64_t device;
  const void *device_interface; // const halide_device_interface_t *
  uint8_t *host;
  uint64_t flags;
  halide_type_t type;
  int32_t dimensions;
  halide_dimension_t *dim;
  void *padding;
};

} // namespace mamba::cpu::hl

#endif // MAMBA_CPU_HALIDE_BUFFER_H

// The runtime's copy of Halide's buffer structs (runtime/src/cpu/
// halide_buffer.h) must match HalideRuntime.h byte for byte.
#include "halide_buffer.h"

#include <HalideRuntime.h>
#include <gtest/gtest.h>

#include <cstddef>

namespace hl = mamba::cpu::hl;

#define MAMBA_SAME_FIELD(S, f)                                                 \
  static_assert(offsetof(::S, f) == offsetof(hl::S, f), #S "::" #f);           \
  static_assert(sizeof(::S::f) == sizeof(hl::S::f), #S "::" #f " size")

static_assert(sizeof(::halide_type_t) == sizeof(hl::halide_type_t));
MAMBA_SAME_FIELD(halide_type_t, code);
MAMBA_SAME_FIELD(halide_type_t, bits);
MAMBA_SAME_FIELD(halide_type_t, lanes);

static_assert(sizeof(::halide_dimension_t) == sizeof(hl::halide_dimension_t));
MAMBA_SAME_FIELD(halide_dimension_t, min);
MAMBA_SAME_FIELD(halide_dimension_t, extent);
MAMBA_SAME_FIELD(halide_dimension_t, stride);
MAMBA_SAME_FIELD(halide_dimension_t, flags);

static_assert(sizeof(::halide_buffer_t) == sizeof(hl::halide_buffer_t));
static_assert(alignof(::halide_buffer_t) == alignof(hl::halide_buffer_t));
MAMBA_SAME_FIELD(halide_buffer_t, device);
MAMBA_SAME_FIELD(halide_buffer_t, device_interface);
MAMBA_SAME_FIELD(halide_buffer_t, host);
MAMBA_SAME_FIELD(halide_buffer_t, flags);
MAMBA_SAME_FIELD(halide_buffer_t, type);
MAMBA_SAME_FIELD(halide_buffer_t, dimensions);
MAMBA_SAME_FIELD(halide_buffer_t, dim);
MAMBA_SAME_FIELD(halide_buffer_t, padding);

TEST(HalideAbi, TypeCodesMatch) {
  EXPECT_EQ(static_cast<int>(halide_type_float), hl::kFloat);
  EXPECT_EQ(static_cast<int>(halide_type_int), hl::kInt);
  EXPECT_EQ(static_cast<int>(halide_type_uint), hl::kUInt);
  EXPECT_EQ(static_cast<int>(halide_type_handle), hl::kHandle);
}

// Unit tests of the F16/BF16 <-> F32 conversions, checked against IEEE
// definitions computed independently with ldexp.
#include "mamba/dtype.h"

#include <cmath>
#include <cstring>
#include <gtest/gtest.h>
#include <limits>

namespace mamba {
namespace {

/// binary16 decoded straight from the IEEE 754 definition.
double halfByDefinition(uint16_t h) {
  int sign = h >> 15, exponent = (h >> 10) & 0x1F, mantissa = h & 0x3FF;
  double v;
  if (exponent == 0)
    v = std::ldexp(mantissa, -24);
  else if (exponent == 31)
    v = mantissa ? NAN : INFINITY;
  else
    v = std::ldexp(1024 + mantissa, exponent - 25);
  return sign ? -v : v;
}

TEST(DType, NamesAndSizes) {
  EXPECT_EQ(parseDType("BF16"), DType::BF16);
  EXPECT_EQ(parseDType("F16"), DType::F16);
  EXPECT_EQ(parseDType("F32"), DType::F32);
  EXPECT_FALSE(parseDType("F64").has_value());
  EXPECT_FALSE(parseDType("f32").has_value());
  EXPECT_EQ(dtypeSize(DType::BF16), 2u);
  EXPECT_EQ(dtypeSize(DType::F32), 4u);
  EXPECT_STREQ(dtypeName(DType::F16), "F16");
}

TEST(DType, EveryHalfDecodesExactly) {
  for (uint32_t h = 0; h < 65536; ++h) {
    double expected = halfByDefinition(static_cast<uint16_t>(h));
    float got = halfToFloat(static_cast<uint16_t>(h));
    if (std::isnan(expected)) {
      EXPECT_TRUE(std::isnan(got)) << h;
      continue;
    }
    ASSERT_EQ(static_cast<double>(got), expected) << "bits 0x" << std::hex << h;
    ASSERT_EQ(std::signbit(got), (h & 0x8000) != 0) << h;
  }
}

TEST(DType, HalfRoundTripAndRounding) {
  for (uint32_t h = 0; h < 65536; ++h) {
    if ((h & 0x7C00) == 0x7C00 && (h & 0x3FF))
      continue; // NaN payloads are not required to round-trip
    ASSERT_EQ(floatToHalf(halfToFloat(static_cast<uint16_t>(h))), h) << h;
  }
  EXPECT_EQ(floatToHalf(65504.0f), 0x7BFF);
  EXPECT_EQ(floatToHalf(65519.0f), 0x7BFF);
  EXPECT_EQ(floatToHalf(65520.0f), 0x7C00); // tie to even overflows
  EXPECT_EQ(floatToHalf(1e10f), 0x7C00);
  EXPECT_EQ(floatToHalf(-INFINITY), 0xFC00);
  EXPECT_EQ(floatToHalf(1.0f + 0x1p-11f), 0x3C00); // tie -> even
  EXPECT_EQ(floatToHalf(1.0f + 0x1.8p-11f), 0x3C01);
  EXPECT_EQ(floatToHalf(0x1p-25f), 0x0000);            // tie -> even (zero)
  EXPECT_EQ(floatToHalf(0x1.8p-25f), 0x0001);          // smallest subnormal
  EXPECT_EQ(floatToHalf(0x1p-14f - 0x1p-25f), 0x0400); // rounds up to normal
  uint16_t nan = floatToHalf(NAN);
  EXPECT_TRUE(std::isnan(halfToFloat(nan)));
}

TEST(DType, Bf16) {
  EXPECT_EQ(bf16ToFloat(0x3F80), 1.0f);
  EXPECT_EQ(bf16ToFloat(0xC040), -3.0f);
  EXPECT_EQ(bf16ToFloat(0x0001), 0x1p-133f); // subnormal
  EXPECT_TRUE(std::isinf(bf16ToFloat(0x7F80)));
  EXPECT_TRUE(std::isnan(bf16ToFloat(0x7FC1)));
  EXPECT_EQ(floatToBf16(1.0f + 0x1p-8f), 0x3F80);   // tie -> even
  EXPECT_EQ(floatToBf16(1.0f + 0x1.8p-8f), 0x3F81); // 0.75 ulp rounds up
  EXPECT_EQ(floatToBf16(std::numeric_limits<float>::max()), 0x7F80);
  EXPECT_TRUE(std::isnan(bf16ToFloat(floatToBf16(NAN))));
  for (uint32_t b = 0; b < 65536; ++b) {
    float f = bf16ToFloat(static_cast<uint16_t>(b));
    if (std::isnan(f))
      continue;
    ASSERT_EQ(floatToBf16(f), b);
  }
}

TEST(DType, ConvertUnalignedBuffers) {
  unsigned char bytes[1 + 3 * 4];
  float values[3] = {1.5f, -2.25f, 1e-40f};
  std::memcpy(bytes + 1, values, sizeof values);
  float out[3];
  convertToF32(DType::F32, bytes + 1, 3, out);
  EXPECT_EQ(std::memcmp(out, values, sizeof values), 0);

  // Little-endian 16-bit: 0x3C00 = 1.0 (F16), 0x3F80 = 1.0 (BF16).
  const unsigned char half[] = {0, 0x00, 0x3C, 0x01, 0x00};
  convertToF32(DType::F16, half + 1, 2, out);
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], 0x1p-24f);
  const unsigned char bf[] = {0x80, 0x3F, 0x00, 0xC0};
  convertToF32(DType::BF16, bf, 2, out);
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], -2.0f);
}

} // namespace
} // namespace mamba

// Bit-exact conversions between float and the 16-bit storage formats.
#include "mamba/dtype.h"

#include "float_bits.h"

#include <cmath>
#include <cstring>

namespace mamba {

const char *dtypeName(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return "F32";
  case DType::F16:
    return "F16";
  case DType::BF16:
    return "BF16";
  }
  return "?";
}

size_t dtypeSize(DType dtype) { return dtype == DType::F32 ? 4 : 2; }

std::optional<DType> parseDType(std::string_view name) {
  if (name == "F32")
    return DType::F32;
  if (name == "F16")
    return DType::F16;
  if (name == "BF16")
    return DType::BF16;
  return std::nullopt;
}

float halfToFloat(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exponent = (h >> 10) & 0x1F;
  uint32_t mantissa = h & 0x3FF;
  if (exponent == 0x1F) // infinity or NaN; keep the payload
    return floatOf(sign | 0x7F800000 | (mantissa << 13));
  if (exponent == 0) {
    if (mantissa == 0)
      return floatOf(sign);
    // Subnormal: value = mantissa * 2^-24, exactly representable in float.
    float magnitude = static_cast<float>(mantissa) * 5.9604644775390625e-8f;
    return sign ? -magnitude : magnitude;
  }
  return floatOf(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

uint16_t floatToHalf(float f) {
  uint32_t u = bitsOf(f);
  uint16_t sign = static_cast<uint16_t>((u >> 16) & 0x8000);
  uint32_t absBits = u & 0x7FFFFFFF;
  if (absBits > 0x7F800000) // NaN: keep it quiet and non-zero
    return sign | 0x7E00 | static_cast<uint16_t>((absBits >> 13) & 0x3FF);
  if (absBits >= 0x477FF000) // rounds to >= 65520: infinity
    return sign | 0x7C00;
  if (absBits < 0x38800000) {
    // Result is subnormal (or zero): scale so the half ulp (2^-24) becomes 1
    // and let the FPU's round-to-nearest-even do the rounding.
    float magnitude = floatOf(absBits) * 16777216.0f;
    return sign | static_cast<uint16_t>(std::nearbyint(magnitude));
  }
  // Normal: rebias the exponent, round the 13 dropped bits to nearest even.
  uint32_t rounded = absBits + 0xFFF + ((absBits >> 13) & 1);
  return sign | static_cast<uint16_t>((rounded - 0x38000000) >> 13);
}

float bf16ToFloat(uint16_t b) {
  return floatOf(static_cast<uint32_t>(b) << 16);
}

uint16_t floatToBf16(float f) {
  uint32_t u = bitsOf(f);
  if ((u & 0x7FFFFFFF) > 0x7F800000)
    return static_cast<uint16_t>((u >> 16) | 0x0040);
  return static_cast<uint16_t>((u + 0x7FFF + ((u >> 16) & 1)) >> 16);
}

void convertToF32(DType dtype, const void *src, size_t count, float *dst) {
  const unsigned char *bytes = static_cast<const unsigned char *>(src);
  switch (dtype) {
  case DType::F32:
    std::memcpy(dst, src, count * sizeof(float));
    return;
  case DType::F16:
    for (size_t i = 0; i < count; ++i)
      dst[i] = halfToFloat(
          static_cast<uint16_t>(bytes[2 * i] | (bytes[2 * i + 1] << 8)));
    return;
  case DType::BF16:
    for (size_t i = 0; i < count; ++i)
      dst[i] = bf16ToFloat(
          static_cast<uint16_t>(bytes[2 * i] | (bytes[2 * i + 1] << 8)));
    return;
  }
}

} // namespace mamba

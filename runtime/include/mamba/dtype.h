// Element types of stored weights (F32, F16, BF16) and exact conversions
// between them and float.
#ifndef MAMBA_DTYPE_H
#define MAMBA_DTYPE_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace mamba {

enum class DType { F32, F16, BF16 };

/// The safetensors spelling: "F32", "F16", "BF16".
const char *dtypeName(DType dtype);
/// Bytes per element.
size_t dtypeSize(DType dtype);
/// Parses a safetensors dtype name; nullopt for names we do not support.
std::optional<DType> parseDType(std::string_view name);

/// IEEE binary16 to float; exact, including subnormals, infinities and NaN.
float halfToFloat(uint16_t h);
/// float to IEEE binary16, round to nearest even; overflow gives infinity.
uint16_t floatToHalf(float f);
/// bfloat16 to float (exact: bf16 is the top half of a float).
float bf16ToFloat(uint16_t b);
/// float to bfloat16, round to nearest even; NaN stays NaN.
uint16_t floatToBf16(float f);

/// Converts `count` little-endian elements of `dtype` at `src` (any alignment)
/// to float.
void convertToF32(DType dtype, const void *src, size_t count, float *dst);

} // namespace mamba

#endif // MAMBA_DTYPE_H

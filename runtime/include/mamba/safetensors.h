// Reading (mmap, fully validated) and writing of .safetensors weight files.
#ifndef MAMBA_SAFETENSORS_H
#define MAMBA_SAFETENSORS_H

#include "mamba/dtype.h"
#include "mamba/status.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mamba {

/// One tensor entry of a safetensors header. Offsets are relative to the
/// start of the data region (just after the header).
struct TensorInfo {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  uint64_t begin = 0;
  uint64_t end = 0;

  int64_t numel() const;
};

/// "[2, 3]".
std::string formatShape(const std::vector<int64_t> &shape);

/// A memory-mapped safetensors file whose header has been validated in full
/// before any tensor data is read. Move-only; unmaps on destruction.
class SafetensorsFile {
public:
  /// Maps and validates `path`. Every error message starts with the path and,
  /// where one is involved, names the tensor.
  static Expected<SafetensorsFile> open(const std::string &path);

  SafetensorsFile(SafetensorsFile &&other) noexcept;
  SafetensorsFile &operator=(SafetensorsFile &&other) noexcept;
  SafetensorsFile(const SafetensorsFile &) = delete;
  SafetensorsFile &operator=(const SafetensorsFile &) = delete;
  ~SafetensorsFile();

  const std::string &path() const { return path_; }
  /// Tensors in header order.
  const std::vector<TensorInfo> &tensors() const { return tensors_; }
  const TensorInfo *find(std::string_view name) const;
  /// The string pairs of "__metadata__" (empty when absent).
  const std::vector<std::pair<std::string, std::string>> &metadata() const {
    return metadata_;
  }
  /// The tensor's raw little-endian bytes inside the mapping (may be
  /// unaligned).
  const unsigned char *rawData(const TensorInfo &info) const {
    return data_ + info.begin;
  }
  /// Converts the tensor to float into `dst` (numel() elements).
  void readF32(const TensorInfo &info, float *dst) const;
  std::vector<float> readF32(const TensorInfo &info) const;

private:
  SafetensorsFile() = default;
  void unmap();

  std::string path_;
  void *mapping_ = nullptr;
  size_t mappingSize_ = 0;
  const unsigned char *data_ = nullptr;
  std::vector<TensorInfo> tensors_;
  std::vector<std::pair<std::string, std::string>> metadata_;
};

/// A tensor to write: raw little-endian bytes of `dtype`.
struct TensorData {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::vector<unsigned char> bytes;
};

/// Builds a TensorData from floats, rounding to `dtype` (nearest even).
TensorData makeTensorData(std::string name, std::vector<int64_t> shape,
                          const std::vector<float> &values,
                          DType dtype = DType::F32);

/// The bytes of a safetensors file holding `tensors` (in that order, data
/// contiguous, header padded with spaces to a multiple of 8).
std::vector<unsigned char> serializeSafetensors(
    const std::vector<TensorData> &tensors,
    const std::vector<std::pair<std::string, std::string>> &metadata = {});

/// Writes bytes to `path`; the error names the file.
Status writeFileBytes(const std::string &path,
                      const std::vector<unsigned char> &bytes);

/// serializeSafetensors + writeFileBytes.
Status writeSafetensors(
    const std::string &path, const std::vector<TensorData> &tensors,
    const std::vector<std::pair<std::string, std::string>> &metadata = {});

} // namespace mamba

#endif // MAMBA_SAFETENSORS_H

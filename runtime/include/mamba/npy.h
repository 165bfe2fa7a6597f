// NumPy .npy files of float32: written for --logits-out, read by the golden
// tests.
#ifndef MAMBA_NPY_H
#define MAMBA_NPY_H

#include "mamba/status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mamba {

/// Writes a C-order little-endian float32 array (format version 1.0).
Status writeNpyF32(const std::string &path, const float *data,
                   const std::vector<int64_t> &shape);

struct NpyArray {
  std::vector<int64_t> shape;
  std::vector<float> data;
};

/// Reads a C-order '<f4' array (format versions 1.0-3.0); other element
/// types and Fortran order are errors naming the file.
Expected<NpyArray> readNpyF32(const std::string &path);

} // namespace mamba

#endif // MAMBA_NPY_H

// The projections on the GPU: row-major y = x * w^T through cuBLAS, F32 or
// BF16 inputs with F32 output and accumulation.
#ifndef MAMBA_CUDA_BLAS_H
#define MAMBA_CUDA_BLAS_H

#include "device.h"
#include "mamba/dtype.h"
#include "mamba/status.h"

#include <cstdint>
#include <cuda.h>
#include <memory>

namespace mamba::cuda {

struct CublasApi;

class Blas {
public:
  /// A handle bound to dev's stream, with a workspace of its own in device
  /// memory (32 MiB suits Hopper): cuBLAS then never allocates, which a
  /// graph capture does not allow.
  static Expected<std::unique_ptr<Blas>> create(Device &dev);
  ~Blas();

  /// y[m, n] (F32, stride ldy) = x[m, k] (stride ldx) * w[n, k]^T + beta * y;
  /// x and w both of element type `type`.
  Status linear(DType type, const void *x, int64_t ldx, const void *w, float *y,
                int64_t ldy, int64_t m, int64_t n, int64_t k,
                float beta = 0.0f);

private:
  Blas() = default;
  const CublasApi *api_ = nullptr;
  void *handle_ = nullptr;
  DeviceBuffer workspace_;
};

} // namespace mamba::cuda

#endif // MAMBA_CUDA_BLAS_H

// cuBLAS GEMMs for the projections. cuBLAS is column-major: the row-major
// product y = x w^T is the column-major y^T = w^T x^T, i.e. (T, N) below.
#include "blas.h"

#include "libraries.h"

#include <string>

namespace mamba::cuda {
namespace {

Status blasStatus(const CublasApi &api, cublasStatus_t s,
                  const std::string &what) {
  if (s == CUBLAS_STATUS_SUCCESS)
    return Status::success();
  if (s == CUBLAS_STATUS_ALLOC_FAILED)
    return Status::error("out of device memory: " + what);
  return Status::error(what + ": " + api.cublasGetStatusString(s));
}

cublasHandle_t h(void *p) { return static_cast<cublasHandle_t>(p); }

} // namespace

Expected<std::unique_ptr<Blas>> Blas::create(Device &dev) {
  Expected<const CublasApi *> loaded = loadCublas();
  if (!loaded.ok())
    return loaded.status();
  const CublasApi &api = *loaded.value();
  std::unique_ptr<Blas> b(new Blas());
  b->api_ = &api;
  cublasHandle_t handle = nullptr;
  MAMBA_RETURN_IF_ERROR(
      blasStatus(api, api.cublasCreate(&handle), "cublasCreate"));
  b->handle_ = handle;
  MAMBA_RETURN_IF_ERROR(blasStatus(
      api, api.cublasSetStream(handle, dev.stream()), "cublasSetStream"));
  // Plain F32 arithmetic for F32 inputs: TF32 would break the 1e-4 contract.
  MAMBA_RETURN_IF_ERROR(
      blasStatus(api, api.cublasSetMathMode(handle, CUBLAS_DEFAULT_MATH),
                 "cublasSetMathMode"));
  constexpr size_t kWorkspace = 32u << 20;
  Expected<DeviceBuffer> workspace =
      dev.alloc(kWorkspace, "the cuBLAS workspace");
  if (!workspace.ok())
    return workspace.status();
  b->workspace_ = std::move(workspace).value();
  MAMBA_RETURN_IF_ERROR(blasStatus(
      api, api.cublasSetWorkspace(handle, b->workspace_.as<void>(), kWorkspace),
      "cublasSetWorkspace"));
  return b;
}

Blas::~Blas() {
  if (handle_)
    api_->cublasDestroy(h(handle_));
}

Status Blas::linear(DType type, const void *x, int64_t ldx, const void *w,
                    float *y, int64_t ldy, int64_t m, int64_t n, int64_t k,
                    float beta) {
  if (type == DType::F16)
    return Status::error("cuBLAS projections support F32 and BF16 weights");
  const cudaDataType t = type == DType::BF16 ? CUDA_R_16BF : CUDA_R_32F;
  const float alpha = 1.0f;
  return blasStatus(*api_,
                    api_->cublasGemmEx(h(handle_), CUBLAS_OP_T, CUBLAS_OP_N,
                                       static_cast<int>(n), static_cast<int>(m),
                                       static_cast<int>(k), &alpha, w, t,
                                       static_cast<int>(k), x, t,
                                       static_cast<int>(ldx), &beta, y,
                                       CUDA_R_32F, static_cast<int>(ldy),
                                       CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
                    "cublasGemmEx (" + std::to_string(m) + "x" +
                        std::to_string(n) + "x" + std::to_string(k) + ")");
}

} // namespace mamba::cuda

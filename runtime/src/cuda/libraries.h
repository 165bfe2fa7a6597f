// NVRTC and cuBLAS loaded at run time (like the driver): a CPU-only run of a
// binary built with CUDA support maps none of these large libraries.
#ifndef MAMBA_CUDA_LIBRARIES_H
#define MAMBA_CUDA_LIBRARIES_H

#include "dynamic_library.h"
#include "mamba/status.h"

#include <cublas_v2.h>
#include <nvrtc.h>

namespace mamba::cuda {

struct NvrtcApi {
#define MAMBA_NVRTC_FUNCTIONS(X)                                               \
  X(nvrtcVersion)                                                              \
  X(nvrtcGetErrorString)                                                       \
  X(nvrtcCreateProgram)                                                        \
  X(nvrtcDestroyProgram)                                                       \
  X(nvrtcCompileProgram)                                                       \
  X(nvrtcGetProgramLogSize)                                                    \
  X(nvrtcGetProgramLog)                                                        \
  X(nvrtcGetPTXSize)                                                           \
  X(nvrtcGetPTX)                                                               \
  X(nvrtcGetCUBINSize)                                                         \
  X(nvrtcGetCUBIN)
  MAMBA_NVRTC_FUNCTIONS(MAMBA_CUDA_DECLARE)
};

struct CublasApi {
#define MAMBA_CUBLAS_FUNCTIONS(X)                                              \
  X(cublasCreate)                                                              \
  X(cublasDestroy)                                                             \
  X(cublasSetStream)                                                           \
  X(cublasSetMathMode)                                                         \
  X(cublasSetWorkspace)                                                        \
  X(cublasGetStatusString)
  MAMBA_CUBLAS_FUNCTIONS(MAMBA_CUDA_DECLARE)
  /// C++ overloads cublasGemmEx, so its pointer type is spelled out: the
  /// exported C symbol, with cublasComputeType_t.
  using GemmEx = cublasStatus_t (*)(cublasHandle_t, cublasOperation_t,
                                    cublasOperation_t, int, int, int,
                                    const void *, const void *, cudaDataType,
                                    int, const void *, cudaDataType, int,
                                    const void *, void *, cudaDataType, int,
                                    cublasComputeType_t, cublasGemmAlgo_t);
  GemmEx cublasGemmEx = nullptr;
};

/// Loaded once; the error says "no NVRTC" / "no cuBLAS" with the reason.
Expected<const NvrtcApi *> loadNvrtc();
Expected<const CublasApi *> loadCublas();

} // namespace mamba::cuda

#endif // MAMBA_CUDA_LIBRARIES_H

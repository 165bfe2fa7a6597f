// The CUDA driver API loaded at run time with dlopen, so the runtime builds
// and its CPU path runs on machines without libcuda.so.1.
#ifndef MAMBA_CUDA_DRIVER_H
#define MAMBA_CUDA_DRIVER_H

#include "dynamic_library.h"
#include "mamba/status.h"

#include <cuda.h>

namespace mamba::cuda {

/// The driver entry points the runtime uses, resolved by their versioned
/// names (cuda.h maps e.g. cuMemAlloc to cuMemAlloc_v2).
struct DriverApi {
#define MAMBA_CUDA_DRIVER_FUNCTIONS(X)                                         \
  X(cuInit)                                                                    \
  X(cuDriverGetVersion)                                                        \
  X(cuGetErrorName)                                                            \
  X(cuGetErrorString)                                                          \
  X(cuDeviceGetCount)                                                          \
  X(cuDeviceGet)                                                               \
  X(cuDeviceGetName)                                                           \
  X(cuDeviceGetAttribute)                                                      \
  X(cuDevicePrimaryCtxRetain)                                                  \
  X(cuDevicePrimaryCtxRelease)                                                 \
  X(cuCtxSetCurrent)                                                           \
  X(cuStreamCreate)                                                            \
  X(cuStreamDestroy)                                                           \
  X(cuStreamSynchronize)                                                       \
  X(cuMemAlloc)                                                                \
  X(cuMemFree)                                                                 \
  X(cuMemGetInfo)                                                              \
  X(cuMemHostAlloc)                                                            \
  X(cuMemFreeHost)                                                             \
  X(cuMemcpyHtoDAsync)                                                         \
  X(cuMemcpyDtoHAsync)                                                         \
  X(cuMemcpyDtoDAsync)                                                         \
  X(cuMemsetD8Async)                                                           \
  X(cuModuleLoadData)                                                          \
  X(cuModuleUnload)                                                            \
  X(cuModuleGetFunction)                                                       \
  X(cuLaunchKernel)                                                            \
  X(cuEventCreate)                                                             \
  X(cuEventDestroy)                                                            \
  X(cuEventRecord)                                                             \
  X(cuEventSynchronize)                                                        \
  X(cuEventElapsedTime)                                                        \
  X(cuStreamBeginCapture)                                                      \
  X(cuStreamEndCapture)                                                        \
  X(cuGraphInstantiateWithFlags)                                               \
  X(cuGraphLaunch)                                                             \
  X(cuGraphExecDestroy)                                                        \
  X(cuGraphDestroy)
  MAMBA_CUDA_DRIVER_FUNCTIONS(MAMBA_CUDA_DECLARE)
  /// Optional (CUDA 12+ drivers): null where the driver lacks it; launches
  /// with attributes (programmatic dependent launch) then are not made.
  decltype(&::cuLaunchKernelEx) cuLaunchKernelEx = nullptr;
};

/// dlopens libcuda.so.1 once and resolves every entry point; the error says
/// "no CUDA driver" with the loader's reason.
Expected<const DriverApi *> loadDriver();

/// "what: CUDA_ERROR_X (description)", or ok for CUDA_SUCCESS.
Status driverStatus(const DriverApi &api, CUresult result,
                    const std::string &what);

} // namespace mamba::cuda

#endif // MAMBA_CUDA_DRIVER_H

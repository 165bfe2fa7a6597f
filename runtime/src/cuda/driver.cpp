// Loads the CUDA driver with dlopen: linking libcuda would stop every
// runtime binary from starting on a machine with no NVIDIA driver.
#include "driver.h"

#include "dynamic_library.h"

#include <dlfcn.h>
#include <mutex>

namespace mamba::cuda {
namespace {

Expected<const DriverApi *> load() {
  Expected<void *> opened = openLibrary({"libcuda.so.1"}, "CUDA driver");
  if (!opened.ok())
    return opened.status();
  void *lib = opened.value();
  static DriverApi api;
  std::string missing;
  MAMBA_CUDA_DRIVER_FUNCTIONS(MAMBA_CUDA_RESOLVE)
  if (!missing.empty())
    return Status::error("the CUDA driver is too old: libcuda.so.1 lacks " +
                         missing);
  api.cuLaunchKernelEx = reinterpret_cast<decltype(api.cuLaunchKernelEx)>(
      dlsym(lib, MAMBA_CUDA_STR(cuLaunchKernelEx)));
  return &api;
}

} // namespace

Expected<const DriverApi *> loadDriver() {
  static std::once_flag once;
  static std::optional<Expected<const DriverApi *>> result;
  std::call_once(once, [] { result.emplace(load()); });
  return *result;
}

Status driverStatus(const DriverApi &api, CUresult result,
                    const std::string &what) {
  if (result == CUDA_SUCCESS)
    return Status::success();
  const char *name = nullptr, *text = nullptr;
  api.cuGetErrorName(result, &name);
  api.cuGetErrorString(result, &text);
  if (result == CUDA_ERROR_OUT_OF_MEMORY)
    return Status::error("out of device memory: " + what);
  return Status::error(what + ": " + (name ? name : "CUDA error") + " (" +
                       (text ? text : "no description") + ")");
}

} // namespace mamba::cuda

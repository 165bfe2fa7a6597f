// Loads the CUDA driver with dlopen: linking libcuda would stop every
// runtime binary from starting on a machine with no NVIDIA driver.
#include "driver.h"

#include <dlfcn.h>
#include <mutex>

namespace mamba::cuda {
namespace {

// Expands a macro name first, so cuMemAlloc resolves as "cuMemAlloc_v2".
#define MAMBA_CUDA_STR2(x) #x
#define MAMBA_CUDA_STR(x) MAMBA_CUDA_STR2(x)

Expected<const DriverApi *> load() {
  void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char *why = dlerror();
    return Status::error(std::string("no CUDA driver: cannot load "
                                     "libcuda.so.1 (") +
                         (why ? why : "unknown reason") + ")");
  }
  static DriverApi api;
  std::string missing;
#define MAMBA_CUDA_RESOLVE(fn)                                                 \
  api.fn = reinterpret_cast<decltype(api.fn)>(dlsym(lib, MAMBA_CUDA_STR(fn))); \
  if (!api.fn)                                                                 \
    missing += std::string(missing.empty() ? "" : ", ") + MAMBA_CUDA_STR(fn);
  MAMBA_CUDA_DRIVER_FUNCTIONS(MAMBA_CUDA_RESOLVE)
#undef MAMBA_CUDA_RESOLVE
  if (!missing.empty())
    return Status::error("the CUDA driver is too old: libcuda.so.1 lacks " +
                         missing);
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

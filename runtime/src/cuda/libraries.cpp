// Resolves the NVRTC and cuBLAS entry points the runtime uses.
#include "libraries.h"

#include <dlfcn.h>
#include <mutex>
#include <optional>

namespace mamba::cuda {
namespace {

template <typename Api, typename Resolve>
Expected<const Api *> loadOnce(const std::string &stem, const std::string &what,
                               Resolve resolve) {
  static std::once_flag once;
  static std::optional<Expected<const Api *>> result;
  std::call_once(once, [&] {
    Expected<void *> lib = openLibrary(toolkitLibraryNames(stem), what);
    if (!lib.ok()) {
      result.emplace(lib.status());
      return;
    }
    static Api api;
    std::string missing = resolve(lib.value(), api);
    if (!missing.empty())
      result.emplace(Status::error("the " + what + " library lacks " + missing +
                                   "; it is older than CUDA " +
                                   std::to_string(MAMBA_CUDA_MAJOR_VERSION)));
    else
      result.emplace(&api);
  });
  return *result;
}

} // namespace

Expected<const NvrtcApi *> loadNvrtc() {
  return loadOnce<NvrtcApi>("nvrtc", "NVRTC", [](void *lib, NvrtcApi &api) {
    std::string missing;
    MAMBA_NVRTC_FUNCTIONS(MAMBA_CUDA_RESOLVE)
    return missing;
  });
}

Expected<const CublasApi *> loadCublas() {
  return loadOnce<CublasApi>("cublas", "cuBLAS", [](void *lib, CublasApi &api) {
    std::string missing;
    MAMBA_CUBLAS_FUNCTIONS(MAMBA_CUDA_RESOLVE)
    MAMBA_CUDA_RESOLVE(cublasGemmEx)
    return missing;
  });
}

} // namespace mamba::cuda

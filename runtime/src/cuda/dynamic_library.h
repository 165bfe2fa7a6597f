// Opens CUDA libraries with dlopen at run time and resolves their entry
// points, so that CPU-only runs neither need nor map the CUDA libraries.
#ifndef MAMBA_CUDA_DYNAMIC_LIBRARY_H
#define MAMBA_CUDA_DYNAMIC_LIBRARY_H

#include "mamba/status.h"

#include <string>
#include <vector>

namespace mamba::cuda {

/// dlopens the first of `names` that loads; the error names `what` and the
/// loader's reason for the last candidate.
Expected<void *> openLibrary(const std::vector<std::string> &names,
                             const std::string &what);

/// The candidates for a toolkit library such as "nvrtc": the versioned
/// soname on the loader's path, then in the toolkit the build used.
std::vector<std::string> toolkitLibraryNames(const std::string &stem);

// Expands a macro name first, so that a name cuda.h or cublas_v2.h maps to a
// versioned symbol (cuMemAlloc -> cuMemAlloc_v2) resolves as that symbol.
#define MAMBA_CUDA_STR2(x) #x
#define MAMBA_CUDA_STR(x) MAMBA_CUDA_STR2(x)

/// Declares one function-pointer member per entry point of an X-macro list.
#define MAMBA_CUDA_DECLARE(fn) decltype(&::fn) fn = nullptr;

/// Resolves every entry point of `api` from `lib`, collecting missing names.
#define MAMBA_CUDA_RESOLVE(fn)                                                 \
  api.fn = reinterpret_cast<decltype(api.fn)>(dlsym(lib, MAMBA_CUDA_STR(fn))); \
  if (!api.fn)                                                                 \
    missing += std::string(missing.empty() ? "" : ", ") + MAMBA_CUDA_STR(fn);

} // namespace mamba::cuda

#endif // MAMBA_CUDA_DYNAMIC_LIBRARY_H

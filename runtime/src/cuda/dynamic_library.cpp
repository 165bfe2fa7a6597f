// dlopen with the candidates of a CUDA library and a clear error.
#include "dynamic_library.h"

#include <dlfcn.h>

namespace mamba::cuda {

Expected<void *> openLibrary(const std::vector<std::string> &names,
                             const std::string &what) {
  std::string reason = "no candidate";
  for (const std::string &name : names) {
    if (void *lib = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL))
      return lib;
    const char *why = dlerror();
    reason = why ? why : "unknown reason";
  }
  return Status::error("no " + what + ": cannot load " + names.front() + " (" +
                       reason + ")");
}

std::vector<std::string> toolkitLibraryNames(const std::string &stem) {
  const std::string soname =
      "lib" + stem + ".so." + std::to_string(MAMBA_CUDA_MAJOR_VERSION);
  return {soname, std::string(MAMBA_CUDA_LIBRARY_DIR) + "/" + soname};
}

} // namespace mamba::cuda

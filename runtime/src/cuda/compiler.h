// CUDA C to device code: NVRTC compilation, and a persistent on-disk cache
// so that a second start compiles nothing.
#ifndef MAMBA_CUDA_COMPILER_H
#define MAMBA_CUDA_COMPILER_H

#include "mamba/status.h"

#include <string>

namespace mamba::cuda {

/// Compiles `source` with NVRTC. `arch` "sm_90" gives a cubin, "compute_90"
/// gives PTX (needs no GPU). A compile error returns NVRTC's log, whose lines
/// start with "programName(line)", and saves the source next to the cache so
/// the line can be looked up.
Expected<std::string> compileCuda(const std::string &source,
                                  const std::string &programName,
                                  const std::string &arch);

/// "major.minor" of the linked NVRTC.
std::string nvrtcVersionString();

/// $MAMBA_CACHE_DIR, else $HOME/.cache/mamba, else empty (no cache).
std::string defaultCacheDir();

struct CompileReport {
  bool cacheHit = false;
  double seconds = 0; ///< compile, or cache lookup and read
  std::string path;   ///< the cache file, empty without a cache
};

/// compileCuda through the cache in `cacheDir` (empty: no cache). The key
/// hashes the source, the options, the architecture, the driver version and
/// the NVRTC version; entries are written atomically (temp file + rename).
Expected<std::string> compileCached(const std::string &source,
                                    const std::string &programName,
                                    const std::string &arch, int driverVersion,
                                    const std::string &cacheDir,
                                    CompileReport *report);

} // namespace mamba::cuda

#endif // MAMBA_CUDA_COMPILER_H

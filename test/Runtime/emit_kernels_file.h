// What the emulated tests' generators share: writing emitted kernels to a
// file, with an error message and a non-zero status for a kernel that
// could not be emitted or a file that could not be written.
#ifndef MAMBA_TEST_RUNTIME_EMIT_KERNELS_FILE_H
#define MAMBA_TEST_RUNTIME_EMIT_KERNELS_FILE_H

#include "mamba/codegen/cuda_emitter.h"

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace mamba::test {

/// Writes `kernels` to `path` (after the prelude, with `prelude`); 0, or 1
/// after printing "TOOL: error: ..." to stderr.
inline int writeKernels(const char *tool, const std::string &path,
                        const std::vector<codegen::cuda::Emitted> &kernels,
                        bool prelude) {
  std::ofstream out(path);
  if (prelude)
    out << codegen::cuda::emitPrelude();
  for (const codegen::cuda::Emitted &e : kernels) {
    if (!e.ok()) {
      std::fprintf(stderr, "%s: error: %s\n", tool, e.error.c_str());
      return 1;
    }
    out << "\n" << e.source;
  }
  out.close();
  if (!out) {
    std::fprintf(stderr, "%s: error: cannot write %s\n", tool, path.c_str());
    return 1;
  }
  return 0;
}

} // namespace mamba::test

#endif // MAMBA_TEST_RUNTIME_EMIT_KERNELS_FILE_H

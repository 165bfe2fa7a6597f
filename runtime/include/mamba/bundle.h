// A model package appended to an executable: mamba-compile
// --emit=executable copies mamba-run and appends the package's files after
// it, with an index and a trailer; the copy finds them in itself at start.
#ifndef MAMBA_BUNDLE_H
#define MAMBA_BUNDLE_H

#include "mamba/status.h"

#include <string>
#include <utility>
#include <vector>

namespace mamba::bundle {

/// Writes `launcher` followed by `files` (name in the package, path on disk)
/// to `output`, executable. Names are plain file names.
Status
writeExecutable(const std::string &launcher,
                const std::vector<std::pair<std::string, std::string>> &files,
                const std::string &output);

/// If `executable` carries a package, extracts its files into a new
/// directory under `tmpRoot` and returns that directory; returns an empty
/// string when there is none. A damaged bundle is an error.
Expected<std::string> extractPackage(const std::string &executable,
                                     const std::string &tmpRoot);

} // namespace mamba::bundle

#endif // MAMBA_BUNDLE_H

//===- PluginLoader.h - checked loading of pass and dialect plugins -*- C++
//-*-===//
//
// Loads the plugins named on the command line before the driver parses its
// options, and refuses any plugin built against another MLIR.
//
//===----------------------------------------------------------------------===//

#ifndef MAMBA_OPT_PLUGINLOADER_H
#define MAMBA_OPT_PLUGINLOADER_H

#include "mlir/IR/DialectRegistry.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace mamba {

/// Removes every `--load-pass-plugin[=]PATH` and `--load-dialect-plugin[=]PATH`
/// from `args` and loads the plugins in order: pass plugins register their
/// passes, dialect plugins extend `registry`. Fails on the first plugin that
/// cannot be loaded or was built for another MLIR version.
llvm::Error loadPluginsFromArgs(std::vector<char *> &args,
                                mlir::DialectRegistry &registry);

} // namespace mamba

#endif // MAMBA_OPT_PLUGINLOADER_H

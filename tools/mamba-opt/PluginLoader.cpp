//===- PluginLoader.cpp - checked loading of pass and dialect plugins -----===//
//
// MLIR's own loader only warns and goes on when a plugin fails to load; a
// compiler that silently runs without a requested pass is wrong, so
// mamba-opt loads plugins itself and stops with an error instead.
//
//===----------------------------------------------------------------------===//

#include "PluginLoader.h"

#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Config/llvm-config.h"

using namespace llvm;

namespace {
enum class PluginKind { Pass, Dialect };

/// Plugins declare the LLVM/MLIR version they were compiled against; symbols
/// and object layouts change between versions, so only an exact match is
/// safe to call into.
Error checkVersion(StringRef kind, StringRef path, StringRef name,
                   StringRef version) {
  if (version == LLVM_VERSION_STRING)
    return Error::success();
  return createStringError(
      inconvertibleErrorCode(),
      "%s plugin '%s' (%s) was built against MLIR %s, but this mamba-opt uses "
      "MLIR %s; rebuild the plugin against MLIR %s",
      kind.str().c_str(), path.str().c_str(), name.str().c_str(),
      version.str().c_str(), LLVM_VERSION_STRING, LLVM_VERSION_STRING);
}

Error loadPlugin(PluginKind kind, const std::string &path,
                 mlir::DialectRegistry &registry) {
  if (kind == PluginKind::Pass) {
    auto plugin = mlir::PassPlugin::load(path);
    if (!plugin)
      return createStringError(inconvertibleErrorCode(),
                               "cannot load pass plugin '%s': %s", path.c_str(),
                               toString(plugin.takeError()).c_str());
    if (Error e = checkVersion("pass", path, plugin->getPluginName(),
                               plugin->getPluginVersion()))
      return e;
    plugin->registerPassRegistryCallbacks();
    return Error::success();
  }
  auto plugin = mlir::DialectPlugin::load(path);
  if (!plugin)
    return createStringError(
        inconvertibleErrorCode(), "cannot load dialect plugin '%s': %s",
        path.c_str(), toString(plugin.takeError()).c_str());
  if (Error e = checkVersion("dialect", path, plugin->getPluginName(),
                             plugin->getPluginVersion()))
    return e;
  plugin->registerDialectRegistryCallbacks(registry);
  return Error::success();
}

/// Recognizes `-opt=VALUE`, `--opt=VALUE`, `-opt VALUE` and `--opt VALUE`.
/// Returns true and sets `value` (and advances `i` past a separate value).
bool matchOption(const std::vector<char *> &args, size_t &i, StringRef name,
                 std::string &value, bool &missing) {
  StringRef arg = args[i];
  if (!arg.consume_front("--") && !arg.consume_front("-"))
    return false;
  if (!arg.consume_front(name))
    return false;
  if (arg.consume_front("=")) {
    value = arg.str();
    missing = value.empty();
    return true;
  }
  if (!arg.empty())
    return false;
  missing = i + 1 >= args.size();
  if (!missing)
    value = args[++i];
  return true;
}
} // namespace

Error mamba::loadPluginsFromArgs(std::vector<char *> &args,
                                 mlir::DialectRegistry &registry) {
  std::vector<char *> kept;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string value;
    bool missing = false;
    PluginKind kind;
    StringRef option;
    if (matchOption(args, i, "load-pass-plugin", value, missing)) {
      kind = PluginKind::Pass;
      option = "--load-pass-plugin";
    } else if (matchOption(args, i, "load-dialect-plugin", value, missing)) {
      kind = PluginKind::Dialect;
      option = "--load-dialect-plugin";
    } else {
      kept.push_back(args[i]);
      continue;
    }
    if (missing)
      return createStringError(inconvertibleErrorCode(),
                               "%s expects a path to a shared library",
                               option.str().c_str());
    if (Error e = loadPlugin(kind, value, registry))
      return e;
  }
  args = std::move(kept);
  return Error::success();
}

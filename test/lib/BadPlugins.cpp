//===- BadPlugins.cpp - plugins that mamba-opt must refuse ----------------===//
//
// Built twice: with MAMBA_BAD_BadApi it speaks an unknown plugin API version;
// with MAMBA_BAD_WrongVersion it claims to be built against another MLIR.
// Their callbacks must never run.
//
//===----------------------------------------------------------------------===//

#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"

#include <cstdlib>

#ifdef MAMBA_BAD_BadApi
static constexpr uint32_t kApiVersion = MLIR_PLUGIN_API_VERSION + 998;
static constexpr const char *kBuiltAgainst = LLVM_VERSION_STRING;
#else
static constexpr uint32_t kApiVersion = MLIR_PLUGIN_API_VERSION;
static constexpr const char *kBuiltAgainst = "19.1.7";
#endif

extern "C" LLVM_ATTRIBUTE_WEAK mlir::PassPluginLibraryInfo
mlirGetPassPluginInfo() {
  return {kApiVersion, "MambaBadPlugin", kBuiltAgainst, [] { std::abort(); }};
}

extern "C" LLVM_ATTRIBUTE_WEAK mlir::DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {kApiVersion, "MambaBadPlugin", kBuiltAgainst,
          [](mlir::DialectRegistry *) { std::abort(); }};
}

//===- ExamplePlugin.cpp - entry points of the example plugin -------------===//
//
// Exports both plugin entry points: as a pass plugin it registers the example
// pass; as a dialect plugin it registers the ssm dialect, which lets upstream
// mlir-opt read ssm IR.
//
//===----------------------------------------------------------------------===//

#include "AnnotateCost.h"

#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "ssm/IR/SSMDialect.h"
#include "llvm/Config/llvm-config.h"

extern "C" LLVM_ATTRIBUTE_WEAK mlir::PassPluginLibraryInfo
mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "MambaExamplePlugin", LLVM_VERSION_STRING,
          [] { mlir::registerPass(mamba::example::createAnnotateCostPass); }};
}

extern "C" LLVM_ATTRIBUTE_WEAK mlir::DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "MambaExamplePlugin", LLVM_VERSION_STRING,
          [](mlir::DialectRegistry *registry) {
            registry->insert<mlir::ssm::SSMDialect>();
          }};
}

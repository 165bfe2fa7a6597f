//===- HFImport.h - Hugging Face config.json to a model spec ----*- C++ -*-===//
//
// Turns a config.json of model_type "mamba" or "mamba2" into the AST of the
// equivalent spec: an import of the standard library and a model that sets
// its hyper-parameters. Keys that are unknown, contradict each other or
// that the spec cannot honor are reported by name.
//
//===----------------------------------------------------------------------===//

#ifndef MAMBA_FRONTEND_HFIMPORT_H
#define MAMBA_FRONTEND_HFIMPORT_H

#include "AST.h"

#include "mlir/IR/MLIRContext.h"

#include <memory>

namespace mamba::frontend {

/// Imports the config in `text`, read from `path`; null after a reported
/// error. The model is named after `modelName`.
std::unique_ptr<Module> importHFConfig(llvm::StringRef text,
                                       llvm::StringRef path,
                                       llvm::StringRef modelName,
                                       mlir::MLIRContext *ctx);

} // namespace mamba::frontend

#endif // MAMBA_FRONTEND_HFIMPORT_H

//===- Sema.h - loading, name resolution and checks of specs ----*- C++ -*-===//
//
// Loads a spec and everything it imports into a Program, checks every
// definition (names, arities, scan indices, the linearity of scan updates),
// and evaluates the hyper-parameters of the model to compile.
//
//===----------------------------------------------------------------------===//

#ifndef MAMBA_FRONTEND_SEMA_H
#define MAMBA_FRONTEND_SEMA_H

#include "AST.h"
#include "Value.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/SourceMgr.h"

#include <memory>
#include <string>
#include <vector>

namespace mamba::frontend {

/// A spec and the files it imports, with one namespace of definitions.
struct Program {
  std::vector<std::unique_ptr<Module>> modules;
  Module *main = nullptr;
  llvm::StringMap<const Def *> defs;

  const Def *lookup(llvm::StringRef name) const {
    auto it = defs.find(name);
    return it == defs.end() ? nullptr : it->second;
  }
};

/// Reads files into the SourceMgr (so diagnostics can quote them) and
/// resolves imports: relative to the importing file first, then in each
/// directory of the search path.
class Loader {
public:
  Loader(mlir::MLIRContext *ctx, llvm::SourceMgr &sourceMgr,
         std::vector<std::string> searchPath)
      : ctx(ctx), sourceMgr(sourceMgr), searchPath(std::move(searchPath)) {}

  /// Parses `path` as the main file and loads its imports. A main file that
  /// cannot be read is an llvm::Error (no location to point at); anything
  /// else is reported as a diagnostic and gives an empty error-free failure.
  llvm::Error loadMain(llvm::StringRef path, Program &program, bool &diagnosed);
  /// Parses `buffer` as the main file (the fuzzer has no file on disk).
  mlir::LogicalResult loadMainBuffer(std::unique_ptr<llvm::MemoryBuffer> buffer,
                                     Program &program);
  /// Uses an already built module (the HF importer's) as the main file.
  mlir::LogicalResult loadMainModule(std::unique_ptr<Module> module,
                                     llvm::StringRef dir, Program &program);

private:
  mlir::LogicalResult addModule(std::unique_ptr<Module> module,
                                llvm::StringRef dir, Program &program);
  mlir::LogicalResult loadImports(Module &module, llvm::StringRef dir,
                                  Program &program);
  std::unique_ptr<Module> parseBuffer(std::unique_ptr<llvm::MemoryBuffer> buf,
                                      llvm::StringRef name);

  mlir::MLIRContext *ctx;
  llvm::SourceMgr &sourceMgr;
  std::vector<std::string> searchPath;
  /// Files being loaded, innermost last (for the cycle chain), and files
  /// done, by real path.
  std::vector<std::pair<std::string, std::string>> stack; // real, shown
  llvm::StringMap<bool> loaded;
};

/// Checks every definition of the program; reports the first error.
mlir::LogicalResult checkProgram(Program &program);

/// Checks a scan definition: indices, state, update and readout, and the
/// linearity of the update (see proveLinear).
mlir::LogicalResult checkScan(ScanDef &scan);

/// Proves a scan's update linear in its state (h = a * h + b with a and b
/// free of h) and fills `scan.linear`, or reports the sub-expression that
/// is not.
mlir::LogicalResult proveLinear(ScanDef &scan);

/// The hyper-parameters of a model: every parameter that the blocks it uses
/// declare, from the model's settings or the declared defaults.
struct HyperParams {
  const BlockDef *root = nullptr;
  llvm::StringMap<Val> values;
  llvm::StringMap<const ParamStmt *> decls;
};

/// Resolves a model's base chain and evaluates its hyper-parameters.
mlir::FailureOr<HyperParams> evaluateHyperParams(const Program &program,
                                                 const ModelDef &model);

/// Names of the tensor builtins and their accepted argument counts.
bool lookupTensorBuiltin(llvm::StringRef name, unsigned &minArgs,
                         unsigned &maxArgs);

} // namespace mamba::frontend

#endif // MAMBA_FRONTEND_SEMA_H

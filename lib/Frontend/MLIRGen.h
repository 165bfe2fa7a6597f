//===- MLIRGen.h - spec AST to ssm dialect IR -------------------*- C++ -*-===//
//
// Elaborates the model of a checked program (its hyper-parameters fixed,
// loops unrolled, blocks inlined) into one func.func @forward of ssm,
// linalg, tensor, arith and math ops; a file with scans and no model gives
// one function per scan instead.
//
//===----------------------------------------------------------------------===//

#ifndef MAMBA_FRONTEND_MLIRGEN_H
#define MAMBA_FRONTEND_MLIRGEN_H

#include "Sema.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <optional>

namespace mamba::frontend {

struct GenOptions {
  /// Sizes for the model's `batch` and `seqlen` dimensions; dynamic if unset.
  std::optional<int64_t> batch, seqlen;
  /// An upper bound on the operations generated, so that a spec that asks
  /// for a billion layers fails instead of exhausting memory.
  size_t maxOps = 1000000;
  /// Generated IR that does not verify is a frontend bug; the fuzzer makes
  /// it fatal so that it is found.
  bool crashOnInvalidIR = false;
};

/// The dialects MLIRGen builds ops of.
void loadFrontendDialects(mlir::MLIRContext &ctx);

/// Generates the IR of `program`'s main file; null after a reported error.
mlir::OwningOpRef<mlir::ModuleOp> mlirGen(mlir::MLIRContext &ctx,
                                          const Program &program,
                                          const GenOptions &options);

} // namespace mamba::frontend

#endif // MAMBA_FRONTEND_MLIRGEN_H

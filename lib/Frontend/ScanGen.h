//===- ScanGen.h - lowering of scan definitions to ssm.scan -----*- C++ -*-===//
//
// Instantiates a scan definition on concrete tensors: binds its indices to
// sizes, and builds the generic ssm.scan (through ssm.discretize when the
// update is the zero-order-hold selective scan, so canonicalization folds it
// into ssm.selective_scan).
//
//===----------------------------------------------------------------------===//

#ifndef MAMBA_FRONTEND_SCANGEN_H
#define MAMBA_FRONTEND_SCANGEN_H

#include "AST.h"
#include "TensorOps.h"
#include "Value.h"

namespace mamba::frontend {

struct ScanResult {
  Val y, finalState;
};

/// Builds `scan` applied to `args` (`argLocs` locate each argument for
/// diagnostics, `loc` the call).
mlir::FailureOr<ScanResult> buildScan(mlir::OpBuilder &b, TensorOps &ops,
                                      const ScanDef &scan,
                                      llvm::ArrayRef<Val> args,
                                      llvm::ArrayRef<Loc> argLocs, Loc loc);

} // namespace mamba::frontend

#endif // MAMBA_FRONTEND_SCANGEN_H

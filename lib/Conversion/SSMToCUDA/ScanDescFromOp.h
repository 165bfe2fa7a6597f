//===- ScanDescFromOp.h - ssm.scan to the CUDA emitter's description ------===//
//
// The indexing maps and region ops of a generic ssm.scan as the
// GenericScanDesc of codegen/cuda, the same translation as the Halide one.
//
//===----------------------------------------------------------------------===//

#ifndef MAMBA_CONVERSION_SSMTOCUDA_SCANDESCFROMOP_H
#define MAMBA_CONVERSION_SSMTOCUDA_SCANDESCFROMOP_H

#include "mamba/codegen/generic_scan.h"
#include "mlir/Support/LLVM.h"
#include "ssm/IR/SSMOps.h"

namespace mlir::ssm {

/// The description of `op` with kernel `name` (schedule left default);
/// emits an error on `op` (or the region op at fault) and fails where the
/// CUDA backend cannot express it.
FailureOr<mamba::codegen::cuda::GenericScanDesc>
genericScanDescFromOp(ScanOp op, StringRef name);

} // namespace mlir::ssm

#endif // MAMBA_CONVERSION_SSMTOCUDA_SCANDESCFROMOP_H

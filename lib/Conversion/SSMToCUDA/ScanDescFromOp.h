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

#include <optional>

namespace mlir::ssm {

/// The emitter's element type of a tensor type (F32, BF16, F16), or none.
std::optional<mamba::codegen::cuda::ElemType> cudaElemType(Type type);

/// The description of `op` with kernel `name` (schedule left default);
/// emits an error on `op` (or the region op at fault) and fails where the
/// CUDA backend cannot express it.
FailureOr<mamba::codegen::cuda::GenericScanDesc>
genericScanDescFromOp(ScanOp op, StringRef name);

} // namespace mlir::ssm

#endif // MAMBA_CONVERSION_SSMTOCUDA_SCANDESCFROMOP_H

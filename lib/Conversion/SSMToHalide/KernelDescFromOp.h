//===- KernelDescFromOp.h - ssm ops to Halide kernel descriptions -*- C++
//-*-===//
//
// The MLIR-facing half of the Halide backend: reads a kernel-level ssm op
// into the KernelDesc that HalideKernels.h compiles.
//
//===----------------------------------------------------------------------===//

#ifndef MAMBA_CONVERSION_SSMTOHALIDE_KERNELDESCFROMOP_H
#define MAMBA_CONVERSION_SSMTOHALIDE_KERNELDESCFROMOP_H

#include "HalideKernels.h"

#include "mlir/IR/Operation.h"
#include "mlir/Support/LLVM.h"

namespace mlir::ssm {

/// Whether the Halide backend has a kernel for `op`: ssm.selective_scan,
/// ssm.causal_conv1d, ssm.rmsnorm, ssm.gate with z, ssm.scan.
bool hasHalideKernel(Operation *op);

/// The description of `op`'s kernel, named `name` and scheduled by
/// `schedule`; on failure a diagnostic on `op` (or on the region op it
/// cannot lower) says why.
FailureOr<mamba::halide::KernelDesc>
kernelDescFromOp(Operation *op, StringRef name,
                 const mamba::halide::HalideSchedule &schedule);

} // namespace mlir::ssm

#endif // MAMBA_CONVERSION_SSMTOHALIDE_KERNELDESCFROMOP_H

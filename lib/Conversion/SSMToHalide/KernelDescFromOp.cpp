//===- KernelDescFromOp.cpp - ssm ops to Halide kernel descriptions -------===//
//
// Named ops map their operands and attributes to flags; a generic ssm.scan
// becomes a GenericScanDesc through ScanRegions.h, as for CUDA.
//
//===----------------------------------------------------------------------===//

#include "KernelDescFromOp.h"

#include "Conversion/ScanRegions.h"
#include "ssm/IR/SSMOps.h"

using namespace mlir;
using namespace mlir::ssm;
namespace hk = mamba::halide;

namespace {
/// The kernels compute in f32 only.
LogicalResult requireF32(Operation *op) {
  auto check = [&](Type t, StringRef what, unsigned i) -> LogicalResult {
    auto shaped = dyn_cast<ShapedType>(t);
    if (!shaped || shaped.getElementType().isF32())
      return success();
    return op->emitOpError()
           << "cannot be lowered to Halide: " << what << " #" << i
           << " has element type " << shaped.getElementType()
           << "; the CPU kernels compute in f32";
  };
  for (auto [i, v] : llvm::enumerate(op->getOperands()))
    if (failed(check(v.getType(), "operand", i)))
      return failure();
  for (auto [i, v] : llvm::enumerate(op->getResults()))
    if (failed(check(v.getType(), "result", i)))
      return failure();
  return success();
}
} // namespace

bool mlir::ssm::hasHalideKernel(Operation *op) {
  if (auto gate = dyn_cast<GateOp>(op))
    return static_cast<bool>(gate.getZ());
  return isa<SelectiveScanOp, CausalConv1dOp, RMSNormOp, ScanOp>(op);
}

FailureOr<hk::KernelDesc>
mlir::ssm::kernelDescFromOp(Operation *op, StringRef name,
                            const hk::HalideSchedule &schedule) {
  if (!hasHalideKernel(op))
    return op->emitOpError() << "has no Halide kernel";
  if (failed(requireF32(op)))
    return failure();
  hk::KernelDesc d;
  d.name = name.str();
  d.schedule = schedule;
  if (auto scan = dyn_cast<SelectiveScanOp>(op)) {
    d.kind = hk::KernelKind::SelectiveScan;
    int64_t n = scan.getA().getType().getDimSize(1);
    d.dState = ShapedType::isDynamic(n) ? 0 : static_cast<int>(n);
    d.deltaSoftplus = scan.getDeltaSoftplus();
    d.zohB = scan.getBRule() == BRule::zoh;
    d.hasD = static_cast<bool>(scan.getD());
    d.hasZ = static_cast<bool>(scan.getZ());
    d.hasDeltaBias = static_cast<bool>(scan.getDeltaBias());
    d.hasInitialState = static_cast<bool>(scan.getInitialState());
  } else if (auto conv = dyn_cast<CausalConv1dOp>(op)) {
    d.kind = hk::KernelKind::CausalConv1d;
    int64_t width = conv.getWeight().getType().getDimSize(1);
    if (ShapedType::isDynamic(width))
      return op->emitOpError() << "cannot be lowered to Halide: the kernel "
                                  "width must be static";
    d.width = static_cast<int>(width);
    d.hasBias = static_cast<bool>(conv.getBias());
    d.silu = conv.getActivation() == Activation::silu;
    // With state(%s) the kernel reads the window and writes its update.
    d.hasState = static_cast<bool>(conv.getInitialState());
  } else if (auto norm = dyn_cast<RMSNormOp>(op)) {
    if (norm.getGroupSize())
      return op->emitOpError()
             << "cannot be lowered to Halide: the rmsnorm kernel normalizes "
                "whole rows, not groups of 'group_size' elements (plans run "
                "grouped norms)";
    d.kind = hk::KernelKind::RMSNorm;
    d.eps = norm.getEps().convertToFloat();
  } else if (isa<GateOp>(op)) {
    d.kind = hk::KernelKind::Gate;
  } else {
    d.kind = hk::KernelKind::Scan;
    if (failed(describeScanRegions(cast<ScanOp>(op), d.scan,
                                   {"Halide", /*narrowFloats=*/false})))
      return failure();
  }
  if (mamba::Status st = hk::validateKernel(d); !st.ok())
    return op->emitOpError() << "cannot be lowered to Halide: " << st.message();
  return d;
}

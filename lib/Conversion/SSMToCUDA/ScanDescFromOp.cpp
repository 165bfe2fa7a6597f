//===- ScanDescFromOp.cpp - ssm.scan to the CUDA emitter's description ----===//
//
// The element types of the operands, and the iteration space and regions
// through ScanRegions.h, as for Halide.
//
//===----------------------------------------------------------------------===//

#include "ScanDescFromOp.h"

#include "Conversion/ScanRegions.h"

#include <optional>

using namespace mlir;
using namespace mlir::ssm;
namespace cg = mamba::codegen::cuda;

std::optional<cg::ElemType> mlir::ssm::cudaElemType(Type type) {
  Type elem = cast<ShapedType>(type).getElementType();
  if (elem.isF32())
    return cg::ElemType::F32;
  if (elem.isBF16())
    return cg::ElemType::BF16;
  if (elem.isF16())
    return cg::ElemType::F16;
  return std::nullopt;
}

FailureOr<cg::GenericScanDesc>
mlir::ssm::genericScanDescFromOp(ScanOp op, StringRef name) {
  // The state stays in F32 registers; init and final_state are read and
  // written as F32 too.
  for (auto [what, v] : {std::pair<StringRef, Value>{"init", op.getInit()},
                         {"final_state", op.getFinalState()}})
    if (v && !cast<ShapedType>(v.getType()).getElementType().isF32())
      return op.emitOpError()
             << "cannot be lowered to CUDA: the kernel keeps the state in "
                "f32, got '"
             << what << "' of element type "
             << cast<ShapedType>(v.getType()).getElementType();

  cg::GenericScanDesc g;
  g.name = name.str();
  for (Value input : op.getInputs())
    g.inputTypes.push_back(*cudaElemType(input.getType()));
  g.yType = *cudaElemType(op.getY().getType());
  if (failed(describeScanRegions(op, g, {"CUDA", /*narrowFloats=*/true})))
    return failure();
  return g;
}

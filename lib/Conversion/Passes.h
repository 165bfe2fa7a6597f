//===- Passes.h - conversions out of the ssm dialect ------------*- C++ -*-===//
//
// Pass constructors and registration for the ssm lowering passes.
//
//===----------------------------------------------------------------------===//

#ifndef SSM_CONVERSION_PASSES_H
#define SSM_CONVERSION_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::ssm {

#define GEN_PASS_DECL
#include "Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "Conversion/Passes.h.inc"

} // namespace mlir::ssm

#endif // SSM_CONVERSION_PASSES_H

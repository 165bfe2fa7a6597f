//===- Passes.h - ssm transformation passes ---------------------*- C++ -*-===//
//
// Pass constructors and registration for the ssm transformations and the
// pipelines built from them.
//
//===----------------------------------------------------------------------===//

#ifndef SSM_TRANSFORMS_PASSES_H
#define SSM_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"
#include "ssm/IR/SSMDialect.h"

namespace mlir::ssm {

#define GEN_PASS_DECL
#include "Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "Transforms/Passes.h.inc"

/// Registers the named pipelines (`ssm-optimize`) with the pass registry.
void registerPipelines();

} // namespace mlir::ssm

#endif // SSM_TRANSFORMS_PASSES_H

//===- ExecutionPlan.h - from ssm IR to the runtime's plan ------*- C++ -*-===//
//
// The planner: turns the @prefill and @decode_step functions made by
// --ssm-specialize-decode into the execution plan the runtime reads
// (runtime/include/mamba/plan.h, docs/plan-format.md).
//
//===----------------------------------------------------------------------===//

#ifndef SSM_TRANSFORMS_EXECUTIONPLAN_H
#define SSM_TRANSFORMS_EXECUTIONPLAN_H

#include "mamba/plan.h"
#include "mlir/IR/BuiltinOps.h"

#include <vector>

namespace mlir::ssm {

/// Plans @prefill and @decode_step of `module`: weight bindings (with
/// load-time transforms such as A = -exp(A_log)), state slots, scratch
/// buffers shared by values whose lifetimes do not overlap, and the kernel
/// calls. Layout ops (transpose, slices, reshapes, casts) become strided
/// views, not copies. Ops no kernel implements are reported at their
/// location.
///
/// Ops that only a compiled kernel library implements (the generic
/// `ssm.scan`) become steps of kernel `halide` whose `kernel_index` attribute
/// indexes `libraryOps`, where the op is appended; the caller compiles them
/// and sets each step's `symbol` and the plan's kernel library. Without
/// `libraryOps` such ops are errors. With `libraryPrefillConv` too, the
/// convolutions of @prefill also become library steps (the Halide conv is
/// about 3x faster than the runtime's over long prompts; at one token it is
/// not, so @decode_step keeps the runtime's).
FailureOr<mamba::plan::Plan>
buildExecutionPlan(ModuleOp module, StringRef modelName,
                   std::vector<Operation *> *libraryOps = nullptr,
                   bool libraryPrefillConv = false);

} // namespace mlir::ssm

#endif // SSM_TRANSFORMS_EXECUTIONPLAN_H

//===- HalidePipelines.h - Halide pipelines of the ssm kernels --*- C++ -*-===//
//
// Builds the Halide Pipeline of a KernelDesc: the algorithm (Funcs) written
// once per kernel, then a schedule applied from the desc's HalideSchedule.
//
//===----------------------------------------------------------------------===//

#ifndef MAMBA_CONVERSION_SSMTOHALIDE_HALIDEPIPELINES_H
#define MAMBA_CONVERSION_SSMTOHALIDE_HALIDEPIPELINES_H

#include "HalideKernels.h"

#include <Halide.h>

namespace mamba::halide {

/// A pipeline with its arguments in the order of kernelArguments().
struct BuiltPipeline {
  Halide::Pipeline pipeline;
  std::vector<Halide::Argument> args;
};

/// The schedule with every zero replaced by the target's default.
HalideSchedule resolveSchedule(const HalideSchedule &schedule,
                               const Halide::Target &target);

/// Throws Halide::CompileError (or reports through Status in the callers of
/// HalideKernels.h) when the description is not lowerable.
BuiltPipeline buildPipeline(const KernelDesc &desc,
                            const Halide::Target &target);

// One builder per kernel kind.
BuiltPipeline buildSelectiveScan(const KernelDesc &desc,
                                 const HalideSchedule &s);
BuiltPipeline buildGenericScan(const KernelDesc &desc, const HalideSchedule &s);
BuiltPipeline buildCausalConv1d(const KernelDesc &desc,
                                const HalideSchedule &s);
BuiltPipeline buildRMSNorm(const KernelDesc &desc, const HalideSchedule &s);
BuiltPipeline buildGate(const KernelDesc &desc, const HalideSchedule &s);

} // namespace mamba::halide

#endif // MAMBA_CONVERSION_SSMTOHALIDE_HALIDEPIPELINES_H

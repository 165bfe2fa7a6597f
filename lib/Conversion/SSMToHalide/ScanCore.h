//===- ScanCore.h - the linear recurrence shared by the scans ---*- C++ -*-===//
//
// The algorithm and schedule of h_t = a_t * h_{t-1} + b_t with a readout
// summed over the state dimensions y drops: the selective scan and the
// generic ssm.scan supply a_t, b_t and the readout as Halide Exprs.
//
//===----------------------------------------------------------------------===//

#ifndef MAMBA_CONVERSION_SSMTOHALIDE_SCANCORE_H
#define MAMBA_CONVERSION_SSMTOHALIDE_SCANCORE_H

#include "HalidePipelines.h"

#include <functional>

namespace mamba::halide {

/// Marks dimension `dim` of a tensor argument: strides are free except
/// where `unitDim` (-1: none) asks for contiguous elements, which the
/// vectorized loops need (Halide checks it on every call).
void freeStrides(Halide::OutputImageParam p, int unitDim = -1);

/// A recurrence over the iteration space (s_0 .. s_{R-1}, t).
struct ScanCore {
  int rank = 0;
  /// y's dimensions as iteration dimensions (`rank` stands for t).
  std::vector<int> yDims;
  /// Known extents of state dimensions (0: not known when compiling).
  std::vector<int> staticExtent;
  /// The run-time extent of iteration dim d (`rank`: the sequence length),
  /// read from an input that has it.
  std::function<Halide::Expr(int)> extent;
  /// Given the iteration point (state dims, t) and h_{t-1}: (a_t, b_t).
  std::function<std::pair<Halide::Expr, Halide::Expr>(
      const std::vector<Halide::Expr> &, const Halide::Expr &,
      const Halide::Expr &)>
      update;
  /// The readout of h_t at the iteration point.
  std::function<Halide::Expr(const std::vector<Halide::Expr> &,
                             const Halide::Expr &, const Halide::Expr &)>
      readout;
  /// Applied to the summed readout at a point of y (y's kept state dims and
  /// t); null: the identity.
  std::function<Halide::Expr(const std::vector<Halide::Expr> &,
                             const Halide::Expr &, const Halide::Expr &)>
      epilogue;
  /// h_0 (undefined: zero), over the state dims.
  Halide::Func init;
  /// Funcs over (state dims..., t) or subsets the scan reads many times per
  /// tile: computed once per tile, as (Func, its iteration dims).
  std::vector<std::pair<Halide::Func, std::vector<int>>> staged;
};

/// Builds y and final_state for `core` and schedules them; `inputs` are
/// the pipeline's input arguments in call order.
BuiltPipeline buildScanCore(const ScanCore &core, const HalideSchedule &s,
                            const std::string &name,
                            std::vector<Halide::Argument> inputs);

} // namespace mamba::halide

#endif // MAMBA_CONVERSION_SSMTOHALIDE_SCANCORE_H

//===- BlockPipelines.cpp - conv1d, rmsnorm and gate pipelines ------------===//
//
// The non-scan kernels of a Mamba block. Each function writes the
// algorithm first, then schedules it from the HalideSchedule: channels (the
// contiguous dimension) vectorized, rows or channel tiles in parallel.
//
//===----------------------------------------------------------------------===//

#include "ScanCore.h"

using namespace Halide;

namespace mamba::halide {

namespace {
ImageParam input(int rank, const std::string &name, int unitDim = -1) {
  ImageParam p(Float(32), rank, name);
  freeStrides(p, unitDim);
  return p;
}

Expr silu(Expr x) { return x / (1.0f + exp(-x)); }
} // namespace

BuiltPipeline buildCausalConv1d(const KernelDesc &d, const HalideSchedule &s) {
  ImageParam x = input(3, "x", 1), weight = input(2, "weight");
  std::vector<Argument> args{x, weight};
  ImageParam bias, state;
  if (d.hasBias)
    args.push_back(bias = input(1, "bias", 0));
  if (d.hasState)
    args.push_back(state = input(3, "conv_state"));

  // --- Algorithm ---
  const int k = d.width;
  Var b("b"), c("c"), t("t"), j("j");
  Expr len = x.dim(2).extent();
  // The input extended to t in [-k, 0) by the state (oldest first) or 0.
  Func in(d.name + "_in");
  Expr before = d.hasState ? state(b, c, clamp(t + k, 0, k - 1)) : Expr(0.0f);
  in(b, c, t) = select(t >= 0, x(b, c, clamp(t, 0, len - 1)), before);
  Func w(d.name + "_w");
  w(c, j) = weight(c, j);
  Expr acc = d.hasBias ? bias(c) : Expr(0.0f);
  for (int tap = 0; tap < k; ++tap)
    acc += w(c, tap) * in(b, c, t - (k - 1) + tap);
  Func out(d.name + "_out");
  out(b, c, t) = d.silu ? silu(acc) : acc;
  std::vector<Func> outputs{out};
  Func stateOut(d.name + "_conv_state_out");
  if (d.hasState) {
    stateOut(b, c, j) = in(b, c, len - k + j);
    outputs.push_back(stateOut);
  }

  // --- Schedule ---
  freeStrides(out.output_buffer(), 1);
  Var vo("c_tile"), vi("c_lane"), task("task");
  out.split(c, vo, vi, s.channelTile, TailStrategy::GuardWithIf)
      .reorder(vi, t, vo, b)
      .fuse(vo, b, task)
      .vectorize(vi, s.vectorWidth);
  if (s.parallel)
    out.parallel(task);
  w.compute_at(out, task).reorder_storage(c, j).reorder(c, j).vectorize(
      c, s.vectorWidth, TailStrategy::GuardWithIf);
  if (d.hasState) {
    freeStrides(stateOut.output_buffer());
    stateOut.reorder(c, j, b).vectorize(c, s.vectorWidth,
                                        TailStrategy::GuardWithIf);
  }
  return {Pipeline(outputs), args};
}

BuiltPipeline buildRMSNorm(const KernelDesc &d, const HalideSchedule &s) {
  ImageParam x = input(2, "x", 1);
  std::vector<Argument> args{x};
  ImageParam residual;
  if (d.hasResidual)
    args.push_back(residual = input(2, "residual", 1));
  ImageParam weight = input(1, "weight", 0);
  args.push_back(weight);

  // --- Algorithm ---
  Var r("r"), i("i");
  Expr dim = x.dim(1).extent();
  Func hidden(d.name + "_hidden");
  hidden(r, i) = d.hasResidual ? x(r, i) + residual(r, i) : x(r, i);
  Func squares(d.name + "_sum_squares");
  RDom k(0, dim, "k");
  squares(r) = 0.0f;
  squares(r) += hidden(r, k) * hidden(r, k);
  Func y(d.name + "_y");
  Expr scale = 1.0f / sqrt(squares(r) / cast<float>(dim) + d.eps);
  y(r, i) = hidden(r, i) * scale * weight(i);
  std::vector<Func> outputs{y};
  Func residualOut(d.name + "_residual_out");
  if (d.hasResidual) {
    residualOut(r, i) = hidden(r, i);
    outputs.push_back(residualOut);
  }

  // --- Schedule: a row per task, the sum of squares in vector lanes ---
  freeStrides(y.output_buffer(), 1);
  // Halide's first dimension is its innermost loop: put rows outside.
  y.reorder(i, r).vectorize(i, s.vectorWidth, TailStrategy::GuardWithIf);
  if (s.parallel)
    y.parallel(r);
  squares.compute_at(y, r);
  RVar ko("ko"), ki("ki");
  Var lane("lane");
  Func partial =
      squares.update().split(k, ko, ki, s.vectorWidth).rfactor(ki, lane);
  partial.compute_at(y, r).vectorize(lane);
  partial.update().vectorize(lane);
  if (d.hasResidual) {
    freeStrides(residualOut.output_buffer(), 1);
    residualOut.reorder(i, r).vectorize(i, s.vectorWidth,
                                        TailStrategy::GuardWithIf);
    if (s.parallel)
      residualOut.parallel(r);
  }
  return {Pipeline(outputs), args};
}

BuiltPipeline buildGate(const KernelDesc &d, const HalideSchedule &s) {
  ImageParam y = input(3, "y", 1), z = input(3, "z", 1);
  Var b("b"), c("c"), t("t"), task("task");
  Func out(d.name + "_out");
  out(b, c, t) = y(b, c, t) * silu(z(b, c, t));

  freeStrides(out.output_buffer(), 1);
  out.reorder(c, t, b)
      .vectorize(c, s.vectorWidth, TailStrategy::GuardWithIf)
      .fuse(t, b, task);
  if (s.parallel)
    out.parallel(task);
  return {Pipeline(out), {y, z}};
}

} // namespace mamba::halide

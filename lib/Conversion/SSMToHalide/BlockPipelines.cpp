//===- BlockPipelines.cpp - conv1d, rmsnorm and gate pipelines ------------===//
//
// The non-scan kernels of a Mamba block. Each function writes the
// algorithm first, then schedules it from the HalideSchedule: channels (the
// contiguous dimension) vectorized, rows or channel tiles in parallel.
//
//===----------------------------------------------------------------------===//

#include "HalideMath.h"
#include "ScanCore.h"

#include <functional>

using namespace Halide;

namespace mamba::halide {

namespace {
/// Time steps per conv task when the schedule leaves timeChunk at 0.
constexpr int kConvTimeChunk = 64;

ImageParam input(int rank, const std::string &name, int unitDim = -1) {
  ImageParam p(Float(32), rank, name);
  freeStrides(p, unitDim);
  return p;
}
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
  // The conv at step `at`, its taps read through `tap(time)`.
  auto conv = [&](Expr at, const std::function<Expr(Expr)> &read,
                  const std::function<Expr(int)> &wt) {
    Expr acc = d.hasBias ? bias(c) : Expr(0.0f);
    for (int i = 0; i < k; ++i)
      acc += wt(i) * read(at - (k - 1) + i);
    return d.silu ? fastSilu(acc) : acc;
  };
  // Every step from x alone (steps < k - 1 read x(0) for earlier inputs),
  // then the first k - 1 steps again with the state: no select between
  // the state and x in the main loop.
  Func out(d.name + "_out");
  out(b, c, t) = conv(
      t, [&](Expr tt) { return x(b, c, max(tt, 0)); },
      [&](int i) { return w(c, i); });
  RDom head(0, min(k - 1, len), "head");
  out(b, c, head) = conv(
      head, [&](Expr tt) { return in(b, c, tt); },
      [&](int i) { return weight(c, i); });
  std::vector<Func> outputs{out};
  Func stateOut(d.name + "_conv_state_out");
  if (d.hasState) {
    stateOut(b, c, j) = in(b, c, len - k + j);
    outputs.push_back(stateOut);
  }

  // --- Schedule ---
  freeStrides(out.output_buffer(), 1);
  Var vo("c_tile"), vi("c_lane"), to("t_chunk"), ti("t_step"), co("c_vec"),
      task("task");
  const int chunk = s.timeChunk > 0 ? s.timeChunk : kConvTimeChunk;
  // Fewer steps than a chunk (decode): channel tiles are the tasks.
  Stage shortSeq = out.specialize(len < chunk);
  shortSeq.split(c, vo, vi, s.wideTile, TailStrategy::GuardWithIf)
      .reorder(vi, t, vo, b)
      .fuse(vo, b, task)
      .vectorize(vi, s.vectorWidth);
  // Otherwise chunks of time are the tasks and every row is walked whole,
  // as it lies in memory: tiles of a few channels would stride a page per
  // step, which the hardware prefetchers do not follow.
  out.split(t, to, ti, chunk, TailStrategy::GuardWithIf)
      .split(c, co, vi, s.vectorWidth, TailStrategy::GuardWithIf)
      .reorder(vi, co, ti, to, b)
      .fuse(to, b, task)
      .vectorize(vi);
  out.update()
      .split(c, vo, vi, s.channelTile, TailStrategy::GuardWithIf)
      .reorder(vi, head, vo, b)
      .fuse(vo, b, task)
      .vectorize(vi, s.vectorWidth);
  if (s.parallel) {
    shortSeq.parallel(task);
    out.parallel(task);
    out.update().parallel(task);
  }
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
  out(b, c, t) = y(b, c, t) * fastSilu(z(b, c, t));

  freeStrides(out.output_buffer(), 1);
  out.reorder(c, t, b)
      .vectorize(c, s.vectorWidth, TailStrategy::GuardWithIf)
      .fuse(t, b, task);
  if (s.parallel)
    out.parallel(task);
  return {Pipeline(out), {y, z}};
}

} // namespace mamba::halide

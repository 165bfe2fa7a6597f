//===- ScanCore.cpp - the linear recurrence shared by the scans -----------===//
//
// Algorithm: the state h(s..., t) over t in [-1, L) (h(s..., -1) = h_0), one
// update over an RDom that walks time, y as the readout summed over the
// dropped state dims, final_state = h(s..., L - 1). Schedule: tiles of
// channels (the last state dim y keeps) x the other kept dims run as
// parallel tasks; inside a task time is sequential and every loop over
// channels is vectorized; final_state is fused into y's task loop.
//
//===----------------------------------------------------------------------===//

#include "ScanCore.h"

using namespace Halide;

namespace mamba::halide {

void freeStrides(OutputImageParam p, int unitDim) {
  for (int d = 0; d < p.dimensions(); ++d)
    p.dim(d).set_stride(d == unitDim ? Expr(1) : Expr());
}

namespace {
std::vector<Expr> toExprs(const std::vector<Var> &vars) {
  return std::vector<Expr>(vars.begin(), vars.end());
}
} // namespace

BuiltPipeline buildScanCore(const ScanCore &core, const HalideSchedule &s,
                            const std::string &name,
                            std::vector<Argument> inputs) {
  const int rank = core.rank;
  std::vector<Var> sv;
  for (int d = 0; d < rank; ++d)
    sv.push_back(Var("s" + std::to_string(d)));
  Var t("t");

  std::vector<bool> kept(rank, false);
  for (int d : core.yDims)
    if (d != rank)
      kept[d] = true;
  // Channels: the last state dim that y keeps.
  int vdim = -1;
  for (int d = 0; d < rank; ++d)
    if (kept[d])
      vdim = d;

  Func y(name + "_y"), fs(name + "_final_state"), h(name + "_h");
  Expr len = core.extent(rank);

  // --- Algorithm ---
  std::vector<Expr> hArgs = toExprs(sv);
  hArgs.push_back(t);
  h(hArgs) = undef<float>();
  std::vector<Expr> initArgs = toExprs(sv);
  initArgs.push_back(-1);
  h(initArgs) = core.init.defined() ? core.init(toExprs(sv)) : Expr(0.0f);
  RDom r(0, len, "r");
  std::vector<Expr> at = toExprs(sv), atPrev = toExprs(sv);
  at.push_back(r);
  atPrev.push_back(r - 1);
  auto [a, b] = core.update(toExprs(sv), r, h(atPrev));
  h(at) = a * h(atPrev) + b;

  // y: the readout summed over the state dims it drops.
  std::vector<Expr> point(rank);
  std::vector<Expr> yArgs;
  std::vector<Var> yVars;
  for (int d : core.yDims) {
    Var v = d == rank ? t : sv[d];
    yVars.push_back(v);
    yArgs.push_back(v);
    if (d < rank)
      point[d] = v;
  }
  std::vector<int> summed;
  for (int d = 0; d < rank; ++d)
    if (!kept[d])
      summed.push_back(d);
  auto extentOf = [&](int d) -> Expr {
    return core.staticExtent[d] > 0 ? Expr(core.staticExtent[d])
                                    : core.extent(d);
  };
  bool unrolled = true;
  int64_t terms = 1;
  for (int d : summed) {
    unrolled &= core.staticExtent[d] > 0;
    terms *= std::max(1, core.staticExtent[d]);
  }
  unrolled &= terms <= 64;
  auto contribution = [&](std::vector<Expr> p) {
    std::vector<Expr> hp = p;
    hp.push_back(t);
    return core.readout(p, t, h(hp));
  };
  Expr sum;
  Func acc(name + "_readout");
  RDom rs;
  if (unrolled) {
    // Few terms of known count: one expression, no reduction loop.
    std::vector<int> idx(summed.size(), 0);
    for (int64_t k = 0; k < terms; ++k) {
      std::vector<Expr> p = point;
      int64_t rest = k;
      for (size_t j = 0; j < summed.size(); ++j) {
        p[summed[j]] = static_cast<int>(rest % core.staticExtent[summed[j]]);
        rest /= core.staticExtent[summed[j]];
      }
      Expr c = contribution(p);
      sum = sum.defined() ? sum + c : c;
    }
  } else {
    Region region;
    for (int d : summed)
      region.push_back(Range(0, extentOf(d)));
    rs = RDom(region, "rs");
    std::vector<Expr> p = point;
    for (size_t j = 0; j < summed.size(); ++j)
      p[summed[j]] = rs[j];
    acc(yArgs) = 0.0f;
    acc(yArgs) += contribution(p);
    sum = acc(yArgs);
  }
  std::vector<Expr> keptPoint;
  for (int d = 0; d < rank; ++d)
    keptPoint.push_back(kept[d] ? point[d] : Expr());
  y(yArgs) = core.epilogue ? core.epilogue(keptPoint, t, sum) : sum;
  std::vector<Expr> lastArgs = toExprs(sv);
  lastArgs.push_back(len - 1);
  fs(toExprs(sv)) = h(lastArgs);

  // --- Schedule ---
  const int vw = s.vectorWidth, tile = s.channelTile;
  freeStrides(y.output_buffer(),
              vdim < 0 ? -1
                       : static_cast<int>(std::find(core.yDims.begin(),
                                                    core.yDims.end(), vdim) -
                                          core.yDims.begin()));
  freeStrides(fs.output_buffer());
  if (vdim < 0) {
    // No channel dimension to tile: one serial task.
    h.compute_root();
    for (auto [f, dims] : core.staged)
      f.compute_root();
    if (acc.defined())
      acc.compute_at(y, t);
    return {Pipeline({y, fs}), inputs};
  }
  Var vo("c_tile"), vi("c_lane");
  // The task loop: channel tiles fused with the other dims y keeps.
  std::vector<Var> outer{vo};
  for (int i = static_cast<int>(yVars.size()) - 1; i >= 0; --i)
    if (core.yDims[i] != rank && core.yDims[i] != vdim)
      outer.push_back(yVars[i]);
  Var task = vo;
  std::vector<std::tuple<Var, Var, Var>> fuses;
  for (size_t i = 1; i < outer.size(); ++i) {
    Var fused("task" + std::to_string(i));
    fuses.emplace_back(task, outer[i], fused);
    task = fused;
  }
  auto tileLoops = [&](Func f, std::vector<VarOrRVar> inner) {
    f.split(sv[vdim], vo, vi, tile, TailStrategy::GuardWithIf);
    std::vector<VarOrRVar> order{vi};
    order.insert(order.end(), inner.begin(), inner.end());
    order.insert(order.end(), outer.begin(), outer.end());
    f.reorder(order);
    for (auto &[in, out, fused] : fuses)
      f.fuse(in, out, fused);
    f.vectorize(vi, vw);
  };
  tileLoops(y, {t});
  std::vector<VarOrRVar> fsInner;
  for (int d : summed)
    fsInner.push_back(sv[d]);
  tileLoops(fs, fsInner);
  if (s.parallel) {
    y.parallel(task);
    fs.parallel(task); // fused loops must agree
  }
  fs.compute_with(y, task);

  // The state lives per task: channels innermost and vectorized.
  h.compute_at(y, task);
  h.update(0).vectorize(sv[vdim], vw, TailStrategy::GuardWithIf);
  std::vector<VarOrRVar> hOrder{sv[vdim]};
  for (int d = 0; d < rank; ++d)
    if (d != vdim)
      hOrder.push_back(sv[d]);
  // Channels innermost in memory too: dense vector loads and stores.
  std::vector<Var> hStorage{sv[vdim]};
  for (int d = 0; d < rank; ++d)
    if (d != vdim)
      hStorage.push_back(sv[d]);
  hStorage.push_back(t);
  h.reorder_storage(hStorage);
  hOrder.push_back(r.x);
  h.update(1).reorder(hOrder).vectorize(sv[vdim], vw,
                                        TailStrategy::GuardWithIf);
  for (auto &[f, dims] : core.staged) {
    Func staged = f;
    staged.compute_at(y, task);
    std::vector<Var> args = staged.args();
    for (size_t i = 0; i < dims.size(); ++i)
      if (dims[i] == vdim) {
        std::vector<VarOrRVar> order{args[i]};
        std::vector<Var> storage{args[i]};
        for (size_t j = 0; j < args.size(); ++j)
          if (j != i) {
            order.push_back(args[j]);
            storage.push_back(args[j]);
          }
        staged.reorder_storage(storage);
        staged.reorder(order).vectorize(args[i], vw, TailStrategy::GuardWithIf);
      }
  }
  if (acc.defined()) {
    Var lane = sv[vdim];
    acc.compute_at(y, vi).vectorize(lane, vw, TailStrategy::GuardWithIf);
    std::vector<VarOrRVar> order{lane};
    for (int j = 0; j < rs.dimensions(); ++j)
      order.push_back(rs[j]);
    acc.update().reorder(order).vectorize(lane, vw, TailStrategy::GuardWithIf);
  }
  return {Pipeline({y, fs}), inputs};
}

} // namespace mamba::halide

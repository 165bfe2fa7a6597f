//===- ScanCore.cpp - the linear recurrence shared by the scans -----------===//
//
// Algorithm: one Func S(kept dims..., k) holds, per point of the dims y
// keeps, the state flattened over the dims y sums (slots [0, N)) and y's
// readout for every time step (slot N + t). One update walks time and,
// within a step, the N state slots then one more: slot n gets
// h_n = a h_n + b and a running sum of the readout (S[1]); the extra
// iteration stores the step's sum at N + t. So only the current state is
// kept, and y and final_state are read from S. Schedule: tiles of channels
// (the last state dim y keeps) x the other kept dims run as parallel
// tasks; S is computed per task with the channels vectorized innermost.
//
//===----------------------------------------------------------------------===//

#include "ScanCore.h"

using namespace Halide;

namespace mamba::halide {

void freeStrides(OutputImageParam p, int unitDim) {
  for (int d = 0; d < p.dimensions(); ++d)
    p.dim(d).set_min(0).set_stride(d == unitDim ? Expr(1) : Expr());
}

namespace {
/// Above this many state slots per channel the step loop is not unrolled.
constexpr int kMaxUnrolledSlots = 64;
} // namespace

BuiltPipeline buildScanCore(const ScanCore &core, const HalideSchedule &s,
                            const std::string &name,
                            std::vector<Argument> inputs) {
  const int rank = core.rank;
  std::vector<Var> sv;
  for (int d = 0; d < rank; ++d)
    sv.push_back(Var("s" + std::to_string(d)));
  Var t("t"), k("k");

  std::vector<bool> kept(rank, false);
  for (int d : core.yDims)
    if (d != rank)
      kept[d] = true;
  // Channels: the last state dim that y keeps.
  int vdim = -1;
  std::vector<int> summed;
  for (int d = 0; d < rank; ++d) {
    if (kept[d])
      vdim = d;
    else
      summed.push_back(d);
  }
  Expr len = core.extent(rank);

  // --- Algorithm ---
  // The state slots: the summed dims flattened, first fastest.
  std::vector<Expr> extents;
  int staticSlots = 1;
  for (int d : summed) {
    extents.push_back(core.staticExtent[d] > 0 ? Expr(core.staticExtent[d])
                                               : core.extent(d));
    staticSlots = core.staticExtent[d] > 0 && staticSlots > 0
                      ? staticSlots * core.staticExtent[d]
                      : 0;
  }
  Expr slots = 1;
  for (const Expr &e : extents)
    slots = slots * e;
  if (staticSlots > 0)
    slots = staticSlots;
  auto unflatten = [&](Expr slot) {
    std::vector<Expr> idx;
    for (size_t j = 0; j < summed.size(); ++j) {
      const bool last = j + 1 == summed.size();
      idx.push_back(last ? slot : slot % extents[j]);
      if (!last)
        slot = slot / extents[j];
    }
    return idx;
  };
  // The iteration point of slot `slot` at the kept dims' vars.
  auto pointAt = [&](Expr slot) {
    std::vector<Expr> p(rank);
    std::vector<Expr> idx = unflatten(slot);
    for (int d = 0, j = 0; d < rank; ++d)
      p[d] = kept[d] ? Expr(sv[d]) : idx[j++];
    return p;
  };
  // S's dims: channels first (innermost in memory), the other kept dims,
  // then the slot.
  std::vector<Var> sArgs;
  if (vdim >= 0)
    sArgs.push_back(sv[vdim]);
  for (int d = 0; d < rank; ++d)
    if (kept[d] && d != vdim)
      sArgs.push_back(sv[d]);
  std::vector<Expr> keptVars(sArgs.begin(), sArgs.end());
  sArgs.push_back(k);
  auto at = [&](Expr slot) {
    std::vector<Expr> a = keptVars;
    a.push_back(slot);
    return a;
  };

  Func S(name + "_state");
  S(sArgs) = Tuple(0.0f, 0.0f);
  RDom ri(0, slots, "ri");
  if (core.init.defined())
    S(at(ri)) = Tuple(core.init(pointAt(ri)), 0.0f);
  // r.x walks the slots of a step (one more than the state has), r.y time.
  RDom r({{0, slots + 1}, {0, len}}, "r");
  Expr rk = r.x, rt = r.y;
  Expr isState = rk < slots;
  Expr slot = min(rk, slots - 1);
  std::vector<Expr> p = pointAt(slot);
  Expr hPrev = S(at(slot))[0];
  auto [a, b] = core.update(p, rt, hPrev);
  Expr hNew = a * hPrev + b;
  // S[1] at slot -1 stays 0: the sum's start. At rk = slots, the sum so far
  // is the step's readout.
  Expr partial = S(at(rk - 1))[1];
  S(at(select(isState, rk, slots + rt))) =
      Tuple(select(isState, hNew, partial),
            select(isState, partial + core.readout(p, rt, hNew), 0.0f));

  Func y(name + "_y"), fs(name + "_final_state");
  std::vector<Expr> yArgs, keptPoint(rank);
  std::vector<Var> yVars;
  for (int d : core.yDims) {
    Var v = d == rank ? t : sv[d];
    yVars.push_back(v);
    yArgs.push_back(v);
    if (d < rank)
      keptPoint[d] = v;
  }
  Expr sum = S(at(slots + t))[0];
  y(yArgs) = core.epilogue ? core.epilogue(keptPoint, t, sum) : sum;
  Expr flat = 0;
  for (int j = static_cast<int>(summed.size()) - 1; j >= 0; --j)
    flat = j + 1 == static_cast<int>(summed.size())
               ? Expr(sv[summed[j]])
               : flat * extents[j] + sv[summed[j]];
  std::vector<Expr> fsArgs(sv.begin(), sv.end());
  fs(fsArgs) = S(at(flat))[0];

  // --- Schedule ---
  const int vw = s.vectorWidth, tile = s.channelTile;
  const int yUnit = vdim < 0
                        ? -1
                        : static_cast<int>(std::find(core.yDims.begin(),
                                                     core.yDims.end(), vdim) -
                                           core.yDims.begin());
  freeStrides(y.output_buffer(), yUnit);
  freeStrides(fs.output_buffer());
  // Outputs as large as the inputs say: one set of bounds for y, S and
  // final_state, and a shape error instead of a silent partial write.
  for (size_t i = 0; i < core.yDims.size(); ++i)
    y.output_buffer()
        .dim(static_cast<int>(i))
        .set_extent(core.extent(core.yDims[i]));
  for (int d = 0; d < rank; ++d)
    fs.output_buffer().dim(d).set_extent(
        core.staticExtent[d] > 0 ? Expr(core.staticExtent[d]) : core.extent(d));
  const bool unroll = staticSlots > 0 && staticSlots < kMaxUnrolledSlots;
  if (vdim < 0) {
    // No channel dimension to tile: one serial task.
    S.compute_root();
    if (unroll)
      S.update(S.num_update_definitions() - 1).unroll(r.x);
    for (auto [f, dims] : core.staged)
      f.compute_root();
    return {Pipeline({y, fs}), inputs};
  }
  Var vo("c_tile"), vi("c_lane");
  // The task loops: the other dims y keeps inside the channel tiles, which
  // run in parallel. Not fused: compute_with then loses the per-tile
  // channel bounds of final_state and computes S over every channel.
  std::vector<Var> outer;
  for (int i = static_cast<int>(yVars.size()) - 1; i >= 0; --i)
    if (core.yDims[i] != rank && core.yDims[i] != vdim)
      outer.push_back(yVars[i]);
  outer.push_back(vo);
  const Var task = outer.front();
  auto tileLoops = [&](Stage f, std::vector<VarOrRVar> inner,
                       TailStrategy tail) {
    f.split(sv[vdim], vo, vi, tile, tail);
    std::vector<VarOrRVar> order{vi};
    order.insert(order.end(), inner.begin(), inner.end());
    order.insert(order.end(), outer.begin(), outer.end());
    f.reorder(order).vectorize(vi, vw);
    if (s.parallel)
      f.parallel(vo);
  };
  // Whole tiles (the common case) get constant channel extents in S, so
  // its vector loops have no tails; final_state's guarded tiles ask for
  // no more than y's there.
  Expr wholeTiles = core.extent(vdim) % tile == 0;
  tileLoops(y.specialize(wholeTiles), {t}, TailStrategy::RoundUp);
  tileLoops(y, {t}, TailStrategy::GuardWithIf);
  std::vector<VarOrRVar> fsInner;
  for (int d : summed)
    fsInner.push_back(sv[d]);
  tileLoops(fs, fsInner, TailStrategy::GuardWithIf);
  fs.compute_with(y, task, LoopAlignStrategy::NoAlign);

  // The state lives per task, channels innermost in memory and in every
  // loop: dense vector loads and stores.
  const Var &c = sv[vdim];
  S.compute_at(y, task).vectorize(c, vw, TailStrategy::GuardWithIf);
  Var co("c_vec"), ci("c_vlane");
  for (int u = 0; u < S.num_update_definitions(); ++u) {
    Stage st = S.update(u);
    if (u + 1 < S.num_update_definitions()) {
      st.split(c, co, ci, vw, TailStrategy::GuardWithIf)
          .reorder(ci, co, ri.x)
          .vectorize(ci);
      continue;
    }
    // The step. Its vector loop over a tile is not unrolled: Halide cannot
    // always prove the tile's extent constant, even for whole tiles.
    st.split(c, co, ci, vw, TailStrategy::GuardWithIf)
        .reorder(ci, co, r.x, r.y)
        .vectorize(ci);
    if (unroll)
      st.unroll(r.x);
  }
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
  return {Pipeline({y, fs}), inputs};
}

} // namespace mamba::halide

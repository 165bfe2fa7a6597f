//===- ScanPipelines.cpp - the selective scan and the generic scan --------===//
//
// Both are a ScanCore: the selective scan supplies Mamba's discretization,
// C readout, D skip and silu(z) gate; the generic ssm.scan supplies Exprs
// built from the expression nodes of its regions.
//
//===----------------------------------------------------------------------===//

#include "HalideMath.h"
#include "ScanCore.h"

using namespace Halide;

namespace mamba::halide {

namespace {
ImageParam input(int rank, const std::string &name, int unitDim = -1) {
  ImageParam p(Float(32), rank, name);
  freeStrides(p, unitDim);
  return p;
}

} // namespace

BuiltPipeline buildSelectiveScan(const KernelDesc &d, const HalideSchedule &s) {
  // Iteration dims: b = 0, e = 1, n = 2, t = 3.
  ImageParam u = input(3, "u", 1), delta = input(3, "delta", 1),
             A = input(2, "A"), B = input(3, "B"), C = input(3, "C");
  std::vector<Argument> args{u, delta, A, B, C};
  ImageParam D, z, bias, h0;
  if (d.hasD)
    args.push_back(D = input(1, "D", 0));
  if (d.hasZ)
    args.push_back(z = input(3, "z", 1));
  if (d.hasDeltaBias)
    args.push_back(bias = input(1, "delta_bias", 0));
  if (d.hasInitialState)
    args.push_back(h0 = input(3, "initial_state"));

  Var b("b"), e("e"), n("n"), t("t");
  Func dt(d.name + "_dt");
  Expr raw = delta(b, e, t);
  if (d.hasDeltaBias)
    raw += bias(e);
  dt(b, e, t) = d.deltaSoftplus ? fastSoftplus(raw) : raw;
  Func a(d.name + "_A");
  a(e, n) = A(e, n);

  ScanCore core;
  core.rank = 3;
  core.yDims = {0, 1, 3};
  core.staticExtent = {0, 0, d.dState};
  core.extent = [=](int dim) -> Expr {
    switch (dim) {
    case 0:
      return u.dim(0).extent();
    case 1:
      return u.dim(1).extent();
    case 2:
      return A.dim(1).extent();
    default:
      return u.dim(2).extent();
    }
  };
  const bool zoh = d.zohB;
  core.update = [=](const std::vector<Expr> &p, const Expr &tt,
                    const Expr &) -> std::pair<Expr, Expr> {
    Expr step = dt(p[0], p[1], tt), an = a(p[1], p[2]);
    Expr decay = fastExp(step * an);
    // (dt u) B: dt u is shared by every state slot of a step.
    Expr scale = zoh ? (decay - 1.0f) / an : step;
    return {decay, (scale * u(p[0], p[1], tt)) * B(p[0], p[2], tt)};
  };
  core.readout = [=](const std::vector<Expr> &p, const Expr &tt,
                     const Expr &h) { return h * C(p[0], p[2], tt); };
  const bool hasD = d.hasD, hasZ = d.hasZ;
  core.epilogue = [=](const std::vector<Expr> &p, const Expr &tt, Expr y) {
    if (hasD)
      y += D(p[1]) * u(p[0], p[1], tt);
    if (hasZ)
      y *= fastSilu(z(p[0], p[1], tt));
    return y;
  };
  if (d.hasInitialState) {
    Func init(d.name + "_h0");
    init(b, e, n) = h0(b, e, n);
    core.init = init;
  }
  core.staged = {{dt, {0, 1, 3}}, {a, {1, 2}}};
  return buildScanCore(core, s, d.name, args);
}

namespace {
/// Evaluates the expression nodes of a scan region with the given block
/// arguments.
Expr evaluate(const GenericScanDesc &g, int root, const std::vector<Expr> &arg,
              std::vector<Expr> &memo) {
  if (memo[root].defined())
    return memo[root];
  const ScanExprNode &node = g.nodes[root];
  auto lhs = [&] { return evaluate(g, node.lhs, arg, memo); };
  auto rhs = [&] { return evaluate(g, node.rhs, arg, memo); };
  Expr v;
  switch (node.op) {
  case ScanExprOp::Arg:
    v = arg[node.arg];
    break;
  case ScanExprOp::Constant:
    v = Expr(node.value);
    break;
  case ScanExprOp::Add:
    v = lhs() + rhs();
    break;
  case ScanExprOp::Sub:
    v = lhs() - rhs();
    break;
  case ScanExprOp::Mul:
    v = lhs() * rhs();
    break;
  case ScanExprOp::Div:
    v = lhs() / rhs();
    break;
  case ScanExprOp::Max:
    v = max(lhs(), rhs());
    break;
  case ScanExprOp::Min:
    v = min(lhs(), rhs());
    break;
  case ScanExprOp::Neg:
    v = -lhs();
    break;
  case ScanExprOp::Exp:
    v = fastExp(lhs());
    break;
  case ScanExprOp::Log:
    v = log(lhs());
    break;
  case ScanExprOp::Sqrt:
    v = sqrt(lhs());
    break;
  case ScanExprOp::Tanh:
    v = tanh(lhs());
    break;
  case ScanExprOp::Abs:
    v = abs(lhs());
    break;
  }
  return memo[root] = v;
}

/// The channel dim of a generic scan: the last state dim y keeps, or -1.
int genericScanChannelDim(const GenericScanDesc &g) {
  int vdim = -1;
  for (int dim : g.outputDims)
    if (dim < g.stateRank)
      vdim = std::max(vdim, dim);
  return vdim;
}
} // namespace

BuiltPipeline buildGenericScan(const KernelDesc &d, const HalideSchedule &s) {
  const GenericScanDesc &g = d.scan;
  const int rank = g.stateRank, vdim = genericScanChannelDim(g);
  std::vector<Argument> args;
  std::vector<ImageParam> inputs;
  std::vector<Func> reads; // what the regions read of each input
  std::vector<std::pair<Func, std::vector<int>>> staged;
  for (size_t i = 0; i < g.inputDims.size(); ++i) {
    const std::vector<int> &dims = g.inputDims[i];
    auto has = [&](int dim) {
      return std::find(dims.begin(), dims.end(), dim) != dims.end();
    };
    int unit = -1;
    // Read every step along channels: vector loads need contiguity.
    if (has(rank) && has(vdim))
      unit = static_cast<int>(std::find(dims.begin(), dims.end(), vdim) -
                              dims.begin());
    ImageParam p =
        input(static_cast<int>(dims.size()), "input" + std::to_string(i), unit);
    inputs.push_back(p);
    args.push_back(p);
    Func f(d.name + "_in" + std::to_string(i));
    std::vector<Var> vars;
    for (size_t k = 0; k < dims.size(); ++k)
      vars.push_back(Var("i" + std::to_string(k)));
    f(vars) = p(vars);
    reads.push_back(f);
    // Parameters without time are staged per task, channels contiguous.
    if (!has(rank) && has(vdim))
      staged.push_back({f, dims});
  }
  ScanCore core;
  core.rank = rank;
  core.yDims = g.outputDims;
  core.staticExtent.assign(rank, 0);
  ImageParam init;
  if (g.hasInit) {
    args.push_back(init = input(rank, "init"));
    Func h0(d.name + "_init");
    std::vector<Var> vars;
    for (int k = 0; k < rank; ++k)
      vars.push_back(Var("s" + std::to_string(k)));
    h0(vars) = init(vars);
    core.init = h0;
  }
  core.extent = [=](int dim) -> Expr {
    for (size_t i = 0; i < g.inputDims.size(); ++i)
      for (size_t k = 0; k < g.inputDims[i].size(); ++k)
        if (g.inputDims[i][k] == dim)
          return inputs[i].dim(static_cast<int>(k)).extent();
    if (dim < rank && g.hasInit)
      return init.dim(dim).extent();
    throw CompileError("no input has iteration dimension " +
                       std::to_string(dim));
  };
  auto blockArgs = [=](const std::vector<Expr> &p, const Expr &tt,
                       const Expr &h) {
    std::vector<Expr> a{h};
    for (size_t i = 0; i < g.inputDims.size(); ++i) {
      std::vector<Expr> at;
      for (int dim : g.inputDims[i])
        at.push_back(dim == rank ? tt : p[dim]);
      a.push_back(reads[i](at));
    }
    return a;
  };
  core.update = [=](const std::vector<Expr> &p, const Expr &tt,
                    const Expr &h) -> std::pair<Expr, Expr> {
    std::vector<Expr> memo(g.nodes.size());
    std::vector<Expr> a = blockArgs(p, tt, h);
    return {evaluate(g, g.decay, a, memo), evaluate(g, g.input, a, memo)};
  };
  core.readout = [=](const std::vector<Expr> &p, const Expr &tt,
                     const Expr &h) {
    std::vector<Expr> memo(g.nodes.size());
    return evaluate(g, g.readout, blockArgs(p, tt, h), memo);
  };
  core.staged = staged;
  return buildScanCore(core, s, d.name, args);
}

} // namespace mamba::halide

//===- PlanBroadcast.cpp - broadcasting elementwise ops as plan steps -----===//
//
// The frontend writes an elementwise op whose operands have different
// shapes (`dt + dt_bias`, `D * x` in Mamba-2) as a linalg.generic with
// broadcasting indexing maps. The runtime's elementwise kernels read
// strided views, so a broadcast operand is a view of its own storage with
// stride 0 along the dimensions it lacks: no copy, no new kernel.
//
//===----------------------------------------------------------------------===//

#include "Transforms/FunctionPlanner.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "llvm/ADT/TypeSwitch.h"

#include <numeric>
#include <optional>

namespace mlir::ssm::planner {

namespace {

/// The runtime kernel of a generic's body, or "" if the body is not one
/// supported op applied to the block's inputs in order.
StringRef bodyKernel(linalg::GenericOp g) {
  Block &body = g.getRegion().front();
  if (body.getOperations().size() != 2)
    return "";
  Operation &op = body.front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  if (yield.getNumOperands() != 1 || yield.getOperand(0) != op.getResult(0))
    return "";
  for (auto [i, operand] : llvm::enumerate(op.getOperands()))
    if (operand != body.getArgument(i))
      return "";
  if (op.getNumOperands() != g.getNumDpsInputs())
    return "";
  return llvm::TypeSwitch<Operation *, StringRef>(&op)
      .Case([](arith::AddFOp) { return "add"; })
      .Case([](arith::SubFOp) { return "sub"; })
      .Case([](arith::MulFOp) { return "mul"; })
      .Case([](arith::NegFOp) { return "neg"; })
      .Case([](math::ExpOp) { return "exp"; })
      .Default([](Operation *) { return ""; });
}

} // namespace

LogicalResult FunctionPlanner::broadcastElementwise(linalg::GenericOp g) {
  StringRef kernel = bodyKernel(g);
  if (kernel.empty() || g.getNumDpsInits() != 1 ||
      g.getNumParallelLoops() != g.getNumLoops() ||
      !g.getMatchingIndexingMap(g.getDpsInitOperand(0)).isIdentity())
    return g.emitOpError()
           << "cannot be planned: no runtime kernel implements this body or "
              "these maps (planned: add, sub, mul, neg or exp of operands "
              "indexed by the loops, broadcast along the ones they lack)";
  const unsigned loops = g.getNumLoops();
  std::vector<Expr> extent(loops);
  std::vector<bool> known(loops, false);
  // The strides, in loop order, of an operand that spans every loop
  // dimension: the result keeps its dimension order, as defineLike does.
  std::optional<std::vector<Expr>> layout;
  for (OpOperand *in : g.getDpsInputOperands()) {
    FailureOr<Tensor *> t = lookup(g, in->get());
    if (failed(t))
      return failure();
    AffineMap map = g.getMatchingIndexingMap(in);
    if (!map.isProjectedPermutation(/*allowZeroInResults=*/true))
      return g.emitOpError()
             << "cannot be planned: operand " << in->getOperandNumber()
             << " is not indexed by loop dimensions or 0";
    for (unsigned k = 0; k < map.getNumResults(); ++k)
      if (auto d = dyn_cast<AffineDimExpr>(map.getResult(k))) {
        extent[d.getPosition()] = (*t)->view.shape[k];
        known[d.getPosition()] = true;
      }
    if (!layout && map.isPermutation()) {
      layout.emplace(loops);
      for (unsigned k = 0; k < loops; ++k)
        (*layout)[map.getDimPosition(k)] = (*t)->view.strides[k];
    }
  }
  for (unsigned d = 0; d < loops; ++d)
    if (!known[d])
      return g.emitOpError() << "cannot be planned: loop dimension " << d
                             << " has no input that gives its size";

  newStep(g, kernel);
  static const char *names[] = {"a", "b"};
  for (OpOperand *in : g.getDpsInputOperands()) {
    Tensor t = tensors_[in->get()];
    AffineMap map = g.getMatchingIndexingMap(in);
    std::vector<Expr> strides(loops, Expr(0));
    for (unsigned k = 0; k < map.getNumResults(); ++k)
      if (auto d = dyn_cast<AffineDimExpr>(map.getResult(k)))
        strides[d.getPosition()] = t.view.strides[k];
    t.view.shape = extent;
    t.view.strides = std::move(strides);
    useTensor(g.getNumDpsInputs() == 1 ? "x" : names[in->getOperandNumber()],
              t);
  }
  if (layout) {
    Tensor like;
    like.view.shape = extent;
    like.view.strides = std::move(*layout);
    defineLike("out", g.getResult(0), like);
  } else {
    SmallVector<int64_t> order(loops);
    std::iota(order.begin(), order.end(), 0);
    define("out", g.getResult(0), extent, order);
  }
  return success();
}

} // namespace mlir::ssm::planner

//===- ScanCanonicalize.cpp - canonicalization of ssm.scan ----------------===//
//
// Recognizes a selective scan written as ssm.discretize + a generic ssm.scan
// and folds it into the named ssm.selective_scan, which backends lower to a
// fused kernel that never materializes the [b, e, n, l] discretized tensors.
//
//===----------------------------------------------------------------------===//

#include "ssm/IR/SSMOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::ssm;

namespace {
/// Index of the region argument `v` among the scan inputs, or -1 if `v` is
/// not an input argument of `block` (argument 0 is the state).
int inputIndexOf(Block &block, Value v) {
  auto arg = dyn_cast<BlockArgument>(v);
  if (!arg || arg.getOwner() != &block || arg.getArgNumber() == 0)
    return -1;
  return static_cast<int>(arg.getArgNumber()) - 1;
}

/// Matches `lhs * rhs` in either order and returns the two operands.
bool matchMul(Value v, Value &lhs, Value &rhs) {
  auto mul = v.getDefiningOp<arith::MulFOp>();
  if (!mul)
    return false;
  lhs = mul.getLhs();
  rhs = mul.getRhs();
  return true;
}

/// Maps of the Mamba layout over iteration space (b, e, n, t).
AffineMap layoutMap(MLIRContext *ctx, ArrayRef<unsigned> dims) {
  SmallVector<AffineExpr> exprs;
  for (unsigned d : dims)
    exprs.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(4, 0, exprs, ctx);
}

struct DiscretizedScanToSelectiveScan : OpRewritePattern<ScanOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ScanOp scan,
                                PatternRewriter &rewriter) const override {
    if (scan.getStateRank() != 3)
      return rewriter.notifyMatchFailure(scan, "state is not [b, e, n]");
    Block &update = scan.getUpdate().front();
    Block &readout = scan.getReadout().front();
    auto updateYield = cast<YieldOp>(update.getTerminator());
    auto readoutYield = cast<YieldOp>(readout.getTerminator());
    if (update.getOperations().size() != 2 ||
        readout.getOperations().size() != 2)
      return rewriter.notifyMatchFailure(scan,
                                         "regions are not a*h + b*u, h*C");

    // update: yield dA, dB * u
    int dAIdx = inputIndexOf(update, updateYield.getValues()[0]);
    Value m0, m1;
    if (dAIdx < 0 || !matchMul(updateYield.getValues()[1], m0, m1))
      return rewriter.notifyMatchFailure(scan, "update is not (dA, dB * u)");
    auto discretize = scan.getInputs()[dAIdx].getDefiningOp<DiscretizeOp>();
    if (!discretize || scan.getInputs()[dAIdx] != discretize.getDeltaA())
      return rewriter.notifyMatchFailure(scan, "decay is not from discretize");
    int i0 = inputIndexOf(update, m0), i1 = inputIndexOf(update, m1);
    if (i0 < 0 || i1 < 0)
      return rewriter.notifyMatchFailure(scan,
                                         "b_t is not a product of inputs");
    if (scan.getInputs()[i1] == discretize.getDeltaB())
      std::swap(i0, i1);
    if (scan.getInputs()[i0] != discretize.getDeltaB())
      return rewriter.notifyMatchFailure(scan, "b_t does not use deltaB");
    int uIdx = i1;

    // readout: yield h * C
    Value r0, r1;
    if (!matchMul(readoutYield.getValues()[0], r0, r1))
      return rewriter.notifyMatchFailure(scan, "readout is not h * C");
    if (r1 == readout.getArgument(0))
      std::swap(r0, r1);
    int cIdx = inputIndexOf(readout, r1);
    if (r0 != readout.getArgument(0) || cIdx < 0)
      return rewriter.notifyMatchFailure(scan, "readout is not h * C");

    MLIRContext *ctx = scan.getContext();
    AffineMap full = layoutMap(ctx, {0, 1, 2, 3});
    AffineMap perChannel = layoutMap(ctx, {0, 1, 3});
    AffineMap perState = layoutMap(ctx, {0, 2, 3});
    if (scan.getInputMap(dAIdx) != full || scan.getInputMap(i0) != full ||
        scan.getInputMap(uIdx) != perChannel ||
        scan.getInputMap(cIdx) != perState || scan.getOutputMap() != perChannel)
      return rewriter.notifyMatchFailure(scan, "maps are not the Mamba layout");

    auto selective = SelectiveScanOp::create(
        rewriter, scan.getLoc(), scan.getY().getType(),
        scan.getFinalState().getType(), scan.getInputs()[uIdx],
        discretize.getDelta(), discretize.getA(), discretize.getB(),
        scan.getInputs()[cIdx], /*D=*/Value(), /*z=*/Value(),
        /*delta_bias=*/Value(), scan.getInit(), /*delta_softplus=*/false,
        discretize.getBRule());
    rewriter.replaceOp(scan, selective.getResults());
    return success();
  }
};
} // namespace

void ScanOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                         MLIRContext *context) {
  results.add<DiscretizedScanToSelectiveScan>(context);
}

//===- SSMFuse.cpp - fuse ssm ops into kernels ----------------------------===//
//
// The --ssm-fuse pass: grows ssm.selective_scan over its softplus, skip and
// gate neighbours and folds silu into the causal convolution, so each Mamba
// mixer becomes two fused kernels plus its projections.
//
//===----------------------------------------------------------------------===//

#include "Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "ssm/IR/SSMOps.h"

namespace mlir::ssm {
#define GEN_PASS_DEF_SSMFUSE
#include "Transforms/Passes.h.inc"
} // namespace mlir::ssm

using namespace mlir;
using namespace mlir::ssm;

namespace {
/// The operands of a selective scan, to rebuild it with one part changed.
struct ScanParts {
  Value u, delta, A, B, C, D, z, deltaBias, initialState;
  bool deltaSoftplus;
  BRule bRule;

  explicit ScanParts(SelectiveScanOp op)
      : u(op.getU()), delta(op.getDelta()), A(op.getA()), B(op.getB()),
        C(op.getC()), D(op.getD()), z(op.getZ()), deltaBias(op.getDeltaBias()),
        initialState(op.getInitialState()),
        deltaSoftplus(op.getDeltaSoftplus()), bRule(op.getBRule()) {}

  /// Replaces `old` with a scan of these parts; `newY` replaces the value
  /// that consumed old's y (or old's y itself when null).
  void replace(PatternRewriter &rewriter, SelectiveScanOp old,
               Operation *yConsumer = nullptr) const {
    rewriter.setInsertionPoint(yConsumer ? yConsumer : old.getOperation());
    auto fused = SelectiveScanOp::create(
        rewriter, old.getLoc(), old.getY().getType(),
        old.getFinalState().getType(), u, delta, A, B, C, D, z, deltaBias,
        initialState, deltaSoftplus, bRule);
    if (yConsumer)
      rewriter.replaceOp(yConsumer, fused.getY());
    rewriter.replaceAllUsesWith(old.getFinalState(), fused.getFinalState());
    if (!yConsumer)
      rewriter.replaceAllUsesWith(old.getY(), fused.getY());
    rewriter.eraseOp(old);
  }
};

/// The scan whose y is `v` and has no other user, or null.
SelectiveScanOp soleScanProducer(Value v) {
  auto scan = v.getDefiningOp<SelectiveScanOp>();
  if (!scan || v != scan.getY() || !v.hasOneUse())
    return nullptr;
  return scan;
}

/// softplus(d) feeding delta -> delta = d, delta_softplus.
struct FuseSoftplus : OpRewritePattern<SelectiveScanOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SelectiveScanOp scan,
                                PatternRewriter &rewriter) const override {
    auto softplus = scan.getDelta().getDefiningOp<SoftplusOp>();
    if (!softplus || scan.getDeltaSoftplus() || scan.getDeltaBias() ||
        !softplus->hasOneUse())
      return failure();
    ScanParts parts(scan);
    parts.delta = softplus.getInput();
    parts.deltaSoftplus = true;
    parts.replace(rewriter, scan);
    rewriter.eraseOp(softplus);
    return success();
  }
};

/// skip(y, u, D) of the scan's own y and u -> the scan with D.
struct FuseSkip : OpRewritePattern<SkipOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SkipOp skip,
                                PatternRewriter &rewriter) const override {
    SelectiveScanOp scan = soleScanProducer(skip.getY());
    if (!scan || scan.getD() || scan.getZ() || skip.getU() != scan.getU() ||
        skip.getResult().getType() != scan.getY().getType())
      return failure();
    ScanParts parts(scan);
    parts.D = skip.getD();
    parts.replace(rewriter, scan, skip);
    return success();
  }
};

/// gate(y, z) of the scan's y -> the scan with z.
struct FuseGate : OpRewritePattern<GateOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(GateOp gate,
                                PatternRewriter &rewriter) const override {
    SelectiveScanOp scan = soleScanProducer(gate.getInput());
    if (!gate.getZ() || !scan || scan.getZ())
      return failure();
    ScanParts parts(scan);
    parts.z = gate.getZ();
    parts.replace(rewriter, scan, gate);
    return success();
  }
};

/// silu(causal_conv1d(x)) -> causal_conv1d(x) activation = silu.
struct FuseConvSilu : OpRewritePattern<SiluOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SiluOp silu,
                                PatternRewriter &rewriter) const override {
    auto conv = silu.getInput().getDefiningOp<CausalConv1dOp>();
    if (!conv || conv.getActivation() != Activation::none ||
        !conv.getResult().hasOneUse())
      return failure();
    rewriter.modifyOpInPlace(conv,
                             [&] { conv.setActivation(Activation::silu); });
    rewriter.replaceOp(silu, conv.getResult());
    return success();
  }
};

struct SSMFusePass : mlir::ssm::impl::SSMFuseBase<SSMFusePass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    patterns.add<FuseSoftplus, FuseSkip, FuseGate, FuseConvSilu>(ctx);
    // discretize + generic scan -> selective_scan; the driver also folds
    // gates without z.
    ScanOp::getCanonicalizationPatterns(patterns, ctx);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

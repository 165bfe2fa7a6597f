//===- SSMFuse.cpp - fuse ssm ops into kernels ----------------------------===//
//
// The --ssm-fuse pass: grows ssm.selective_scan over its softplus, skip and
// gate neighbours and folds silu into the causal convolution, so each Mamba
// mixer becomes two fused kernels plus its projections.
//
//===----------------------------------------------------------------------===//

#include "Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
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

/// A generic scan reading ssm.discretize's [b, e, n, t] results computes
/// them in its regions instead, from delta [b, e, t], A [e, n] and
/// B [b, n, t]: the 4-D tensors are never materialized. (A scan that is
/// exactly the selective scan becomes ssm.selective_scan first: this
/// pattern has a lower benefit.)
struct InlineDiscretizeIntoScan : OpRewritePattern<ScanOp> {
  InlineDiscretizeIntoScan(MLIRContext *ctx)
      : OpRewritePattern(ctx, /*benefit=*/0) {}

  LogicalResult matchAndRewrite(ScanOp scan,
                                PatternRewriter &rewriter) const override {
    DiscretizeOp disc;
    int dAIdx = -1, dBIdx = -1;
    for (auto [i, input] : llvm::enumerate(scan.getInputs())) {
      auto d = input.getDefiningOp<DiscretizeOp>();
      if (!d || (disc && d != disc))
        continue;
      disc = d;
      (input == d.getDeltaA() ? dAIdx : dBIdx) = static_cast<int>(i);
    }
    if (!disc)
      return rewriter.notifyMatchFailure(scan, "no discretize input");
    for (Value r : disc->getResults())
      for (Operation *user : r.getUsers())
        if (user != scan.getOperation())
          return rewriter.notifyMatchFailure(scan,
                                             "discretize has other users");
    // The positions of deltaA's dims [b, e, n, t] in the iteration space.
    AffineMap m = scan.getInputMap(dAIdx >= 0 ? dAIdx : dBIdx);
    if (m.getNumResults() != 4 ||
        (dAIdx >= 0 && dBIdx >= 0 && scan.getInputMap(dBIdx) != m))
      return rewriter.notifyMatchFailure(scan, "unexpected discretize maps");
    auto sub = [&](ArrayRef<unsigned> dims) {
      SmallVector<AffineExpr> exprs;
      for (unsigned d : dims)
        exprs.push_back(m.getResult(d));
      return AffineMap::get(m.getNumDims(), 0, exprs, scan.getContext());
    };

    rewriter.modifyOpInPlace(scan, [&] {
      SmallVector<Attribute> maps(scan.getMaps().begin(), scan.getMaps().end());
      Attribute outMap = maps.pop_back_val();
      scan.getInputsMutable().append(
          ValueRange{disc.getDelta(), disc.getA(), disc.getB()});
      for (AffineMap nm : {sub({0, 1, 3}), sub({1, 2}), sub({0, 2, 3})})
        maps.push_back(AffineMapAttr::get(nm));
      for (Region *region : {&scan.getUpdate(), &scan.getReadout()}) {
        Block &block = region->front();
        Location loc = scan.getLoc();
        Value delta = block.addArgument(rewriter.getF32Type(), loc);
        Value a = block.addArgument(rewriter.getF32Type(), loc);
        Value b = block.addArgument(rewriter.getF32Type(), loc);
        OpBuilder::InsertionGuard guard(rewriter);
        rewriter.setInsertionPointToStart(&block);
        Value dtA = arith::MulFOp::create(rewriter, loc, delta, a);
        Value dA = math::ExpOp::create(rewriter, loc, dtA);
        Value dB;
        if (disc.getBRule() == BRule::zoh) {
          Value one = arith::ConstantOp::create(rewriter, loc,
                                                rewriter.getF32FloatAttr(1.0f));
          Value em1 = arith::SubFOp::create(rewriter, loc, dA, one);
          Value ratio = arith::DivFOp::create(rewriter, loc, em1, a);
          dB = arith::MulFOp::create(rewriter, loc, ratio, b);
        } else {
          dB = arith::MulFOp::create(rewriter, loc, delta, b);
        }
        // Block argument 0 is the state; input i is argument i + 1.
        if (dAIdx >= 0)
          block.getArgument(dAIdx + 1).replaceAllUsesWith(dA);
        if (dBIdx >= 0)
          block.getArgument(dBIdx + 1).replaceAllUsesWith(dB);
      }
      // Drop the 4-D inputs, the later index first.
      for (int idx : {std::max(dAIdx, dBIdx), std::min(dAIdx, dBIdx)}) {
        if (idx < 0)
          continue;
        scan.getInputsMutable().erase(idx);
        maps.erase(maps.begin() + idx);
        scan.getUpdate().front().eraseArgument(idx + 1);
        scan.getReadout().front().eraseArgument(idx + 1);
      }
      maps.push_back(outMap);
      scan.setMapsAttr(rewriter.getArrayAttr(maps));
    });
    rewriter.eraseOp(disc);
    return success();
  }
};

struct SSMFusePass : mlir::ssm::impl::SSMFuseBase<SSMFusePass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    patterns.add<FuseSoftplus, FuseSkip, FuseGate, FuseConvSilu,
                 InlineDiscretizeIntoScan>(ctx);
    // discretize + generic scan -> selective_scan; the driver also folds
    // gates without z.
    ScanOp::getCanonicalizationPatterns(patterns, ctx);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

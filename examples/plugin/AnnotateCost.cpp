//===- AnnotateCost.cpp - example pass: annotate scan costs ---------------===//
//
// A pass written outside the compiler against the ssm dialect's public
// headers, shipped in a plugin.
//
//===----------------------------------------------------------------------===//

#include "AnnotateCost.h"

#include "mlir/IR/Builders.h"
#include "ssm/IR/SSMOps.h"

using namespace mlir;

namespace {
struct AnnotateCostPass : PassWrapper<AnnotateCostPass, OperationPass<>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(AnnotateCostPass)

  StringRef getArgument() const final { return "ssm-example-annotate-cost"; }
  StringRef getDescription() const final {
    return "Example plugin pass: tag each ssm.selective_scan with the number "
           "of exponentials it evaluates (ssm.exp_count)";
  }

  void runOnOperation() override {
    Builder b(&getContext());
    getOperation()->walk([&](ssm::SelectiveScanOp scan) {
      auto u = scan.getU().getType();
      auto A = scan.getA().getType();
      if (!u.hasStaticShape() || !A.hasStaticShape())
        return;
      int64_t count = u.getNumElements() * A.getDimSize(1);
      scan->setAttr("ssm.exp_count", b.getI64IntegerAttr(count));
    });
  }
};
} // namespace

std::unique_ptr<Pass> mamba::example::createAnnotateCostPass() {
  return std::make_unique<AnnotateCostPass>();
}

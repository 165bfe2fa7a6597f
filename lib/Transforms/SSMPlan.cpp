//===- SSMPlan.cpp - write the execution plan -----------------------------===//
//
// The --ssm-plan pass: runs the planner and writes its JSON plan.
//
//===----------------------------------------------------------------------===//

#include "Transforms/ExecutionPlan.h"
#include "Transforms/Passes.h"

#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/ToolOutputFile.h"

namespace mlir::ssm {
#define GEN_PASS_DEF_SSMPLAN
#include "Transforms/Passes.h.inc"
} // namespace mlir::ssm

using namespace mlir;

namespace {
struct SSMPlanPass : mlir::ssm::impl::SSMPlanBase<SSMPlanPass> {
  using Base::Base;

  void runOnOperation() override {
    FailureOr<mamba::plan::Plan> plan =
        ssm::buildExecutionPlan(getOperation(), modelName);
    if (failed(plan))
      return signalPassFailure();
    std::string error;
    std::unique_ptr<llvm::ToolOutputFile> file = openOutputFile(output, &error);
    if (!file) {
      getOperation().emitError() << "cannot write the plan: " << error;
      return signalPassFailure();
    }
    file->os() << mamba::plan::writePlan(*plan);
    file->keep();
  }
};
} // namespace

//===- PlanScanDesc.cpp - a generic scan's description in the plan --------===//
//
// The description the CUDA emitter compiles a generic ssm.scan from
// (Conversion/SSMToCUDA/ScanDescFromOp), in the plan's own terms, so that
// the GPU executor can generate the kernel of a planned scan.
//
//===----------------------------------------------------------------------===//

#include "Conversion/SSMToCUDA/ScanDescFromOp.h"
#include "Transforms/FunctionPlanner.h"

#include "mlir/IR/Diagnostics.h"

namespace cg = mamba::codegen::cuda;

namespace mlir::ssm::planner {

std::optional<mp::ScanDesc> cudaScanDesc(ScanOp scan) {
  // A scan the CUDA backend cannot express still runs on the CPU: its step
  // just has no description, and the GPU executor says so.
  ScopedDiagnosticHandler quiet(scan.getContext(),
                                [](Diagnostic &) { return success(); });
  FailureOr<cg::GenericScanDesc> g = genericScanDescFromOp(scan, "scan");
  if (failed(g))
    return std::nullopt;
  mp::ScanDesc d;
  d.stateRank = g->stateRank;
  for (const std::vector<int> &dims : g->inputDims)
    d.inputDims.emplace_back(dims.begin(), dims.end());
  d.outputDims.assign(g->outputDims.begin(), g->outputDims.end());
  d.hasInit = g->hasInit;
  for (const cg::ScanExprNode &n : g->nodes) {
    mp::ScanNode node;
    node.op = cg::scanExprOpName(n.op);
    node.arg = n.arg;
    node.value = shortestDecimal(n.value);
    node.lhs = n.lhs;
    node.rhs = n.rhs;
    d.nodes.push_back(node);
  }
  d.decay = g->decay;
  d.input = g->input;
  d.readout = g->readout;
  return d;
}

} // namespace mlir::ssm::planner

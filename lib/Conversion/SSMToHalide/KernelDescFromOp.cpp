//===- KernelDescFromOp.cpp - ssm ops to Halide kernel descriptions -------===//
//
// Named ops map their operands and attributes to flags; a generic ssm.scan
// maps its indexing maps to dimension lists and its regions' arith and math
// ops to the expression nodes of a GenericScanDesc.
//
//===----------------------------------------------------------------------===//

#include "KernelDescFromOp.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "ssm/IR/SSMOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::ssm;
namespace hk = mamba::halide;

namespace {
/// The kernels compute in f32 only.
LogicalResult requireF32(Operation *op) {
  auto check = [&](Type t, StringRef what, unsigned i) -> LogicalResult {
    auto shaped = dyn_cast<ShapedType>(t);
    if (!shaped || shaped.getElementType().isF32())
      return success();
    return op->emitOpError()
           << "cannot be lowered to Halide: " << what << " #" << i
           << " has element type " << shaped.getElementType()
           << "; the CPU kernels compute in f32";
  };
  for (auto [i, v] : llvm::enumerate(op->getOperands()))
    if (failed(check(v.getType(), "operand", i)))
      return failure();
  for (auto [i, v] : llvm::enumerate(op->getResults()))
    if (failed(check(v.getType(), "result", i)))
      return failure();
  return success();
}

/// The iteration dimension of each result of a projected permutation.
std::vector<int> mapDims(AffineMap map) {
  std::vector<int> dims;
  for (AffineExpr e : map.getResults())
    dims.push_back(static_cast<int>(cast<AffineDimExpr>(e).getPosition()));
  return dims;
}

/// The node of `v`, read by `user`. Constants the canonicalizer hoisted out
/// of the region become nodes; any other value from outside the region has
/// no meaning per element.
FailureOr<int> valueId(Value v, Operation *user, hk::GenericScanDesc &g,
                       llvm::DenseMap<Value, int> &ids) {
  if (auto it = ids.find(v); it != ids.end())
    return it->second;
  FloatAttr f;
  if (auto c = v.getDefiningOp<arith::ConstantOp>())
    f = dyn_cast<FloatAttr>(c.getValue());
  if (!f || !f.getType().isF32())
    return user->emitOpError()
           << "reads a value from outside the 'ssm.scan' region that is not "
              "an f32 constant; the Halide backend cannot lower it";
  hk::ScanExprNode c;
  c.op = hk::ScanExprOp::Constant;
  c.value = static_cast<float>(f.getValueAsDouble());
  g.nodes.push_back(c);
  return ids[v] = static_cast<int>(g.nodes.size()) - 1;
}

/// Translates the ops of one scan region into expression nodes; block
/// arguments become Arg nodes. Fails on the first op it cannot lower.
LogicalResult translateRegion(Block &block, hk::GenericScanDesc &g,
                              llvm::DenseMap<Value, int> &ids) {
  auto add = [&](hk::ScanExprNode n) {
    g.nodes.push_back(n);
    return static_cast<int>(g.nodes.size()) - 1;
  };
  for (BlockArgument arg : block.getArguments()) {
    hk::ScanExprNode n;
    n.op = hk::ScanExprOp::Arg;
    n.arg = static_cast<int>(arg.getArgNumber());
    ids[arg] = add(n);
  }
  for (Operation &op : block.without_terminator()) {
    hk::ScanExprNode n;
    if (auto c = dyn_cast<arith::ConstantOp>(op)) {
      auto f = dyn_cast<FloatAttr>(c.getValue());
      if (!f || !f.getType().isF32())
        return op.emitOpError()
               << "is not supported by the Halide backend in an 'ssm.scan' "
                  "region: only f32 constants are";
      n.op = hk::ScanExprOp::Constant;
      n.value = static_cast<float>(f.getValueAsDouble());
      ids[c.getResult()] = add(n);
      continue;
    }
    std::optional<hk::ScanExprOp> kind =
        llvm::TypeSwitch<Operation *, std::optional<hk::ScanExprOp>>(&op)
            .Case<arith::AddFOp>([](auto) { return hk::ScanExprOp::Add; })
            .Case<arith::SubFOp>([](auto) { return hk::ScanExprOp::Sub; })
            .Case<arith::MulFOp>([](auto) { return hk::ScanExprOp::Mul; })
            .Case<arith::DivFOp>([](auto) { return hk::ScanExprOp::Div; })
            .Case<arith::MaximumFOp, arith::MaxNumFOp>(
                [](auto) { return hk::ScanExprOp::Max; })
            .Case<arith::MinimumFOp, arith::MinNumFOp>(
                [](auto) { return hk::ScanExprOp::Min; })
            .Case<arith::NegFOp>([](auto) { return hk::ScanExprOp::Neg; })
            .Case<math::ExpOp>([](auto) { return hk::ScanExprOp::Exp; })
            .Case<math::LogOp>([](auto) { return hk::ScanExprOp::Log; })
            .Case<math::SqrtOp>([](auto) { return hk::ScanExprOp::Sqrt; })
            .Case<math::TanhOp>([](auto) { return hk::ScanExprOp::Tanh; })
            .Case<math::AbsFOp>([](auto) { return hk::ScanExprOp::Abs; })
            .Default([](Operation *) { return std::nullopt; });
    if (!kind || op.getNumResults() != 1 || op.getNumOperands() > 2 ||
        op.getNumRegions() != 0)
      return op.emitOpError()
             << "is not supported by the Halide backend in an 'ssm.scan' "
                "region (supported: arith.constant/addf/subf/mulf/divf/negf/"
                "maximumf/minimumf, math.exp/log/sqrt/tanh/absf)";
    auto operandId = [&](Value v) { return valueId(v, &op, g, ids); };
    n.op = *kind;
    FailureOr<int> lhs = operandId(op.getOperand(0));
    if (failed(lhs))
      return failure();
    n.lhs = *lhs;
    if (op.getNumOperands() == 2) {
      FailureOr<int> rhs = operandId(op.getOperand(1));
      if (failed(rhs))
        return failure();
      n.rhs = *rhs;
    }
    ids[op.getResult(0)] = add(n);
  }
  return success();
}

FailureOr<hk::GenericScanDesc> describeScan(ScanOp op) {
  hk::GenericScanDesc g;
  g.stateRank = static_cast<int>(op.getStateRank());
  for (unsigned i = 0; i < op.getInputs().size(); ++i)
    g.inputDims.push_back(mapDims(op.getInputMap(i)));
  g.outputDims = mapDims(op.getOutputMap());
  g.hasInit = static_cast<bool>(op.getInit());
  llvm::DenseMap<Value, int> update, readout;
  Block &ub = op.getUpdate().front(), &rb = op.getReadout().front();
  if (failed(translateRegion(ub, g, update)) ||
      failed(translateRegion(rb, g, readout)))
    return failure();
  auto uy = cast<YieldOp>(ub.getTerminator());
  auto ry = cast<YieldOp>(rb.getTerminator());
  FailureOr<int> decay = valueId(uy.getValues()[0], uy, g, update),
                 input = valueId(uy.getValues()[1], uy, g, update),
                 out = valueId(ry.getValues()[0], ry, g, readout);
  if (failed(decay) || failed(input) || failed(out))
    return failure();
  g.decay = *decay;
  g.input = *input;
  g.readout = *out;
  return g;
}
} // namespace

bool mlir::ssm::hasHalideKernel(Operation *op) {
  if (auto gate = dyn_cast<GateOp>(op))
    return static_cast<bool>(gate.getZ());
  return isa<SelectiveScanOp, CausalConv1dOp, RMSNormOp, ScanOp>(op);
}

FailureOr<hk::KernelDesc>
mlir::ssm::kernelDescFromOp(Operation *op, StringRef name,
                            const hk::HalideSchedule &schedule) {
  if (!hasHalideKernel(op))
    return op->emitOpError() << "has no Halide kernel";
  if (failed(requireF32(op)))
    return failure();
  hk::KernelDesc d;
  d.name = name.str();
  d.schedule = schedule;
  if (auto scan = dyn_cast<SelectiveScanOp>(op)) {
    d.kind = hk::KernelKind::SelectiveScan;
    int64_t n = scan.getA().getType().getDimSize(1);
    d.dState = ShapedType::isDynamic(n) ? 0 : static_cast<int>(n);
    d.deltaSoftplus = scan.getDeltaSoftplus();
    d.zohB = scan.getBRule() == BRule::zoh;
    d.hasD = static_cast<bool>(scan.getD());
    d.hasZ = static_cast<bool>(scan.getZ());
    d.hasDeltaBias = static_cast<bool>(scan.getDeltaBias());
    d.hasInitialState = static_cast<bool>(scan.getInitialState());
  } else if (auto conv = dyn_cast<CausalConv1dOp>(op)) {
    d.kind = hk::KernelKind::CausalConv1d;
    int64_t width = conv.getWeight().getType().getDimSize(1);
    if (ShapedType::isDynamic(width))
      return op->emitOpError() << "cannot be lowered to Halide: the kernel "
                                  "width must be static";
    d.width = static_cast<int>(width);
    d.hasBias = static_cast<bool>(conv.getBias());
    d.silu = conv.getActivation() == Activation::silu;
    // With state(%s) the kernel reads the window and writes its update.
    d.hasState = static_cast<bool>(conv.getInitialState());
  } else if (auto norm = dyn_cast<RMSNormOp>(op)) {
    d.kind = hk::KernelKind::RMSNorm;
    d.eps = norm.getEps().convertToFloat();
  } else if (isa<GateOp>(op)) {
    d.kind = hk::KernelKind::Gate;
  } else {
    d.kind = hk::KernelKind::Scan;
    FailureOr<hk::GenericScanDesc> g = describeScan(cast<ScanOp>(op));
    if (failed(g))
      return failure();
    d.scan = std::move(*g);
  }
  if (mamba::Status st = hk::validateKernel(d); !st.ok())
    return op->emitOpError() << "cannot be lowered to Halide: " << st.message();
  return d;
}

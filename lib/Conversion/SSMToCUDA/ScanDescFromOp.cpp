//===- ScanDescFromOp.cpp - ssm.scan to the CUDA emitter's description ----===//
//
// Indexing maps become dimension lists; the regions' arith and math ops
// become expression nodes, and constants the canonicalizer hoisted out of a
// region become constant nodes (as in SSMToHalide/KernelDescFromOp.cpp).
//
//===----------------------------------------------------------------------===//

#include "ScanDescFromOp.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"

#include <optional>

using namespace mlir;
using namespace mlir::ssm;
namespace cg = mamba::codegen::cuda;

std::optional<cg::ElemType> mlir::ssm::cudaElemType(Type type) {
  Type elem = cast<ShapedType>(type).getElementType();
  if (elem.isF32())
    return cg::ElemType::F32;
  if (elem.isBF16())
    return cg::ElemType::BF16;
  if (elem.isF16())
    return cg::ElemType::F16;
  return std::nullopt;
}

namespace {

/// The iteration dimension of each result of a projected permutation.
std::vector<int> mapDims(AffineMap map) {
  std::vector<int> dims;
  for (AffineExpr e : map.getResults())
    dims.push_back(static_cast<int>(cast<AffineDimExpr>(e).getPosition()));
  return dims;
}

/// A float constant's value, if `attr` is one the kernels can compute with.
std::optional<float> constantValue(Attribute attr) {
  auto f = dyn_cast_or_null<FloatAttr>(attr);
  if (!f ||
      !(f.getType().isF32() || f.getType().isBF16() || f.getType().isF16()))
    return std::nullopt;
  return static_cast<float>(f.getValueAsDouble());
}

int addNode(cg::GenericScanDesc &g, cg::ScanExprNode n) {
  g.nodes.push_back(n);
  return static_cast<int>(g.nodes.size()) - 1;
}

/// The node of `v`, read by `user`. Constants hoisted out of the region
/// become nodes; any other value from outside has no meaning per element.
FailureOr<int> valueId(Value v, Operation *user, cg::GenericScanDesc &g,
                       llvm::DenseMap<Value, int> &ids) {
  if (auto it = ids.find(v); it != ids.end())
    return it->second;
  std::optional<float> value;
  if (auto c = v.getDefiningOp<arith::ConstantOp>())
    value = constantValue(c.getValue());
  if (!value)
    return user->emitOpError()
           << "reads a value from outside the 'ssm.scan' region that is not "
              "a float constant; the CUDA backend cannot lower it";
  cg::ScanExprNode c;
  c.op = cg::ScanExprOp::Constant;
  c.value = *value;
  return ids[v] = addNode(g, c);
}

std::optional<cg::ScanExprOp> exprOp(Operation *op) {
  using Op = cg::ScanExprOp;
  return llvm::TypeSwitch<Operation *, std::optional<Op>>(op)
      .Case<arith::AddFOp>([](auto) { return Op::Add; })
      .Case<arith::SubFOp>([](auto) { return Op::Sub; })
      .Case<arith::MulFOp>([](auto) { return Op::Mul; })
      .Case<arith::DivFOp>([](auto) { return Op::Div; })
      .Case<arith::MaximumFOp, arith::MaxNumFOp>([](auto) { return Op::Max; })
      .Case<arith::MinimumFOp, arith::MinNumFOp>([](auto) { return Op::Min; })
      .Case<arith::NegFOp>([](auto) { return Op::Neg; })
      .Case<math::ExpOp>([](auto) { return Op::Exp; })
      .Case<math::LogOp>([](auto) { return Op::Log; })
      .Case<math::SqrtOp>([](auto) { return Op::Sqrt; })
      .Case<math::TanhOp>([](auto) { return Op::Tanh; })
      .Case<math::AbsFOp>([](auto) { return Op::Abs; })
      .Default([](Operation *) { return std::nullopt; });
}

/// Translates one region's ops into expression nodes; block arguments
/// become Arg nodes. Fails on the first op it cannot lower.
LogicalResult translateRegion(Block &block, cg::GenericScanDesc &g,
                              llvm::DenseMap<Value, int> &ids) {
  for (BlockArgument arg : block.getArguments()) {
    cg::ScanExprNode n;
    n.op = cg::ScanExprOp::Arg;
    n.arg = static_cast<int>(arg.getArgNumber());
    ids[arg] = addNode(g, n);
  }
  for (Operation &op : block.without_terminator()) {
    cg::ScanExprNode n;
    if (auto c = dyn_cast<arith::ConstantOp>(op)) {
      std::optional<float> value = constantValue(c.getValue());
      if (!value)
        return op.emitOpError()
               << "is not supported by the CUDA backend in an 'ssm.scan' "
                  "region: only f32, bf16 and f16 constants are";
      n.op = cg::ScanExprOp::Constant;
      n.value = *value;
      ids[c.getResult()] = addNode(g, n);
      continue;
    }
    // The kernels compute in F32 and round only when they store y, as the
    // named kernels do: conversions between float types are the identity.
    if (isa<arith::ExtFOp, arith::TruncFOp>(op)) {
      FailureOr<int> in = valueId(op.getOperand(0), &op, g, ids);
      if (failed(in))
        return failure();
      ids[op.getResult(0)] = *in;
      continue;
    }
    std::optional<cg::ScanExprOp> kind = exprOp(&op);
    if (!kind || op.getNumResults() != 1 || op.getNumOperands() > 2 ||
        op.getNumRegions() != 0)
      return op.emitOpError()
             << "is not supported by the CUDA backend in an 'ssm.scan' "
                "region (supported: arith.constant/addf/subf/mulf/divf/negf/"
                "maximumf/minimumf/extf/truncf, math.exp/log/sqrt/tanh/absf)";
    n.op = *kind;
    FailureOr<int> lhs = valueId(op.getOperand(0), &op, g, ids);
    if (failed(lhs))
      return failure();
    n.lhs = *lhs;
    if (op.getNumOperands() == 2) {
      FailureOr<int> rhs = valueId(op.getOperand(1), &op, g, ids);
      if (failed(rhs))
        return failure();
      n.rhs = *rhs;
    }
    ids[op.getResult(0)] = addNode(g, n);
  }
  return success();
}
} // namespace

FailureOr<cg::GenericScanDesc>
mlir::ssm::genericScanDescFromOp(ScanOp op, StringRef name) {
  // The state stays in F32 registers; init and final_state are read and
  // written as F32 too.
  for (auto [what, v] : {std::pair<StringRef, Value>{"init", op.getInit()},
                         {"final_state", op.getFinalState()}})
    if (v && !cast<ShapedType>(v.getType()).getElementType().isF32())
      return op.emitOpError()
             << "cannot be lowered to CUDA: the kernel keeps the state in "
                "f32, got '"
             << what << "' of element type "
             << cast<ShapedType>(v.getType()).getElementType();

  cg::GenericScanDesc g;
  g.name = name.str();
  g.stateRank = static_cast<int>(op.getStateRank());
  for (auto [i, input] : llvm::enumerate(op.getInputs())) {
    g.inputDims.push_back(mapDims(op.getInputMap(i)));
    g.inputTypes.push_back(*cudaElemType(input.getType()));
  }
  g.outputDims = mapDims(op.getOutputMap());
  g.yType = *cudaElemType(op.getY().getType());
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

//===- ScanRegions.h - a generic ssm.scan's maps and regions as nodes -----===//
//
// The translation both backends make of a generic ssm.scan: indexing maps
// to dimension lists and the regions' arith and math ops to expression
// nodes (constants the canonicalizer hoisted out of a region become
// constant nodes). A template over the backend's description, whose node
// type has the same operations (codegen/cuda and SSMToHalide keep their
// own, MLIR-free structs).
//
//===----------------------------------------------------------------------===//

#ifndef MAMBA_CONVERSION_SCANREGIONS_H
#define MAMBA_CONVERSION_SCANREGIONS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "ssm/IR/SSMOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::ssm {

/// What a backend accepts in a scan region, and its name for errors.
struct ScanRegionRules {
  StringRef backend; ///< "CUDA", "Halide"
  /// bf16 and f16 constants, and arith.extf/truncf as the identity (the
  /// kernels compute in f32 and round when they store y); else f32 only.
  bool narrowFloats = false;
};

/// The iteration dimension of each result of a projected permutation.
inline std::vector<int> scanMapDims(AffineMap map) {
  std::vector<int> dims;
  for (AffineExpr e : map.getResults())
    dims.push_back(static_cast<int>(cast<AffineDimExpr>(e).getPosition()));
  return dims;
}

namespace detail {

template <class Desc> class ScanRegionTranslator {
  using Node = typename decltype(Desc::nodes)::value_type;
  using Kind = decltype(Node::op);

public:
  ScanRegionTranslator(Desc &g, const ScanRegionRules &rules)
      : g_(g), rules_(rules) {}

  /// One region's ops as nodes; block arguments become Arg nodes.
  LogicalResult region(Block &block, llvm::DenseMap<Value, int> &ids) {
    for (BlockArgument arg : block.getArguments()) {
      Node n;
      n.op = Kind::Arg;
      n.arg = static_cast<int>(arg.getArgNumber());
      ids[arg] = add(n);
    }
    for (Operation &op : block.without_terminator()) {
      Node n;
      if (auto c = dyn_cast<arith::ConstantOp>(op)) {
        std::optional<float> value = constant(c.getValue());
        if (!value)
          return op.emitOpError()
                 << "is not supported by the " << rules_.backend
                 << " backend in an 'ssm.scan' region: only "
                 << (rules_.narrowFloats ? "f32, bf16 and f16 constants are"
                                         : "f32 constants are");
        n.op = Kind::Constant;
        n.value = *value;
        ids[c.getResult()] = add(n);
        continue;
      }
      if (rules_.narrowFloats && isa<arith::ExtFOp, arith::TruncFOp>(op)) {
        FailureOr<int> in = valueId(op.getOperand(0), &op, ids);
        if (failed(in))
          return failure();
        ids[op.getResult(0)] = *in;
        continue;
      }
      std::optional<Kind> kind = exprOp(&op);
      if (!kind || op.getNumResults() != 1 || op.getNumOperands() > 2 ||
          op.getNumRegions() != 0)
        return op.emitOpError()
               << "is not supported by the " << rules_.backend
               << " backend in an 'ssm.scan' region (supported: "
                  "arith.constant/addf/subf/mulf/divf/negf/maximumf/minimumf"
               << (rules_.narrowFloats ? "/extf/truncf" : "")
               << ", math.exp/log/sqrt/tanh/absf)";
      n.op = *kind;
      FailureOr<int> lhs = valueId(op.getOperand(0), &op, ids);
      if (failed(lhs))
        return failure();
      n.lhs = *lhs;
      if (op.getNumOperands() == 2) {
        FailureOr<int> rhs = valueId(op.getOperand(1), &op, ids);
        if (failed(rhs))
          return failure();
        n.rhs = *rhs;
      }
      ids[op.getResult(0)] = add(n);
    }
    return success();
  }

  /// The node of `v`, read by `user`. Constants hoisted out of the region
  /// become nodes; any other value from outside has no meaning per element.
  FailureOr<int> valueId(Value v, Operation *user,
                         llvm::DenseMap<Value, int> &ids) {
    if (auto it = ids.find(v); it != ids.end())
      return it->second;
    std::optional<float> value;
    if (auto c = v.getDefiningOp<arith::ConstantOp>())
      value = constant(c.getValue());
    if (!value)
      return user->emitOpError()
             << "reads a value from outside the 'ssm.scan' region that is "
                "not "
             << (rules_.narrowFloats ? "a float constant" : "an f32 constant")
             << "; the " << rules_.backend << " backend cannot lower it";
    Node c;
    c.op = Kind::Constant;
    c.value = *value;
    return ids[v] = add(c);
  }

private:
  int add(const Node &n) {
    g_.nodes.push_back(n);
    return static_cast<int>(g_.nodes.size()) - 1;
  }

  std::optional<float> constant(Attribute attr) const {
    auto f = dyn_cast_or_null<FloatAttr>(attr);
    if (!f || !(f.getType().isF32() ||
                (rules_.narrowFloats &&
                 (f.getType().isBF16() || f.getType().isF16()))))
      return std::nullopt;
    return static_cast<float>(f.getValueAsDouble());
  }

  static std::optional<Kind> exprOp(Operation *op) {
    return llvm::TypeSwitch<Operation *, std::optional<Kind>>(op)
        .template Case<arith::AddFOp>([](auto) { return Kind::Add; })
        .template Case<arith::SubFOp>([](auto) { return Kind::Sub; })
        .template Case<arith::MulFOp>([](auto) { return Kind::Mul; })
        .template Case<arith::DivFOp>([](auto) { return Kind::Div; })
        .template Case<arith::MaximumFOp, arith::MaxNumFOp>(
            [](auto) { return Kind::Max; })
        .template Case<arith::MinimumFOp, arith::MinNumFOp>(
            [](auto) { return Kind::Min; })
        .template Case<arith::NegFOp>([](auto) { return Kind::Neg; })
        .template Case<math::ExpOp>([](auto) { return Kind::Exp; })
        .template Case<math::LogOp>([](auto) { return Kind::Log; })
        .template Case<math::SqrtOp>([](auto) { return Kind::Sqrt; })
        .template Case<math::TanhOp>([](auto) { return Kind::Tanh; })
        .template Case<math::AbsFOp>([](auto) { return Kind::Abs; })
        .Default([](Operation *) { return std::nullopt; });
  }

  Desc &g_;
  const ScanRegionRules &rules_;
};

} // namespace detail

/// Fills the iteration space (stateRank, inputDims, outputDims, hasInit)
/// and the expression nodes with their roots (decay, input, readout) of
/// `g` from `op`; emits an error on the op at fault and fails where the
/// backend cannot express it.
template <class Desc>
LogicalResult describeScanRegions(ScanOp op, Desc &g,
                                  const ScanRegionRules &rules) {
  g.stateRank = static_cast<int>(op.getStateRank());
  for (unsigned i = 0; i < op.getInputs().size(); ++i)
    g.inputDims.push_back(scanMapDims(op.getInputMap(i)));
  g.outputDims = scanMapDims(op.getOutputMap());
  g.hasInit = static_cast<bool>(op.getInit());

  detail::ScanRegionTranslator<Desc> t(g, rules);
  llvm::DenseMap<Value, int> update, readout;
  Block &ub = op.getUpdate().front(), &rb = op.getReadout().front();
  if (failed(t.region(ub, update)) || failed(t.region(rb, readout)))
    return failure();
  auto uy = cast<YieldOp>(ub.getTerminator());
  auto ry = cast<YieldOp>(rb.getTerminator());
  FailureOr<int> decay = t.valueId(uy.getValues()[0], uy, update),
                 input = t.valueId(uy.getValues()[1], uy, update),
                 out = t.valueId(ry.getValues()[0], ry, readout);
  if (failed(decay) || failed(input) || failed(out))
    return failure();
  g.decay = *decay;
  g.input = *input;
  g.readout = *out;
  return success();
}

} // namespace mlir::ssm

#endif // MAMBA_CONVERSION_SCANREGIONS_H

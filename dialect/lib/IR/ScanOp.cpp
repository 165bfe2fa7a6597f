//===- ScanOp.cpp - the generic linear scan -------------------------------===//
//
// Verifier of ssm.scan: indexing maps and shapes, region signatures, and the
// proof that the update is linear in the state (what makes chunked and
// parallel evaluation of the recurrence legal).
//
//===----------------------------------------------------------------------===//

#include "ssm/IR/SSMOps.h"

#include "ShapeCheck.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/AffineExpr.h"
#include "llvm/ADT/DenseMap.h"

using namespace mlir;
using namespace mlir::ssm;

namespace {
/// Names of the iteration dimensions: s0..s{R-1} for the state, t for time.
SmallVector<std::string> iterationDimNames(unsigned stateRank) {
  SmallVector<std::string> names;
  for (unsigned i = 0; i < stateRank; ++i)
    names.push_back("s" + std::to_string(i));
  names.push_back("t");
  return names;
}

/// The dimension names an indexing map selects, in result order.
SmallVector<StringRef> mappedDims(AffineMap map,
                                  ArrayRef<std::string> iterNames) {
  SmallVector<StringRef> dims;
  for (AffineExpr e : map.getResults())
    dims.push_back(iterNames[cast<AffineDimExpr>(e).getPosition()]);
  return dims;
}

std::string operandName(unsigned i) { return "input #" + std::to_string(i); }

/// How a value depends on the state h_{t-1}.
enum class Degree { Independent = 0, Linear = 1, NonLinear = 2 };

struct Dependence {
  Degree degree = Degree::Independent;
  /// The operation that made the value depend on the state as it does.
  Operation *culprit = nullptr;
};

/// Degree in the state of an op's result, from the degrees of its operands.
Degree resultDegree(Operation *op, ArrayRef<Degree> operands) {
  auto maxDegree = [&] {
    Degree d = Degree::Independent;
    for (Degree o : operands)
      d = std::max(d, o);
    return d;
  };
  Degree highest = maxDegree();
  if (highest == Degree::Independent)
    return Degree::Independent;
  if (highest == Degree::NonLinear)
    return Degree::NonLinear;
  if (isa<arith::AddFOp, arith::SubFOp, arith::NegFOp>(op))
    return Degree::Linear;
  if (isa<arith::MulFOp>(op))
    return operands[0] != Degree::Independent &&
                   operands[1] != Degree::Independent
               ? Degree::NonLinear
               : Degree::Linear;
  if (isa<arith::DivFOp>(op))
    return operands[1] == Degree::Independent ? Degree::Linear
                                              : Degree::NonLinear;
  return Degree::NonLinear;
}

/// Propagates the dependence on the state argument through the block.
DenseMap<Value, Dependence> analyzeDependence(Block &block) {
  DenseMap<Value, Dependence> deps;
  deps[block.getArgument(0)] = {Degree::Linear, nullptr};
  auto lookup = [&](Value v) {
    auto it = deps.find(v);
    return it == deps.end() ? Dependence{} : it->second;
  };
  for (Operation &op : block.without_terminator()) {
    SmallVector<Degree> operandDegrees;
    Dependence strongest;
    for (Value operand : op.getOperands()) {
      Dependence d = lookup(operand);
      operandDegrees.push_back(d.degree);
      if (d.degree > strongest.degree)
        strongest = d;
    }
    // A value captured by a nested region counts as a non-linear use.
    op.walk([&](Operation *nested) {
      if (nested == &op)
        return;
      for (Value operand : nested->getOperands())
        if (lookup(operand).degree != Degree::Independent)
          operandDegrees.push_back(Degree::NonLinear);
    });
    Degree degree = resultDegree(&op, operandDegrees);
    Dependence result{degree, strongest.culprit};
    if (degree != Degree::Independent &&
        (degree > strongest.degree || !strongest.culprit))
      result.culprit = &op;
    for (Value r : op.getResults())
      deps[r] = result;
  }
  return deps;
}

LogicalResult describeDependence(ScanOp scan, StringRef role,
                                 const Dependence &dep, StringRef problem) {
  InFlightDiagnostic diag = scan.emitOpError()
                            << "update is not " << problem << ": " << role;
  if (!dep.culprit) {
    diag << " is the state h_{t-1} itself";
    return diag;
  }
  diag << " depends on the state h_{t-1} through '" << dep.culprit->getName()
       << "'";
  diag.attachNote(dep.culprit->getLoc()) << "state-dependent operation here";
  return diag;
}

/// Checks a region's block signature: (state element, input elements...).
LogicalResult verifyRegionSignature(ScanOp scan, Region &region,
                                    StringRef regionName, unsigned numYielded) {
  Block &block = region.front();
  Type stateElem = scan.getFinalState().getType().getElementType();
  unsigned numInputs = scan.getInputs().size();
  if (block.getNumArguments() != numInputs + 1)
    return scan.emitOpError()
           << "expected the '" << regionName << "' region to take "
           << numInputs + 1
           << " arguments (the state element, then one element per input), "
              "got "
           << block.getNumArguments();
  if (block.getArgument(0).getType() != stateElem)
    return scan.emitOpError()
           << "expected argument #0 of the '" << regionName
           << "' region (the state) to have type " << stateElem << ", got "
           << block.getArgument(0).getType();
  for (auto [i, input] : llvm::enumerate(scan.getInputs())) {
    Type want = cast<ShapedType>(input.getType()).getElementType();
    Type got = block.getArgument(i + 1).getType();
    if (want != got)
      return scan.emitOpError()
             << "expected argument #" << i + 1 << " of the '" << regionName
             << "' region to have the element type of " << operandName(i) << " "
             << want << ", got " << got;
  }
  auto yield = dyn_cast<YieldOp>(block.getTerminator());
  if (!yield)
    return scan.emitOpError() << "expected the '" << regionName
                              << "' region to end with 'ssm.yield'";
  if (yield.getValues().size() != numYielded)
    return yield.emitOpError() << "expected " << numYielded << " value"
                               << (numYielded == 1 ? "" : "s") << " in the '"
                               << regionName << "' region"
                               << (numYielded == 2 ? " (the decay a_t and the "
                                                     "input b_t)"
                                                   : " (the contribution to y)")
                               << ", got " << yield.getValues().size();
  for (Operation &op : block.without_terminator())
    if (!isMemoryEffectFree(&op))
      return op.emitOpError() << "has side effects, which the '" << regionName
                              << "' region of 'ssm.scan' does not allow";
  return success();
}
} // namespace

LogicalResult ScanOp::verify() {
  unsigned rank = getStateRank();
  unsigned numInputs = getInputs().size();
  if (getMaps().size() != numInputs + 1)
    return emitOpError() << "expected " << numInputs + 1
                         << " indexing maps (one per input and one for 'y'), "
                            "got "
                         << getMaps().size();

  SmallVector<std::string> iterNames = iterationDimNames(rank);
  for (unsigned i = 0; i <= numInputs; ++i) {
    AffineMap map = i < numInputs ? getInputMap(i) : getOutputMap();
    std::string who = i < numInputs ? operandName(i) : "'y'";
    if (map.getNumDims() != rank + 1 || map.getNumSymbols() != 0)
      return emitOpError() << "expected the indexing map of " << who
                           << " to have " << rank + 1
                           << " dimensions (the state's " << rank
                           << " and time) and no symbols, got "
                           << AffineMapAttr::get(map);
    if (!map.isProjectedPermutation(/*allowZeroInResults=*/false))
      return emitOpError() << "expected the indexing map of " << who
                           << " to select distinct iteration dimensions, got "
                           << AffineMapAttr::get(map);
  }
  if (!getOutputMap().isFunctionOfDim(rank))
    return emitOpError() << "expected the indexing map of 'y' to keep the time "
                            "dimension, got "
                         << AffineMapAttr::get(getOutputMap());

  ShapeChecker shapes(*this);
  SmallVector<StringRef> stateDims(iterNames.begin(), iterNames.end() - 1);
  if (failed(shapes.check("final_state", getFinalState().getType(), stateDims)))
    return failure();
  if (getInit() && failed(shapes.check("init", getInit().getType(), stateDims)))
    return failure();
  for (auto [i, input] : llvm::enumerate(getInputs()))
    if (failed(shapes.check(operandName(i), cast<ShapedType>(input.getType()),
                            mappedDims(getInputMap(i), iterNames))))
      return failure();
  if (failed(shapes.check("y", getY().getType(),
                          mappedDims(getOutputMap(), iterNames))))
    return failure();

  Type stateElem = getFinalState().getType().getElementType();
  if (getInit() && failed(checkElementType(*this, "init", getInit().getType(),
                                           stateElem, "final_state")))
    return failure();
  return success();
}

LogicalResult ScanOp::verifyRegions() {
  if (failed(verifyRegionSignature(*this, getUpdate(), "update", 2)) ||
      failed(verifyRegionSignature(*this, getReadout(), "readout", 1)))
    return failure();

  Block &update = getUpdate().front();
  auto yield = cast<YieldOp>(update.getTerminator());
  Type stateElem = getFinalState().getType().getElementType();
  for (auto [i, v] : llvm::enumerate(yield.getValues()))
    if (v.getType() != stateElem)
      return yield.emitOpError()
             << "expected " << (i == 0 ? "the decay a_t" : "the input b_t")
             << " to have the state's element type " << stateElem << ", got "
             << v.getType();
  auto readoutYield = cast<YieldOp>(getReadout().front().getTerminator());
  Type yElem = getY().getType().getElementType();
  if (readoutYield.getValues()[0].getType() != yElem)
    return readoutYield.emitOpError()
           << "expected the readout to have the element type of 'y' " << yElem
           << ", got " << readoutYield.getValues()[0].getType();

  // h_t = a_t * h_{t-1} + b_t is linear in h only if neither a_t nor b_t
  // depends on h_{t-1}.
  DenseMap<Value, Dependence> deps = analyzeDependence(update);
  auto dependenceOf = [&](Value v) {
    auto it = deps.find(v);
    return it == deps.end() ? Dependence{} : it->second;
  };
  Value a = yield.getValues()[0], b = yield.getValues()[1];
  Dependence da = dependenceOf(a), db = dependenceOf(b);
  if (da.degree != Degree::Independent)
    return describeDependence(*this, "the decay a_t", da,
                              "linear in the state");
  if (db.degree == Degree::NonLinear)
    return describeDependence(*this, "the input b_t", db,
                              "linear in the state");
  if (db.degree == Degree::Linear)
    return describeDependence(
        *this, "the input b_t", db,
        "of the form h_t = a_t * h_{t-1} + b_t (fold the state term into "
        "a_t)");
  return success();
}

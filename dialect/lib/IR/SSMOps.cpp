//===- SSMOps.cpp - ssm dialect operations --------------------------------===//
//
// Verifiers and folders of the named ssm operations. Every shape relation is
// checked by name so that a diagnostic says which operand is wrong and how.
//
//===----------------------------------------------------------------------===//

#include "ssm/IR/SSMOps.h"

#include "ShapeCheck.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::ssm;

namespace {
/// Names "dim0, dim1, ..." for the leading dimensions of a tensor of any rank,
/// followed by `last`.
SmallVector<StringRef> leadingDims(int64_t rank, StringRef last) {
  static const char *names[] = {"dim0", "dim1", "dim2", "dim3",
                                "dim4", "dim5", "dim6", "dim7"};
  SmallVector<StringRef> dims;
  for (int64_t i = 0; i + 1 < rank; ++i)
    dims.push_back(i < 8 ? names[i] : "dim");
  dims.push_back(last);
  return dims;
}

/// Parameters such as A, D or a norm weight may stay in f32 while activations
/// are in a 16-bit type; anything else must match the activations.
LogicalResult checkParamElementType(Operation *op, StringRef operand,
                                    ShapedType type, Type activation,
                                    StringRef reference) {
  if (type.getElementType().isF32())
    return success();
  return checkElementType(op, operand, type, activation, reference);
}
} // namespace

LogicalResult WeightOp::verify() {
  if (getName().empty())
    return emitOpError() << "expected a non-empty weight name";
  if (!getResult().getType().hasStaticShape())
    return emitOpError() << "expected weight '" << getName()
                         << "' to have a static shape, got "
                         << formatShape(getResult().getType().getShape());
  return success();
}

LogicalResult EmbeddingOp::verify() {
  ShapeChecker shapes(*this);
  auto ids = getIds().getType();
  if (ids.getRank() < 1)
    return emitOpError() << "expected 'ids' to have rank at least 1, got 0";
  SmallVector<StringRef> idDims = leadingDims(ids.getRank() + 1, "d_model");
  idDims.pop_back();
  if (failed(
          shapes.check("table", getTable().getType(), {"vocab", "d_model"})) ||
      failed(shapes.check("ids", ids, idDims)))
    return failure();
  SmallVector<StringRef> resultDims(idDims);
  resultDims.push_back("d_model");
  if (failed(shapes.check("result", getResult().getType(), resultDims)))
    return failure();
  return checkElementType(*this, "result", getResult().getType(),
                          getTable().getType().getElementType(), "table");
}

LogicalResult RMSNormOp::verify() {
  ShapeChecker shapes(*this);
  auto input = getInput().getType();
  if (input.getRank() < 1)
    return emitOpError() << "expected 'input' to have rank at least 1, got 0";
  if (getEps().convertToFloat() <= 0.0f)
    return emitOpError() << "expected 'eps' to be positive, got "
                         << getEps().convertToFloat();
  SmallVector<StringRef> dims = leadingDims(input.getRank(), "d");
  if (failed(shapes.check("input", input, dims)) ||
      failed(shapes.check("weight", getWeight().getType(), {"d"})) ||
      failed(shapes.check("result", getResult().getType(), dims)))
    return failure();
  if (std::optional<int64_t> g = getGroupSize()) {
    const int64_t d = input.getShape().back();
    if (*g <= 0)
      return emitOpError() << "expected 'group_size' to be positive, got "
                           << *g;
    if (!ShapedType::isDynamic(d) && d % *g != 0)
      return emitOpError() << "expected 'group_size' (" << *g
                           << ") to divide the last dimension (" << d << ")";
  }
  Type elem = input.getElementType();
  if (failed(checkParamElementType(*this, "weight", getWeight().getType(), elem,
                                   "input")))
    return failure();
  return checkElementType(*this, "result", getResult().getType(), elem,
                          "input");
}

LogicalResult LinearOp::verify() {
  ShapeChecker shapes(*this);
  auto input = getInput().getType();
  if (input.getRank() < 1)
    return emitOpError() << "expected 'input' to have rank at least 1, got 0";
  SmallVector<StringRef> inDims = leadingDims(input.getRank(), "in_features");
  SmallVector<StringRef> outDims = leadingDims(input.getRank(), "out_features");
  if (failed(shapes.check("input", input, inDims)) ||
      failed(shapes.check("weight", getWeight().getType(),
                          {"out_features", "in_features"})))
    return failure();
  if (getBias() &&
      failed(shapes.check("bias", getBias().getType(), {"out_features"})))
    return failure();
  if (failed(shapes.check("result", getResult().getType(), outDims)))
    return failure();
  return checkElementType(*this, "result", getResult().getType(),
                          input.getElementType(), "input");
}

LogicalResult CausalConv1dOp::verify() {
  ShapeChecker shapes(*this);
  auto input = getInput().getType();
  if (failed(shapes.check("input", input, {"batch", "channels", "seqlen"})) ||
      failed(
          shapes.check("weight", getWeight().getType(), {"channels", "width"})))
    return failure();
  if (getBias() &&
      failed(shapes.check("bias", getBias().getType(), {"channels"})))
    return failure();
  if (shapes.size("width") == 0)
    return emitOpError() << "expected 'weight' to have a kernel width of at "
                            "least 1, got 0";
  if (failed(shapes.check("result", getResult().getType(),
                          {"batch", "channels", "seqlen"})))
    return failure();
  if (bool(getInitialState()) != bool(getFinalState()))
    return emitOpError() << "expected a 'final_state' result exactly when "
                            "'state' is given";
  if (getInitialState() &&
      (failed(shapes.check("state", getInitialState().getType(),
                           {"batch", "channels", "width"})) ||
       failed(shapes.check("final_state", getFinalState().getType(),
                           {"batch", "channels", "width"})) ||
       failed(checkElementType(*this, "state", getInitialState().getType(),
                               input.getElementType(), "input")) ||
       failed(checkElementType(*this, "final_state", getFinalState().getType(),
                               input.getElementType(), "input"))))
    return failure();
  return checkElementType(*this, "result", getResult().getType(),
                          input.getElementType(), "input");
}

LogicalResult DiscretizeOp::verify() {
  ShapeChecker shapes(*this);
  auto delta = getDelta().getType();
  if (failed(shapes.check("delta", delta, {"batch", "d_inner", "seqlen"})) ||
      failed(shapes.check("A", getA().getType(), {"d_inner", "d_state"})) ||
      failed(shapes.check("B", getB().getType(),
                          {"batch", "d_state", "seqlen"})) ||
      failed(shapes.check("deltaA", getDeltaA().getType(),
                          {"batch", "d_inner", "d_state", "seqlen"})) ||
      failed(shapes.check("deltaB", getDeltaB().getType(),
                          {"batch", "d_inner", "d_state", "seqlen"})))
    return failure();
  Type elem = delta.getElementType();
  if (failed(
          checkParamElementType(*this, "A", getA().getType(), elem, "delta")) ||
      failed(checkElementType(*this, "B", getB().getType(), elem, "delta")) ||
      failed(checkElementType(*this, "deltaA", getDeltaA().getType(), elem,
                              "delta")))
    return failure();
  return checkElementType(*this, "deltaB", getDeltaB().getType(), elem,
                          "delta");
}

LogicalResult SelectiveScanOp::verify() {
  ShapeChecker shapes(*this);
  const SmallVector<StringRef> seq = {"batch", "d_inner", "seqlen"};
  const SmallVector<StringRef> stepParam = {"batch", "d_state", "seqlen"};
  const SmallVector<StringRef> state = {"batch", "d_inner", "d_state"};
  auto u = getU().getType();
  if (failed(shapes.check("u", u, seq)) ||
      failed(shapes.check("delta", getDelta().getType(), seq)) ||
      failed(shapes.check("A", getA().getType(), {"d_inner", "d_state"})) ||
      failed(shapes.check("B", getB().getType(), stepParam)) ||
      failed(shapes.check("C", getC().getType(), stepParam)))
    return failure();
  if (getD() && failed(shapes.check("D", getD().getType(), {"d_inner"})))
    return failure();
  if (getZ() && failed(shapes.check("z", getZ().getType(), seq)))
    return failure();
  if (getDeltaBias() &&
      failed(shapes.check("delta_bias", getDeltaBias().getType(), {"d_inner"})))
    return failure();
  if (getInitialState() &&
      failed(shapes.check("initial_state", getInitialState().getType(), state)))
    return failure();
  if (failed(shapes.check("y", getY().getType(), seq)) ||
      failed(shapes.check("final_state", getFinalState().getType(), state)))
    return failure();

  // Activations share u's element type; parameters and the state may be f32.
  Type elem = u.getElementType();
  for (auto [name, value] : {std::pair<StringRef, Value>{"delta", getDelta()},
                             {"B", getB()},
                             {"C", getC()},
                             {"z", getZ()},
                             {"y", getY()}})
    if (value &&
        failed(checkElementType(*this, name, cast<ShapedType>(value.getType()),
                                elem, "u")))
      return failure();
  for (auto [name, value] : {std::pair<StringRef, Value>{"A", getA()},
                             {"D", getD()},
                             {"delta_bias", getDeltaBias()},
                             {"initial_state", getInitialState()},
                             {"final_state", getFinalState()}})
    if (value &&
        failed(checkParamElementType(
            *this, name, cast<ShapedType>(value.getType()), elem, "u")))
      return failure();
  return success();
}

LogicalResult SkipOp::verify() {
  ShapeChecker shapes(*this);
  const SmallVector<StringRef> seq = {"batch", "d_inner", "seqlen"};
  auto y = getY().getType();
  if (failed(shapes.check("y", y, seq)) ||
      failed(shapes.check("u", getU().getType(), seq)) ||
      failed(shapes.check("D", getD().getType(), {"d_inner"})) ||
      failed(shapes.check("result", getResult().getType(), seq)))
    return failure();
  Type elem = y.getElementType();
  if (failed(checkElementType(*this, "u", getU().getType(), elem, "y")) ||
      failed(checkParamElementType(*this, "D", getD().getType(), elem, "y")))
    return failure();
  return checkElementType(*this, "result", getResult().getType(), elem, "y");
}

LogicalResult GateOp::verify() {
  auto input = getInput().getType();
  if (!getZ())
    return success();
  auto z = getZ().getType();
  if (failed(verifyCompatibleShape(z.getShape(), input.getShape())))
    return emitOpError() << "expected 'z' to have shape "
                         << formatShape(input.getShape())
                         << " (that of 'input'), got "
                         << formatShape(z.getShape());
  return checkElementType(*this, "z", z, input.getElementType(), "input");
}

OpFoldResult GateOp::fold(FoldAdaptor) {
  // Without a gate input the op is the identity.
  if (!getZ())
    return getInput();
  return {};
}

#define GET_OP_CLASSES
#include "ssm/IR/SSMOps.cpp.inc"

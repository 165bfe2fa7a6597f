//===- ShapeCheck.cpp - shape relations for ssm verifiers -----------------===//
//
// Implements the named-dimension checker used by the ssm op verifiers.
//
//===----------------------------------------------------------------------===//

#include "ShapeCheck.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::ssm;

std::string mlir::ssm::formatShape(ArrayRef<int64_t> shape) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "[";
  llvm::interleaveComma(shape, os, [&](int64_t d) {
    if (ShapedType::isDynamic(d))
      os << "?";
    else
      os << d;
  });
  os << "]";
  return text;
}

int64_t ShapeChecker::size(StringRef dim) const {
  auto it = bound.find(dim);
  return it == bound.end() ? ShapedType::kDynamic : it->second;
}

void ShapeChecker::bind(StringRef dim, int64_t value) {
  if (!ShapedType::isDynamic(value) && ShapedType::isDynamic(size(dim)))
    bound[dim] = value;
}

LogicalResult ShapeChecker::check(StringRef operand, ShapedType type,
                                  ArrayRef<StringRef> dims) {
  std::string names = "[" + llvm::join(dims, ", ") + "]";
  if (type.getRank() != static_cast<int64_t>(dims.size()))
    return op->emitOpError()
           << "expected '" << operand << "' to have rank " << dims.size() << " "
           << names << ", got rank " << type.getRank() << " "
           << formatShape(type.getShape());

  SmallVector<int64_t> expected;
  bool mismatch = false;
  for (auto [dim, actual] : llvm::zip(dims, type.getShape())) {
    int64_t want = size(dim);
    if (ShapedType::isDynamic(want)) {
      expected.push_back(actual);
      continue;
    }
    expected.push_back(want);
    if (!ShapedType::isDynamic(actual) && actual != want)
      mismatch = true;
  }
  if (mismatch)
    return op->emitOpError()
           << "expected '" << operand << "' to have shape " << names << " = "
           << formatShape(expected) << ", got " << formatShape(type.getShape());

  for (auto [dim, actual] : llvm::zip(dims, type.getShape()))
    bind(dim, actual);
  return success();
}

LogicalResult mlir::ssm::checkElementType(Operation *op, StringRef operand,
                                          ShapedType type, Type expected,
                                          StringRef reference) {
  if (type.getElementType() == expected)
    return success();
  return op->emitOpError() << "expected '" << operand
                           << "' to have element type " << expected
                           << " (that of '" << reference << "'), got "
                           << type.getElementType();
}

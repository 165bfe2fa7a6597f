//===- ShapeCheck.h - shape relations for ssm verifiers ---------*- C++ -*-===//
//
// Binds named dimensions (batch, d_inner, seqlen, ...) across the operands of
// an op and reports the first operand that disagrees, with expected vs actual.
//
//===----------------------------------------------------------------------===//

#ifndef SSM_LIB_IR_SHAPECHECK_H
#define SSM_LIB_IR_SHAPECHECK_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/StringMap.h"

namespace mlir::ssm {

/// Checks operand shapes against named dimensions. The first operand that
/// mentions a dimension with a static size binds it; later ones must agree.
/// Dynamic sizes (`?`) agree with anything.
class ShapeChecker {
public:
  explicit ShapeChecker(Operation *op) : op(op) {}

  /// Checks that `type` has one dimension per name in `dims`, each equal to
  /// the size bound to that name. Emits an error and fails otherwise:
  ///   expected 'B' to have shape [batch, d_state, seqlen] = [2, 16, 64],
  ///   got [2, 8, 64]
  LogicalResult check(StringRef operand, ShapedType type,
                      ArrayRef<StringRef> dims);

  /// The size bound to `dim`, or ShapedType::kDynamic if none is known.
  int64_t size(StringRef dim) const;

  /// Binds `dim` to `size` unless already bound; used for sizes that come
  /// from attributes or from other dimensions.
  void bind(StringRef dim, int64_t size);

private:
  Operation *op;
  llvm::StringMap<int64_t> bound;
};

/// Formats a shape as "[2, ?, 64]".
std::string formatShape(ArrayRef<int64_t> shape);

/// Checks that `type`'s element type is `expected`, naming both operands in
/// the error: expected 'z' to have element type f32 (that of 'u'), got bf16.
LogicalResult checkElementType(Operation *op, StringRef operand,
                               ShapedType type, Type expected,
                               StringRef reference);

} // namespace mlir::ssm

#endif // SSM_LIB_IR_SHAPECHECK_H

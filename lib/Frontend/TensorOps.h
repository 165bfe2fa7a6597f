//===- TensorOps.h - the tensor builtins of the spec language ---*- C++ -*-===//
//
// Shape rules and IR for the builtins a block calls (linear, conv1d,
// rmsnorm, split, transpose, ...) and for arithmetic on tensors. Every rule
// is checked here with a message in terms of the spec, so the ops that
// MLIRGen builds always verify.
//
//===----------------------------------------------------------------------===//

#ifndef MAMBA_FRONTEND_TENSOROPS_H
#define MAMBA_FRONTEND_TENSOROPS_H

#include "AST.h"
#include "Value.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/DenseMap.h"

namespace mamba::frontend {

class TensorOps {
public:
  explicit TensorOps(mlir::OpBuilder &builder) : b(builder) {}

  /// Calls the tensor builtin `call.callee` on evaluated arguments.
  mlir::FailureOr<Val> call(const CallExpr &call, llvm::ArrayRef<Val> args);
  /// -x on a tensor.
  mlir::FailureOr<Val> negate(const UnaryExpr &e, const Val &x);
  /// x + y, x - y, x * y, x / y with a tensor operand; a number or a
  /// tensor of another shape broadcasts NumPy-style (trailing dimensions
  /// aligned, size-1 dimensions stretched).
  mlir::FailureOr<Val> arith(const BinaryExpr &e, const Val &x, const Val &y);

  /// The tensor type of `dims` (dynamic dimensions as '?').
  mlir::RankedTensorType tensorType(llvm::ArrayRef<Dim> dims,
                                    mlir::Type elementType) const;
  /// The size of `dim` as an index value: a constant, or tensor.dim of the
  /// first of `sources` that has this dynamic dimension.
  mlir::OpFoldResult sizeOf(const Dim &dim,
                            llvm::ArrayRef<const Val *> sources);
  /// tensor.empty of `dims`, sizing dynamic dimensions from `sources`.
  mlir::Value empty(llvm::ArrayRef<Dim> dims, mlir::Type elementType,
                    llvm::ArrayRef<const Val *> sources, mlir::Location loc);

private:
  mlir::FailureOr<Val> embedding(const CallExpr &c, llvm::ArrayRef<Val> a);
  mlir::FailureOr<Val> rmsnorm(const CallExpr &c, llvm::ArrayRef<Val> a);
  mlir::FailureOr<Val> linear(const CallExpr &c, llvm::ArrayRef<Val> a);
  mlir::FailureOr<Val> conv1d(const CallExpr &c, llvm::ArrayRef<Val> a);
  mlir::FailureOr<Val> elementwise(const CallExpr &c, llvm::ArrayRef<Val> a);
  mlir::FailureOr<Val> transpose(const CallExpr &c, llvm::ArrayRef<Val> a);
  mlir::FailureOr<Val> split(const CallExpr &c, llvm::ArrayRef<Val> a);
  mlir::FailureOr<Val> flatten(const CallExpr &c, llvm::ArrayRef<Val> a);
  mlir::FailureOr<Val> unflatten(const CallExpr &c, llvm::ArrayRef<Val> a);
  mlir::FailureOr<Val> skip(const CallExpr &c, llvm::ArrayRef<Val> a);
  mlir::FailureOr<Val> gate(const CallExpr &c, llvm::ArrayRef<Val> a);

  /// Checks that argument `i` is a float tensor (of `rank`, if not -1);
  /// `allowNone` accepts 'none' for optional operands.
  mlir::LogicalResult expectTensor(const CallExpr &c, llvm::ArrayRef<Val> a,
                                   unsigned i, llvm::StringRef role, int rank,
                                   bool allowNone = false, bool isInt = false);
  mlir::FailureOr<int64_t> expectInt(const CallExpr &c, llvm::ArrayRef<Val> a,
                                     unsigned i, llvm::StringRef role);
  mlir::FailureOr<std::vector<int64_t>> expectIntList(const CallExpr &c,
                                                      llvm::ArrayRef<Val> a,
                                                      unsigned i,
                                                      llvm::StringRef role);
  /// The (input tensor, axis, sizes) arguments of split and unflatten, with
  /// the axis normalized.
  struct AxisSizes {
    unsigned axis;
    std::vector<int64_t> sizes;
  };
  mlir::FailureOr<AxisSizes> axisAndSizes(const CallExpr &c,
                                          llvm::ArrayRef<Val> a);
  /// Normalizes a possibly negative axis of a rank-`rank` tensor.
  mlir::FailureOr<unsigned> axis(const CallExpr &c, unsigned argIndex,
                                 int64_t value, size_t rank);
  mlir::LogicalResult shapeError(const CallExpr &c, unsigned i,
                                 llvm::StringRef role, llvm::StringRef expected,
                                 llvm::ArrayRef<Dim> got);

  mlir::OpBuilder &b;
  /// tensor.dim ops already built, so each size is read once.
  llvm::DenseMap<std::pair<mlir::Value, int64_t>, mlir::Value> dimCache;
};

} // namespace mamba::frontend

#endif // MAMBA_FRONTEND_TENSOROPS_H

//===- Eval.h - evaluation of spec expressions ------------------*- C++ -*-===//
//
// The scalar semantics of the language (numbers, booleans, strings, lists,
// the scalar builtins), shared by hyper-parameter evaluation in Sema and by
// the block elaborator in MLIRGen, which adds names and tensors.
//
//===----------------------------------------------------------------------===//

#ifndef MAMBA_FRONTEND_EVAL_H
#define MAMBA_FRONTEND_EVAL_H

#include "AST.h"
#include "Value.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Support/LLVM.h"

namespace mamba::frontend {

class Evaluator {
public:
  virtual ~Evaluator() = default;

  /// Evaluates `e`; reports the first error and fails.
  mlir::FailureOr<Val> eval(const Expr &e);
  /// Evaluates `e` and checks it is an int / a bool; `what` names it in the
  /// error ("the loop bound").
  mlir::FailureOr<int64_t> evalInt(const Expr &e, llvm::StringRef what);
  mlir::FailureOr<bool> evalBool(const Expr &e, llvm::StringRef what);
  /// The string with every "{name}" replaced by the value of `name`.
  mlir::FailureOr<std::string> interpolate(const StringExpr &s);

protected:
  /// The value of a name; reports unknown names.
  virtual mlir::FailureOr<Val> lookup(const NameExpr &e) = 0;
  /// Calls other than the scalar builtins; the default reports the callee
  /// as unknown.
  virtual mlir::FailureOr<Val> call(const CallExpr &e);
  /// Operators with a tensor operand; the default reports them as not
  /// allowed here (hyper-parameters are scalars).
  virtual mlir::FailureOr<Val> tensorUnary(const UnaryExpr &e, const Val &x);
  virtual mlir::FailureOr<Val> tensorBinary(const BinaryExpr &e, const Val &a,
                                            const Val &b);
  /// Evaluates every argument of a call.
  mlir::FailureOr<std::vector<Val>> evalArgs(const CallExpr &e);

private:
  mlir::FailureOr<Val> evalBinary(const BinaryExpr &e);
  mlir::FailureOr<Val> scalarBuiltin(const CallExpr &e, bool &handled);
};

/// True for the names of the scalar builtins (ceil, floor, min, max).
bool isScalarBuiltin(llvm::StringRef name);

} // namespace mamba::frontend

#endif // MAMBA_FRONTEND_EVAL_H

// The expression language of a generic ssm.scan's regions, shared by the
// backends that print or build it (CUDA C, Halide): one node per SSA value,
// operands refer to earlier nodes by index.
#ifndef MAMBA_CODEGEN_SCAN_EXPR_H
#define MAMBA_CODEGEN_SCAN_EXPR_H

namespace mamba::codegen {

/// Operations of a scan region, evaluated in F32.
enum class ScanExprOp {
  Arg,      // block argument `arg` (0: the state, i + 1: input i)
  Constant, // `value`
  Add,
  Sub,
  Mul,
  Div,
  Max,
  Min,
  Neg,
  Exp,
  Log,
  Sqrt,
  Tanh,
  Abs,
};

/// "arg", "constant", "add", ... (the names errors and plans use).
inline const char *scanExprOpName(ScanExprOp op) {
  switch (op) {
  case ScanExprOp::Arg:
    return "arg";
  case ScanExprOp::Constant:
    return "constant";
  case ScanExprOp::Add:
    return "add";
  case ScanExprOp::Sub:
    return "sub";
  case ScanExprOp::Mul:
    return "mul";
  case ScanExprOp::Div:
    return "div";
  case ScanExprOp::Max:
    return "max";
  case ScanExprOp::Min:
    return "min";
  case ScanExprOp::Neg:
    return "neg";
  case ScanExprOp::Exp:
    return "exp";
  case ScanExprOp::Log:
    return "log";
  case ScanExprOp::Sqrt:
    return "sqrt";
  case ScanExprOp::Tanh:
    return "tanh";
  case ScanExprOp::Abs:
    return "abs";
  }
  return "?";
}

/// One value of a region: an argument, a constant or an op of earlier nodes
/// (`lhs`, and `rhs` for the binary ops).
struct ScanExprNode {
  ScanExprOp op = ScanExprOp::Constant;
  int arg = 0;
  float value = 0.0f;
  int lhs = -1, rhs = -1;
};

} // namespace mamba::codegen

#endif // MAMBA_CODEGEN_SCAN_EXPR_H

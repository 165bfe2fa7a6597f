//===- Eval.cpp - evaluation of spec expressions --------------------------===//
//
// Integer arithmetic is checked for overflow and division by zero: sizes
// come from user files and a wrapped size would become a wrong model, not an
// error.
//
//===----------------------------------------------------------------------===//

#include "Eval.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/Casting.h"

#include <cmath>

using namespace mamba::frontend;
using llvm::cast;
using mlir::failure;
using mlir::FailureOr;

std::string mamba::frontend::formatDims(llvm::ArrayRef<Dim> dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i)
      s += ", ";
    s += dims[i].isStatic() ? std::to_string(dims[i].size)
                            : (dims[i].sym.empty() ? "?" : dims[i].sym);
  }
  return s + "]";
}

std::string mamba::frontend::formatDim(const Dim &dim) {
  std::string s = formatDims({dim});
  return s.substr(1, s.size() - 2);
}

std::string mamba::frontend::formatScalar(const Val &v) {
  switch (v.kind) {
  case Val::Kind::Int:
    return std::to_string(v.i);
  case Val::Kind::Float: {
    char buf[64];
    snprintf(buf, sizeof(buf), "%g", v.f);
    return buf;
  }
  case Val::Kind::Bool:
    return v.b ? "true" : "false";
  case Val::Kind::String:
    return "\"" + v.s + "\"";
  default:
    return describe(v);
  }
}

std::string mamba::frontend::describe(const Val &v) {
  switch (v.kind) {
  case Val::Kind::Int:
    return "int " + formatScalar(v);
  case Val::Kind::Float:
    return "float " + formatScalar(v);
  case Val::Kind::Bool:
    return "bool " + formatScalar(v);
  case Val::Kind::String:
    return "string " + formatScalar(v);
  case Val::Kind::None:
    return "none";
  case Val::Kind::List:
    return "a list of " + std::to_string(v.elems.size()) + " elements";
  case Val::Kind::Tuple:
    return std::to_string(v.elems.size()) + " values";
  case Val::Kind::Def:
    return std::string(llvm::isa<ScanDef>(v.def)    ? "scan"
                       : llvm::isa<BlockDef>(v.def) ? "block"
                                                    : "model") +
           " '" + v.def->name + "'";
  case Val::Kind::Weight:
    return "weight '" + v.s + "'";
  case Val::Kind::Tensor:
    return "a tensor of shape " + formatDims(v.dims);
  }
  return "a value";
}

bool mamba::frontend::isScalarBuiltin(llvm::StringRef name) {
  return name == "ceil" || name == "floor" || name == "min" || name == "max";
}

FailureOr<Val> Evaluator::eval(const Expr &e) {
  switch (e.kind) {
  case Expr::Kind::Number: {
    auto &n = cast<NumberExpr>(e);
    return n.isInt ? Val::makeInt(n.intValue) : Val::makeFloat(n.floatValue);
  }
  case Expr::Kind::String: {
    FailureOr<std::string> s = interpolate(cast<StringExpr>(e));
    if (failed(s))
      return failure();
    return Val::makeString(*s);
  }
  case Expr::Kind::Bool:
    return Val::makeBool(cast<BoolExpr>(e).value);
  case Expr::Kind::None:
    return Val();
  case Expr::Kind::Name:
    return lookup(cast<NameExpr>(e));
  case Expr::Kind::Unary: {
    auto &u = cast<UnaryExpr>(e);
    FailureOr<Val> x = eval(*u.operand);
    if (failed(x))
      return failure();
    if (x->isTensor())
      return tensorUnary(u, *x);
    if (u.op == '-' && x->kind == Val::Kind::Int) {
      if (x->i == INT64_MIN) {
        mlir::emitError(u.loc) << "integer overflow in '-'";
        return failure();
      }
      return Val::makeInt(-x->i);
    }
    if (u.op == '-' && x->kind == Val::Kind::Float)
      return Val::makeFloat(-x->f);
    if (u.op == '!' && x->kind == Val::Kind::Bool)
      return Val::makeBool(!x->b);
    mlir::emitError(u.loc) << "operator '" << u.op << "' expects "
                           << (u.op == '-' ? "a number" : "a bool") << ", got "
                           << describe(*x);
    return failure();
  }
  case Expr::Kind::Binary:
    return evalBinary(cast<BinaryExpr>(e));
  case Expr::Kind::Call: {
    bool handled = false;
    FailureOr<Val> r = scalarBuiltin(cast<CallExpr>(e), handled);
    if (handled)
      return r;
    return call(cast<CallExpr>(e));
  }
  case Expr::Kind::If: {
    auto &i = cast<IfExpr>(e);
    FailureOr<bool> c = evalBool(*i.cond, "the condition of 'if'");
    if (failed(c))
      return failure();
    // Only the branch taken is evaluated: the other may name a weight
    // that this configuration does not have.
    return eval(*c ? *i.thenExpr : *i.elseExpr);
  }
  case Expr::Kind::List: {
    Val list;
    list.kind = Val::Kind::List;
    for (const ExprPtr &el : cast<ListExpr>(e).elems) {
      FailureOr<Val> v = eval(*el);
      if (failed(v))
        return failure();
      list.elems.push_back(std::move(*v));
    }
    return list;
  }
  }
  return failure();
}

FailureOr<int64_t> Evaluator::evalInt(const Expr &e, llvm::StringRef what) {
  FailureOr<Val> v = eval(e);
  if (failed(v))
    return failure();
  if (v->kind != Val::Kind::Int) {
    mlir::emitError(e.loc) << "expected " << what << " to be an int, got "
                           << describe(*v);
    return failure();
  }
  return v->i;
}

FailureOr<bool> Evaluator::evalBool(const Expr &e, llvm::StringRef what) {
  FailureOr<Val> v = eval(e);
  if (failed(v))
    return failure();
  if (v->kind != Val::Kind::Bool) {
    mlir::emitError(e.loc) << "expected " << what << " to be a bool, got "
                           << describe(*v);
    return failure();
  }
  return v->b;
}

FailureOr<std::string> Evaluator::interpolate(const StringExpr &s) {
  std::string out;
  llvm::StringRef rest = s.value;
  while (!rest.empty()) {
    size_t open = rest.find('{');
    if (open == llvm::StringRef::npos) {
      if (rest.contains('}')) {
        mlir::emitError(s.loc)
            << "unmatched '}' in string \"" << s.value << "\"";
        return failure();
      }
      out += rest.str();
      break;
    }
    out += rest.take_front(open).str();
    size_t close = rest.find('}', open);
    if (close == llvm::StringRef::npos) {
      mlir::emitError(s.loc) << "unmatched '{' in string \"" << s.value << "\"";
      return failure();
    }
    llvm::StringRef name = rest.slice(open + 1, close).trim();
    NameExpr ref(s.loc, name.str());
    FailureOr<Val> v = lookup(ref);
    if (failed(v))
      return failure();
    if (v->kind == Val::Kind::Int) {
      out += std::to_string(v->i);
    } else if (v->kind == Val::Kind::String) {
      out += v->s;
    } else {
      mlir::emitError(s.loc) << "cannot put " << describe(*v) << " ('" << name
                             << "') into a string";
      return failure();
    }
    rest = rest.drop_front(close + 1);
  }
  return out;
}

FailureOr<std::vector<Val>> Evaluator::evalArgs(const CallExpr &e) {
  std::vector<Val> args;
  for (const ExprPtr &a : e.args) {
    FailureOr<Val> v = eval(*a);
    if (failed(v))
      return failure();
    args.push_back(std::move(*v));
  }
  return args;
}

FailureOr<Val> Evaluator::call(const CallExpr &e) {
  mlir::emitError(e.loc) << "unknown function '" << e.callee << "'";
  return failure();
}

FailureOr<Val> Evaluator::tensorUnary(const UnaryExpr &e, const Val &) {
  mlir::emitError(e.loc) << "operator '" << e.op
                         << "' on a tensor is not allowed here";
  return failure();
}

FailureOr<Val> Evaluator::tensorBinary(const BinaryExpr &e, const Val &,
                                       const Val &) {
  mlir::emitError(e.loc) << "operator '" << binOpSpelling(e.op)
                         << "' on a tensor is not allowed here";
  return failure();
}

FailureOr<Val> Evaluator::scalarBuiltin(const CallExpr &e, bool &handled) {
  if (!isScalarBuiltin(e.callee))
    return failure();
  handled = true;
  size_t arity = (e.callee == "ceil" || e.callee == "floor") ? 1 : 2;
  if (e.args.size() != arity) {
    mlir::emitError(e.loc) << "'" << e.callee << "' takes " << arity
                           << " argument" << (arity == 1 ? "" : "s") << ", got "
                           << e.args.size();
    return failure();
  }
  FailureOr<std::vector<Val>> args = evalArgs(e);
  if (failed(args))
    return failure();
  for (const Val &a : *args)
    if (!a.isNumber()) {
      mlir::emitError(e.loc)
          << "'" << e.callee << "' expects numbers, got " << describe(a);
      return failure();
    }
  const Val &x = (*args)[0];
  if (arity == 1) {
    if (x.kind == Val::Kind::Int)
      return x;
    double r = e.callee == "ceil" ? std::ceil(x.f) : std::floor(x.f);
    if (!std::isfinite(r) || std::fabs(r) > 9.0e18) {
      mlir::emitError(e.loc) << "'" << e.callee << "' of " << formatScalar(x)
                             << " does not fit an int";
      return failure();
    }
    return Val::makeInt(static_cast<int64_t>(r));
  }
  const Val &y = (*args)[1];
  bool takeFirst = e.callee == "min" ? x.asDouble() <= y.asDouble()
                                     : x.asDouble() >= y.asDouble();
  if (x.kind == Val::Kind::Int && y.kind == Val::Kind::Int)
    return takeFirst ? x : y;
  return Val::makeFloat(takeFirst ? x.asDouble() : y.asDouble());
}

FailureOr<Val> Evaluator::evalBinary(const BinaryExpr &e) {
  // && and || evaluate their right operand only when needed.
  if (e.op == BinOp::And || e.op == BinOp::Or) {
    const char *what =
        e.op == BinOp::And ? "the operands of '&&'" : "the operands of '||'";
    FailureOr<bool> l = evalBool(*e.lhs, what);
    if (failed(l))
      return failure();
    if (e.op == BinOp::And ? !*l : *l)
      return Val::makeBool(*l);
    FailureOr<bool> r = evalBool(*e.rhs, what);
    if (failed(r))
      return failure();
    return Val::makeBool(*r);
  }
  FailureOr<Val> a = eval(*e.lhs);
  if (failed(a))
    return failure();
  FailureOr<Val> b = eval(*e.rhs);
  if (failed(b))
    return failure();
  if (a->isTensor() || b->isTensor())
    return tensorBinary(e, *a, *b);

  auto typeError = [&]() -> FailureOr<Val> {
    mlir::emitError(e.loc) << "operator '" << binOpSpelling(e.op)
                           << "' cannot combine " << describe(*a) << " and "
                           << describe(*b);
    return failure();
  };
  if (e.op == BinOp::Eq || e.op == BinOp::Ne) {
    bool equal;
    if (a->isNumber() && b->isNumber())
      equal = a->asDouble() == b->asDouble();
    else if (a->kind == Val::Kind::Bool && b->kind == Val::Kind::Bool)
      equal = a->b == b->b;
    else if (a->kind == Val::Kind::String && b->kind == Val::Kind::String)
      equal = a->s == b->s;
    else
      return typeError();
    return Val::makeBool(e.op == BinOp::Eq ? equal : !equal);
  }
  if (!a->isNumber() || !b->isNumber())
    return typeError();
  double x = a->asDouble(), y = b->asDouble();
  switch (e.op) {
  case BinOp::Lt:
    return Val::makeBool(x < y);
  case BinOp::Le:
    return Val::makeBool(x <= y);
  case BinOp::Gt:
    return Val::makeBool(x > y);
  case BinOp::Ge:
    return Val::makeBool(x >= y);
  default:
    break;
  }
  bool ints = a->kind == Val::Kind::Int && b->kind == Val::Kind::Int;
  bool zeroDivisor = ints ? b->i == 0 : y == 0.0;
  if ((e.op == BinOp::Div || e.op == BinOp::FloorDiv || e.op == BinOp::Mod) &&
      zeroDivisor) {
    mlir::emitError(e.loc) << "division by zero in '" << binOpSpelling(e.op)
                           << "'";
    return failure();
  }
  if (ints) {
    int64_t r = 0;
    bool overflow = false;
    switch (e.op) {
    case BinOp::Add:
      overflow = __builtin_add_overflow(a->i, b->i, &r);
      break;
    case BinOp::Sub:
      overflow = __builtin_sub_overflow(a->i, b->i, &r);
      break;
    case BinOp::Mul:
      overflow = __builtin_mul_overflow(a->i, b->i, &r);
      break;
    case BinOp::Div:
      // True division, as in Python: ceil(d_model / 16) is what it says.
      return Val::makeFloat(x / y);
    case BinOp::FloorDiv:
    case BinOp::Mod: {
      if (a->i == INT64_MIN && b->i == -1) {
        overflow = true;
        break;
      }
      int64_t q = a->i / b->i, m = a->i % b->i;
      // Round toward negative infinity, like Python's // and %.
      if (m != 0 && ((m < 0) != (b->i < 0))) {
        --q;
        m += b->i;
      }
      r = e.op == BinOp::FloorDiv ? q : m;
      break;
    }
    default:
      return typeError();
    }
    if (overflow) {
      mlir::emitError(e.loc)
          << "integer overflow in '" << binOpSpelling(e.op) << "'";
      return failure();
    }
    return Val::makeInt(r);
  }
  switch (e.op) {
  case BinOp::Add:
    return Val::makeFloat(x + y);
  case BinOp::Sub:
    return Val::makeFloat(x - y);
  case BinOp::Mul:
    return Val::makeFloat(x * y);
  case BinOp::Div:
    return Val::makeFloat(x / y);
  case BinOp::FloorDiv:
    return Val::makeFloat(std::floor(x / y));
  case BinOp::Mod:
    return Val::makeFloat(x - y * std::floor(x / y));
  default:
    return typeError();
  }
}

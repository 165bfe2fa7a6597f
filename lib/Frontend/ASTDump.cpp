//===- ASTDump.cpp - textual dump of the spec syntax tree -----------------===//
//
// `mamba-compile --emit=ast`: one node per line, indented by nesting, with
// its source location; expressions are printed back in source syntax with
// only the parentheses precedence requires.
//
//===----------------------------------------------------------------------===//

#include "AST.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/Support/Casting.h"
#include "llvm/Support/Format.h"

#include <cstdio>
#include <cstdlib>

using namespace mamba::frontend;
using llvm::cast;
using llvm::dyn_cast;
using llvm::isa;

const char *mamba::frontend::binOpSpelling(BinOp op) {
  switch (op) {
  case BinOp::Add:
    return "+";
  case BinOp::Sub:
    return "-";
  case BinOp::Mul:
    return "*";
  case BinOp::Div:
    return "/";
  case BinOp::FloorDiv:
    return "//";
  case BinOp::Mod:
    return "%";
  case BinOp::Eq:
    return "==";
  case BinOp::Ne:
    return "!=";
  case BinOp::Lt:
    return "<";
  case BinOp::Le:
    return "<=";
  case BinOp::Gt:
    return ">";
  case BinOp::Ge:
    return ">=";
  case BinOp::And:
    return "&&";
  case BinOp::Or:
    return "||";
  }
  return "?";
}

const char *mamba::frontend::paramTypeName(ParamType t) {
  switch (t) {
  case ParamType::Int:
    return "int";
  case ParamType::Float:
    return "float";
  case ParamType::Bool:
    return "bool";
  case ParamType::Block:
    return "block";
  case ParamType::Scan:
    return "scan";
  }
  return "?";
}

namespace {
int precedence(const Expr &e) {
  if (auto *b = dyn_cast<BinaryExpr>(&e)) {
    switch (b->op) {
    case BinOp::Or:
      return 1;
    case BinOp::And:
      return 2;
    case BinOp::Eq:
    case BinOp::Ne:
    case BinOp::Lt:
    case BinOp::Le:
    case BinOp::Gt:
    case BinOp::Ge:
      return 3;
    case BinOp::Add:
    case BinOp::Sub:
      return 4;
    default:
      return 5;
    }
  }
  if (isa<IfExpr>(&e))
    return 0;
  if (isa<UnaryExpr>(&e))
    return 6;
  return 7;
}

void printEscaped(llvm::raw_ostream &os, llvm::StringRef s) {
  os << '"';
  for (char c : s) {
    if (c == '"' || c == '\\')
      os << '\\' << c;
    else if (c == '\n')
      os << "\\n";
    else if (static_cast<unsigned char>(c) < 0x20)
      os << llvm::format("\\u%04x", static_cast<unsigned char>(c));
    else
      os << c;
  }
  os << '"';
}

void printOperand(const Expr &e, int minPrec, llvm::raw_ostream &os) {
  bool parens = precedence(e) < minPrec;
  if (parens)
    os << '(';
  printExpr(e, os);
  if (parens)
    os << ')';
}

void printList(const std::vector<ExprPtr> &list, llvm::raw_ostream &os) {
  for (size_t i = 0; i < list.size(); ++i) {
    if (i)
      os << ", ";
    printExpr(*list[i], os);
  }
}

void printLoc(Loc loc, llvm::raw_ostream &os) {
  if (auto flc = llvm::dyn_cast_or_null<mlir::FileLineColLoc>(loc))
    os << " @" << flc.getFilename().getValue() << ":" << flc.getLine() << ":"
       << flc.getColumn();
}

void printIndexed(const IndexedDecl &d, llvm::raw_ostream &os) {
  os << d.name << "[";
  for (size_t i = 0; i < d.indices.size(); ++i)
    os << (i ? ", " : "") << d.indices[i];
  os << "]";
}

void printTensorType(const TensorTypeDecl &t, llvm::raw_ostream &os) {
  os << t.elementType << "[";
  printList(t.dims, os);
  os << "]";
}

class Dumper {
public:
  explicit Dumper(llvm::raw_ostream &os) : os(os) {}

  void dump(const Module &m) {
    os << "Module " << m.path << "\n";
    for (const Import &imp : m.imports) {
      line(1) << "Import ";
      printEscaped(os, imp.path);
      printLoc(imp.loc, os);
      os << "\n";
    }
    for (const DefPtr &d : m.defs) {
      if (auto *s = dyn_cast<ScanDef>(d.get()))
        dumpScan(*s);
      else if (auto *b = dyn_cast<BlockDef>(d.get()))
        dumpBlock(*b);
      else
        dumpModel(*cast<ModelDef>(d.get()));
    }
  }

private:
  llvm::raw_ostream &line(unsigned indent) {
    for (unsigned i = 0; i < indent; ++i)
      os << "  ";
    return os;
  }

  void dumpScan(const ScanDef &s) {
    line(1) << "Scan " << s.name;
    printLoc(s.loc, os);
    os << "\n";
    for (const IndexedDecl &in : s.inputs) {
      line(2) << "Input ";
      printIndexed(in, os);
      os << "\n";
    }
    line(2) << "Output ";
    printIndexed(s.output, os);
    os << "\n";
    if (s.hasState) {
      line(2) << "State ";
      printIndexed(s.state, os);
      os << " = ";
      printExpr(*s.init, os);
      os << "\n";
    }
    for (const ScanAssign &a : s.assigns) {
      bool isUpdate = &a == s.update;
      line(2) << (isUpdate          ? "Update "
                  : &a == s.readout ? "Readout "
                                    : "Assign ")
              << a.name << " = ";
      printExpr(*a.value, os);
      printLoc(a.loc, os);
      os << "\n";
      if (!isUpdate)
        continue;
      // The form Sema proved: h_t = a_t * h_{t-1} + b_t.
      line(3) << "a_t = ";
      if (s.linear.coef)
        printExpr(*s.linear.coef, os);
      else
        os << "0";
      os << "\n";
      line(3) << "b_t = ";
      if (s.linear.rest)
        printExpr(*s.linear.rest, os);
      else
        os << "0";
      os << "\n";
    }
  }

  void dumpBlock(const BlockDef &b) {
    line(1) << "Block " << b.name << "(";
    for (size_t i = 0; i < b.args.size(); ++i) {
      os << (i ? ", " : "") << b.args[i].name << ": ";
      printTensorType(b.args[i].type, os);
    }
    os << ") -> ";
    printTensorType(b.result, os);
    printLoc(b.loc, os);
    os << "\n";
    dumpStmts(b.body, 2);
  }

  void dumpStmts(const std::vector<StmtPtr> &stmts, unsigned indent) {
    for (const StmtPtr &s : stmts)
      dumpStmt(*s, indent);
  }

  void dumpStmt(const Stmt &s, unsigned indent) {
    switch (s.kind) {
    case Stmt::Kind::Param: {
      auto &p = cast<ParamStmt>(s);
      line(indent) << "Param " << p.name << ": " << paramTypeName(p.type);
      if (p.defaultValue) {
        os << " = ";
        printExpr(*p.defaultValue, os);
      }
      break;
    }
    case Stmt::Kind::Weight: {
      auto &w = cast<WeightStmt>(s);
      line(indent) << "Weight " << w.name << ": [";
      printList(w.dims, os);
      os << "] = ";
      printExpr(*w.hfName, os);
      if (w.cond) {
        os << " if ";
        printExpr(*w.cond, os);
      }
      break;
    }
    case Stmt::Kind::Let: {
      auto &l = cast<LetStmt>(s);
      line(indent) << "Let ";
      for (size_t i = 0; i < l.names.size(); ++i)
        os << (i ? ", " : "") << l.names[i];
      os << " = ";
      printExpr(*l.value, os);
      break;
    }
    case Stmt::Kind::Assign: {
      auto &a = cast<AssignStmt>(s);
      line(indent) << "Assign " << a.name << " = ";
      printExpr(*a.value, os);
      break;
    }
    case Stmt::Kind::For: {
      auto &f = cast<ForStmt>(s);
      line(indent) << "For " << f.var << " in ";
      printExpr(*f.lo, os);
      os << " .. ";
      printExpr(*f.hi, os);
      printLoc(s.loc, os);
      os << "\n";
      dumpStmts(f.body, indent + 1);
      return;
    }
    case Stmt::Kind::Require: {
      auto &r = cast<RequireStmt>(s);
      line(indent) << "Require ";
      printExpr(*r.cond, os);
      os << ", ";
      printEscaped(os, r.message);
      break;
    }
    case Stmt::Kind::Return:
      line(indent) << "Return ";
      printExpr(*cast<ReturnStmt>(s).value, os);
      break;
    }
    printLoc(s.loc, os);
    os << "\n";
  }

  void dumpModel(const ModelDef &m) {
    line(1) << "Model " << m.name << " = " << m.base;
    printLoc(m.loc, os);
    os << "\n";
    for (const Override &o : m.overrides) {
      line(2) << "Set " << o.name << " = ";
      printExpr(*o.value, os);
      os << "\n";
    }
  }

  llvm::raw_ostream &os;
};
} // namespace

void mamba::frontend::printExpr(const Expr &e, llvm::raw_ostream &os) {
  switch (e.kind) {
  case Expr::Kind::Number: {
    auto &n = cast<NumberExpr>(e);
    if (n.isInt) {
      os << n.intValue;
    } else {
      // Shortest text that reads back as the same double, always with a
      // '.' or an exponent so that it stays a float.
      char buf[64];
      for (int prec = 1; prec <= 17; ++prec) {
        snprintf(buf, sizeof(buf), "%.*g", prec, n.floatValue);
        if (std::strtod(buf, nullptr) == n.floatValue)
          break;
      }
      std::string text = buf;
      if (text.find_first_of(".eEn") == std::string::npos)
        text += ".0";
      os << text;
    }
    return;
  }
  case Expr::Kind::String:
    printEscaped(os, cast<StringExpr>(e).value);
    return;
  case Expr::Kind::Bool:
    os << (cast<BoolExpr>(e).value ? "true" : "false");
    return;
  case Expr::Kind::None:
    os << "none";
    return;
  case Expr::Kind::Name:
    os << cast<NameExpr>(e).name;
    return;
  case Expr::Kind::Unary: {
    auto &u = cast<UnaryExpr>(e);
    os << u.op;
    printOperand(*u.operand, 6, os);
    return;
  }
  case Expr::Kind::Binary: {
    auto &b = cast<BinaryExpr>(e);
    int prec = precedence(e);
    printOperand(*b.lhs, prec, os);
    os << " " << binOpSpelling(b.op) << " ";
    // Left-associative: an equal-precedence right operand needs parentheses.
    printOperand(*b.rhs, prec + 1, os);
    return;
  }
  case Expr::Kind::Call: {
    auto &c = cast<CallExpr>(e);
    os << c.callee << "(";
    printList(c.args, os);
    os << ")";
    if (c.prefix) {
      os << " at ";
      printExpr(*c.prefix, os);
    }
    return;
  }
  case Expr::Kind::If: {
    auto &i = cast<IfExpr>(e);
    os << "if ";
    printExpr(*i.cond, os);
    os << " then ";
    printExpr(*i.thenExpr, os);
    os << " else ";
    printExpr(*i.elseExpr, os);
    return;
  }
  case Expr::Kind::List: {
    os << "[";
    printList(cast<ListExpr>(e).elems, os);
    os << "]";
    return;
  }
  }
}

void mamba::frontend::dumpAST(const Module &module, llvm::raw_ostream &os) {
  Dumper(os).dump(module);
}

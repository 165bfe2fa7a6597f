//===- AST.h - syntax tree of the .ssm spec language ------------*- C++ -*-===//
//
// What the parser builds and Sema annotates: expressions, block statements,
// and the three kinds of definitions (scan, block, model).
//
//===----------------------------------------------------------------------===//

#ifndef MAMBA_FRONTEND_AST_H
#define MAMBA_FRONTEND_AST_H

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "llvm/Support/Casting.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mamba::frontend {

using llvm::cast;
using llvm::dyn_cast;
using llvm::dyn_cast_or_null;
using llvm::isa;

/// Source position of a node; null only in nodes the HF importer makes up.
using Loc = mlir::LocationAttr;

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

struct Expr {
  enum class Kind {
    Number,
    String,
    Bool,
    None,
    Name,
    Unary,
    Binary,
    Call,
    If,
    List
  };
  Expr(Kind kind, Loc loc) : kind(kind), loc(loc) {}
  virtual ~Expr() = default;
  const Kind kind;
  Loc loc;
};
using ExprPtr = std::unique_ptr<Expr>;

struct NumberExpr : Expr {
  NumberExpr(Loc loc, int64_t v)
      : Expr(Kind::Number, loc), isInt(true), intValue(v), floatValue(v) {}
  NumberExpr(Loc loc, double v)
      : Expr(Kind::Number, loc), isInt(false), floatValue(v) {}
  bool isInt;
  int64_t intValue = 0;
  double floatValue;
  static bool classof(const Expr *e) { return e->kind == Kind::Number; }
};

/// A string; "{name}" inside it is replaced by the value of `name`.
struct StringExpr : Expr {
  StringExpr(Loc loc, std::string v)
      : Expr(Kind::String, loc), value(std::move(v)) {}
  std::string value;
  static bool classof(const Expr *e) { return e->kind == Kind::String; }
};

struct BoolExpr : Expr {
  BoolExpr(Loc loc, bool v) : Expr(Kind::Bool, loc), value(v) {}
  bool value;
  static bool classof(const Expr *e) { return e->kind == Kind::Bool; }
};

struct NoneExpr : Expr {
  explicit NoneExpr(Loc loc) : Expr(Kind::None, loc) {}
  static bool classof(const Expr *e) { return e->kind == Kind::None; }
};

struct NameExpr : Expr {
  NameExpr(Loc loc, std::string name)
      : Expr(Kind::Name, loc), name(std::move(name)) {}
  std::string name;
  static bool classof(const Expr *e) { return e->kind == Kind::Name; }
};

struct UnaryExpr : Expr {
  UnaryExpr(Loc loc, char op, ExprPtr operand)
      : Expr(Kind::Unary, loc), op(op), operand(std::move(operand)) {}
  char op; // '-' or '!'
  ExprPtr operand;
  static bool classof(const Expr *e) { return e->kind == Kind::Unary; }
};

enum class BinOp {
  Add,
  Sub,
  Mul,
  Div,
  FloorDiv,
  Mod,
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
  And,
  Or
};
const char *binOpSpelling(BinOp op);

/// A binary operation; its location is that of the operator.
struct BinaryExpr : Expr {
  BinaryExpr(Loc loc, BinOp op, ExprPtr lhs, ExprPtr rhs)
      : Expr(Kind::Binary, loc), op(op), lhs(std::move(lhs)),
        rhs(std::move(rhs)) {}
  BinOp op;
  ExprPtr lhs, rhs;
  static bool classof(const Expr *e) { return e->kind == Kind::Binary; }
};

/// `callee(args...)`, optionally `at "prefix"` to put the weights of a
/// called block under a Hugging Face name prefix.
struct CallExpr : Expr {
  CallExpr(Loc loc, std::string callee, std::vector<ExprPtr> args)
      : Expr(Kind::Call, loc), callee(std::move(callee)),
        args(std::move(args)) {}
  std::string callee;
  std::vector<ExprPtr> args;
  ExprPtr prefix; // a StringExpr, or null
  static bool classof(const Expr *e) { return e->kind == Kind::Call; }
};

struct IfExpr : Expr {
  IfExpr(Loc loc, ExprPtr cond, ExprPtr thenE, ExprPtr elseE)
      : Expr(Kind::If, loc), cond(std::move(cond)), thenExpr(std::move(thenE)),
        elseExpr(std::move(elseE)) {}
  ExprPtr cond, thenExpr, elseExpr;
  static bool classof(const Expr *e) { return e->kind == Kind::If; }
};

struct ListExpr : Expr {
  ListExpr(Loc loc, std::vector<ExprPtr> elems)
      : Expr(Kind::List, loc), elems(std::move(elems)) {}
  std::vector<ExprPtr> elems;
  static bool classof(const Expr *e) { return e->kind == Kind::List; }
};

//===----------------------------------------------------------------------===//
// Scan definitions
//===----------------------------------------------------------------------===//

/// `name[i, j, t]`: a tensor named with one index per dimension.
struct IndexedDecl {
  Loc loc;
  std::string name;
  std::vector<std::string> indices;
  std::vector<Loc> indexLocs;
};

//===----------------------------------------------------------------------===//
// Block statements
//===----------------------------------------------------------------------===//

enum class ParamType { Int, Float, Bool, Block, Scan };
const char *paramTypeName(ParamType t);

struct Stmt {
  enum class Kind { Param, Weight, Let, Assign, For, Require, Return };
  Stmt(Kind kind, Loc loc) : kind(kind), loc(loc) {}
  virtual ~Stmt() = default;
  const Kind kind;
  Loc loc;
};
using StmtPtr = std::unique_ptr<Stmt>;

/// param NAME: TYPE [= default];  a hyper-parameter of the model.
struct ParamStmt : Stmt {
  ParamStmt(Loc loc) : Stmt(Kind::Param, loc) {}
  std::string name;
  ParamType type = ParamType::Int;
  ExprPtr defaultValue; // may be null: the model must set it
  static bool classof(const Stmt *s) { return s->kind == Kind::Param; }
};

/// weight NAME: [dims] = "hf.name" [if COND];
struct WeightStmt : Stmt {
  WeightStmt(Loc loc) : Stmt(Kind::Weight, loc) {}
  std::string name;
  std::vector<ExprPtr> dims;
  ExprPtr hfName; // a StringExpr
  ExprPtr cond;   // may be null
  static bool classof(const Stmt *s) { return s->kind == Kind::Weight; }
};

/// let a, b = expr;
struct LetStmt : Stmt {
  LetStmt(Loc loc) : Stmt(Kind::Let, loc) {}
  std::vector<std::string> names;
  std::vector<Loc> nameLocs;
  ExprPtr value;
  static bool classof(const Stmt *s) { return s->kind == Kind::Let; }
};

/// a = expr;  rebinds an existing local.
struct AssignStmt : Stmt {
  AssignStmt(Loc loc) : Stmt(Kind::Assign, loc) {}
  std::string name;
  ExprPtr value;
  static bool classof(const Stmt *s) { return s->kind == Kind::Assign; }
};

/// for i in lo .. hi { body }  (hi exclusive; unrolled at compile time)
struct ForStmt : Stmt {
  ForStmt(Loc loc) : Stmt(Kind::For, loc) {}
  std::string var;
  ExprPtr lo, hi;
  std::vector<StmtPtr> body;
  static bool classof(const Stmt *s) { return s->kind == Kind::For; }
};

/// require COND, "message";
struct RequireStmt : Stmt {
  RequireStmt(Loc loc) : Stmt(Kind::Require, loc) {}
  ExprPtr cond;
  std::string message;
  static bool classof(const Stmt *s) { return s->kind == Kind::Require; }
};

struct ReturnStmt : Stmt {
  ReturnStmt(Loc loc) : Stmt(Kind::Return, loc) {}
  ExprPtr value;
  static bool classof(const Stmt *s) { return s->kind == Kind::Return; }
};

//===----------------------------------------------------------------------===//
// Definitions
//===----------------------------------------------------------------------===//

struct Def {
  enum class Kind { Scan, Block, Model };
  Def(Kind kind, Loc loc, std::string name)
      : kind(kind), loc(loc), name(std::move(name)) {}
  virtual ~Def() = default;
  const Kind kind;
  Loc loc;
  std::string name;
};
using DefPtr = std::unique_ptr<Def>;

/// The proven form of a scan update, h = coef * h + rest (Sema fills it).
struct LinearUpdate {
  ExprPtr coef; // null: the update does not read the state (a_t = 0)
  ExprPtr rest; // null: no input term (b_t = 0)
};

/// `NAME = expr;` inside a scan: the update (of the state) or the readout
/// (of the output); Sema tells which.
struct ScanAssign {
  Loc loc;
  std::string name;
  ExprPtr value;
};

struct ScanDef : Def {
  ScanDef(Loc loc, std::string name)
      : Def(Kind::Scan, loc, std::move(name)), stateLoc(loc) {}
  std::vector<IndexedDecl> inputs;
  IndexedDecl output;
  bool hasState = false;
  Loc stateLoc;
  IndexedDecl state;
  ExprPtr init; // a NumberExpr or a NameExpr naming an input
  std::vector<ScanAssign> assigns;
  // Set by Sema.
  const ScanAssign *update = nullptr, *readout = nullptr;
  LinearUpdate linear;
  static bool classof(const Def *d) { return d->kind == Kind::Scan; }
};

/// NAME: f32[d0, d1, ...]: a tensor argument or result of a block.
struct TensorTypeDecl {
  Loc loc;
  std::string elementType; // "f32" or "i32"
  std::vector<ExprPtr> dims;
};

struct BlockArg {
  Loc loc;
  std::string name;
  TensorTypeDecl type;
};

struct BlockDef : Def {
  BlockDef(Loc loc, std::string name)
      : Def(Kind::Block, loc, std::move(name)) {}
  std::vector<BlockArg> args;
  TensorTypeDecl result;
  std::vector<StmtPtr> body;
  static bool classof(const Def *d) { return d->kind == Kind::Block; }
};

struct Override {
  Loc loc;
  std::string name;
  ExprPtr value;
};

/// model NAME = BASE { name = value; ... }  where BASE is a block or a model.
struct ModelDef : Def {
  ModelDef(Loc loc, std::string name)
      : Def(Kind::Model, loc, std::move(name)) {}
  std::string base;
  Loc baseLoc = loc;
  std::vector<Override> overrides;
  static bool classof(const Def *d) { return d->kind == Kind::Model; }
};

struct Import {
  Loc loc;
  std::string path;
};

/// One parsed file.
struct Module {
  std::string path;
  std::vector<Import> imports;
  std::vector<DefPtr> defs;
};

/// Prints the tree, Toy-style, one node per line with its location.
void dumpAST(const Module &module, llvm::raw_ostream &os);
/// Prints an expression in source syntax.
void printExpr(const Expr &e, llvm::raw_ostream &os);

} // namespace mamba::frontend

#endif // MAMBA_FRONTEND_AST_H

//===- Parser.cpp - recursive-descent parser of .ssm files ----------------===//
//
// One function per grammar rule of docs/spec-language.md. Binary operators
// carry the location of the operator, so a diagnostic about `a * h` points
// at the `*`.
//
//===----------------------------------------------------------------------===//

#include "Parser.h"

#include "mlir/IR/Diagnostics.h"

using namespace mamba::frontend;

/// Deep enough for any real spec, shallow enough for the default stack.
static constexpr unsigned kMaxNesting = 200;

Loc Parser::loc(const Token &t) const {
  return mlir::FileLineColLoc::get(ctx, filename, t.line, t.col);
}

bool Parser::errorAt(Loc l, const llvm::Twine &message) {
  mlir::emitError(l) << message.str();
  return false;
}

bool Parser::error(const llvm::Twine &message) {
  if (is(Tok::Error))
    return errorAt(loc(), tok.stringValue);
  std::string got =
      is(Tok::Eof) ? std::string("end of file") : "'" + tok.text.str() + "'";
  return errorAt(loc(), message + ", got " + got);
}

bool Parser::expect(Tok k, llvm::StringRef context) {
  if (consumeIf(k))
    return true;
  return error(llvm::Twine("expected ") + tokSpelling(k) + " " + context);
}

bool Parser::expectIdent(std::string &name, llvm::StringRef what) {
  if (!is(Tok::Ident))
    return error("expected " + what);
  name = tok.text.str();
  consume();
  return true;
}

std::unique_ptr<Module> Parser::parseModule() {
  auto module = std::make_unique<Module>();
  module->path = filename;
  while (!is(Tok::Eof)) {
    DefPtr def;
    switch (tok.kind) {
    case Tok::KwImport:
      if (!parseImport(*module))
        return nullptr;
      continue;
    case Tok::KwScan:
      def = parseScan();
      break;
    case Tok::KwBlock:
      def = parseBlock();
      break;
    case Tok::KwModel:
      def = parseModel();
      break;
    default:
      error("expected 'import', 'scan', 'block' or 'model' at top level");
      return nullptr;
    }
    if (!def)
      return nullptr;
    module->defs.push_back(std::move(def));
  }
  return module;
}

bool Parser::parseImport(Module &m) {
  Import imp{loc(), ""};
  consume();
  if (!is(Tok::String))
    return error("expected a file name in quotes after 'import'");
  imp.path = tok.stringValue;
  consume();
  if (!expect(Tok::Semi, "after the import"))
    return false;
  m.imports.push_back(std::move(imp));
  return true;
}

bool Parser::parseIndexedDecl(IndexedDecl &decl) {
  decl.loc = loc();
  if (!expectIdent(decl.name, "a tensor name"))
    return false;
  if (!expect(Tok::LBracket, "after the tensor name (its indices, e.g. "
                             "x[b, e, t])"))
    return false;
  if (!is(Tok::RBracket)) {
    do {
      decl.indexLocs.push_back(loc());
      std::string index;
      if (!expectIdent(index, "an index name"))
        return false;
      decl.indices.push_back(std::move(index));
    } while (consumeIf(Tok::Comma));
  }
  return expect(Tok::RBracket, "after the indices");
}

DefPtr Parser::parseScan() {
  Loc start = loc();
  consume();
  std::string name;
  if (!expectIdent(name, "a scan name"))
    return nullptr;
  auto scan = std::make_unique<ScanDef>(start, name);
  if (!expect(Tok::LParen, "before the scan inputs"))
    return nullptr;
  do {
    IndexedDecl input;
    if (!parseIndexedDecl(input))
      return nullptr;
    scan->inputs.push_back(std::move(input));
  } while (consumeIf(Tok::Comma));
  if (!expect(Tok::RParen, "after the scan inputs") ||
      !expect(Tok::Arrow, "before the scan output") ||
      !parseIndexedDecl(scan->output) ||
      !expect(Tok::LBrace, "to open the scan body"))
    return nullptr;
  while (!consumeIf(Tok::RBrace)) {
    if (is(Tok::KwState)) {
      Loc stateLoc = loc();
      consume();
      if (scan->hasState) {
        errorAt(stateLoc, "scan '" + name +
                              "' declares a second state; a "
                              "scan has exactly one");
        return nullptr;
      }
      scan->hasState = true;
      scan->stateLoc = stateLoc;
      if (!parseIndexedDecl(scan->state) ||
          !expect(Tok::Assign, "before the initial state") ||
          !(scan->init = parseExpr()) ||
          !expect(Tok::Semi, "after the state declaration"))
        return nullptr;
      continue;
    }
    ScanAssign assign{loc(), "", nullptr};
    if (!expectIdent(assign.name, "'state', an update 'h = ...', a readout "
                                  "'y = ...' or '}'") ||
        !expect(Tok::Assign, "after '" + assign.name + "'") ||
        !(assign.value = parseExpr()) ||
        !expect(Tok::Semi, "after the expression"))
      return nullptr;
    scan->assigns.push_back(std::move(assign));
  }
  return scan;
}

bool Parser::parseTensorType(TensorTypeDecl &type) {
  type.loc = loc();
  if (!is(Tok::Ident) || (tok.text != "f32" && tok.text != "i32"))
    return error("expected a tensor type 'f32[...]' or 'i32[...]'");
  type.elementType = tok.text.str();
  consume();
  if (!expect(Tok::LBracket, "after the element type"))
    return false;
  return parseExprList(Tok::RBracket, type.dims);
}

DefPtr Parser::parseBlock() {
  Loc start = loc();
  consume();
  std::string name;
  if (!expectIdent(name, "a block name"))
    return nullptr;
  auto block = std::make_unique<BlockDef>(start, name);
  if (!expect(Tok::LParen, "before the block arguments"))
    return nullptr;
  if (!is(Tok::RParen)) {
    do {
      BlockArg arg{loc(), "", {}};
      if (!expectIdent(arg.name, "an argument name") ||
          !expect(Tok::Colon, "after the argument name") ||
          !parseTensorType(arg.type))
        return nullptr;
      block->args.push_back(std::move(arg));
    } while (consumeIf(Tok::Comma));
  }
  if (!expect(Tok::RParen, "after the block arguments") ||
      !expect(Tok::Arrow, "before the result type") ||
      !parseTensorType(block->result) ||
      !expect(Tok::LBrace, "to open the block body") ||
      !parseStmts(block->body, /*topLevel=*/true))
    return nullptr;
  return block;
}

DefPtr Parser::parseModel() {
  Loc start = loc();
  consume();
  std::string name;
  if (!expectIdent(name, "a model name"))
    return nullptr;
  auto model = std::make_unique<ModelDef>(start, name);
  if (!expect(Tok::Assign, "after the model name (model NAME = BASE { ... })"))
    return nullptr;
  model->baseLoc = loc();
  if (!expectIdent(model->base, "the block or model this model builds on") ||
      !expect(Tok::LBrace, "to open the model's hyper-parameters"))
    return nullptr;
  while (!consumeIf(Tok::RBrace)) {
    Override o{loc(), "", nullptr};
    if (!expectIdent(o.name, "a hyper-parameter name or '}'") ||
        !expect(Tok::Assign, "after '" + o.name + "'") ||
        !(o.value = parseExpr()) || !expect(Tok::Semi, "after the value"))
      return nullptr;
    model->overrides.push_back(std::move(o));
  }
  return model;
}

bool Parser::parseStmts(std::vector<StmtPtr> &out, bool topLevel) {
  if (++depth > kMaxNesting)
    return errorAt(loc(), "statements nested too deeply");
  while (!consumeIf(Tok::RBrace)) {
    if (is(Tok::Eof))
      return error("expected '}' to close the block body");
    StmtPtr s = parseStmt(topLevel);
    if (!s)
      return false;
    out.push_back(std::move(s));
  }
  --depth;
  return true;
}

StmtPtr Parser::parseParam() {
  auto p = std::make_unique<ParamStmt>(loc());
  consume();
  std::string type;
  if (!expectIdent(p->name, "a hyper-parameter name") ||
      !expect(Tok::Colon, "after the hyper-parameter name"))
    return nullptr;
  Loc typeLoc = loc();
  // 'block' and 'scan' are keywords, and types here.
  if (is(Tok::KwBlock) || is(Tok::KwScan)) {
    type = tok.text.str();
    consume();
  } else if (!expectIdent(type, "a hyper-parameter type (int, float, bool, "
                                "block or scan)")) {
    return nullptr;
  }
  if (type == "int")
    p->type = ParamType::Int;
  else if (type == "float")
    p->type = ParamType::Float;
  else if (type == "bool")
    p->type = ParamType::Bool;
  else if (type == "block")
    p->type = ParamType::Block;
  else if (type == "scan")
    p->type = ParamType::Scan;
  else {
    errorAt(typeLoc, "unknown hyper-parameter type '" + type +
                         "'; expected int, float, bool, block or scan");
    return nullptr;
  }
  if (consumeIf(Tok::Assign) && !(p->defaultValue = parseExpr()))
    return nullptr;
  if (!expect(Tok::Semi, "after the hyper-parameter"))
    return nullptr;
  return p;
}

StmtPtr Parser::parseWeight() {
  auto w = std::make_unique<WeightStmt>(loc());
  consume();
  if (!expectIdent(w->name, "a weight name") ||
      !expect(Tok::Colon, "after the weight name") ||
      !expect(Tok::LBracket, "before the weight's shape") ||
      !parseExprList(Tok::RBracket, w->dims) ||
      !expect(Tok::Assign, "before the weight's Hugging Face name"))
    return nullptr;
  if (!is(Tok::String)) {
    error("expected the weight's Hugging Face tensor name in quotes");
    return nullptr;
  }
  w->hfName = std::make_unique<StringExpr>(loc(), tok.stringValue);
  consume();
  if (consumeIf(Tok::KwIf) && !(w->cond = parseExpr()))
    return nullptr;
  if (!expect(Tok::Semi, "after the weight"))
    return nullptr;
  return w;
}

StmtPtr Parser::parseStmt(bool topLevel) {
  Loc start = loc();
  switch (tok.kind) {
  case Tok::KwParam:
    if (!topLevel) {
      errorAt(start, "hyper-parameters are declared at the top of a block "
                     "body, not inside a loop");
      return nullptr;
    }
    return parseParam();
  case Tok::KwWeight:
    return parseWeight();
  case Tok::KwLet: {
    auto let = std::make_unique<LetStmt>(start);
    consume();
    do {
      let->nameLocs.push_back(loc());
      std::string name;
      if (!expectIdent(name, "a name to bind"))
        return nullptr;
      let->names.push_back(std::move(name));
    } while (consumeIf(Tok::Comma));
    if (!expect(Tok::Assign, "after the names") ||
        !(let->value = parseExpr()) || !expect(Tok::Semi, "after the value"))
      return nullptr;
    return let;
  }
  case Tok::KwFor: {
    auto f = std::make_unique<ForStmt>(start);
    consume();
    if (!expectIdent(f->var, "a loop variable") ||
        !expect(Tok::KwIn, "after the loop variable") ||
        !(f->lo = parseExpr()) ||
        !expect(Tok::DotDot, "in the loop range 'lo .. hi'") ||
        !(f->hi = parseExpr()) ||
        !expect(Tok::LBrace, "to open the loop body") ||
        !parseStmts(f->body, /*topLevel=*/false))
      return nullptr;
    return f;
  }
  case Tok::KwRequire: {
    auto r = std::make_unique<RequireStmt>(start);
    consume();
    if (!(r->cond = parseExpr()) ||
        !expect(Tok::Comma, "after the condition of 'require'"))
      return nullptr;
    if (!is(Tok::String)) {
      error("expected the message of 'require' in quotes");
      return nullptr;
    }
    r->message = tok.stringValue;
    consume();
    if (!expect(Tok::Semi, "after 'require'"))
      return nullptr;
    return r;
  }
  case Tok::KwReturn: {
    auto r = std::make_unique<ReturnStmt>(start);
    consume();
    if (!(r->value = parseExpr()) || !expect(Tok::Semi, "after the value"))
      return nullptr;
    return r;
  }
  case Tok::Ident: {
    auto a = std::make_unique<AssignStmt>(start);
    a->name = tok.text.str();
    consume();
    if (!expect(Tok::Assign, "after '" + a->name + "' (to rebind it)") ||
        !(a->value = parseExpr()) || !expect(Tok::Semi, "after the value"))
      return nullptr;
    return a;
  }
  default:
    error("expected a statement (param, weight, let, for, require, return "
          "or an assignment)");
    return nullptr;
  }
}

bool Parser::parseExprList(Tok close, std::vector<ExprPtr> &out) {
  if (consumeIf(close))
    return true;
  do {
    ExprPtr e = parseExpr();
    if (!e)
      return false;
    out.push_back(std::move(e));
  } while (consumeIf(Tok::Comma));
  return expect(close, "to close the list");
}

ExprPtr Parser::parseExpr() {
  if (++depth > kMaxNesting) {
    errorAt(loc(), "expression nested too deeply");
    return nullptr;
  }
  ExprPtr result;
  if (is(Tok::KwIf)) {
    Loc start = loc();
    consume();
    ExprPtr cond, thenE, elseE;
    if ((cond = parseExpr()) && expect(Tok::KwThen, "after the condition") &&
        (thenE = parseExpr()) &&
        expect(Tok::KwElse, "after the 'then' value") && (elseE = parseExpr()))
      result = std::make_unique<IfExpr>(start, std::move(cond),
                                        std::move(thenE), std::move(elseE));
  } else {
    result = parseOr();
  }
  --depth;
  return result;
}

namespace {
/// A binary operator token and the operation it stands for.
struct OpEntry {
  Tok tok;
  BinOp op;
};
} // namespace

ExprPtr Parser::parseOr() {
  ExprPtr lhs = parseAnd();
  while (lhs && is(Tok::OrOr)) {
    Loc l = loc();
    consume();
    ExprPtr rhs = parseAnd();
    if (!rhs)
      return nullptr;
    lhs = std::make_unique<BinaryExpr>(l, BinOp::Or, std::move(lhs),
                                       std::move(rhs));
  }
  return lhs;
}

ExprPtr Parser::parseAnd() {
  ExprPtr lhs = parseCompare();
  while (lhs && is(Tok::AndAnd)) {
    Loc l = loc();
    consume();
    ExprPtr rhs = parseCompare();
    if (!rhs)
      return nullptr;
    lhs = std::make_unique<BinaryExpr>(l, BinOp::And, std::move(lhs),
                                       std::move(rhs));
  }
  return lhs;
}

ExprPtr Parser::parseCompare() {
  ExprPtr lhs = parseAdditive();
  if (!lhs)
    return nullptr;
  static const OpEntry ops[] = {{Tok::Eq, BinOp::Eq}, {Tok::Ne, BinOp::Ne},
                                {Tok::Lt, BinOp::Lt}, {Tok::Le, BinOp::Le},
                                {Tok::Gt, BinOp::Gt}, {Tok::Ge, BinOp::Ge}};
  for (const OpEntry &e : ops) {
    if (!is(e.tok))
      continue;
    Loc l = loc();
    consume();
    ExprPtr rhs = parseAdditive();
    if (!rhs)
      return nullptr;
    return std::make_unique<BinaryExpr>(l, e.op, std::move(lhs),
                                        std::move(rhs));
  }
  return lhs;
}

ExprPtr Parser::parseAdditive() {
  ExprPtr lhs = parseMultiplicative();
  while (lhs && (is(Tok::Plus) || is(Tok::Minus))) {
    BinOp op = is(Tok::Plus) ? BinOp::Add : BinOp::Sub;
    Loc l = loc();
    consume();
    ExprPtr rhs = parseMultiplicative();
    if (!rhs)
      return nullptr;
    lhs = std::make_unique<BinaryExpr>(l, op, std::move(lhs), std::move(rhs));
  }
  return lhs;
}

ExprPtr Parser::parseMultiplicative() {
  ExprPtr lhs = parseUnary();
  while (lhs && (is(Tok::Star) || is(Tok::Slash) || is(Tok::SlashSlash) ||
                 is(Tok::Percent))) {
    BinOp op = is(Tok::Star)         ? BinOp::Mul
               : is(Tok::Slash)      ? BinOp::Div
               : is(Tok::SlashSlash) ? BinOp::FloorDiv
                                     : BinOp::Mod;
    Loc l = loc();
    consume();
    ExprPtr rhs = parseUnary();
    if (!rhs)
      return nullptr;
    lhs = std::make_unique<BinaryExpr>(l, op, std::move(lhs), std::move(rhs));
  }
  return lhs;
}

ExprPtr Parser::parseUnary() {
  if (!is(Tok::Minus) && !is(Tok::Bang))
    return parsePrimary();
  if (++depth > kMaxNesting) {
    errorAt(loc(), "expression nested too deeply");
    return nullptr;
  }
  Loc l = loc();
  char op = is(Tok::Minus) ? '-' : '!';
  consume();
  ExprPtr operand = parseUnary();
  --depth;
  if (!operand)
    return nullptr;
  return std::make_unique<UnaryExpr>(l, op, std::move(operand));
}

ExprPtr Parser::parsePrimary() {
  Loc l = loc();
  switch (tok.kind) {
  case Tok::Int: {
    auto e = std::make_unique<NumberExpr>(l, tok.intValue);
    consume();
    return e;
  }
  case Tok::Float: {
    auto e = std::make_unique<NumberExpr>(l, tok.floatValue);
    consume();
    return e;
  }
  case Tok::String: {
    auto e = std::make_unique<StringExpr>(l, tok.stringValue);
    consume();
    return e;
  }
  case Tok::KwTrue:
  case Tok::KwFalse: {
    auto e = std::make_unique<BoolExpr>(l, is(Tok::KwTrue));
    consume();
    return e;
  }
  case Tok::KwNone:
    consume();
    return std::make_unique<NoneExpr>(l);
  case Tok::LParen: {
    consume();
    ExprPtr e = parseExpr();
    if (!e || !expect(Tok::RParen, "to close the parenthesis"))
      return nullptr;
    return e;
  }
  case Tok::LBracket: {
    consume();
    std::vector<ExprPtr> elems;
    if (!parseExprList(Tok::RBracket, elems))
      return nullptr;
    return std::make_unique<ListExpr>(l, std::move(elems));
  }
  case Tok::Ident: {
    std::string name = tok.text.str();
    consume();
    if (!consumeIf(Tok::LParen))
      return std::make_unique<NameExpr>(l, std::move(name));
    std::vector<ExprPtr> args;
    if (!parseExprList(Tok::RParen, args))
      return nullptr;
    auto call = std::make_unique<CallExpr>(l, std::move(name), std::move(args));
    if (consumeIf(Tok::KwAt)) {
      if (!is(Tok::String)) {
        error("expected a weight-name prefix in quotes after 'at'");
        return nullptr;
      }
      call->prefix = std::make_unique<StringExpr>(loc(), tok.stringValue);
      consume();
    }
    return call;
  }
  default:
    error("expected an expression");
    return nullptr;
  }
}

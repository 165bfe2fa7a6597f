//===- Sema.cpp - name resolution and checks of definitions ---------------===//
//
// Everything that can be checked before hyper-parameters have values: one
// namespace of definitions, names bound before use, arities, where
// hyper-parameters, weights and returns may appear. Shapes depend on the
// hyper-parameters and are checked when MLIRGen instantiates a block.
//
//===----------------------------------------------------------------------===//

#include "Sema.h"
#include "Eval.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Casting.h"

using namespace mamba::frontend;
using llvm::cast;
using llvm::dyn_cast;
using mlir::failure;
using mlir::LogicalResult;
using mlir::success;

namespace {
struct BuiltinInfo {
  const char *name;
  unsigned minArgs, maxArgs;
};
const BuiltinInfo kTensorBuiltins[] = {
    {"embedding", 2, 2}, {"rmsnorm", 3, 4},   {"linear", 2, 3},
    {"conv1d", 2, 3},    {"softplus", 1, 1},  {"silu", 1, 1},
    {"exp", 1, 1},       {"transpose", 2, 2}, {"split", 3, 3},
    {"flatten", 3, 3},   {"unflatten", 3, 3}, {"skip", 3, 3},
    {"gate", 2, 2},
};
} // namespace

bool mamba::frontend::lookupTensorBuiltin(llvm::StringRef name,
                                          unsigned &minArgs,
                                          unsigned &maxArgs) {
  for (const BuiltinInfo &b : kTensorBuiltins)
    if (name == b.name) {
      minArgs = b.minArgs;
      maxArgs = b.maxArgs;
      return true;
    }
  if (isScalarBuiltin(name)) {
    minArgs = maxArgs = (name == "ceil" || name == "floor") ? 1 : 2;
    return true;
  }
  return false;
}

static LogicalResult redefinition(Loc loc, llvm::StringRef what,
                                  llvm::StringRef name, Loc previous) {
  auto diag = mlir::emitError(loc)
              << "redefinition of " << what << " '" << name << "'";
  diag.attachNote(previous) << "previous definition here";
  return diag;
}

namespace {
/// Resolves the names of one block, statement by statement.
class BlockChecker {
public:
  BlockChecker(const Program &program, const BlockDef &block)
      : program(program), block(block) {}

  LogicalResult check() {
    // Hyper-parameters are visible in the whole block, the signature too.
    for (const StmtPtr &s : block.body)
      if (auto *p = dyn_cast<ParamStmt>(s.get())) {
        auto [it, inserted] = params.try_emplace(p->name, p);
        if (!inserted)
          return redefinition(p->loc, "hyper-parameter", p->name,
                              it->second->loc);
      }
    for (const StmtPtr &s : block.body)
      if (auto *p = dyn_cast<ParamStmt>(s.get()))
        if (p->defaultValue && failed(checkParamExpr(*p->defaultValue)))
          return failure();

    scopes.emplace_back();
    for (const BlockArg &arg : block.args) {
      if (failed(declare(arg.name, arg.loc, "argument")) ||
          failed(checkTypeDims(arg.type)))
        return failure();
    }
    if (failed(checkTypeDims(block.result)))
      return failure();

    for (size_t i = 0; i < block.body.size(); ++i) {
      const Stmt &s = *block.body[i];
      if (isa<ReturnStmt>(s) && i + 1 != block.body.size())
        return mlir::emitError(s.loc)
               << "'return' must be the last statement of block '" << block.name
               << "'";
      if (failed(checkStmt(s)))
        return failure();
    }
    if (block.body.empty() || !isa<ReturnStmt>(*block.body.back()))
      return mlir::emitError(block.loc)
             << "block '" << block.name
             << "' does not end with 'return' of its result";
    return success();
  }

private:
  LogicalResult declare(llvm::StringRef name, Loc loc, llvm::StringRef what) {
    if (params.count(name))
      return redefinition(loc, what, name, params[name]->loc);
    auto [it, inserted] = scopes.back().try_emplace(name, loc);
    if (!inserted)
      return redefinition(loc, what, name, it->second);
    return success();
  }

  const Loc *findLocal(llvm::StringRef name) const {
    for (auto it = scopes.rbegin(); it != scopes.rend(); ++it) {
      auto found = it->find(name);
      if (found != it->end())
        return &found->second;
    }
    return nullptr;
  }

  /// Dimensions in a signature: hyper-parameter expressions, or a bare
  /// name that is a symbol bound at the call (batch, seqlen).
  LogicalResult checkTypeDims(const TensorTypeDecl &type) {
    for (const ExprPtr &d : type.dims) {
      if (auto *n = dyn_cast<NameExpr>(d.get()); n && !params.count(n->name)) {
        dimSymbols.insert(n->name);
        continue;
      }
      if (failed(checkParamExpr(*d)))
        return failure();
    }
    return success();
  }

  /// Expressions over hyper-parameters only (defaults, signature sizes).
  LogicalResult checkParamExpr(const Expr &e) {
    inParamExpr = true;
    LogicalResult r = checkExpr(e);
    inParamExpr = false;
    return r;
  }

  LogicalResult checkStmts(const std::vector<StmtPtr> &stmts) {
    for (const StmtPtr &s : stmts)
      if (failed(checkStmt(*s)))
        return failure();
    return success();
  }

  LogicalResult checkStmt(const Stmt &s) {
    switch (s.kind) {
    case Stmt::Kind::Param:
      return success(); // checked up front
    case Stmt::Kind::Weight: {
      auto &w = cast<WeightStmt>(s);
      for (const ExprPtr &d : w.dims)
        if (failed(checkExpr(*d)))
          return failure();
      if (failed(checkExpr(*w.hfName)) ||
          (w.cond && failed(checkExpr(*w.cond))))
        return failure();
      return declare(w.name, w.loc, "weight");
    }
    case Stmt::Kind::Let: {
      auto &l = cast<LetStmt>(s);
      if (failed(checkExpr(*l.value)))
        return failure();
      for (size_t i = 0; i < l.names.size(); ++i)
        if (failed(declare(l.names[i], l.nameLocs[i], "local")))
          return failure();
      return success();
    }
    case Stmt::Kind::Assign: {
      auto &a = cast<AssignStmt>(s);
      if (failed(checkExpr(*a.value)))
        return failure();
      if (!findLocal(a.name)) {
        if (params.count(a.name))
          return mlir::emitError(a.loc)
                 << "cannot assign to hyper-parameter '" << a.name
                 << "'; set it in the model instead";
        return mlir::emitError(a.loc)
               << "cannot assign to '" << a.name
               << "': no local of that name (use 'let' to define one)";
      }
      return success();
    }
    case Stmt::Kind::For: {
      auto &f = cast<ForStmt>(s);
      if (failed(checkExpr(*f.lo)) || failed(checkExpr(*f.hi)))
        return failure();
      scopes.emplace_back();
      LogicalResult r = declare(f.var, f.loc, "loop variable");
      if (succeeded(r))
        r = checkStmts(f.body);
      scopes.pop_back();
      return r;
    }
    case Stmt::Kind::Require:
      return checkExpr(*cast<RequireStmt>(s).cond);
    case Stmt::Kind::Return:
      return checkExpr(*cast<ReturnStmt>(s).value);
    }
    return success();
  }

  LogicalResult checkExpr(const Expr &e) {
    switch (e.kind) {
    case Expr::Kind::Number:
    case Expr::Kind::Bool:
    case Expr::Kind::None:
      return success();
    case Expr::Kind::String:
      return checkInterpolation(cast<StringExpr>(e));
    case Expr::Kind::Name:
      return checkName(e.loc, cast<NameExpr>(e).name);
    case Expr::Kind::Unary:
      return checkExpr(*cast<UnaryExpr>(e).operand);
    case Expr::Kind::Binary: {
      auto &b = cast<BinaryExpr>(e);
      return success(succeeded(checkExpr(*b.lhs)) &&
                     succeeded(checkExpr(*b.rhs)));
    }
    case Expr::Kind::If: {
      auto &i = cast<IfExpr>(e);
      return success(succeeded(checkExpr(*i.cond)) &&
                     succeeded(checkExpr(*i.thenExpr)) &&
                     succeeded(checkExpr(*i.elseExpr)));
    }
    case Expr::Kind::List:
      for (const ExprPtr &el : cast<ListExpr>(e).elems)
        if (failed(checkExpr(*el)))
          return failure();
      return success();
    case Expr::Kind::Call:
      return checkCall(cast<CallExpr>(e));
    }
    return success();
  }

  LogicalResult checkInterpolation(const StringExpr &s) {
    llvm::StringRef rest = s.value;
    while (true) {
      size_t open = rest.find('{');
      if (open == llvm::StringRef::npos)
        return success();
      size_t close = rest.find('}', open);
      if (close == llvm::StringRef::npos)
        return mlir::emitError(s.loc)
               << "unmatched '{' in string \"" << s.value << "\"";
      if (failed(checkName(s.loc, rest.slice(open + 1, close).trim())))
        return failure();
      rest = rest.drop_front(close + 1);
    }
  }

  LogicalResult checkName(Loc loc, llvm::StringRef name) {
    if (!inParamExpr && findLocal(name))
      return success();
    if (params.count(name) || program.lookup(name))
      return success();
    if (dimSymbols.count(name))
      return mlir::emitError(loc)
             << "'" << name
             << "' is a dimension symbol of the block's signature, not a "
                "value";
    if (inParamExpr && findLocal(name))
      return mlir::emitError(loc)
             << "'" << name
             << "' is not a hyper-parameter; a default or a size may only "
                "use hyper-parameters";
    return mlir::emitError(loc) << "unknown name '" << name << "'";
  }

  LogicalResult checkCall(const CallExpr &c) {
    for (const ExprPtr &a : c.args)
      if (failed(checkExpr(*a)))
        return failure();
    unsigned minArgs, maxArgs;
    bool isBlockCall = false;
    if (lookupTensorBuiltin(c.callee, minArgs, maxArgs)) {
      if (c.args.size() < minArgs || c.args.size() > maxArgs) {
        auto diag = mlir::emitError(c.loc) << "'" << c.callee << "' takes ";
        if (minArgs == maxArgs)
          diag << minArgs;
        else
          diag << minArgs << " or " << maxArgs;
        diag << " argument" << (maxArgs == 1 ? "" : "s") << ", got "
             << c.args.size();
        return diag;
      }
    } else if (const Def *d = program.lookup(c.callee)) {
      if (isa<ModelDef>(d))
        return mlir::emitError(c.loc)
               << "'" << c.callee << "' is a model, not a block or a scan";
      size_t arity = isa<BlockDef>(d) ? cast<BlockDef>(d)->args.size()
                                      : cast<ScanDef>(d)->inputs.size();
      if (c.args.size() != arity) {
        auto diag = mlir::emitError(c.loc)
                    << "'" << c.callee << "' takes " << arity << " argument"
                    << (arity == 1 ? "" : "s") << ", got " << c.args.size();
        diag.attachNote(d->loc) << "'" << c.callee << "' is defined here";
        return diag;
      }
      isBlockCall = isa<BlockDef>(d);
    } else if (auto it = params.find(c.callee); it != params.end()) {
      if (it->second->type != ParamType::Block &&
          it->second->type != ParamType::Scan)
        return mlir::emitError(c.loc)
               << "cannot call '" << c.callee << "': it is a hyper-parameter "
               << "of type " << paramTypeName(it->second->type);
      isBlockCall = it->second->type == ParamType::Block;
    } else if (findLocal(c.callee)) {
      return mlir::emitError(c.loc) << "cannot call '" << c.callee
                                    << "': it is a tensor, not a "
                                       "block or a scan";
    } else {
      return mlir::emitError(c.loc) << "unknown function '" << c.callee << "'";
    }
    if (c.prefix && !isBlockCall)
      return mlir::emitError(c.prefix->loc)
             << "'at' gives a weight-name prefix to a block call; '" << c.callee
             << "' is not a block";
    if (c.prefix)
      return checkInterpolation(cast<StringExpr>(*c.prefix));
    return success();
  }

  const Program &program;
  const BlockDef &block;
  llvm::StringMap<const ParamStmt *> params;
  std::vector<llvm::StringMap<Loc>> scopes;
  llvm::StringSet<> dimSymbols;
  bool inParamExpr = false;
};

LogicalResult checkModel(const Program &program, const ModelDef &model) {
  const Def *base = program.lookup(model.base);
  if (!base)
    return mlir::emitError(model.baseLoc)
           << "unknown block or model '" << model.base << "'";
  if (isa<ScanDef>(base))
    return mlir::emitError(model.baseLoc)
           << "'" << model.base
           << "' is a scan; a model builds on a block or another model";
  llvm::StringMap<Loc> seen;
  for (const Override &o : model.overrides) {
    auto [it, inserted] = seen.try_emplace(o.name, o.loc);
    if (!inserted) {
      auto diag = mlir::emitError(o.loc)
                  << "hyper-parameter '" << o.name << "' is set twice";
      diag.attachNote(it->second) << "first set here";
      return diag;
    }
  }
  return success();
}
} // namespace

LogicalResult mamba::frontend::checkProgram(Program &program) {
  // Imported files first, so that a clash is reported in the file that
  // imports the earlier definition.
  for (auto it = program.modules.rbegin(); it != program.modules.rend(); ++it)
    for (const DefPtr &d : (*it)->defs) {
      unsigned lo, hi;
      if (lookupTensorBuiltin(d->name, lo, hi))
        return mlir::emitError(d->loc)
               << "'" << d->name << "' is the name of a builtin function";
      auto [entry, inserted] = program.defs.try_emplace(d->name, d.get());
      if (!inserted)
        return redefinition(d->loc, "definition", d->name, entry->second->loc);
    }
  for (auto it = program.modules.rbegin(); it != program.modules.rend(); ++it)
    for (const DefPtr &d : (*it)->defs) {
      LogicalResult r = success();
      if (auto *s = dyn_cast<ScanDef>(d.get()))
        r = checkScan(*s);
      else if (auto *b = dyn_cast<BlockDef>(d.get()))
        r = BlockChecker(program, *b).check();
      else
        r = checkModel(program, *cast<ModelDef>(d.get()));
      if (failed(r))
        return failure();
    }
  return success();
}

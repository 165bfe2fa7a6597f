//===- HyperParams.cpp - the hyper-parameters of a model ------------------===//
//
// Hyper-parameters form one flat namespace per model, like a Hugging Face
// config: every block the model uses declares the ones it reads, the model
// (and the models it builds on) set some, and the rest take their declared
// defaults, which may be derived from others (dt_rank = ceil(d_model / 16)).
//
//===----------------------------------------------------------------------===//

#include "Eval.h"
#include "Sema.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Casting.h"

#include <cmath>
#include <functional>

using namespace mamba::frontend;
using llvm::cast;
using llvm::dyn_cast;
using mlir::failure;
using mlir::FailureOr;
using mlir::LogicalResult;
using mlir::success;

namespace {
/// Calls the callback on every callee name in the statements.
void forEachCallee(const Expr &e,
                   const std::function<void(const CallExpr &)> &fn) {
  switch (e.kind) {
  case Expr::Kind::Unary:
    forEachCallee(*cast<UnaryExpr>(e).operand, fn);
    return;
  case Expr::Kind::Binary:
    forEachCallee(*cast<BinaryExpr>(e).lhs, fn);
    forEachCallee(*cast<BinaryExpr>(e).rhs, fn);
    return;
  case Expr::Kind::If:
    forEachCallee(*cast<IfExpr>(e).cond, fn);
    forEachCallee(*cast<IfExpr>(e).thenExpr, fn);
    forEachCallee(*cast<IfExpr>(e).elseExpr, fn);
    return;
  case Expr::Kind::List:
    for (const ExprPtr &el : cast<ListExpr>(e).elems)
      forEachCallee(*el, fn);
    return;
  case Expr::Kind::Call:
    fn(cast<CallExpr>(e));
    for (const ExprPtr &a : cast<CallExpr>(e).args)
      forEachCallee(*a, fn);
    return;
  default:
    return;
  }
}

void forEachCallee(const std::vector<StmtPtr> &body,
                   const std::function<void(const CallExpr &)> &fn) {
  for (const StmtPtr &s : body) {
    switch (s->kind) {
    case Stmt::Kind::Let:
      forEachCallee(*cast<LetStmt>(*s).value, fn);
      break;
    case Stmt::Kind::Assign:
      forEachCallee(*cast<AssignStmt>(*s).value, fn);
      break;
    case Stmt::Kind::Return:
      forEachCallee(*cast<ReturnStmt>(*s).value, fn);
      break;
    case Stmt::Kind::For:
      forEachCallee(cast<ForStmt>(*s).body, fn);
      break;
    default:
      break;
    }
  }
}

class HyperEvaluator : public Evaluator {
public:
  HyperEvaluator(const Program &program, const ModelDef &model)
      : program(program), model(model) {}

  FailureOr<HyperParams> run() {
    if (failed(resolveChain()) || failed(collectDecls()) ||
        failed(checkOverrides()))
      return failure();
    for (auto &entry : result.decls)
      if (failed(value(entry.getKey(), model.loc)))
        return failure();
    return std::move(result);
  }

private:
  /// model -> base model -> ... -> block; settings of a derived model win.
  LogicalResult resolveChain() {
    const ModelDef *m = &model;
    std::vector<const ModelDef *> chain;
    while (true) {
      if (llvm::is_contained(chain, m)) {
        std::string path;
        for (const ModelDef *c : chain)
          path += c->name + " -> ";
        return mlir::emitError(model.loc)
               << "model '" << model.name << "' builds on itself: " << path
               << m->name;
      }
      chain.push_back(m);
      for (const Override &o : m->overrides)
        overrides.try_emplace(o.name, &o);
      const Def *base = program.lookup(m->base);
      if (auto *b = dyn_cast_or_null<BlockDef>(base)) {
        result.root = b;
        return success();
      }
      auto *next = dyn_cast_or_null<ModelDef>(base);
      if (!next)
        return mlir::emitError(m->baseLoc)
               << "unknown block or model '" << m->base << "'";
      m = next;
    }
  }

  LogicalResult addBlock(const BlockDef *block) {
    if (!visited.insert(block->name).second)
      return success();
    pending.push_back(block);
    for (const StmtPtr &s : block->body) {
      auto *p = dyn_cast<ParamStmt>(s.get());
      if (!p)
        continue;
      auto [it, inserted] = result.decls.try_emplace(p->name, p);
      if (inserted)
        continue;
      const ParamStmt *first = it->second;
      if (first->type != p->type) {
        auto diag = mlir::emitError(p->loc)
                    << "hyper-parameter '" << p->name << "' is declared as "
                    << paramTypeName(p->type) << " here but as "
                    << paramTypeName(first->type) << " elsewhere";
        diag.attachNote(first->loc) << "first declared here";
        return diag;
      }
      if (p->defaultValue) {
        if (first->defaultValue) {
          auto diag = mlir::emitError(p->loc)
                      << "hyper-parameter '" << p->name
                      << "' has a default in two blocks; give it in one";
          diag.attachNote(first->loc) << "other default here";
          return diag;
        }
        it->second = p; // the declaration with the default wins
      }
    }
    return success();
  }

  /// Finds every block the model uses, following calls and block-valued
  /// hyper-parameters, and collects the hyper-parameters they declare.
  LogicalResult collectDecls() {
    if (failed(addBlock(result.root)))
      return failure();
    while (!pending.empty()) {
      const BlockDef *block = pending.back();
      pending.pop_back();
      LogicalResult status = success();
      std::vector<std::pair<std::string, Loc>> callees;
      forEachCallee(block->body, [&](const CallExpr &c) {
        callees.push_back({c.callee, c.loc});
      });
      for (auto &[name, loc] : callees) {
        if (auto *b = dyn_cast_or_null<BlockDef>(program.lookup(name))) {
          if (failed(addBlock(b)))
            return failure();
          continue;
        }
        auto decl = result.decls.find(name);
        if (decl == result.decls.end() ||
            decl->second->type != ParamType::Block)
          continue;
        FailureOr<Val> v = value(name, loc);
        if (failed(v))
          return failure();
        if (auto *b = dyn_cast<BlockDef>(v->def))
          if (failed(addBlock(b)))
            return failure();
      }
      if (failed(status))
        return failure();
    }
    return success();
  }

  LogicalResult checkOverrides() {
    for (auto &entry : overrides) {
      const Override *o = entry.second;
      if (!result.decls.count(o->name))
        return mlir::emitError(o->loc)
               << "model '" << model.name << "' sets '" << o->name
               << "', which no block of the model declares as a "
                  "hyper-parameter";
    }
    return success();
  }

  /// The value of hyper-parameter `name`, evaluated once.
  FailureOr<Val> value(llvm::StringRef name, Loc useLoc) {
    if (auto it = result.values.find(name); it != result.values.end())
      return it->second;
    auto declIt = result.decls.find(name);
    if (declIt == result.decls.end()) {
      mlir::emitError(useLoc) << "unknown hyper-parameter '" << name << "'";
      return failure();
    }
    const ParamStmt *decl = declIt->second;
    if (!inProgress.insert(name).second) {
      mlir::emitError(decl->loc)
          << "hyper-parameter '" << name << "' is defined in terms of itself";
      return failure();
    }
    const Expr *source = nullptr;
    if (auto o = overrides.find(name); o != overrides.end())
      source = o->second->value.get();
    else if (decl->defaultValue)
      source = decl->defaultValue.get();
    if (!source) {
      auto diag = mlir::emitError(model.loc)
                  << "model '" << model.name
                  << "' does not set hyper-parameter '" << name
                  << "', which has no default";
      diag.attachNote(decl->loc) << "'" << name << "' is declared here";
      return failure();
    }
    FailureOr<Val> v = eval(*source);
    inProgress.erase(name);
    if (failed(v) || failed(checkType(*decl, *v, source->loc)))
      return failure();
    result.values[name] = *v;
    return *v;
  }

  LogicalResult checkType(const ParamStmt &decl, Val &v, Loc loc) {
    bool ok = false;
    switch (decl.type) {
    case ParamType::Int:
      ok = v.kind == Val::Kind::Int;
      break;
    case ParamType::Float:
      if (v.kind == Val::Kind::Int)
        v = Val::makeFloat(double(v.i));
      ok = v.kind == Val::Kind::Float && std::isfinite(v.f);
      break;
    case ParamType::Bool:
      ok = v.kind == Val::Kind::Bool;
      break;
    case ParamType::Block:
      ok = v.kind == Val::Kind::Def && isa<BlockDef>(v.def);
      break;
    case ParamType::Scan:
      ok = v.kind == Val::Kind::Def && isa<ScanDef>(v.def);
      break;
    }
    if (ok)
      return success();
    auto diag = mlir::emitError(loc)
                << "hyper-parameter '" << decl.name << "' must be "
                << (decl.type == ParamType::Int ? "an " : "a ")
                << paramTypeName(decl.type) << ", got " << describe(v);
    diag.attachNote(decl.loc) << "'" << decl.name << "' is declared here";
    return failure();
  }

  FailureOr<Val> lookup(const NameExpr &e) override {
    if (result.decls.count(e.name))
      return value(e.name, e.loc);
    if (const Def *d = program.lookup(e.name))
      return Val::makeDef(d);
    mlir::emitError(e.loc) << "unknown hyper-parameter '" << e.name << "'";
    return failure();
  }

  const Program &program;
  const ModelDef &model;
  HyperParams result;
  llvm::StringMap<const Override *> overrides;
  llvm::StringSet<> visited, inProgress;
  std::vector<const BlockDef *> pending;
};
} // namespace

FailureOr<HyperParams>
mamba::frontend::evaluateHyperParams(const Program &program,
                                     const ModelDef &model) {
  return HyperEvaluator(program, model).run();
}

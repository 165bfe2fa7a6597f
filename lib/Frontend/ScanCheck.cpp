//===- ScanCheck.cpp - checks of scan definitions -------------------------===//
//
// A scan is an einsum-like statement over an iteration space made of the
// state's indices and time `t`; this file checks that every index has a
// size and a place in that space, and proves the update linear in the state
// (what makes chunked and parallel evaluation legal).
//
//===----------------------------------------------------------------------===//

#include "Sema.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Casting.h"

using namespace mamba::frontend;
using llvm::cast;
using llvm::dyn_cast;
using mlir::failure;
using mlir::LogicalResult;
using mlir::success;

namespace {
const char *const kScalarFns[] = {"exp",     "log",      "sqrt", "tanh",
                                  "sigmoid", "softplus", "silu"};

bool isScalarFn(llvm::StringRef name) {
  for (const char *f : kScalarFns)
    if (name == f)
      return true;
  return false;
}

std::string formatIndices(const IndexedDecl &d) {
  std::string s = d.name + "[";
  for (size_t i = 0; i < d.indices.size(); ++i)
    s += (i ? ", " : "") + d.indices[i];
  return s + "]";
}

LogicalResult checkUniqueIndices(const IndexedDecl &d) {
  llvm::StringMap<size_t> seen;
  for (size_t i = 0; i < d.indices.size(); ++i) {
    auto [it, inserted] = seen.try_emplace(d.indices[i], i);
    if (!inserted)
      return mlir::emitError(d.indexLocs[i])
             << "index '" << d.indices[i] << "' appears twice in '"
             << formatIndices(d) << "'";
  }
  return success();
}

class ScanChecker {
public:
  explicit ScanChecker(ScanDef &scan) : scan(scan) {}

  LogicalResult check() {
    if (!scan.hasState)
      return mlir::emitError(scan.loc)
             << "scan '" << scan.name
             << "' has no state; declare one, e.g. 'state h[b, e, n] = 0;'";
    if (failed(checkNames()) || failed(checkIndices()) || failed(checkInit()) ||
        failed(classifyAssigns()))
      return failure();
    if (failed(checkBody(*scan.update->value, /*isUpdate=*/true)) ||
        failed(checkBody(*scan.readout->value, /*isUpdate=*/false)))
      return failure();
    return proveLinear(scan);
  }

private:
  LogicalResult checkNames() {
    llvm::StringMap<Loc> tensors;
    auto add = [&](const IndexedDecl &d, llvm::StringRef what) {
      auto [it, inserted] = tensors.try_emplace(d.name, d.loc);
      if (inserted)
        return success();
      auto diag = mlir::emitError(d.loc)
                  << "redefinition of " << what << " '" << d.name
                  << "' in scan '" << scan.name << "'";
      diag.attachNote(it->second) << "previous definition here";
      return failure();
    };
    for (const IndexedDecl &in : scan.inputs)
      if (failed(add(in, "input")))
        return failure();
    if (failed(add(scan.output, "output")) || failed(add(scan.state, "state")))
      return failure();
    auto checkDecl = [&](const IndexedDecl &d) -> LogicalResult {
      if (failed(checkUniqueIndices(d)))
        return failure();
      for (size_t i = 0; i < d.indices.size(); ++i)
        if (tensors.count(d.indices[i]))
          return mlir::emitError(d.indexLocs[i])
                 << "index '" << d.indices[i]
                 << "' has the name of a tensor of the scan; use another "
                    "index name";
      return success();
    };
    for (const IndexedDecl &in : scan.inputs)
      if (failed(checkDecl(in)))
        return failure();
    if (failed(checkDecl(scan.output)) || failed(checkDecl(scan.state)))
      return failure();
    for (const IndexedDecl &in : scan.inputs)
      inputs[in.name] = &in;
    return success();
  }

  LogicalResult checkIndices() {
    for (size_t i = 0; i < scan.state.indices.size(); ++i) {
      if (scan.state.indices[i] == "t")
        return mlir::emitError(scan.state.indexLocs[i])
               << "the state cannot be indexed by time 't': it holds one "
                  "step";
      stateIndices.insert(scan.state.indices[i]);
    }
    auto inSpace = [&](const IndexedDecl &d,
                       llvm::StringRef what) -> LogicalResult {
      for (size_t i = 0; i < d.indices.size(); ++i)
        if (d.indices[i] != "t" && !stateIndices.count(d.indices[i]))
          return mlir::emitError(d.indexLocs[i])
                 << "index '" << d.indices[i] << "' of " << what << " '"
                 << d.name << "' is neither an index of the state "
                 << formatIndices(scan.state) << " nor time 't'";
      return success();
    };
    llvm::StringSet<> sized;
    for (const IndexedDecl &in : scan.inputs) {
      if (failed(inSpace(in, "input")))
        return failure();
      for (const std::string &idx : in.indices)
        sized.insert(idx);
    }
    if (failed(inSpace(scan.output, "output")))
      return failure();
    if (!llvm::is_contained(scan.output.indices, "t"))
      return mlir::emitError(scan.output.loc)
             << "output '" << scan.output.name
             << "' must be indexed by time 't'";
    if (!sized.count("t"))
      return mlir::emitError(scan.loc)
             << "no input of scan '" << scan.name
             << "' is indexed by time 't', so it has no steps";
    for (size_t i = 0; i < scan.state.indices.size(); ++i)
      if (!sized.count(scan.state.indices[i]))
        return mlir::emitError(scan.state.indexLocs[i])
               << "state index '" << scan.state.indices[i]
               << "' appears in no input, so its size is unknown";
    return success();
  }

  LogicalResult checkInit() {
    if (isa<NumberExpr>(scan.init.get()))
      return success();
    auto *name = dyn_cast<NameExpr>(scan.init.get());
    if (!name)
      return mlir::emitError(scan.init->loc)
             << "the initial state must be a number or an input of the scan";
    auto it = inputs.find(name->name);
    if (it == inputs.end())
      return mlir::emitError(name->loc)
             << "initial state '" << name->name << "' is not an input of scan '"
             << scan.name << "'";
    if (it->second->indices != scan.state.indices)
      return mlir::emitError(name->loc)
             << "initial state '" << formatIndices(*it->second)
             << "' must have the indices of the state "
             << formatIndices(scan.state);
    initInput = name->name;
    return success();
  }

  LogicalResult classifyAssigns() {
    for (const ScanAssign &a : scan.assigns) {
      const ScanAssign **slot = nullptr;
      if (a.name == scan.state.name)
        slot = &scan.update;
      else if (a.name == scan.output.name)
        slot = &scan.readout;
      else
        return mlir::emitError(a.loc)
               << "'" << a.name << "' is neither the state '" << scan.state.name
               << "' nor the output '" << scan.output.name << "' of scan '"
               << scan.name << "'";
      if (*slot) {
        auto diag = mlir::emitError(a.loc) << "second assignment to '" << a.name
                                           << "' in scan '" << scan.name << "'";
        diag.attachNote((*slot)->loc) << "first assignment here";
        return diag;
      }
      *slot = &a;
    }
    if (!scan.update)
      return mlir::emitError(scan.loc)
             << "scan '" << scan.name << "' has no update of its state: add '"
             << scan.state.name << " = ...;'";
    if (!scan.readout)
      return mlir::emitError(scan.loc)
             << "scan '" << scan.name << "' has no readout: add '"
             << scan.output.name << " = ...;'";
    return success();
  }

  /// The operations allowed in a scan body: arithmetic on the elements of
  /// the state and the inputs, constants, and the scalar functions.
  LogicalResult checkBody(const Expr &e, bool isUpdate) {
    switch (e.kind) {
    case Expr::Kind::Number:
      return success();
    case Expr::Kind::Name: {
      llvm::StringRef n = cast<NameExpr>(e).name;
      if (n == scan.state.name)
        return success();
      if (n == scan.output.name)
        return mlir::emitError(e.loc)
               << "the output '" << n << "' cannot be read in the scan body";
      if (n == initInput)
        return mlir::emitError(e.loc)
               << "'" << n << "' is the initial state; it cannot be used in "
               << (isUpdate ? "the update" : "the readout");
      if (!inputs.count(n))
        return mlir::emitError(e.loc)
               << "unknown name '" << n << "' in scan '" << scan.name << "'";
      return success();
    }
    case Expr::Kind::Unary: {
      auto &u = cast<UnaryExpr>(e);
      if (u.op != '-')
        return mlir::emitError(e.loc)
               << "operator '" << u.op << "' is not allowed in a scan body";
      return checkBody(*u.operand, isUpdate);
    }
    case Expr::Kind::Binary: {
      auto &b = cast<BinaryExpr>(e);
      if (b.op != BinOp::Add && b.op != BinOp::Sub && b.op != BinOp::Mul &&
          b.op != BinOp::Div)
        return mlir::emitError(e.loc)
               << "operator '" << binOpSpelling(b.op)
               << "' is not allowed in a scan body (only + - * /)";
      return success(succeeded(checkBody(*b.lhs, isUpdate)) &&
                     succeeded(checkBody(*b.rhs, isUpdate)));
    }
    case Expr::Kind::Call: {
      auto &c = cast<CallExpr>(e);
      if (!isScalarFn(c.callee))
        return mlir::emitError(e.loc)
               << "'" << c.callee
               << "' is not a function of scan bodies (exp, log, sqrt, tanh, "
                  "sigmoid, softplus, silu)";
      if (c.args.size() != 1)
        return mlir::emitError(e.loc)
               << "'" << c.callee << "' takes 1 argument, got "
               << c.args.size();
      if (c.prefix)
        return mlir::emitError(c.prefix->loc)
               << "'at' is not allowed in a scan body";
      return checkBody(*c.args[0], isUpdate);
    }
    default:
      return mlir::emitError(e.loc)
             << "this expression is not allowed in a scan body: use numbers, "
                "the state, the inputs, + - * / and scalar functions";
    }
  }

  ScanDef &scan;
  llvm::StringMap<const IndexedDecl *> inputs;
  llvm::StringSet<> stateIndices;
  std::string initInput;
};

//===----------------------------------------------------------------------===//
// The linearity proof
//===----------------------------------------------------------------------===//

/// An expression as coef * h + rest, with null for a zero part.
struct Form {
  ExprPtr coef, rest;
};

ExprPtr clone(const Expr &e);

std::vector<ExprPtr> cloneAll(const std::vector<ExprPtr> &v) {
  std::vector<ExprPtr> out;
  for (const ExprPtr &e : v)
    out.push_back(clone(*e));
  return out;
}

ExprPtr clone(const Expr &e) {
  switch (e.kind) {
  case Expr::Kind::Number: {
    auto &n = cast<NumberExpr>(e);
    return n.isInt ? std::make_unique<NumberExpr>(n.loc, n.intValue)
                   : std::make_unique<NumberExpr>(n.loc, n.floatValue);
  }
  case Expr::Kind::String:
    return std::make_unique<StringExpr>(e.loc, cast<StringExpr>(e).value);
  case Expr::Kind::Bool:
    return std::make_unique<BoolExpr>(e.loc, cast<BoolExpr>(e).value);
  case Expr::Kind::None:
    return std::make_unique<NoneExpr>(e.loc);
  case Expr::Kind::Name:
    return std::make_unique<NameExpr>(e.loc, cast<NameExpr>(e).name);
  case Expr::Kind::Unary: {
    auto &u = cast<UnaryExpr>(e);
    return std::make_unique<UnaryExpr>(u.loc, u.op, clone(*u.operand));
  }
  case Expr::Kind::Binary: {
    auto &b = cast<BinaryExpr>(e);
    return std::make_unique<BinaryExpr>(b.loc, b.op, clone(*b.lhs),
                                        clone(*b.rhs));
  }
  case Expr::Kind::Call: {
    auto &c = cast<CallExpr>(e);
    auto r = std::make_unique<CallExpr>(c.loc, c.callee, cloneAll(c.args));
    if (c.prefix)
      r->prefix = clone(*c.prefix);
    return r;
  }
  case Expr::Kind::If: {
    auto &i = cast<IfExpr>(e);
    return std::make_unique<IfExpr>(i.loc, clone(*i.cond), clone(*i.thenExpr),
                                    clone(*i.elseExpr));
  }
  case Expr::Kind::List:
    return std::make_unique<ListExpr>(e.loc, cloneAll(cast<ListExpr>(e).elems));
  }
  return nullptr;
}

bool isOne(const Expr *e) {
  auto *n = dyn_cast_or_null<NumberExpr>(e);
  return n && n->floatValue == 1.0;
}

/// a + b, a - b, a * b with null as zero and 1 as the unit of '*'.
ExprPtr add(Loc loc, ExprPtr a, ExprPtr b, bool subtract) {
  if (!b)
    return a;
  if (!a)
    return subtract ? std::make_unique<UnaryExpr>(loc, '-', std::move(b))
                    : std::move(b);
  return std::make_unique<BinaryExpr>(loc, subtract ? BinOp::Sub : BinOp::Add,
                                      std::move(a), std::move(b));
}

ExprPtr mul(Loc loc, ExprPtr a, ExprPtr b) {
  if (isOne(a.get()))
    return b;
  if (isOne(b.get()))
    return a;
  return std::make_unique<BinaryExpr>(loc, BinOp::Mul, std::move(a),
                                      std::move(b));
}

class LinearProver {
public:
  explicit LinearProver(const ScanDef &scan) : state(scan.state.name) {}

  bool mentionsState(const Expr &e) const {
    switch (e.kind) {
    case Expr::Kind::Name:
      return cast<NameExpr>(e).name == state;
    case Expr::Kind::Unary:
      return mentionsState(*cast<UnaryExpr>(e).operand);
    case Expr::Kind::Binary:
      return mentionsState(*cast<BinaryExpr>(e).lhs) ||
             mentionsState(*cast<BinaryExpr>(e).rhs);
    case Expr::Kind::Call:
      for (const ExprPtr &a : cast<CallExpr>(e).args)
        if (mentionsState(*a))
          return true;
      return false;
    default:
      return false;
    }
  }

  mlir::FailureOr<Form> decompose(const Expr &e) {
    if (!mentionsState(e))
      return Form{nullptr, clone(e)};
    switch (e.kind) {
    case Expr::Kind::Name:
      return Form{std::make_unique<NumberExpr>(e.loc, int64_t(1)), nullptr};
    case Expr::Kind::Unary: {
      auto inner = decompose(*cast<UnaryExpr>(e).operand);
      if (failed(inner))
        return failure();
      return Form{add(e.loc, nullptr, std::move(inner->coef), true),
                  add(e.loc, nullptr, std::move(inner->rest), true)};
    }
    case Expr::Kind::Binary:
      return decomposeBinary(cast<BinaryExpr>(e));
    case Expr::Kind::Call:
      mlir::emitError(e.loc)
          << "the update of '" << state << "' is not linear in the state: '"
          << cast<CallExpr>(e).callee << "' is applied to an expression of '"
          << state << "'";
      return failure();
    default:
      return failure();
    }
  }

private:
  mlir::FailureOr<Form> decomposeBinary(const BinaryExpr &b) {
    bool l = mentionsState(*b.lhs), r = mentionsState(*b.rhs);
    if (b.op == BinOp::Add || b.op == BinOp::Sub) {
      auto lf = decompose(*b.lhs);
      if (failed(lf))
        return failure();
      auto rf = decompose(*b.rhs);
      if (failed(rf))
        return failure();
      bool sub = b.op == BinOp::Sub;
      return Form{add(b.loc, std::move(lf->coef), std::move(rf->coef), sub),
                  add(b.loc, std::move(lf->rest), std::move(rf->rest), sub)};
    }
    if (b.op == BinOp::Mul) {
      if (l && r) {
        mlir::emitError(b.loc)
            << "the update of '" << state
            << "' is not linear in the state: both factors of this product "
               "depend on '"
            << state << "'";
        return failure();
      }
      const Expr &factor = l ? *b.rhs : *b.lhs;
      auto f = decompose(l ? *b.lhs : *b.rhs);
      if (failed(f))
        return failure();
      auto scale = [&](ExprPtr part) -> ExprPtr {
        if (!part)
          return nullptr;
        return l ? mul(b.loc, std::move(part), clone(factor))
                 : mul(b.loc, clone(factor), std::move(part));
      };
      return Form{scale(std::move(f->coef)), scale(std::move(f->rest))};
    }
    // Division: only by something free of the state.
    if (r) {
      mlir::emitError(b.loc) << "the update of '" << state
                             << "' is not linear in the state: it divides by "
                                "an expression of '"
                             << state << "'";
      return failure();
    }
    auto f = decompose(*b.lhs);
    if (failed(f))
      return failure();
    auto divide = [&](ExprPtr part) -> ExprPtr {
      if (!part)
        return nullptr;
      return std::make_unique<BinaryExpr>(b.loc, BinOp::Div, std::move(part),
                                          clone(*b.rhs));
    };
    return Form{divide(std::move(f->coef)), divide(std::move(f->rest))};
  }

  std::string state;
};
} // namespace

LogicalResult mamba::frontend::proveLinear(ScanDef &scan) {
  LinearProver prover(scan);
  auto form = prover.decompose(*scan.update->value);
  if (failed(form))
    return failure();
  scan.linear.coef = std::move(form->coef);
  scan.linear.rest = std::move(form->rest);
  return success();
}

LogicalResult mamba::frontend::checkScan(ScanDef &scan) {
  return ScanChecker(scan).check();
}

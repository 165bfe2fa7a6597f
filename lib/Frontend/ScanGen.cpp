//===- ScanGen.cpp - lowering of scan definitions to ssm.scan -------------===//
//
// The iteration space of ssm.scan is the state's indices followed by time;
// each input's indexing map follows from the indices it is declared with.
// Sema proved the update is coef * h + rest; the update region yields
// (coef, rest) and the readout region the readout expression, which
// ssm.scan sums over the state indices the output does not have.
//
//===----------------------------------------------------------------------===//

#include "ScanGen.h"

#include "ssm/IR/SSMOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Casting.h"

using namespace mamba::frontend;
using llvm::cast;
using llvm::dyn_cast;
using mlir::failure;
using mlir::FailureOr;

namespace {
void collectNames(const Expr *e, llvm::StringSet<> &names) {
  if (!e)
    return;
  switch (e->kind) {
  case Expr::Kind::Name:
    names.insert(cast<NameExpr>(e)->name);
    return;
  case Expr::Kind::Unary:
    collectNames(cast<UnaryExpr>(e)->operand.get(), names);
    return;
  case Expr::Kind::Binary:
    collectNames(cast<BinaryExpr>(e)->lhs.get(), names);
    collectNames(cast<BinaryExpr>(e)->rhs.get(), names);
    return;
  case Expr::Kind::Call:
    for (const ExprPtr &a : cast<CallExpr>(e)->args)
      collectNames(a.get(), names);
    return;
  default:
    return;
  }
}

/// The factors of a product tree a * b * c.
void collectFactors(const Expr *e, std::vector<const Expr *> &out) {
  auto *b = dyn_cast<BinaryExpr>(e);
  if (b && b->op == BinOp::Mul) {
    collectFactors(b->lhs.get(), out);
    collectFactors(b->rhs.get(), out);
    return;
  }
  out.push_back(e);
}

/// The zero-order-hold selective scan over state [b, e, n]:
/// coef = exp(delta * A), rest = delta * B * (other factors), with
/// delta[b, e, t], A[e, n], B[b, n, t] -- exactly what ssm.discretize
/// computes.
struct Discretization {
  std::string delta, A, B;
  std::vector<const Expr *> otherFactors;
};

std::optional<Discretization> matchDiscretization(const ScanDef &scan) {
  const std::vector<std::string> &s = scan.state.indices;
  if (s.size() != 3 || !scan.linear.coef || !scan.linear.rest)
    return std::nullopt;
  auto indicesOf = [&](const Expr *e) -> const std::vector<std::string> * {
    auto *n = dyn_cast<NameExpr>(e);
    if (!n)
      return nullptr;
    for (const IndexedDecl &in : scan.inputs)
      if (in.name == n->name)
        return &in.indices;
    return nullptr;
  };
  const std::vector<std::string> deltaIdx = {s[0], s[1], "t"},
                                 aIdx = {s[1], s[2]}, bIdx = {s[0], s[2], "t"};
  auto *exp = dyn_cast<CallExpr>(scan.linear.coef.get());
  if (!exp || exp->callee != "exp" || exp->args.size() != 1)
    return std::nullopt;
  auto *prod = dyn_cast<BinaryExpr>(exp->args[0].get());
  if (!prod || prod->op != BinOp::Mul)
    return std::nullopt;
  const Expr *p = prod->lhs.get(), *q = prod->rhs.get();
  if (indicesOf(q) && *indicesOf(q) == deltaIdx)
    std::swap(p, q);
  auto *pi = indicesOf(p), *qi = indicesOf(q);
  if (!pi || !qi || *pi != deltaIdx || *qi != aIdx)
    return std::nullopt;
  Discretization d;
  d.delta = cast<NameExpr>(p)->name;
  d.A = cast<NameExpr>(q)->name;
  std::vector<const Expr *> factors;
  collectFactors(scan.linear.rest.get(), factors);
  bool sawDelta = false;
  for (const Expr *f : factors) {
    auto *n = dyn_cast<NameExpr>(f);
    if (n && !sawDelta && n->name == d.delta) {
      sawDelta = true;
      continue;
    }
    if (n && d.B.empty() && indicesOf(f) && *indicesOf(f) == bIdx) {
      d.B = n->name;
      continue;
    }
    d.otherFactors.push_back(f);
  }
  if (!sawDelta || d.B.empty())
    return std::nullopt;
  return d;
}

/// Emits a scan-body expression as scalar arith/math ops.
class ScalarEmitter {
public:
  ScalarEmitter(mlir::OpBuilder &b, llvm::StringMap<mlir::Value> &env)
      : b(b), env(env) {}

  mlir::Value emit(const Expr &e) {
    mlir::Location loc = e.loc;
    switch (e.kind) {
    case Expr::Kind::Number:
      return constant(loc, cast<NumberExpr>(e).floatValue);
    case Expr::Kind::Name:
      return env.lookup(cast<NameExpr>(e).name);
    case Expr::Kind::Unary:
      return mlir::arith::NegFOp::create(b, loc,
                                         emit(*cast<UnaryExpr>(e).operand));
    case Expr::Kind::Binary: {
      auto &bin = cast<BinaryExpr>(e);
      mlir::Value l = emit(*bin.lhs), r = emit(*bin.rhs);
      switch (bin.op) {
      case BinOp::Add:
        return mlir::arith::AddFOp::create(b, loc, l, r);
      case BinOp::Sub:
        return mlir::arith::SubFOp::create(b, loc, l, r);
      case BinOp::Mul:
        return mlir::arith::MulFOp::create(b, loc, l, r);
      default:
        return mlir::arith::DivFOp::create(b, loc, l, r);
      }
    }
    case Expr::Kind::Call: {
      auto &c = cast<CallExpr>(e);
      mlir::Value x = emit(*c.args[0]);
      return function(loc, c.callee, x);
    }
    default:
      // Sema admits nothing else into a scan body.
      return constant(loc, 0.0);
    }
  }

  mlir::Value constant(mlir::Location loc, double v) {
    return mlir::arith::ConstantOp::create(
        b, loc, b.getF32FloatAttr(static_cast<float>(v)));
  }

private:
  mlir::Value sigmoid(mlir::Location loc, mlir::Value x) {
    mlir::Value one = constant(loc, 1.0);
    mlir::Value e = mlir::math::ExpOp::create(
        b, loc, mlir::arith::NegFOp::create(b, loc, x));
    return mlir::arith::DivFOp::create(
        b, loc, one, mlir::arith::AddFOp::create(b, loc, one, e));
  }

  mlir::Value function(mlir::Location loc, llvm::StringRef f, mlir::Value x) {
    if (f == "exp")
      return mlir::math::ExpOp::create(b, loc, x);
    if (f == "log")
      return mlir::math::LogOp::create(b, loc, x);
    if (f == "sqrt")
      return mlir::math::SqrtOp::create(b, loc, x);
    if (f == "tanh")
      return mlir::math::TanhOp::create(b, loc, x);
    if (f == "sigmoid")
      return sigmoid(loc, x);
    if (f == "softplus")
      return mlir::math::Log1pOp::create(b, loc,
                                         mlir::math::ExpOp::create(b, loc, x));
    // silu
    return mlir::arith::MulFOp::create(b, loc, x, sigmoid(loc, x));
  }

  mlir::OpBuilder &b;
  llvm::StringMap<mlir::Value> &env;
};

mlir::AffineMap mapOf(llvm::ArrayRef<std::string> indices,
                      llvm::ArrayRef<std::string> state,
                      mlir::MLIRContext *ctx) {
  llvm::SmallVector<mlir::AffineExpr> exprs;
  for (const std::string &idx : indices) {
    unsigned pos = state.size();
    for (unsigned i = 0; i < state.size(); ++i)
      if (state[i] == idx)
        pos = i;
    exprs.push_back(mlir::getAffineDimExpr(pos, ctx));
  }
  return mlir::AffineMap::get(state.size() + 1, 0, exprs, ctx);
}
} // namespace

FailureOr<ScanResult>
mamba::frontend::buildScan(mlir::OpBuilder &b, TensorOps &ops,
                           const ScanDef &scan, llvm::ArrayRef<Val> args,
                           llvm::ArrayRef<Loc> argLocs, Loc loc) {
  mlir::MLIRContext *ctx = b.getContext();
  mlir::Type f32 = b.getF32Type();

  // Bind every index to a size; each input must agree with the others.
  llvm::StringMap<Dim> size;
  llvm::StringMap<std::string> boundBy;
  llvm::StringMap<const Val *> argOf;
  for (size_t i = 0; i < scan.inputs.size(); ++i) {
    const IndexedDecl &in = scan.inputs[i];
    const Val &a = args[i];
    if (!a.isTensor() || !llvm::cast<mlir::RankedTensorType>(a.value.getType())
                              .getElementType()
                              .isF32()) {
      mlir::emitError(argLocs[i])
          << "input '" << in.name << "' of scan '" << scan.name
          << "' must be an f32 tensor, got "
          << (a.isTensor() ? "an i32 tensor" : describe(a));
      return failure();
    }
    if (a.dims.size() != in.indices.size()) {
      mlir::emitError(argLocs[i])
          << "input '" << in.name << "' of scan '" << scan.name << "' has "
          << in.indices.size() << " indices, got a tensor of shape "
          << formatDims(a.dims);
      return failure();
    }
    for (size_t j = 0; j < in.indices.size(); ++j) {
      const std::string &idx = in.indices[j];
      auto [it, inserted] = size.try_emplace(idx, a.dims[j]);
      if (inserted) {
        boundBy[idx] = in.name;
        continue;
      }
      if (it->second != a.dims[j]) {
        mlir::emitError(argLocs[i])
            << "index '" << idx << "' of scan '" << scan.name << "' is "
            << formatDim(it->second) << " in '" << boundBy[idx] << "' but "
            << formatDim(a.dims[j]) << " in '" << in.name << "'";
        return failure();
      }
    }
    argOf[in.name] = &a;
  }

  const std::vector<std::string> &state = scan.state.indices;
  llvm::SmallVector<Dim> stateDims, yDims;
  for (const std::string &idx : state)
    stateDims.push_back(size[idx]);
  for (const std::string &idx : scan.output.indices)
    yDims.push_back(size[idx]);
  llvm::SmallVector<const Val *> sources;
  for (const Val &a : args)
    sources.push_back(&a);

  mlir::Location l = loc;
  mlir::Value init;
  if (auto *n = dyn_cast<NumberExpr>(scan.init.get())) {
    if (n->floatValue != 0.0) {
      mlir::Value empty = ops.empty(stateDims, f32, sources, l);
      mlir::Value c = mlir::arith::ConstantOp::create(
          b, l, b.getF32FloatAttr(static_cast<float>(n->floatValue)));
      init = mlir::linalg::FillOp::create(b, l, c, empty).getResult(0);
    }
  } else {
    init = argOf[cast<NameExpr>(scan.init.get())->name]->value;
  }

  // The region inputs: what the update and readout read, and the
  // discretized decay and input when the update is a selective scan.
  std::optional<Discretization> disc = matchDiscretization(scan);
  llvm::StringSet<> used;
  const Expr *readout = scan.readout->value.get();
  collectNames(readout, used);
  if (disc) {
    for (const Expr *f : disc->otherFactors)
      collectNames(f, used);
  } else {
    collectNames(scan.linear.coef.get(), used);
    collectNames(scan.linear.rest.get(), used);
  }
  llvm::SmallVector<mlir::Value> inputs;
  llvm::SmallVector<mlir::Attribute> maps;
  llvm::SmallVector<std::string> names;
  if (disc) {
    llvm::SmallVector<Dim> full(stateDims);
    full.push_back(size["t"]);
    mlir::Type fullType = ops.tensorType(full, f32);
    auto op = mlir::ssm::DiscretizeOp::create(
        b, l, fullType, fullType, argOf[disc->delta]->value,
        argOf[disc->A]->value, argOf[disc->B]->value);
    mlir::AffineMap identity = b.getMultiDimIdentityMap(state.size() + 1);
    inputs.append({op.getDeltaA(), op.getDeltaB()});
    maps.append({mlir::AffineMapAttr::get(identity),
                 mlir::AffineMapAttr::get(identity)});
    // Names no input can have: index names cannot start with '%'.
    names.append({"%deltaA", "%deltaB"});
  }
  for (const IndexedDecl &in : scan.inputs) {
    if (!used.count(in.name))
      continue;
    inputs.push_back(argOf[in.name]->value);
    maps.push_back(mlir::AffineMapAttr::get(mapOf(in.indices, state, ctx)));
    names.push_back(in.name);
  }
  maps.push_back(
      mlir::AffineMapAttr::get(mapOf(scan.output.indices, state, ctx)));

  auto scanOp = mlir::ssm::ScanOp::create(b, l, ops.tensorType(yDims, f32),
                                          ops.tensorType(stateDims, f32),
                                          inputs, init, b.getArrayAttr(maps));

  auto buildRegion = [&](mlir::Region &region, auto &&body) {
    mlir::OpBuilder::InsertionGuard guard(b);
    mlir::Block *block = b.createBlock(&region);
    llvm::StringMap<mlir::Value> env;
    env[scan.state.name] = block->addArgument(
        f32, scan.state.loc ? mlir::Location(scan.state.loc) : l);
    for (const std::string &n : names)
      env[n] = block->addArgument(f32, l);
    ScalarEmitter emitter(b, env);
    body(emitter, env);
  };
  buildRegion(scanOp.getUpdate(), [&](ScalarEmitter &em,
                                      llvm::StringMap<mlir::Value> &env) {
    mlir::Location ul = scan.update->loc;
    mlir::Value a, bt;
    if (disc) {
      a = env["%deltaA"];
      bt = env["%deltaB"];
      for (const Expr *f : disc->otherFactors)
        bt = mlir::arith::MulFOp::create(b, ul, bt, em.emit(*f));
    } else {
      a = scan.linear.coef ? em.emit(*scan.linear.coef) : em.constant(ul, 0);
      bt = scan.linear.rest ? em.emit(*scan.linear.rest) : em.constant(ul, 0);
    }
    mlir::ssm::YieldOp::create(b, ul, mlir::ValueRange{a, bt});
  });
  buildRegion(scanOp.getReadout(),
              [&](ScalarEmitter &em, llvm::StringMap<mlir::Value> &) {
                mlir::Value y = em.emit(*readout);
                mlir::ssm::YieldOp::create(b, mlir::Location(scan.readout->loc),
                                           mlir::ValueRange{y});
              });
  return ScanResult{Val::makeTensor(scanOp.getY(), yDims),
                    Val::makeTensor(scanOp.getFinalState(), stateDims)};
}

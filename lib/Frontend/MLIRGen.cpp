//===- MLIRGen.cpp - spec AST to ssm dialect IR ---------------------------===//
//
// The elaborator runs a block body like an interpreter whose tensor values
// are SSA values: hyper-parameters are constants, `for` is unrolled, block
// calls are inlined with their weight-name prefix, and each tensor builtin
// or scan call emits its ops. Weights become ssm.weight ops on first use,
// once per tensor name.
//
//===----------------------------------------------------------------------===//

#include "MLIRGen.h"

#include "Eval.h"
#include "ScanGen.h"
#include "TensorOps.h"

#include "ssm/IR/SSMDialect.h"
#include "ssm/IR/SSMOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/Casting.h"

using namespace mamba::frontend;
using llvm::cast;
using llvm::dyn_cast;
using mlir::failure;
using mlir::FailureOr;
using mlir::LogicalResult;
using mlir::success;

void mamba::frontend::loadFrontendDialects(mlir::MLIRContext &ctx) {
  ctx.loadDialect<mlir::ssm::SSMDialect, mlir::func::FuncDialect,
                  mlir::arith::ArithDialect, mlir::math::MathDialect,
                  mlir::linalg::LinalgDialect, mlir::tensor::TensorDialect>();
}

namespace {
/// Loops are unrolled; more iterations than this is not a model.
constexpr int64_t kMaxLoopTrips = 100000;
/// Tensor sizes stay far from overflowing the index arithmetic of later
/// passes.
constexpr int64_t kMaxDimSize = int64_t(1) << 40;

struct OpCounter : mlir::OpBuilder::Listener {
  size_t count = 0;
  void notifyOperationInserted(mlir::Operation *,
                               mlir::OpBuilder::InsertPoint) override {
    ++count;
  }
};

struct Frame {
  const BlockDef *block;
  std::string prefix;
  llvm::StringMap<const ParamStmt *> params;
  std::vector<llvm::StringMap<Val>> scopes;
  llvm::StringMap<Dim> dims;
};

struct WeightEntry {
  mlir::Value value;
  llvm::SmallVector<Dim, 4> dims;
  Loc loc;
};

class ModelGen : public Evaluator {
public:
  ModelGen(mlir::MLIRContext &ctx, const Program &program,
           const GenOptions &options)
      : ctx(ctx), program(program), options(options), b(&ctx), ops(b) {
    b.setListener(&counter);
  }

  mlir::OwningOpRef<mlir::ModuleOp> run() {
    module = mlir::ModuleOp::create(mlir::UnknownLoc::get(&ctx));
    b.setInsertionPointToEnd(module->getBody());
    const ModelDef *model = nullptr;
    std::vector<const ScanDef *> scans;
    for (const DefPtr &d : program.main->defs) {
      if (auto *m = dyn_cast<ModelDef>(d.get()))
        model = m;
      else if (auto *s = dyn_cast<ScanDef>(d.get()))
        scans.push_back(s);
    }
    LogicalResult r = success();
    if (model) {
      r = genModel(*model);
    } else if (options.batch || options.seqlen) {
      mlir::emitError(mlir::FileLineColLoc::get(&ctx, program.main->path, 1, 1))
          << "--" << (options.batch ? "batch" : "seqlen") << " is given, but '"
          << program.main->path << "' defines no model to give it to";
      r = failure();
    } else if (!scans.empty()) {
      for (const ScanDef *s : scans)
        if (failed(r = genScanFunction(*s)))
          break;
    } else {
      mlir::emitError(mlir::FileLineColLoc::get(&ctx, program.main->path, 1, 1))
          << "nothing to compile: '" << program.main->path
          << "' defines no model and no scan";
      r = failure();
    }
    if (failed(r))
      return nullptr;
    if (failed(mlir::verify(*module))) {
      if (options.crashOnInvalidIR)
        llvm::report_fatal_error("mamba-compile generated IR that does not "
                                 "verify");
      return nullptr;
    }
    return std::move(module);
  }

private:
  //===--------------------------------------------------------------------===//
  // Entry points
  //===--------------------------------------------------------------------===//

  LogicalResult genModel(const ModelDef &model) {
    FailureOr<HyperParams> h = evaluateHyperParams(program, model);
    if (failed(h))
      return failure();
    hyper = std::move(*h);
    const BlockDef &root = *hyper.root;

    // The signature: hyper-parameter sizes are static, symbols dynamic
    // unless --batch / --seqlen fix them.
    Frame top{&root, "", paramsOf(root), {}, {}};
    frames.push_back(std::move(top));
    bool usedBatch = false, usedSeqlen = false;
    llvm::SmallVector<mlir::Type> argTypes;
    std::vector<llvm::SmallVector<Dim, 4>> argDims;
    for (const BlockArg &arg : root.args) {
      llvm::SmallVector<Dim, 4> dims;
      for (const ExprPtr &d : arg.type.dims) {
        auto *n = dyn_cast<NameExpr>(d.get());
        if (n && !frames.back().params.count(n->name)) {
          std::optional<int64_t> fixed;
          if (n->name == "batch")
            fixed = options.batch, usedBatch = true;
          if (n->name == "seqlen")
            fixed = options.seqlen, usedSeqlen = true;
          dims.push_back(fixed ? Dim::fixed(*fixed) : Dim::symbolic(n->name));
          continue;
        }
        FailureOr<int64_t> size = evalSize(*d);
        if (failed(size))
          return failure();
        dims.push_back(Dim::fixed(*size));
      }
      argTypes.push_back(ops.tensorType(dims, elementType(arg.type)));
      argDims.push_back(std::move(dims));
    }
    frames.pop_back();
    if ((options.batch && !usedBatch) || (options.seqlen && !usedSeqlen)) {
      mlir::emitError(root.loc)
          << "--" << (options.batch && !usedBatch ? "batch" : "seqlen")
          << " is given, but the inputs of block '" << root.name
          << "' have no dimension named '"
          << (options.batch && !usedBatch ? "batch" : "seqlen") << "'";
      return failure();
    }

    auto func = mlir::func::FuncOp::create(b, model.loc, "forward",
                                           b.getFunctionType(argTypes, {}));
    mlir::Block *entry = func.addEntryBlock();
    b.setInsertionPointToStart(entry);
    std::vector<Val> args;
    std::vector<Loc> argLocs;
    for (size_t i = 0; i < root.args.size(); ++i) {
      args.push_back(Val::makeTensor(entry->getArgument(i), argDims[i]));
      argLocs.push_back(root.args[i].loc);
    }
    FailureOr<Val> result = callBlock(root, args, argLocs, model.loc, "");
    if (failed(result))
      return failure();
    mlir::func::ReturnOp::create(b, model.loc, result->value);
    func.setFunctionType(
        b.getFunctionType(argTypes, {result->value.getType()}));
    return success();
  }

  /// A scan on its own: every index a dynamic size.
  LogicalResult genScanFunction(const ScanDef &scan) {
    mlir::Type f32 = b.getF32Type();
    llvm::SmallVector<mlir::Type> argTypes;
    std::vector<Val> args;
    std::vector<Loc> argLocs;
    for (const IndexedDecl &in : scan.inputs) {
      llvm::SmallVector<Dim, 4> dims;
      for (const std::string &idx : in.indices)
        dims.push_back(Dim::symbolic(idx));
      argTypes.push_back(ops.tensorType(dims, f32));
      args.push_back(Val::makeTensor(nullptr, dims));
      argLocs.push_back(in.loc);
    }
    mlir::OpBuilder::InsertionGuard guard(b);
    auto func = mlir::func::FuncOp::create(b, scan.loc, scan.name,
                                           b.getFunctionType(argTypes, {}));
    mlir::Block *entry = func.addEntryBlock();
    for (size_t i = 0; i < args.size(); ++i)
      args[i].value = entry->getArgument(i);
    b.setInsertionPointToStart(entry);
    FailureOr<ScanResult> r = buildScan(b, ops, scan, args, argLocs, scan.loc);
    if (failed(r))
      return failure();
    mlir::func::ReturnOp::create(
        b, scan.loc, mlir::ValueRange{r->y.value, r->finalState.value});
    func.setFunctionType(b.getFunctionType(
        argTypes, {r->y.value.getType(), r->finalState.value.getType()}));
    return success();
  }

  //===--------------------------------------------------------------------===//
  // Blocks
  //===--------------------------------------------------------------------===//

  static llvm::StringMap<const ParamStmt *> paramsOf(const BlockDef &block) {
    llvm::StringMap<const ParamStmt *> params;
    for (const StmtPtr &s : block.body)
      if (auto *p = dyn_cast<ParamStmt>(s.get()))
        params[p->name] = p;
    return params;
  }

  mlir::Type elementType(const TensorTypeDecl &t) {
    return t.elementType == "i32" ? mlir::Type(b.getI32Type())
                                  : mlir::Type(b.getF32Type());
  }

  FailureOr<int64_t> evalSize(const Expr &e,
                              llvm::StringRef what = "a tensor size") {
    FailureOr<int64_t> v = evalInt(e, what);
    if (failed(v))
      return failure();
    if (*v <= 0 || *v > kMaxDimSize) {
      mlir::emitError(e.loc)
          << what << " must be between 1 and 2^40, got " << *v;
      return failure();
    }
    return v;
  }

  /// Checks `v` against a declared tensor type in the current frame,
  /// binding the dimension symbols it meets for the first time.
  LogicalResult matchType(const Val &v, const TensorTypeDecl &decl, Loc loc,
                          llvm::StringRef what) {
    Frame &f = frames.back();
    auto fail = [&](llvm::StringRef got) {
      auto diag = mlir::emitError(loc)
                  << what << " must be a tensor " << decl.elementType << "[";
      for (size_t i = 0; i < decl.dims.size(); ++i) {
        diag << (i ? ", " : "");
        printExprTo(*decl.dims[i], diag);
      }
      diag << "], got " << got;
      diag.attachNote(decl.loc) << "declared here";
      return failure();
    };
    if (!v.isTensor())
      return fail(describe(v));
    bool isInt = llvm::cast<mlir::RankedTensorType>(v.value.getType())
                     .getElementType()
                     .isInteger();
    if (isInt != (decl.elementType == "i32") ||
        v.dims.size() != decl.dims.size())
      return fail(std::string(isInt ? "i32" : "f32") + formatDims(v.dims));
    llvm::SmallVector<std::pair<std::string, Dim>> newBindings;
    for (size_t i = 0; i < decl.dims.size(); ++i) {
      const Expr &d = *decl.dims[i];
      auto *n = dyn_cast<NameExpr>(&d);
      if (n && !f.params.count(n->name)) {
        auto it = f.dims.find(n->name);
        if (it == f.dims.end()) {
          f.dims[n->name] = v.dims[i];
          continue;
        }
        if (it->second != v.dims[i])
          return fail("f32" + formatDims(v.dims) + " ('" + n->name + "' is " +
                      formatDim(it->second) + " elsewhere)");
        continue;
      }
      FailureOr<int64_t> size = evalSize(d);
      if (failed(size))
        return failure();
      if (v.dims[i] != Dim::fixed(*size))
        return fail(std::string(isInt ? "i32" : "f32") + formatDims(v.dims));
    }
    return success();
  }

  template <typename Stream> static void printExprTo(const Expr &e, Stream &s) {
    std::string text;
    llvm::raw_string_ostream os(text);
    printExpr(e, os);
    s << os.str();
  }

  FailureOr<Val> callBlock(const BlockDef &block, llvm::ArrayRef<Val> args,
                           llvm::ArrayRef<Loc> argLocs, Loc callLoc,
                           llvm::StringRef prefix) {
    for (const Frame &f : frames)
      if (f.block == &block) {
        mlir::emitError(callLoc) << "block '" << block.name
                                 << "' calls itself; blocks cannot be "
                                    "recursive";
        return failure();
      }
    std::string fullPrefix = frames.empty() ? "" : frames.back().prefix;
    if (!prefix.empty())
      fullPrefix =
          fullPrefix.empty() ? prefix.str() : fullPrefix + "." + prefix.str();
    frames.push_back(Frame{&block, fullPrefix, paramsOf(block), {}, {}});
    frames.back().scopes.emplace_back();
    llvm::scope_exit popFrame([&] { frames.pop_back(); });

    for (size_t i = 0; i < block.args.size(); ++i) {
      const BlockArg &arg = block.args[i];
      if (failed(matchType(args[i], arg.type, argLocs[i],
                           "argument '" + arg.name + "' of block '" +
                               block.name + "'")))
        return failure();
      frames.back().scopes.back()[arg.name] = args[i];
    }
    std::optional<Val> result;
    if (failed(execStmts(block.body, result)))
      return failure();
    const auto &ret = cast<ReturnStmt>(*block.body.back());
    if (failed(matchType(*result, block.result, ret.value->loc,
                         "the result of block '" + block.name + "'")))
      return failure();
    return *result;
  }

  LogicalResult checkBudget(Loc loc) {
    if (counter.count <= options.maxOps)
      return success();
    mlir::emitError(loc) << "the model is too large: more than "
                         << options.maxOps << " operations";
    return failure();
  }

  LogicalResult execStmts(const std::vector<StmtPtr> &stmts,
                          std::optional<Val> &result) {
    for (const StmtPtr &s : stmts) {
      if (failed(execStmt(*s, result)) || failed(checkBudget(s->loc)))
        return failure();
    }
    return success();
  }

  void bind(llvm::StringRef name, Val v) {
    frames.back().scopes.back()[name] = std::move(v);
  }

  LogicalResult execStmt(const Stmt &s, std::optional<Val> &result) {
    switch (s.kind) {
    case Stmt::Kind::Param:
      return success();
    case Stmt::Kind::Weight:
      return execWeight(cast<WeightStmt>(s));
    case Stmt::Kind::Let: {
      auto &l = cast<LetStmt>(s);
      FailureOr<Val> v = eval(*l.value);
      if (failed(v))
        return failure();
      if (l.names.size() == 1) {
        if (v->kind == Val::Kind::Tuple)
          return mlir::emitError(l.loc)
                 << "the value is " << describe(*v) << "; bind each with 'let "
                 << "a, b, ... = ...'";
        bind(l.names[0], std::move(*v));
        return success();
      }
      if (v->kind != Val::Kind::Tuple || v->elems.size() != l.names.size())
        return mlir::emitError(l.loc)
               << "'let' binds " << l.names.size() << " names, but the value "
               << "is " << describe(*v);
      for (size_t i = 0; i < l.names.size(); ++i)
        bind(l.names[i], v->elems[i]);
      return success();
    }
    case Stmt::Kind::Assign: {
      auto &a = cast<AssignStmt>(s);
      FailureOr<Val> v = eval(*a.value);
      if (failed(v))
        return failure();
      if (v->kind == Val::Kind::Tuple)
        return mlir::emitError(a.loc)
               << "cannot assign " << describe(*v) << " to one name";
      for (auto it = frames.back().scopes.rbegin();
           it != frames.back().scopes.rend(); ++it) {
        auto found = it->find(a.name);
        if (found != it->end()) {
          found->second = std::move(*v);
          return success();
        }
      }
      return mlir::emitError(a.loc) << "cannot assign to '" << a.name << "'";
    }
    case Stmt::Kind::For: {
      auto &f = cast<ForStmt>(s);
      FailureOr<int64_t> lo = evalInt(*f.lo, "the start of the loop range");
      if (failed(lo))
        return failure();
      FailureOr<int64_t> hi = evalInt(*f.hi, "the end of the loop range");
      if (failed(hi))
        return failure();
      if (*hi > *lo && (*hi - *lo > kMaxLoopTrips || *lo < -kMaxDimSize))
        return mlir::emitError(f.loc)
               << "the loop runs " << *lo << " .. " << *hi << ", more than "
               << kMaxLoopTrips << " times";
      for (int64_t i = *lo; i < *hi; ++i) {
        frames.back().scopes.emplace_back();
        bind(f.var, Val::makeInt(i));
        LogicalResult r = execStmts(f.body, result);
        frames.back().scopes.pop_back();
        if (failed(r))
          return failure();
      }
      return success();
    }
    case Stmt::Kind::Require: {
      auto &r = cast<RequireStmt>(s);
      FailureOr<bool> ok = evalBool(*r.cond, "the condition of 'require'");
      if (failed(ok))
        return failure();
      if (!*ok)
        return mlir::emitError(r.cond->loc)
               << "requirement failed: " << r.message;
      return success();
    }
    case Stmt::Kind::Return: {
      FailureOr<Val> v = eval(*cast<ReturnStmt>(s).value);
      if (failed(v))
        return failure();
      result = std::move(*v);
      return success();
    }
    }
    return success();
  }

  LogicalResult execWeight(const WeightStmt &w) {
    if (w.cond) {
      FailureOr<bool> present = evalBool(*w.cond, "the condition of a weight");
      if (failed(present))
        return failure();
      if (!*present) {
        bind(w.name, Val());
        return success();
      }
    }
    Val v;
    v.kind = Val::Kind::Weight;
    v.weight = &w;
    for (const ExprPtr &d : w.dims) {
      FailureOr<int64_t> size =
          evalSize(*d, "a size of weight '" + w.name + "'");
      if (failed(size))
        return failure();
      v.dims.push_back(Dim::fixed(*size));
    }
    FailureOr<std::string> name = interpolate(cast<StringExpr>(*w.hfName));
    if (failed(name))
      return failure();
    if (name->empty())
      return mlir::emitError(w.hfName->loc) << "a weight name cannot be empty";
    const std::string &prefix = frames.back().prefix;
    v.s = prefix.empty() ? *name : prefix + "." + *name;
    bind(w.name, std::move(v));
    return success();
  }

  /// The ssm.weight op of a weight, created on first use.
  FailureOr<Val> materialize(const Val &w) {
    auto it = weights.find(w.s);
    if (it != weights.end()) {
      if (it->second.dims != w.dims) {
        auto diag = mlir::emitError(w.weight->loc)
                    << "weight '" << w.s << "' has shape " << formatDims(w.dims)
                    << " here but " << formatDims(it->second.dims)
                    << " elsewhere";
        diag.attachNote(it->second.loc) << "other declaration here";
        return failure();
      }
      return Val::makeTensor(it->second.value, w.dims);
    }
    // Weights go to the top of the function, where every later use sees
    // them, in the order of first use.
    mlir::OpBuilder::InsertionGuard guard(b);
    mlir::Block *entry = b.getInsertionBlock();
    while (!llvm::isa<mlir::func::FuncOp>(entry->getParentOp()))
      entry = entry->getParentOp()->getBlock();
    b.setInsertionPoint(entry, weightInsertPoint(entry));
    auto op = mlir::ssm::WeightOp::create(
        b, w.weight->loc, ops.tensorType(w.dims, b.getF32Type()), w.s);
    lastWeight = op;
    weights[w.s] = WeightEntry{op, w.dims, w.weight->loc};
    return Val::makeTensor(op, w.dims);
  }

  mlir::Block::iterator weightInsertPoint(mlir::Block *entry) {
    if (lastWeight && lastWeight->getBlock() == entry)
      return std::next(mlir::Block::iterator(lastWeight));
    return entry->begin();
  }

  //===--------------------------------------------------------------------===//
  // Expressions
  //===--------------------------------------------------------------------===//

  FailureOr<Val> lookup(const NameExpr &e) override {
    Frame &f = frames.back();
    for (auto it = f.scopes.rbegin(); it != f.scopes.rend(); ++it) {
      auto found = it->find(e.name);
      if (found == it->end())
        continue;
      if (found->second.kind == Val::Kind::Weight)
        return materialize(found->second);
      return found->second;
    }
    if (f.params.count(e.name)) {
      auto v = hyper.values.find(e.name);
      if (v != hyper.values.end())
        return v->second;
      mlir::emitError(e.loc)
          << "hyper-parameter '" << e.name << "' has no value in this model";
      return failure();
    }
    if (const Def *d = program.lookup(e.name))
      return Val::makeDef(d);
    mlir::emitError(e.loc) << "unknown name '" << e.name << "'";
    return failure();
  }

  FailureOr<Val> call(const CallExpr &c) override {
    // Resolve the callee: a hyper-parameter naming a block or scan, a
    // definition, or a tensor builtin.
    const Def *callee = nullptr;
    Frame &f = frames.back();
    if (f.params.count(c.callee)) {
      NameExpr ref(c.loc, c.callee);
      FailureOr<Val> v = lookup(ref);
      if (failed(v))
        return failure();
      if (v->kind != Val::Kind::Def) {
        mlir::emitError(c.loc)
            << "cannot call '" << c.callee << "': it is " << describe(*v);
        return failure();
      }
      callee = v->def;
    } else {
      callee = program.lookup(c.callee);
    }
    FailureOr<std::vector<Val>> args = evalArgs(c);
    if (failed(args))
      return failure();
    std::vector<Loc> argLocs;
    for (const ExprPtr &a : c.args)
      argLocs.push_back(a->loc);
    if (!callee)
      return ops.call(c, *args);

    size_t arity = isa<BlockDef>(callee)  ? cast<BlockDef>(callee)->args.size()
                   : isa<ScanDef>(callee) ? cast<ScanDef>(callee)->inputs.size()
                                          : 0;
    if (isa<ModelDef>(callee) || args->size() != arity) {
      auto diag = mlir::emitError(c.loc) << "'" << c.callee << "' ";
      if (isa<ModelDef>(callee))
        diag << "is a model, not a block or a scan";
      else
        diag << "takes " << arity << " arguments, got " << args->size();
      diag.attachNote(callee->loc)
          << "'" << callee->name << "' is defined here";
      return failure();
    }
    if (auto *scan = dyn_cast<ScanDef>(callee)) {
      if (c.prefix) {
        mlir::emitError(c.prefix->loc)
            << "'at' is for blocks; '" << c.callee << "' is a scan";
        return failure();
      }
      FailureOr<ScanResult> r = buildScan(b, ops, *scan, *args, argLocs, c.loc);
      if (failed(r))
        return failure();
      return r->y;
    }
    std::string prefix;
    if (c.prefix) {
      FailureOr<std::string> p = interpolate(cast<StringExpr>(*c.prefix));
      if (failed(p))
        return failure();
      prefix = *p;
    }
    return callBlock(*cast<BlockDef>(callee), *args, argLocs, c.loc, prefix);
  }

  FailureOr<Val> tensorUnary(const UnaryExpr &e, const Val &x) override {
    return ops.negate(e, x);
  }
  FailureOr<Val> tensorBinary(const BinaryExpr &e, const Val &x,
                              const Val &y) override {
    return ops.arith(e, x, y);
  }

  mlir::MLIRContext &ctx;
  const Program &program;
  const GenOptions &options;
  mlir::OpBuilder b;
  OpCounter counter;
  TensorOps ops;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  HyperParams hyper;
  std::vector<Frame> frames;
  llvm::StringMap<WeightEntry> weights;
  mlir::Operation *lastWeight = nullptr;
};
} // namespace

mlir::OwningOpRef<mlir::ModuleOp>
mamba::frontend::mlirGen(mlir::MLIRContext &ctx, const Program &program,
                         const GenOptions &options) {
  loadFrontendDialects(ctx);
  return ModelGen(ctx, program, options).run();
}

//===- ExecutionPlan.cpp - from ssm IR to the runtime's plan --------------===//
//
// Symbolic shapes (polynomials in batch and seqlen), views for layout ops,
// and one kernel call per compute op; PlanLiveness.cpp then assigns the
// buffers.
//
//===----------------------------------------------------------------------===//

#include "Transforms/ExecutionPlan.h"
#include "Transforms/FunctionPlanner.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/TypeSwitch.h"

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <numeric>

using namespace mlir;
using namespace mlir::ssm;

namespace mlir::ssm::planner {

std::vector<Expr> stridesFor(const std::vector<Expr> &shape,
                             ArrayRef<int64_t> order) {
  std::vector<Expr> strides(shape.size());
  Expr stride(1);
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    strides[*it] = stride;
    stride = stride * shape[*it];
  }
  return strides;
}

Expr product(const std::vector<Expr> &shape) {
  Expr p(1);
  for (const Expr &d : shape)
    p = p * d;
  return p;
}

mp::Attr stringAttr(StringRef s) {
  mp::Attr a;
  a.isString = true;
  a.text = s.str();
  return a;
}

double shortestDecimal(float v) {
  char buf[32];
  for (int digits = 1; digits <= 9; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, static_cast<double>(v));
    if (std::strtof(buf, nullptr) == v)
      break;
  }
  return std::strtod(buf, nullptr);
}

mp::Attr numberAttr(double v) {
  mp::Attr a;
  a.number = v;
  return a;
}

std::vector<Expr> FunctionPlanner::staticShape(ShapedType type) {
  std::vector<Expr> shape;
  for (int64_t d : type.getShape())
    shape.push_back(Expr(d));
  return shape;
}

FailureOr<Tensor *> FunctionPlanner::lookup(Operation *op, Value v) {
  auto it = tensors_.find(v);
  if (it == tensors_.end() || it->second.empty) {
    op->emitOpError() << "cannot be planned: operand has no storage the "
                         "planner knows (produced by an op it skipped)";
    return failure();
  }
  return &it->second;
}

FailureOr<Expr> FunctionPlanner::index(Operation *op, Value v) {
  auto it = indices_.find(v);
  if (it == indices_.end()) {
    op->emitOpError() << "cannot be planned: a size is not a constant or "
                         "a tensor.dim of a planned tensor";
    return failure();
  }
  return it->second;
}

LogicalResult FunctionPlanner::use(Operation *op, StringRef name, Value v) {
  FailureOr<Tensor *> t = lookup(op, v);
  if (failed(t))
    return failure();
  useTensor(name, **t);
  return success();
}

void FunctionPlanner::useTensor(StringRef name, const Tensor &t) {
  fn_plan_.steps.back().args.emplace_back(name.str(), t.view);
  if (t.root >= 0)
    stepRoots_.back().push_back(t.root);
}

void FunctionPlanner::define(StringRef name, Value v, std::vector<Expr> shape,
                             ArrayRef<int64_t> order) {
  Tensor t;
  t.root = static_cast<int>(roots_.size());
  t.view.space = mp::Space::Buffer;
  t.view.index = t.root; // a root id until assignSlots()
  t.view.strides = stridesFor(shape, order);
  Root r;
  r.size = product(shape);
  r.def = r.lastUse = static_cast<int>(fn_plan_.steps.size()) - 1;
  t.view.shape = std::move(shape);
  roots_.push_back(r);
  fn_plan_.steps.back().args.emplace_back(name.str(), t.view);
  stepRoots_.back().push_back(t.root);
  tensors_[v] = std::move(t);
}

void FunctionPlanner::defineLike(StringRef name, Value v, const Tensor &like) {
  // Keep the operand's dimension order so elementwise chains stay in one
  // physical layout.
  SmallVector<int64_t> order(like.view.shape.size());
  std::iota(order.begin(), order.end(), 0);
  std::vector<Expr> strides = like.view.strides;
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    const Expr &sa = strides[a], &sb = strides[b];
    // Larger strides outside; symbolic strides count as larger.
    if (sa.isConstant() != sb.isConstant())
      return !sa.isConstant();
    return sa.isConstant() && sa.constant() > sb.constant();
  });
  define(name, v, like.view.shape, order);
}

LogicalResult FunctionPlanner::defineState(Operation *op, Value v,
                                           Value stateArg) {
  auto it = stateArgs_.find(stateArg);
  if (it == stateArgs_.end())
    return op->emitOpError() << "cannot be planned: its state must be a "
                                "state argument of the function (run "
                                "--ssm-specialize-decode)";
  if (failed(use(op, "state", stateArg)))
    return failure();
  alias(v, tensors_[stateArg]);
  return success();
}

LogicalResult FunctionPlanner::bindArguments() {
  if (fn_.getNumArguments() == 0)
    return fn_.emitOpError() << "expected the tokens as first argument";
  auto tokens = dyn_cast<RankedTensorType>(fn_.getArgument(0).getType());
  if (!tokens || tokens.getRank() != 2 ||
      !tokens.getElementType().isInteger(32))
    return fn_.emitOpError()
           << "expected the first argument to be the tokens, tensor<[batch, "
              "seqlen]xi32>";
  if (!tokens.isDynamicDim(0))
    return fn_.emitOpError() << "expected a dynamic batch size (the runtime "
                                "picks it), got "
                             << tokens.getDimSize(0);
  Expr seqlen = decode_ ? Expr(1) : Expr::seqlen();
  if (decode_ && tokens.getDimSize(1) != 1)
    return fn_.emitOpError() << "expected decode tokens [batch, 1]";
  if (!decode_ && !tokens.isDynamicDim(1))
    return fn_.emitOpError() << "expected a dynamic sequence length";
  Tensor tok;
  tok.view.space = mp::Space::Tokens;
  tok.view.shape = {Expr::batch(), seqlen};
  tok.view.strides = {seqlen, Expr(1)};
  tensors_[fn_.getArgument(0)] = tok;

  int64_t slot = 0;
  for (unsigned i = 1; i < fn_.getNumArguments(); ++i, ++slot) {
    auto kind = fn_.getArgAttrOfType<StringAttr>(i, "ssm.state");
    auto type = dyn_cast<RankedTensorType>(fn_.getArgument(i).getType());
    if (!kind || !type || !type.isDynamicDim(0) || type.getRank() < 2)
      return fn_.emitOpError()
             << "expected argument " << i
             << " to be a state [batch, ...] marked {ssm.state = ...}";
    mp::State state;
    state.kind = kind.getValue().str();
    for (int64_t d : type.getShape().drop_front()) {
      if (ShapedType::isDynamic(d))
        return fn_.emitOpError()
               << "expected argument " << i
               << " (a state) to have static sizes after the batch";
      state.shape.push_back(d);
    }
    if (decode_) {
      if (slot >= static_cast<int64_t>(plan_.states.size()) ||
          plan_.states[slot].kind != state.kind ||
          plan_.states[slot].shape != state.shape)
        return fn_.emitOpError()
               << "state argument " << i << " differs from @prefill's";
    } else {
      plan_.states.push_back(state);
    }
    Tensor t;
    t.view.space = mp::Space::State;
    t.view.index = slot;
    t.view.shape.push_back(Expr::batch());
    for (int64_t d : state.shape)
      t.view.shape.push_back(Expr(d));
    SmallVector<int64_t> order(t.view.shape.size());
    std::iota(order.begin(), order.end(), 0);
    t.view.strides = stridesFor(t.view.shape, order);
    tensors_[fn_.getArgument(i)] = t;
    stateArgs_[fn_.getArgument(i)] = slot;
  }
  if (decode_ && slot != static_cast<int64_t>(plan_.states.size()))
    return fn_.emitOpError() << "expected " << plan_.states.size()
                             << " states as in @prefill, got " << slot;
  return success();
}

LogicalResult FunctionPlanner::weightTransform(Operation *op, Value in,
                                               Value out, StringRef transform) {
  FailureOr<Tensor *> t = lookup(op, in);
  if (failed(t))
    return failure();
  const mp::View &v = (*t)->view;
  mp::Weight w = plan_.weights[v.index];
  w.transforms.push_back(transform.str());
  int64_t idx = -1;
  for (size_t i = 0; i < plan_.weights.size(); ++i)
    if (plan_.weights[i].name == w.name &&
        plan_.weights[i].transforms == w.transforms)
      idx = static_cast<int64_t>(i);
  if (idx < 0) {
    idx = static_cast<int64_t>(plan_.weights.size());
    plan_.weights.push_back(w);
  }
  Tensor r = **t;
  r.view.index = idx;
  tensors_[out] = r;
  return success();
}

LogicalResult FunctionPlanner::elementwise(Operation *op, StringRef kernel) {
  newStep(op, kernel);
  static const char *names[] = {"a", "b", "c"};
  for (unsigned i = 0; i < op->getNumOperands(); ++i)
    if (failed(use(op, op->getNumOperands() == 1 ? "x" : names[i],
                   op->getOperand(i))))
      return failure();
  defineLike("out", op->getResult(0), tensors_[op->getOperand(0)]);
  return success();
}

mp::Step &FunctionPlanner::newLibraryStep(Operation *op, StringRef stateIn) {
  mp::Step &s = newStep(op, "halide");
  s.attrs["kernel_index"] =
      numberAttr(static_cast<double>(libraryOps_->size()));
  // The kernel reads this state argument while writing its update into the
  // same slot: the runtime passes it a copy.
  s.attrs["state_in"] = stringAttr(stateIn);
  libraryOps_->push_back(op);
  return s;
}

LogicalResult FunctionPlanner::libraryConv(CausalConv1dOp conv) {
  // The activation too, so that an executor without the library (the GPU
  // one) can run the step with its own convolution.
  newLibraryStep(conv, "conv_state").attrs["activation"] =
      stringAttr(stringifyActivation(conv.getActivation()));
  // The Halide kernel's order: x, weight, bias, conv_state; out, the update.
  if (failed(use(conv, "x", conv.getInput())) ||
      failed(use(conv, "weight", conv.getWeight())) ||
      (conv.getBias() && failed(use(conv, "bias", conv.getBias()))) ||
      failed(use(conv, "conv_state", conv.getInitialState())))
    return failure();
  auto it = stateArgs_.find(conv.getInitialState());
  if (it == stateArgs_.end())
    return conv.emitOpError() << "cannot be planned: its state must be a "
                                 "state argument of the function";
  const Tensor state = tensors_[conv.getInitialState()];
  define("out", conv.getResult(), tensors_[conv.getInput()].view.shape,
         {0, 2, 1});
  fn_plan_.steps.back().args.emplace_back("conv_state_out", state.view);
  tensors_[conv.getFinalState()] = state;
  return success();
}

LogicalResult FunctionPlanner::genericScan(ScanOp scan) {
  if (!libraryOps_)
    return scan.emitOpError() << "cannot be planned here: a generic scan "
                                 "runs as a compiled Halide kernel (use "
                                 "mamba-compile --emit=plan or --emit=package)";
  if (!scan.getInit())
    return scan.emitOpError() << "cannot be planned without a state (run "
                                 "--ssm-specialize-decode)";
  newLibraryStep(scan, "init").cudaScan = cudaScanDesc(scan);
  // Arguments in the kernel's order: the inputs, init, then y and the final
  // state (the state slot again: the runtime updates it in place).
  std::vector<Expr> extent(scan.getStateRank() + 1);
  std::vector<bool> known(extent.size(), false);
  for (auto [i, input] : llvm::enumerate(scan.getInputs())) {
    if (failed(use(scan, "input" + std::to_string(i), input)))
      return failure();
    AffineMap map = scan.getInputMap(i);
    for (unsigned k = 0; k < map.getNumResults(); ++k)
      if (auto d = dyn_cast<AffineDimExpr>(map.getResult(k));
          d && !known[d.getPosition()]) {
        extent[d.getPosition()] = tensors_[input].view.shape[k];
        known[d.getPosition()] = true;
      }
  }
  auto stateIt = stateArgs_.find(scan.getInit());
  if (stateIt == stateArgs_.end())
    return scan.emitOpError() << "cannot be planned: its init must be a "
                                 "state argument of the function";
  if (failed(use(scan, "init", scan.getInit())))
    return failure();
  // A copy: define() below inserts into tensors_, which may move entries.
  const Tensor state = tensors_[scan.getInit()];
  for (unsigned d = 0; d < scan.getStateRank(); ++d)
    if (!known[d]) {
      extent[d] = state.view.shape[d];
      known[d] = true;
    }
  // y keeps the scan's channel dim (the last state dim it has) innermost:
  // the kernel vectorizes along it.
  AffineMap outMap = scan.getOutputMap();
  std::vector<Expr> shape;
  int channel = -1;
  for (unsigned k = 0; k < outMap.getNumResults(); ++k) {
    auto d = dyn_cast<AffineDimExpr>(outMap.getResult(k));
    if (!d || !known[d.getPosition()])
      return scan.emitOpError() << "cannot be planned: y's dimension " << k
                                << " is not an iteration dimension";
    shape.push_back(extent[d.getPosition()]);
    if (d.getPosition() < scan.getStateRank())
      channel = static_cast<int>(k);
  }
  SmallVector<int64_t> order;
  for (int k = 0; k < static_cast<int>(shape.size()); ++k)
    if (k != channel)
      order.push_back(k);
  if (channel >= 0)
    order.push_back(channel);
  define("y", scan.getY(), shape, order);
  fn_plan_.steps.back().args.emplace_back("final_state", state.view);
  tensors_[scan.getFinalState()] = state;
  return success();
}

LogicalResult FunctionPlanner::planOp(Operation *op) {
  auto isWeight = [&](Value v) {
    auto it = tensors_.find(v);
    return it != tensors_.end() && !it->second.empty &&
           it->second.view.space == mp::Space::Weight;
  };
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](WeightOp w) -> LogicalResult {
        auto type = cast<RankedTensorType>(w.getType());
        if (!type.hasStaticShape() || !type.getElementType().isF32())
          return w.emitOpError() << "cannot be planned: weights must have a "
                                    "static shape and f32 type";
        mp::Weight weight;
        weight.name = w.getName().str();
        weight.shape.assign(type.getShape().begin(), type.getShape().end());
        int64_t idx = -1;
        for (size_t i = 0; i < plan_.weights.size(); ++i)
          if (plan_.weights[i].name == weight.name &&
              plan_.weights[i].transforms.empty())
            idx = static_cast<int64_t>(i);
        if (idx < 0) {
          idx = static_cast<int64_t>(plan_.weights.size());
          plan_.weights.push_back(weight);
        }
        Tensor t;
        t.view.space = mp::Space::Weight;
        t.view.index = idx;
        t.view.shape = staticShape(type);
        SmallVector<int64_t> order(type.getRank());
        std::iota(order.begin(), order.end(), 0);
        t.view.strides = stridesFor(t.view.shape, order);
        tensors_[w.getResult()] = t;
        return success();
      })
      .Case([&](arith::ConstantOp c) -> LogicalResult {
        if (auto i = dyn_cast<IntegerAttr>(c.getValue());
            i && c.getType().isIndex()) {
          indices_[c.getResult()] = Expr(i.getInt());
          return success();
        }
        // Other constants are fine as long as nothing planned reads them.
        return success();
      })
      .Case([&](tensor::DimOp d) -> LogicalResult {
        FailureOr<Tensor *> t = lookup(op, d.getSource());
        std::optional<int64_t> i = d.getConstantIndex();
        if (failed(t) || !i || *i >= (int64_t)(*t)->view.shape.size())
          return d.emitOpError() << "cannot be planned: needs a constant "
                                    "dimension of a planned tensor";
        indices_[d.getResult()] = (*t)->view.shape[*i];
        return success();
      })
      .Case([&](tensor::EmptyOp e) -> LogicalResult {
        Tensor t;
        t.empty = true;
        tensors_[e.getResult()] = t;
        return success();
      })
      .Case([&](tensor::CastOp c) -> LogicalResult {
        FailureOr<Tensor *> t = lookup(op, c.getSource());
        if (failed(t))
          return failure();
        alias(c.getResult(), **t);
        return success();
      })
      .Case([&](linalg::TransposeOp t) -> LogicalResult {
        FailureOr<Tensor *> in = lookup(op, t.getInput());
        if (failed(in))
          return failure();
        Tensor r = **in;
        ArrayRef<int64_t> perm = t.getPermutation();
        for (size_t i = 0; i < perm.size(); ++i) {
          r.view.shape[i] = (*in)->view.shape[perm[i]];
          r.view.strides[i] = (*in)->view.strides[perm[i]];
        }
        tensors_[t.getResult()[0]] = r;
        return success();
      })
      .Case([&](tensor::ExtractSliceOp s) -> LogicalResult {
        FailureOr<Tensor *> in = lookup(op, s.getSource());
        if (failed(in))
          return failure();
        Tensor r = **in;
        SmallVector<OpFoldResult> offsets = s.getMixedOffsets(),
                                  sizes = s.getMixedSizes(),
                                  steps = s.getMixedStrides();
        auto value = [&](OpFoldResult f) -> FailureOr<Expr> {
          if (auto a = dyn_cast<Attribute>(f))
            return Expr(cast<IntegerAttr>(a).getInt());
          return index(op, cast<Value>(f));
        };
        llvm::SmallBitVector dropped = s.getDroppedDims();
        r.view.shape.clear();
        r.view.strides.clear();
        for (size_t i = 0; i < offsets.size(); ++i) {
          FailureOr<Expr> off = value(offsets[i]), size = value(sizes[i]),
                          step = value(steps[i]);
          if (failed(off) || failed(size) || failed(step))
            return failure();
          const Expr &stride = (*in)->view.strides[i];
          r.view.offset = r.view.offset + *off * stride;
          if (dropped.test(i))
            continue;
          r.view.shape.push_back(*size);
          r.view.strides.push_back(stride * *step);
        }
        tensors_[s.getResult()] = r;
        return success();
      })
      .Case([&](tensor::CollapseShapeOp c) { return collapseShape(c); })
      .Case([&](tensor::ExpandShapeOp e) { return expandShape(e); })
      .Case([&](math::ExpOp e) -> LogicalResult {
        if (isWeight(e.getOperand()))
          return weightTransform(op, e.getOperand(), e.getResult(), "exp");
        return elementwise(op, "exp");
      })
      .Case([&](arith::NegFOp n) -> LogicalResult {
        if (isWeight(n.getOperand()))
          return weightTransform(op, n.getOperand(), n.getResult(), "neg");
        return elementwise(op, "neg");
      })
      .Case([&](arith::AddFOp) { return elementwise(op, "add"); })
      .Case([&](arith::SubFOp) { return elementwise(op, "sub"); })
      .Case([&](arith::MulFOp) { return elementwise(op, "mul"); })
      .Case([&](SoftplusOp) { return elementwise(op, "softplus"); })
      .Case([&](SiluOp) { return elementwise(op, "silu"); })
      .Case([&](GateOp g) -> LogicalResult {
        if (g.getZ())
          return elementwise(op, "gate");
        FailureOr<Tensor *> in = lookup(op, g.getInput());
        if (failed(in))
          return failure();
        alias(g.getResult(), **in);
        return success();
      })
      .Case([&](EmbeddingOp e) -> LogicalResult {
        newStep(op, "embedding");
        if (failed(use(op, "tokens", e.getIds())) ||
            failed(use(op, "table", e.getTable())))
          return failure();
        std::vector<Expr> shape = tensors_[e.getIds()].view.shape;
        shape.push_back(tensors_[e.getTable()].view.shape[1]);
        define("out", e.getResult(), shape, {0, 1, 2});
        return success();
      })
      .Case([&](RMSNormOp n) -> LogicalResult {
        mp::Step &s = newStep(op, "rmsnorm");
        s.attrs["eps"] =
            numberAttr(shortestDecimal(n.getEps().convertToFloat()));
        if (std::optional<int64_t> g = n.getGroupSize())
          s.attrs["group_size"] = numberAttr(static_cast<double>(*g));
        if (failed(use(op, "x", n.getInput())) ||
            failed(use(op, "weight", n.getWeight())))
          return failure();
        defineLike("out", n.getResult(), tensors_[n.getInput()]);
        return success();
      })
      .Case([&](LinearOp l) -> LogicalResult {
        newStep(op, "linear");
        if (failed(use(op, "x", l.getInput())) ||
            failed(use(op, "weight", l.getWeight())) ||
            (l.getBias() && failed(use(op, "bias", l.getBias()))))
          return failure();
        std::vector<Expr> shape = tensors_[l.getInput()].view.shape;
        shape.back() = tensors_[l.getWeight()].view.shape[0];
        SmallVector<int64_t> order(shape.size());
        std::iota(order.begin(), order.end(), 0);
        define("out", l.getResult(), shape, order);
        return success();
      })
      .Case([&](CausalConv1dOp c) -> LogicalResult {
        if (libraryConv_ && !decode_ && c.getInitialState())
          return libraryConv(c);
        mp::Step &s = newStep(op, "causal_conv1d");
        s.attrs["activation"] =
            stringAttr(stringifyActivation(c.getActivation()));
        if (!c.getInitialState())
          return c.emitOpError() << "cannot be planned without a state (run "
                                    "--ssm-specialize-decode)";
        if (failed(use(op, "x", c.getInput())) ||
            failed(use(op, "weight", c.getWeight())) ||
            (c.getBias() && failed(use(op, "bias", c.getBias()))) ||
            failed(defineState(op, c.getFinalState(), c.getInitialState())))
          return failure();
        // Channel-major in the IR, token-major in memory: the projections
        // around it then read and write whole rows.
        define("out", c.getResult(), tensors_[c.getInput()].view.shape,
               {0, 2, 1});
        return success();
      })
      .Case([&](SelectiveScanOp sc) -> LogicalResult {
        mp::Step &s = newStep(op, "selective_scan");
        s.attrs["delta_softplus"] = numberAttr(sc.getDeltaSoftplus() ? 1 : 0);
        s.attrs["b_rule"] = stringAttr(stringifyBRule(sc.getBRule()));
        if (!sc.getInitialState())
          return sc.emitOpError() << "cannot be planned without a state (run "
                                     "--ssm-specialize-decode)";
        if (failed(use(op, "u", sc.getU())) ||
            failed(use(op, "delta", sc.getDelta())) ||
            failed(use(op, "A", sc.getA())) ||
            failed(use(op, "B", sc.getB())) ||
            failed(use(op, "C", sc.getC())) ||
            (sc.getD() && failed(use(op, "D", sc.getD()))) ||
            (sc.getZ() && failed(use(op, "z", sc.getZ()))) ||
            (sc.getDeltaBias() &&
             failed(use(op, "delta_bias", sc.getDeltaBias()))) ||
            failed(defineState(op, sc.getFinalState(), sc.getInitialState())))
          return failure();
        define("y", sc.getY(), tensors_[sc.getU()].view.shape, {0, 2, 1});
        return success();
      })
      .Case([&](ScanOp scan) { return genericScan(scan); })
      .Case([&](linalg::GenericOp g) { return broadcastElementwise(g); })
      .Case([&](SkipOp skip) -> LogicalResult {
        newStep(op, "skip");
        if (failed(use(op, "y", skip.getY())) ||
            failed(use(op, "u", skip.getU())) ||
            failed(use(op, "D", skip.getD())))
          return failure();
        defineLike("out", skip.getResult(), tensors_[skip.getY()]);
        return success();
      })
      .Case([&](func::ReturnOp ret) { return planReturn(ret); })
      .Default([&](Operation *other) -> LogicalResult {
        return other->emitOpError()
               << "cannot be planned: no CPU runtime kernel implements it";
      });
}

LogicalResult FunctionPlanner::planReturn(func::ReturnOp ret) {
  if (ret.getNumOperands() != 1 + plan_.states.size())
    return ret.emitOpError()
           << "expected the logits and " << plan_.states.size() << " states";
  FailureOr<Tensor *> logits = lookup(ret, ret.getOperand(0));
  if (failed(logits))
    return failure();
  if ((*logits)->view.shape.size() != 3)
    return ret.emitOpError() << "expected logits [batch, seqlen, vocab]";
  fn_plan_.logits = (*logits)->view;
  if ((*logits)->root >= 0)
    roots_[(*logits)->root].lastUse = INT_MAX;
  const Expr &vocab = (*logits)->view.shape[2];
  if (!vocab.isConstant())
    return ret.emitOpError() << "expected a static vocabulary size";
  if (plan_.vocabSize && plan_.vocabSize != vocab.constant())
    return ret.emitOpError() << "vocabulary differs from @prefill's";
  plan_.vocabSize = vocab.constant();
  for (unsigned i = 1; i < ret.getNumOperands(); ++i) {
    auto it = tensors_.find(ret.getOperand(i));
    if (it == tensors_.end() || it->second.view.space != mp::Space::State ||
        it->second.view.index != static_cast<int64_t>(i - 1))
      return ret.emitOpError()
             << "expected result " << i << " to be the update of state "
             << i - 1 << " (the final state of the op reading it)";
  }
  return success();
}

LogicalResult FunctionPlanner::run() {
  fn_plan_.name = fn_.getSymName().str();
  if (failed(bindArguments()))
    return failure();
  for (Operation &op : fn_.getBody().front())
    if (failed(planOp(&op)))
      return failure();
  assignSlots();
  plan_.functions.push_back(std::move(fn_plan_));
  return success();
}
} // namespace mlir::ssm::planner

using namespace mlir::ssm::planner;

FailureOr<mp::Plan>
mlir::ssm::buildExecutionPlan(ModuleOp module, StringRef modelName,
                              std::vector<Operation *> *libraryOps,
                              bool libraryPrefillConv) {
  mp::Plan plan;
  plan.modelName = modelName.str();
  std::vector<Expr> slots;
  for (auto [name, decode] :
       {std::pair<StringRef, bool>{"prefill", false}, {"decode_step", true}}) {
    auto fn = module.lookupSymbol<func::FuncOp>(name);
    if (!fn || fn.isExternal()) {
      module.emitError() << "no function @" << name
                         << " to plan (run --ssm-specialize-decode first)";
      return failure();
    }
    if (fn.getBody().getBlocks().size() != 1)
      return fn.emitOpError() << "expected a single block";
    if (failed(FunctionPlanner(plan, slots, fn, decode, libraryOps,
                               libraryPrefillConv)
                   .run()))
      return failure();
  }
  for (const Expr &size : slots)
    plan.buffers.push_back({size});
  pruneUnusedWeights(plan);
  return plan;
}

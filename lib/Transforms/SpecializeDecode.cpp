//===- SpecializeDecode.cpp - stateful prefill and one-token decode -------===//
//
// The --ssm-specialize-decode pass: clones the model function into @prefill
// and @decode_step, whose recurrent states (conv windows, scan states) are
// explicit arguments and results, so the runtime can chunk prompts and
// decode token by token.
//
//===----------------------------------------------------------------------===//

#include "Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "ssm/IR/SSMOps.h"

namespace mlir::ssm {
#define GEN_PASS_DEF_SSMSPECIALIZEDECODE
#include "Transforms/Passes.h.inc"
} // namespace mlir::ssm

using namespace mlir;
using namespace mlir::ssm;

namespace {
/// One recurrent op whose state becomes an argument/result pair.
struct StateSlot {
  Operation *op;
  RankedTensorType type;
  StringRef kind; // "conv" or "ssm"
};

/// The conv window [batch, channels, width] of `conv`, or null with a
/// diagnostic when channels or width are not static.
RankedTensorType convStateType(CausalConv1dOp conv) {
  auto input = cast<RankedTensorType>(conv.getInput().getType());
  int64_t width = conv.getWeight().getType().getDimSize(1);
  if (input.isDynamicDim(1) || ShapedType::isDynamic(width)) {
    conv.emitOpError() << "cannot carry a conv state: the channel count and "
                          "kernel width must be static";
    return nullptr;
  }
  return RankedTensorType::get(
      {input.getDimSize(0), input.getDimSize(1), width},
      input.getElementType());
}

/// Makes every state of `fn` explicit (see the pass description).
LogicalResult threadStates(func::FuncOp fn) {
  SmallVector<StateSlot> slots;
  WalkResult walk = fn.walk([&](Operation *op) {
    if (auto conv = dyn_cast<CausalConv1dOp>(op)) {
      if (conv.getInitialState())
        return WalkResult::advance();
      RankedTensorType type = convStateType(conv);
      if (!type)
        return WalkResult::interrupt();
      slots.push_back({op, type, "conv"});
    } else if (auto scan = dyn_cast<SelectiveScanOp>(op)) {
      if (!scan.getInitialState())
        slots.push_back({op,
                         cast<RankedTensorType>(scan.getFinalState().getType()),
                         "ssm"});
    } else if (auto scan = dyn_cast<ScanOp>(op)) {
      if (!scan.getInit())
        slots.push_back({op,
                         cast<RankedTensorType>(scan.getFinalState().getType()),
                         "ssm"});
    }
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();

  Block &entry = fn.getBody().front();
  auto ret = cast<func::ReturnOp>(entry.getTerminator());
  MLIRContext *ctx = fn.getContext();
  OpBuilder b(ctx);
  for (const StateSlot &slot : slots) {
    auto attrs = DictionaryAttr::get(
        ctx, {b.getNamedAttr("ssm.state", b.getStringAttr(slot.kind))});
    unsigned argIndex = fn.getNumArguments();
    if (failed(
            fn.insertArgument(argIndex, slot.type, attrs, slot.op->getLoc())))
      return failure();
    Value state = fn.getArgument(argIndex);
    Value next;
    if (auto conv = dyn_cast<CausalConv1dOp>(slot.op)) {
      b.setInsertionPoint(conv);
      auto stateful =
          CausalConv1dOp::create(b, conv.getLoc(), conv.getResult().getType(),
                                 slot.type, conv.getInput(), conv.getWeight(),
                                 conv.getBias(), state, conv.getActivation());
      conv.getResult().replaceAllUsesWith(stateful.getResult());
      conv.erase();
      next = stateful.getFinalState();
    } else if (auto scan = dyn_cast<SelectiveScanOp>(slot.op)) {
      scan.getInitialStateMutable().assign(state);
      next = scan.getFinalState();
    } else {
      auto generic = cast<ScanOp>(slot.op);
      generic.getInitMutable().assign(state);
      next = generic.getFinalState();
    }
    unsigned resultIndex = fn.getNumResults();
    if (failed(fn.insertResult(resultIndex, slot.type, attrs)))
      return failure();
    ret.getOperandsMutable().append(next);
  }
  return success();
}

/// Fixes the sequence length of `fn`'s token argument (its first) to 1; the
/// body keeps its dynamic types behind a cast, which canonicalization can
/// fold away where an op's shape follows from its operands.
LogicalResult fixSeqlenToOne(func::FuncOp fn) {
  auto tokens = dyn_cast<RankedTensorType>(fn.getArgument(0).getType());
  if (!tokens || tokens.getRank() != 2)
    return fn.emitOpError()
           << "expected the first argument to be the tokens [batch, seqlen]";
  if (!tokens.isDynamicDim(1) && tokens.getDimSize(1) != 1)
    return fn.emitOpError() << "cannot specialize a fixed seqlen of "
                            << tokens.getDimSize(1) << " to 1";
  auto step =
      RankedTensorType::get({tokens.getDimSize(0), 1}, tokens.getElementType());
  BlockArgument arg = fn.getArgument(0);
  arg.setType(step);
  OpBuilder b = OpBuilder::atBlockBegin(&fn.getBody().front());
  auto cast = tensor::CastOp::create(b, fn.getLoc(), tokens, arg);
  arg.replaceAllUsesExcept(cast.getResult(), cast);
  SmallVector<Type> inputs(fn.getArgumentTypes());
  inputs[0] = step;
  fn.setFunctionType(
      FunctionType::get(fn.getContext(), inputs, fn.getResultTypes()));
  return success();
}

struct SpecializeDecodePass
    : mlir::ssm::impl::SSMSpecializeDecodeBase<SpecializeDecodePass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto model = module.lookupSymbol<func::FuncOp>(function);
    if (!model || model.isExternal()) {
      module.emitError() << "no function @" << function
                         << " with a body to specialize";
      return signalPassFailure();
    }
    for (StringRef name : {"prefill", "decode_step"})
      if (module.lookupSymbol(name)) {
        module.emitError() << "the module already has a symbol @" << name;
        return signalPassFailure();
      }
    OpBuilder b(model);
    b.setInsertionPointAfter(model);
    auto prefill = cast<func::FuncOp>(b.clone(*model));
    prefill.setSymName("prefill");
    b.setInsertionPointAfter(prefill);
    auto decode = cast<func::FuncOp>(b.clone(*model));
    decode.setSymName("decode_step");
    if (failed(threadStates(prefill)) || failed(threadStates(decode)) ||
        failed(fixSeqlenToOne(decode)))
      return signalPassFailure();
  }
};
} // namespace

//===- SSMToCUDA.cpp - print CUDA C for the fused ssm ops -----------------===//
//
// The --ssm-to-cuda pass: maps each kernel-level ssm op, and the generic
// ssm.scan, to a kernel description of the CUDA emitter (the one the CUDA
// runtime uses, so what the lit tests check is what runs) and writes the
// module's CUDA C.
//
//===----------------------------------------------------------------------===//

#include "Conversion/KernelName.h"
#include "Conversion/Passes.h"
#include "ScanDescFromOp.h"

#include "mamba/codegen/cuda_emitter.h"
#include "mamba/codegen/generic_scan.h"
#include "mlir/Support/FileUtilities.h"
#include "ssm/IR/SSMOps.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/ToolOutputFile.h"

#include <optional>

namespace mlir::ssm {
#define GEN_PASS_DEF_SSMTOCUDA
#include "Conversion/Passes.h.inc"
} // namespace mlir::ssm

using namespace mlir;
using namespace mlir::ssm;
namespace cg = mamba::codegen::cuda;

namespace {

/// The kernels read parameters (A, D, biases, conv weights, the state) as
/// f32; anything else would need a conversion kernel first.
LogicalResult requireF32(Operation *op, StringRef name, Value v) {
  if (!v || cast<ShapedType>(v.getType()).getElementType().isF32())
    return success();
  return op->emitOpError() << "cannot be lowered to CUDA: the kernel reads '"
                           << name << "' as f32, got "
                           << cast<ShapedType>(v.getType()).getElementType();
}

LogicalResult requireStatic(Operation *op, StringRef what, int64_t size) {
  if (!ShapedType::isDynamic(size))
    return success();
  return op->emitOpError() << "cannot be lowered to CUDA: " << what
                           << " must be static (it is compiled into the "
                              "kernel)";
}

struct SSMToCUDAPass : mlir::ssm::impl::SSMToCUDABase<SSMToCUDAPass> {
  using SSMToCUDABase::SSMToCUDABase;

  cg::Schedule schedule() const {
    cg::Schedule s;
    s.threadsPerBlock = threadsPerBlock;
    s.itemsPerThread = itemsPerThread;
    s.chunkLen = chunkLen;
    s.minBlocksPerSM = minBlocksPerSM;
    s.prefetch = prefetch;
    return s;
  }

  /// A unique kernel name: the op name and its position in the module.
  std::string kernelName(Operation *op) { return kernelNameOf(op, counter++); }

  /// Adds the emitted kernel, or reports the emitter's error on `op`.
  LogicalResult add(Operation *op, const cg::Emitted &emitted) {
    if (!emitted.ok())
      return op->emitOpError()
             << "cannot be lowered to CUDA: " << emitted.error;
    kernels.push_back(emitted.source);
    return success();
  }

  LogicalResult lower(SelectiveScanOp op) {
    cg::SelectiveScanDesc d;
    d.name = kernelName(op);
    d.uType = *cudaElemType(op.getU().getType());
    d.deltaType = *cudaElemType(op.getDelta().getType());
    d.bcType = *cudaElemType(op.getB().getType());
    d.yType = *cudaElemType(op.getY().getType());
    d.zType = op.getZ() ? *cudaElemType(op.getZ().getType()) : d.uType;
    if (failed(requireStatic(op, "d_state", op.getA().getType().getDimSize(1))))
      return failure();
    d.dState = static_cast<int>(op.getA().getType().getDimSize(1));
    d.deltaSoftplus = op.getDeltaSoftplus();
    d.hasDeltaBias = static_cast<bool>(op.getDeltaBias());
    d.hasD = static_cast<bool>(op.getD());
    d.hasZ = static_cast<bool>(op.getZ());
    d.hasInitialState = static_cast<bool>(op.getInitialState());
    d.zohB = op.getBRule() == BRule::zoh;
    d.layout = cg::Layout::ChannelMajor;
    d.schedule = schedule();
    for (auto [name, v] : {std::pair<StringRef, Value>{"A", op.getA()},
                           {"D", op.getD()},
                           {"delta_bias", op.getDeltaBias()},
                           {"initial_state", op.getInitialState()},
                           {"final_state", op.getFinalState()}})
      if (failed(requireF32(op, name, v)))
        return failure();
    return add(op, cg::emitSelectiveScan(d));
  }

  LogicalResult lower(CausalConv1dOp op) {
    cg::CausalConv1dDesc d;
    d.name = kernelName(op);
    d.xType = *cudaElemType(op.getInput().getType());
    d.outType = *cudaElemType(op.getResult().getType());
    int64_t width = op.getWeight().getType().getDimSize(1);
    if (failed(requireStatic(op, "the kernel width", width)) ||
        failed(requireF32(op, "weight", op.getWeight())) ||
        failed(requireF32(op, "bias", op.getBias())) ||
        failed(requireF32(op, "state", op.getInitialState())))
      return failure();
    d.width = static_cast<int>(width);
    d.hasBias = static_cast<bool>(op.getBias());
    d.silu = op.getActivation() == Activation::silu;
    d.hasState = static_cast<bool>(op.getInitialState());
    d.layout = cg::Layout::ChannelMajor;
    d.schedule = schedule();
    return add(op, cg::emitCausalConv1d(d));
  }

  LogicalResult lower(RMSNormOp op) {
    if (op.getGroupSize())
      return op.emitOpError()
             << "cannot be lowered to CUDA: the rmsnorm kernel normalizes "
                "whole rows, not groups of 'group_size' elements (plans run "
                "grouped norms)";
    cg::RmsNormDesc d;
    d.name = kernelName(op);
    d.hiddenType = d.residualType = *cudaElemType(op.getInput().getType());
    d.weightType = *cudaElemType(op.getWeight().getType());
    d.outType = *cudaElemType(op.getResult().getType());
    d.schedule = schedule();
    return add(op, cg::emitRmsNorm(d));
  }

  LogicalResult lower(GateOp op) {
    if (!op.getZ())
      return success(); // the identity: nothing to run
    cg::GateDesc d;
    d.name = kernelName(op);
    d.yType = *cudaElemType(op.getInput().getType());
    d.zType = *cudaElemType(op.getZ().getType());
    d.outType = *cudaElemType(op.getResult().getType());
    d.schedule = schedule();
    return add(op, cg::emitGate(d));
  }

  LogicalResult lower(EmbeddingOp op) {
    if (!op.getIds().getType().getElementType().isInteger(32))
      return op.emitOpError()
             << "cannot be lowered to CUDA: the kernel reads i32 token ids, "
                "got "
             << op.getIds().getType().getElementType();
    cg::EmbeddingDesc d;
    d.name = kernelName(op);
    d.tableType = *cudaElemType(op.getTable().getType());
    d.outType = *cudaElemType(op.getResult().getType());
    d.schedule = schedule();
    return add(op, cg::emitEmbedding(d));
  }

  LogicalResult lower(LinearOp op) {
    if (!op.getBias())
      return success(); // the product itself runs on cuBLAS
    cg::BiasAddDesc d;
    d.name = kernelName(op);
    d.yType = *cudaElemType(op.getResult().getType());
    d.biasType = *cudaElemType(op.getBias().getType());
    d.schedule = schedule();
    return add(op, cg::emitBiasAdd(d));
  }

  LogicalResult lower(ScanOp op) {
    FailureOr<cg::GenericScanDesc> d =
        genericScanDescFromOp(op, kernelName(op));
    if (failed(d))
      return failure();
    // Lane groups sized for the slots summed into one element of y; the
    // kernel loops over groups of slots, so any size runs. 16 (Mamba's
    // d_state) stands in for a dynamic size.
    ArrayRef<int64_t> shape = op.getFinalState().getType().getShape();
    long long slots = 1;
    for (auto [dim, size] : llvm::enumerate(shape))
      if (!llvm::is_contained(d->outputDims, static_cast<int>(dim)))
        slots *= ShapedType::isDynamic(size) ? 16 : size;
    d->schedule = cg::defaultGenericScanSchedule(slots);
    d->schedule.threadsPerBlock = threadsPerBlock;
    return add(op, cg::emitGenericScan(*d));
  }

  /// Ops that are not kernels on their own: --ssm-optimize fuses them.
  LogicalResult notFused(Operation *op, StringRef into) {
    return op->emitOpError() << "has no CUDA kernel of its own; run "
                                "--ssm-optimize first to fuse it into "
                             << into;
  }

  void runOnOperation() override {
    WalkResult result = getOperation()->walk([&](Operation *op) {
      LogicalResult r =
          llvm::TypeSwitch<Operation *, LogicalResult>(op)
              .Case<SelectiveScanOp, CausalConv1dOp, RMSNormOp, GateOp,
                    EmbeddingOp, LinearOp, ScanOp>(
                  [&](auto o) { return lower(o); })
              .Case<SoftplusOp, DiscretizeOp, SkipOp>([&](Operation *o) {
                return notFused(o, "'ssm.selective_scan'");
              })
              .Case<SiluOp>([&](Operation *o) {
                return notFused(o, "'ssm.causal_conv1d' (activation = silu)");
              })
              .Default([](Operation *) { return success(); });
      return failed(r) ? WalkResult::interrupt() : WalkResult::advance();
    });
    if (result.wasInterrupted())
      return signalPassFailure();

    std::string errorMessage;
    auto file = openOutputFile(output, &errorMessage);
    if (!file) {
      getOperation()->emitError()
          << "cannot write the CUDA source: " << errorMessage;
      return signalPassFailure();
    }
    file->os() << cg::emitModule(kernels);
    file->keep();
  }

  int counter = 0;
  std::vector<std::string> kernels;
};
} // namespace

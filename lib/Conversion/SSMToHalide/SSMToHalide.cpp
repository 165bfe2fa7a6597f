//===- SSMToHalide.cpp - describe and compile the Halide CPU kernels ------===//
//
// The --ssm-to-halide pass: maps each op with a Halide CPU kernel to its
// description (KernelDescFromOp), prints the pipeline it becomes, and with
// `library` compiles them all into the kernel cache.
//
//===----------------------------------------------------------------------===//

#include "Conversion/KernelName.h"
#include "Conversion/Passes.h"

#include "mlir/Support/FileUtilities.h"
#include "ssm/IR/SSMOps.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/ToolOutputFile.h"

#ifdef MAMBA_HAS_HALIDE
#include "KernelDescFromOp.h"
#endif

namespace mlir::ssm {
#define GEN_PASS_DEF_SSMTOHALIDE
#include "Conversion/Passes.h.inc"
} // namespace mlir::ssm

using namespace mlir;
using namespace mlir::ssm;

namespace {
struct SSMToHalidePass : mlir::ssm::impl::SSMToHalideBase<SSMToHalidePass> {
  using SSMToHalideBase::SSMToHalideBase;

#ifdef MAMBA_HAS_HALIDE
  mamba::halide::HalideSchedule schedule() const {
    mamba::halide::HalideSchedule s;
    s.vectorWidth = vectorWidth;
    s.channelTile = channelTile;
    s.parallel = parallel;
    s.timeChunk = timeChunk;
    return s;
  }

  std::string kernelName(Operation *op) { return kernelNameOf(op, counter++); }

  LogicalResult notFused(Operation *op, StringRef into) {
    return op->emitOpError() << "has no Halide kernel of its own; run "
                                "--ssm-optimize first to fuse it into "
                             << into;
  }

  LogicalResult visit(Operation *op, raw_ostream &os) {
    if (isa<SoftplusOp, DiscretizeOp, SkipOp>(op))
      return notFused(op, "'ssm.selective_scan'");
    if (isa<SiluOp>(op))
      return notFused(op, "'ssm.causal_conv1d' (activation = silu)");
    if (!hasHalideKernel(op))
      return success();
    FailureOr<mamba::halide::KernelDesc> desc =
        kernelDescFromOp(op, kernelName(op), schedule());
    if (failed(desc))
      return failure();
    os << "// " << op->getName() << " -> halide pipeline '" << desc->name
       << "'\n//   " << mamba::halide::describeKernel(*desc) << "\n";
    if (loopNest) {
      auto nest = mamba::halide::kernelLoopNest(*desc);
      if (!nest.ok())
        return op->emitOpError()
               << "cannot be lowered to Halide: " << nest.error().message();
      StringRef text(*nest);
      SmallVector<StringRef> lines;
      text.rtrim().split(lines, '\n');
      for (StringRef line : lines)
        os << "//   | " << line << "\n";
    }
    descs.push_back(std::move(*desc));
    return success();
  }
#endif

  void runOnOperation() override {
#ifndef MAMBA_HAS_HALIDE
    getOperation()->emitError()
        << "--ssm-to-halide is unavailable: mamba-opt was built without "
           "Halide 14";
    return signalPassFailure();
#else
    std::string text;
    llvm::raw_string_ostream os(text);
    WalkResult result = getOperation()->walk([&](Operation *op) {
      return failed(visit(op, os)) ? WalkResult::interrupt()
                                   : WalkResult::advance();
    });
    if (result.wasInterrupted())
      return signalPassFailure();
    if (!library.empty()) {
      auto lib = mamba::halide::compileKernelLibrary(descs, library);
      if (!lib.ok()) {
        getOperation()->emitError()
            << "cannot compile the Halide kernel library: "
            << lib.error().message();
        return signalPassFailure();
      }
      os << "// library: " << lib->path << "\n// "
         << (lib->cacheHit ? "cache hit" : "compiled")
         << llvm::formatv(" in {0:f3} s\n", lib->seconds);
      for (const auto &k : lib->kernels)
        os << "// kernel " << k.symbol << "\n";
    }
    std::string errorMessage;
    auto file = openOutputFile(output, &errorMessage);
    if (!file) {
      getOperation()->emitError()
          << "cannot write the Halide descriptions: " << errorMessage;
      return signalPassFailure();
    }
    file->os() << text;
    file->keep();
#endif
  }

#ifdef MAMBA_HAS_HALIDE
  int counter = 0;
  std::vector<mamba::halide::KernelDesc> descs;
#endif
};
} // namespace

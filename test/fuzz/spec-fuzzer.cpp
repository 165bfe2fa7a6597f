//===- spec-fuzzer.cpp - libFuzzer target for the spec frontend -----------===//
//
// Runs lexer, parser, Sema and MLIRGen on each input (or the Hugging Face
// importer when the input is a JSON object). Any crash, leak or sanitizer
// report is a bug, and so is generated IR that does not verify.
//
//===----------------------------------------------------------------------===//

#include "Frontend/HFImport.h"
#include "Frontend/MLIRGen.h"
#include "Frontend/Sema.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <cstdint>

using namespace mamba::frontend;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  mlir::MLIRContext ctx(mlir::MLIRContext::Threading::DISABLED);
  // Diagnostics are the expected outcome of most inputs; render them (that
  // code runs too) into a sink.
  llvm::SourceMgr sourceMgr;
  std::string sink;
  llvm::raw_string_ostream sinkStream(sink);
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &ctx, sinkStream);

  Loader loader(&ctx, sourceMgr, {MAMBA_STD_DIR});
  Program program;
  if (text.ltrim().starts_with("{")) {
    auto buffer = llvm::MemoryBuffer::getMemBufferCopy(text, "config.json");
    llvm::StringRef copy = buffer->getBuffer();
    sourceMgr.AddNewSourceBuffer(std::move(buffer), llvm::SMLoc());
    std::unique_ptr<Module> module =
        importHFConfig(copy, "config.json", "fuzz", &ctx);
    if (!module ||
        failed(loader.loadMainModule(std::move(module), "", program)))
      return 0;
  } else {
    auto buffer = llvm::MemoryBuffer::getMemBufferCopy(text, "fuzz.ssm");
    if (failed(loader.loadMainBuffer(std::move(buffer), program)))
      return 0;
  }
  if (failed(checkProgram(program)))
    return 0;
  GenOptions options;
  // Small enough that one input runs in milliseconds.
  options.maxOps = 20000;
  options.crashOnInvalidIR = true;
  (void)mlirGen(ctx, program, options);
  return 0;
}

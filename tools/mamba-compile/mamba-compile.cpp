//===- mamba-compile.cpp - the model compiler driver ----------------------===//
//
// Reads a model spec (.ssm) or a Hugging Face model directory and prints
// its syntax tree or its ssm IR.
//
//===----------------------------------------------------------------------===//

#include "Frontend/AST.h"
#include "Frontend/HFImport.h"
#include "Frontend/MLIRGen.h"
#include "Frontend/Sema.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

#include <cctype>

using namespace mamba::frontend;
namespace cl = llvm::cl;

namespace {
cl::OptionCategory category("mamba-compile options");

cl::opt<std::string> input(cl::Positional, cl::Required,
                           cl::desc("<spec.ssm | hugging-face-model-dir>"),
                           cl::cat(category));

enum class Emit { AST, MLIR };
cl::opt<Emit>
    emit("emit", cl::desc("What to print"), cl::init(Emit::MLIR),
         cl::values(clEnumValN(Emit::AST, "ast", "the syntax tree of the spec"),
                    clEnumValN(Emit::MLIR, "mlir", "the ssm IR of the model")),
         cl::cat(category));

cl::opt<std::string> output("o", cl::desc("Output file (default: stdout)"),
                            cl::value_desc("file"), cl::init("-"),
                            cl::cat(category));

cl::opt<int64_t> batch("batch",
                       cl::desc("Fix the model's 'batch' dimension (default: "
                                "dynamic)"),
                       cl::value_desc("N"), cl::init(0), cl::cat(category));
cl::opt<int64_t> seqlen("seqlen",
                        cl::desc("Fix the model's 'seqlen' dimension "
                                 "(default: dynamic)"),
                        cl::value_desc("N"), cl::init(0), cl::cat(category));

cl::list<std::string>
    includeDirs("I",
                cl::desc("Add a directory to the import search path (searched "
                         "before the standard library)"),
                cl::value_desc("dir"), cl::Prefix, cl::cat(category));

const char *kOverview =
    "mamba-compile: compile a Mamba model spec to ssm IR\n\n"
    "  The input is a spec file (.ssm, see docs/spec-language.md) or a\n"
    "  Hugging Face model directory whose config.json has model_type\n"
    "  \"mamba\" or \"mamba2\". Imports are resolved relative to the\n"
    "  importing file, then in the -I directories, then in the standard\n"
    "  library (" MAMBA_STD_DIR ").\n\n"
    "  Errors are reported as file:line:col with the offending text; the\n"
    "  exit status is 1 on any error.\n";

int fail(const llvm::Twine &message) {
  llvm::WithColor::error(llvm::errs(), "mamba-compile") << message << "\n";
  return 1;
}

/// A model name from a directory name: "mamba-130m-hf" -> "mamba_130m_hf".
std::string modelNameFrom(llvm::StringRef dir) {
  std::string name = llvm::sys::path::filename(dir).str();
  for (char &c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)))
      c = '_';
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])))
    name = "m_" + name;
  return name;
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  cl::SetVersionPrinter(
      [](llvm::raw_ostream &os) { os << "mamba-compile " MAMBA_VERSION "\n"; });
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv, kOverview);

  GenOptions options;
  for (auto [flag, value, slot] :
       {std::tuple{"--batch", batch.getValue(), &options.batch},
        std::tuple{"--seqlen", seqlen.getValue(), &options.seqlen}}) {
    if (value < 0 || value > (int64_t(1) << 40))
      return fail(llvm::Twine(flag) + " must be a positive size, got " +
                  llvm::Twine(value));
    if (value > 0)
      *slot = value;
  }

  mlir::MLIRContext ctx;
  llvm::SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler diagnostics(sourceMgr, &ctx);

  std::vector<std::string> searchPath(includeDirs.begin(), includeDirs.end());
  searchPath.push_back(MAMBA_STD_DIR);
  Loader loader(&ctx, sourceMgr, searchPath);
  Program program;

  if (llvm::sys::fs::is_directory(input)) {
    llvm::SmallString<256> configPath(input);
    llvm::sys::path::append(configPath, "config.json");
    auto buffer = llvm::MemoryBuffer::getFile(configPath, /*IsText=*/true);
    if (!buffer)
      return fail("cannot read '" + configPath +
                  "': " + buffer.getError().message());
    std::string name = std::string(configPath);
    auto named =
        llvm::MemoryBuffer::getMemBufferCopy((*buffer)->getBuffer(), name);
    llvm::StringRef text = named->getBuffer();
    sourceMgr.AddNewSourceBuffer(std::move(named), llvm::SMLoc());
    std::unique_ptr<Module> module =
        importHFConfig(text, name, modelNameFrom(input), &ctx);
    if (!module ||
        failed(loader.loadMainModule(std::move(module), input, program)))
      return 1;
  } else {
    bool diagnosed = false;
    if (llvm::Error e = loader.loadMain(input, program, diagnosed))
      return fail(llvm::toString(std::move(e)));
    if (diagnosed)
      return 1;
  }
  if (failed(checkProgram(program)))
    return 1;

  std::string error;
  auto out = mlir::openOutputFile(output, &error);
  if (!out)
    return fail(error);
  if (emit == Emit::AST) {
    dumpAST(*program.main, out->os());
  } else {
    mlir::OwningOpRef<mlir::ModuleOp> module = mlirGen(ctx, program, options);
    if (!module)
      return 1;
    module->print(out->os());
    out->os() << "\n";
  }
  out->keep();
  return 0;
}

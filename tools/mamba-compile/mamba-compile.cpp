//===- mamba-compile.cpp - the model compiler driver ----------------------===//
//
// Reads a model spec (.ssm) or a Hugging Face model directory and prints
// its syntax tree, its ssm IR or its execution plan, or writes a package
// the runtime runs without the compiler.
//
//===----------------------------------------------------------------------===//

#include "Frontend/AST.h"
#include "Frontend/HFImport.h"
#include "Frontend/MLIRGen.h"
#include "Frontend/Sema.h"
#include "Transforms/ExecutionPlan.h"
#include "Transforms/Passes.h"
#include "mamba/bundle.h"
#include "mamba/plan.h"

#ifdef MAMBA_HAS_HALIDE
#include "Conversion/SSMToHalide/KernelDescFromOp.h"
#endif

#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

#include <cctype>
#include <map>

using namespace mamba::frontend;
namespace cl = llvm::cl;

namespace {
cl::OptionCategory category("mamba-compile options");

cl::opt<std::string> input(cl::Positional, cl::Required,
                           cl::desc("<spec.ssm | hugging-face-model-dir>"),
                           cl::cat(category));

enum class Emit { AST, MLIR, Optimized, Plan, Package, Executable };
cl::opt<Emit> emit(
    "emit", cl::desc("What to produce"), cl::init(Emit::MLIR),
    cl::values(
        clEnumValN(Emit::AST, "ast", "the syntax tree of the spec"),
        clEnumValN(Emit::MLIR, "mlir", "the ssm IR of the model"),
        clEnumValN(Emit::Optimized, "optimized-mlir",
                   "the IR after fusion and decode specialization "
                   "(@prefill, @decode_step)"),
        clEnumValN(Emit::Plan, "plan",
                   "the execution plan (JSON, docs/plan-format.md)"),
        clEnumValN(Emit::Package, "package",
                   "a model package directory (-o DIR): plan.json plus the "
                   "weights, tokenizer and kernel library, runnable by "
                   "mamba-run without the compiler"),
        clEnumValN(Emit::Executable, "executable",
                   "a standalone executable (-o FILE): mamba-run with the "
                   "package inside; it takes mamba-run's options")),
    cl::cat(category));

cl::opt<std::string> output("o",
                            cl::desc("Output file, or the package directory "
                                     "for --emit=package (default: stdout)"),
                            cl::value_desc("path"), cl::init("-"),
                            cl::cat(category));

enum class CpuKernels { Auto, Builtin };
cl::opt<CpuKernels> cpuKernels(
    "cpu-kernels", cl::desc("Which CPU kernels a plan calls"),
    cl::init(CpuKernels::Auto),
    cl::values(
        clEnumValN(CpuKernels::Auto, "auto",
                   "the faster of the runtime's kernels and the Halide "
                   "backend's per op (measured: Halide's conv for prefill)"),
        clEnumValN(CpuKernels::Builtin, "builtin",
                   "the runtime's own kernels wherever one exists (generic "
                   "scans still need Halide)")),
    cl::cat(category));

cl::opt<std::string>
    weightsFile("weights",
                cl::desc("The weights (.safetensors) to put in a package "
                         "(default: model.safetensors of a Hugging Face "
                         "input directory)"),
                cl::value_desc("file"), cl::cat(category));

cl::opt<std::string>
    tokenizerFile("tokenizer",
                  cl::desc("The tokenizer.json to put in a package (default: "
                           "the one of a Hugging Face input directory)"),
                  cl::value_desc("file"), cl::cat(category));

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
    "mamba-compile: compile a Mamba model spec to ssm IR, a plan or a "
    "package\n\n"
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

#ifdef MAMBA_HAS_HALIDE
constexpr bool kHaveHalide = true;
#else
constexpr bool kHaveHalide = false;
#endif

/// Vocabularies this large are GPT-NeoX's (the Mamba checkpoints').
constexpr int64_t kNeoxVocab = 50277;

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

/// Fusion and decode specialization: the IR the planner reads.
mlir::LogicalResult optimize(mlir::ModuleOp module) {
  mlir::PassManager pm(module->getContext());
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::ssm::createSSMFuse());
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
  pm.addPass(mlir::ssm::createSSMSpecializeDecode());
  return pm.run(module);
}

/// Compiles the plan's library kernels (the ops in `ops`, in order) into a
/// Halide kernel library in the kernel cache, and points the plan at it.
mlir::LogicalResult compileLibraryKernels(llvm::ArrayRef<mlir::Operation *> ops,
                                          mamba::plan::Plan &plan) {
  if (ops.empty())
    return mlir::success();
#ifdef MAMBA_HAS_HALIDE
  // One kernel per distinct description: every layer's conv is the same.
  std::vector<mamba::halide::KernelDesc> descs;
  std::vector<size_t> kernelOf;
  std::map<std::string, size_t> byKey;
  for (mlir::Operation *op : ops) {
    mlir::FailureOr<mamba::halide::KernelDesc> desc =
        mlir::ssm::kernelDescFromOp(op, "plan_kernel",
                                    mamba::halide::HalideSchedule());
    if (mlir::failed(desc))
      return mlir::failure();
    auto [it, added] =
        byKey.try_emplace(mamba::halide::kernelKey(*desc), descs.size());
    if (added) {
      desc->name = "plan_kernel" + std::to_string(descs.size());
      descs.push_back(std::move(*desc));
    }
    kernelOf.push_back(it->second);
  }
  mamba::Expected<mamba::halide::KernelLibrary> lib =
      mamba::halide::compileKernelLibrary(descs);
  if (!lib.ok()) {
    fail("cannot build the Halide kernel library: " + lib.status().message());
    return mlir::failure();
  }
  for (mamba::plan::Function &fn : plan.functions)
    for (mamba::plan::Step &step : fn.steps)
      if (step.kernel == "halide") {
        const mamba::plan::Attr *index = step.attr("kernel_index");
        mamba::plan::Attr symbol;
        symbol.isString = true;
        symbol.text =
            lib->kernels[kernelOf[static_cast<size_t>(index->number)]].symbol;
        step.attrs["symbol"] = symbol;
      }
  plan.kernelLibrary = lib->path;
  return mlir::success();
#else
  ops.front()->emitOpError()
      << "needs the Halide CPU backend, which this mamba-compile was built "
         "without (Halide 14 not found at build time)";
  return mlir::failure();
#endif
}

/// Puts `from` into the package as `name`: a hard link when possible (the
/// weights can be large), else a copy.
int addToPackage(llvm::StringRef from, llvm::StringRef dir,
                 llvm::StringRef name) {
  llvm::SmallString<256> to(dir);
  llvm::sys::path::append(to, name);
  llvm::sys::fs::remove(to);
  if (!llvm::sys::fs::create_hard_link(from, to))
    return 0;
  if (std::error_code ec = llvm::sys::fs::copy_file(from, to))
    return fail("cannot copy '" + from + "' to '" + to + "': " + ec.message());
  return 0;
}

/// The files of a package, as (name in the package, path on disk): the
/// weights and tokenizer (the input directory's, --weights/--tokenizer, or
/// for a GPT-NeoX-sized vocabulary the standard library's tokenizer) and the
/// kernel library; `plan` is updated to name the library inside the package.
mlir::FailureOr<std::vector<std::pair<std::string, std::string>>>
packageFiles(mamba::plan::Plan &plan) {
  std::string weights = weightsFile, tokenizer = tokenizerFile;
  if (llvm::sys::fs::is_directory(input)) {
    llvm::SmallString<256> p(input);
    llvm::sys::path::append(p, "model.safetensors");
    if (weights.empty() && llvm::sys::fs::exists(p))
      weights = std::string(p);
    p = input;
    llvm::sys::path::append(p, "tokenizer.json");
    if (tokenizer.empty() && llvm::sys::fs::exists(p))
      tokenizer = std::string(p);
  }
  if (tokenizer.empty() && plan.vocabSize >= kNeoxVocab)
    tokenizer = MAMBA_STD_DIR "/tokenizers/gpt-neox-20b.tokenizer.json";
  for (const std::string &f : {weights, tokenizer})
    if (!f.empty() && !llvm::sys::fs::is_regular_file(f)) {
      fail("'" + f + "' is not a readable file");
      return mlir::failure();
    }
  std::vector<std::pair<std::string, std::string>> files;
  if (!weights.empty())
    files.emplace_back("model.safetensors", weights);
  if (!tokenizer.empty())
    files.emplace_back("tokenizer.json", tokenizer);
  // The package carries its kernel library, so it runs without the cache.
  if (!plan.kernelLibrary.empty()) {
    files.emplace_back("kernels.so", plan.kernelLibrary);
    plan.kernelLibrary = "kernels.so";
  }
  return files;
}

int writePlanFile(const mamba::plan::Plan &plan, llvm::StringRef path) {
  std::string error;
  auto out = mlir::openOutputFile(path, &error);
  if (!out)
    return fail(error);
  out->os() << mamba::plan::writePlan(plan);
  out->keep();
  return 0;
}

int writePackage(mamba::plan::Plan plan) {
  if (output == "-")
    return fail("--emit=package needs -o DIR");
  auto files = packageFiles(plan);
  if (mlir::failed(files))
    return 1;
  if (std::error_code ec = llvm::sys::fs::create_directories(output))
    return fail("cannot create '" + output + "': " + ec.message());
  for (const auto &[name, path] : *files)
    if (addToPackage(path, output, name))
      return 1;
  llvm::SmallString<256> planPath(output);
  llvm::sys::path::append(planPath, "plan.json");
  return writePlanFile(plan, planPath);
}

/// mamba-run, which an executable is a copy of: $MAMBA_RUN, else the one
/// next to this mamba-compile.
std::string launcherPath(const char *argv0) {
  if (const char *env = std::getenv("MAMBA_RUN"); env && *env)
    return env;
  std::string self = llvm::sys::fs::getMainExecutable(
      argv0, reinterpret_cast<void *>(&launcherPath));
  llvm::SmallString<256> p(llvm::sys::path::parent_path(self));
  llvm::sys::path::append(p, "mamba-run");
  return std::string(p);
}

int writeExecutable(mamba::plan::Plan plan, const char *argv0) {
  if (output == "-")
    return fail("--emit=executable needs -o FILE");
  std::string launcher = launcherPath(argv0);
  if (!llvm::sys::fs::can_execute(launcher))
    return fail("cannot find mamba-run at '" + launcher +
                "' to build the executable from (set $MAMBA_RUN)");
  auto files = packageFiles(plan);
  if (mlir::failed(files))
    return 1;
  llvm::SmallString<256> planPath;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("plan", "json", planPath))
    return fail("cannot create a temporary file: " + ec.message());
  llvm::FileRemover removePlan(planPath);
  if (int rc = writePlanFile(plan, planPath))
    return rc;
  files->emplace_back("plan.json", std::string(planPath));
  mamba::Status s = mamba::bundle::writeExecutable(launcher, *files, output);
  if (!s.ok())
    return fail(s.message());
  return 0;
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

  if (emit == Emit::AST || emit == Emit::MLIR) {
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

  if (options.seqlen || options.batch)
    return fail("--batch and --seqlen apply to --emit=mlir only: a plan "
                "serves every batch size and sequence length");
  mlir::OwningOpRef<mlir::ModuleOp> module = mlirGen(ctx, program, options);
  if (!module || mlir::failed(optimize(*module)))
    return 1;
  if (emit == Emit::Optimized) {
    std::string error;
    auto out = mlir::openOutputFile(output, &error);
    if (!out)
      return fail(error);
    module->print(out->os());
    out->os() << "\n";
    out->keep();
    return 0;
  }
  std::vector<mlir::Operation *> libraryOps;
  mlir::FailureOr<mamba::plan::Plan> plan = mlir::ssm::buildExecutionPlan(
      *module,
      modelNameFrom(llvm::sys::fs::is_directory(input)
                        ? llvm::StringRef(input)
                        : llvm::sys::path::stem(input)),
      &libraryOps, kHaveHalide && cpuKernels == CpuKernels::Auto);
  if (mlir::failed(plan) ||
      mlir::failed(compileLibraryKernels(libraryOps, *plan)))
    return 1;
  if (emit == Emit::Package)
    return writePackage(std::move(*plan));
  if (emit == Emit::Executable)
    return writeExecutable(std::move(*plan), argv[0]);
  std::string error;
  auto out = mlir::openOutputFile(output, &error);
  if (!out)
    return fail(error);
  out->os() << mamba::plan::writePlan(*plan);
  out->keep();
  return 0;
}

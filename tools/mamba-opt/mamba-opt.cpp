//===- mamba-opt.cpp - the ssm optimizer driver ---------------------------===//
//
// An mlir-opt for the ssm dialect: parses IR, runs ssm and upstream passes
// and pipelines, and loads pass and dialect plugins.
//
//===----------------------------------------------------------------------===//

#include "Conversion/Passes.h"
#include "PluginLoader.h"
#include "Transforms/Passes.h"
#include "ssm/IR/SSMDialect.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/Passes.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <vector>

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<mlir::ssm::SSMDialect, mlir::affine::AffineDialect,
                  mlir::arith::ArithDialect,
                  mlir::bufferization::BufferizationDialect,
                  mlir::func::FuncDialect, mlir::linalg::LinalgDialect,
                  mlir::LLVM::LLVMDialect, mlir::math::MathDialect,
                  mlir::memref::MemRefDialect, mlir::scf::SCFDialect,
                  mlir::tensor::TensorDialect, mlir::vector::VectorDialect>();
  // Interface implementations that the upstream dialects promise (inlining,
  // bufferization, ...), so upstream passes work on mixed IR.
  mlir::registerAllExtensions(registry);

  mlir::ssm::registerSSMTransformsPasses();
  mlir::ssm::registerSSMConversionPasses();
  mlir::ssm::registerPipelines();
  mlir::registerTransformsPasses();
  mlir::registerConversionPasses();
  mlir::arith::registerArithPasses();
  mlir::bufferization::registerBufferizationPasses();
  mlir::registerLinalgPasses();
  mlir::memref::registerMemRefPasses();
  mlir::registerSCFPasses();
  mlir::tensor::registerTensorPasses();
  mlir::vector::registerVectorPasses();

  llvm::cl::AddExtraVersionPrinter(
      [](llvm::raw_ostream &os) { os << "mamba-opt " MAMBA_VERSION "\n"; });

  std::vector<char *> args(argv, argv + argc);
  if (llvm::Error e = mamba::loadPluginsFromArgs(args, registry)) {
    llvm::WithColor::error(llvm::errs(), "mamba-opt")
        << llvm::toString(std::move(e)) << "\n";
    return 1;
  }
  const int count = static_cast<int>(args.size());
  auto [input, output] = mlir::registerAndParseCLIOptions(
      count, args.data(), "mamba-opt: optimizer driver for the ssm dialect\n",
      registry);
  // MlirOptMain would report an unreadable input without the tool's name.
  if (input != "-") {
    int fd = -1;
    std::error_code ec = llvm::sys::fs::openFileForRead(input, fd);
    if (!ec && llvm::sys::fs::is_directory(input))
      ec = std::make_error_code(std::errc::is_a_directory);
    if (fd >= 0)
      llvm::sys::Process::SafelyCloseFileDescriptor(fd);
    if (ec) {
      llvm::WithColor::error(llvm::errs(), "mamba-opt")
          << "cannot open input file '" << input << "': " << ec.message()
          << "\n";
      return 1;
    }
  }
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(count, args.data(), input, output, registry));
}

//===- Loader.cpp - reading spec files and resolving imports --------------===//
//
// Imports are resolved relative to the importing file, then in the search
// path (the standard library directory). A file imported twice is loaded
// once; a file that imports itself, directly or not, is an error that shows
// the chain.
//
//===----------------------------------------------------------------------===//

#include "Parser.h"
#include "Sema.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

using namespace mamba::frontend;
using mlir::failure;
using mlir::LogicalResult;
using mlir::success;

/// Specs are small; anything larger is not a spec (and /dev/zero is not a
/// file to read to the end).
static constexpr uint64_t kMaxSpecBytes = 16 << 20;

static llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>>
readSpecFile(llvm::StringRef path) {
  llvm::sys::fs::file_status status;
  if (std::error_code ec = llvm::sys::fs::status(path, status))
    return ec;
  if (!llvm::sys::fs::is_regular_file(status))
    return std::make_error_code(std::errc::invalid_argument);
  if (status.getSize() > kMaxSpecBytes)
    return std::make_error_code(std::errc::file_too_large);
  return llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
}

static std::string realPath(llvm::StringRef path) {
  llvm::SmallString<256> real;
  if (llvm::sys::fs::real_path(path, real))
    return path.str();
  return std::string(real);
}

std::unique_ptr<Module>
Loader::parseBuffer(std::unique_ptr<llvm::MemoryBuffer> buf,
                    llvm::StringRef name) {
  llvm::StringRef text = buf->getBuffer();
  sourceMgr.AddNewSourceBuffer(std::move(buf), llvm::SMLoc());
  Parser parser(text, name, ctx);
  return parser.parseModule();
}

llvm::Error Loader::loadMain(llvm::StringRef path, Program &program,
                             bool &diagnosed) {
  diagnosed = false;
  auto buf = readSpecFile(path);
  if (!buf)
    return llvm::createStringError(buf.getError(), "cannot read '%s': %s",
                                   path.str().c_str(),
                                   buf.getError().message().c_str());
  // Keep the name the user gave: diagnostics then show their path.
  auto named = llvm::MemoryBuffer::getMemBufferCopy((*buf)->getBuffer(), path);
  std::unique_ptr<Module> module = parseBuffer(std::move(named), path);
  stack.push_back({realPath(path), path.str()});
  diagnosed =
      !module || failed(addModule(std::move(module),
                                  llvm::sys::path::parent_path(path), program));
  return llvm::Error::success();
}

LogicalResult Loader::loadMainBuffer(std::unique_ptr<llvm::MemoryBuffer> buffer,
                                     Program &program) {
  std::string name = buffer->getBufferIdentifier().str();
  std::unique_ptr<Module> module = parseBuffer(std::move(buffer), name);
  if (!module)
    return failure();
  stack.push_back({name, name});
  return addModule(std::move(module), "", program);
}

LogicalResult Loader::loadMainModule(std::unique_ptr<Module> module,
                                     llvm::StringRef dir, Program &program) {
  stack.push_back({realPath(module->path), module->path});
  return addModule(std::move(module), dir, program);
}

LogicalResult Loader::addModule(std::unique_ptr<Module> module,
                                llvm::StringRef dir, Program &program) {
  Module *m = module.get();
  if (!program.main)
    program.main = m;
  program.modules.push_back(std::move(module));
  loaded[stack.back().first] = true;
  LogicalResult result = loadImports(*m, dir, program);
  stack.pop_back();
  return result;
}

LogicalResult Loader::loadImports(Module &module, llvm::StringRef dir,
                                  Program &program) {
  for (const Import &imp : module.imports) {
    std::vector<std::string> candidates;
    if (llvm::sys::path::is_absolute(imp.path)) {
      candidates.push_back(imp.path);
    } else {
      llvm::SmallString<256> local(dir);
      llvm::sys::path::append(local, imp.path);
      llvm::sys::path::remove_dots(local, /*remove_dot_dot=*/true);
      candidates.push_back(std::string(local));
      for (const std::string &d : searchPath) {
        llvm::SmallString<256> p(d);
        llvm::sys::path::append(p, imp.path);
        llvm::sys::path::remove_dots(p, /*remove_dot_dot=*/true);
        candidates.push_back(std::string(p));
      }
    }
    std::string found;
    for (const std::string &c : candidates)
      if (llvm::sys::fs::is_regular_file(c)) {
        found = c;
        break;
      }
    if (found.empty()) {
      auto diag = mlir::emitError(imp.loc)
                  << "cannot find imported file '" << imp.path << "'";
      for (const std::string &c : candidates)
        diag.attachNote() << "looked for " << c;
      return failure();
    }
    std::string real = realPath(found);
    for (size_t i = 0; i < stack.size(); ++i) {
      if (stack[i].first != real)
        continue;
      std::string chain;
      for (size_t j = i; j < stack.size(); ++j)
        chain += stack[j].second + " -> ";
      chain += found;
      mlir::emitError(imp.loc) << "import cycle: " << chain;
      return failure();
    }
    if (loaded.count(real))
      continue;
    auto buf = readSpecFile(found);
    if (!buf) {
      mlir::emitError(imp.loc) << "cannot read imported file '" << found
                               << "': " << buf.getError().message();
      return failure();
    }
    auto named =
        llvm::MemoryBuffer::getMemBufferCopy((*buf)->getBuffer(), found);
    std::unique_ptr<Module> child = parseBuffer(std::move(named), found);
    if (!child)
      return failure();
    stack.push_back({real, found});
    if (failed(addModule(std::move(child), llvm::sys::path::parent_path(found),
                         program)))
      return failure();
  }
  return success();
}

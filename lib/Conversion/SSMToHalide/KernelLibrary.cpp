//===- KernelLibrary.cpp - AOT kernel library in an on-disk cache ---------===//
//
// compileKernelLibrary: every description is compiled to an object without
// the Halide runtime, one standalone runtime object is added, and the
// system C compiler links them into a shared library. The library lives in
// a directory named by a hash of everything that shapes the code, built
// under a private name and renamed into place, so concurrent compiles are
// safe and a second call is a cache hit.
//
//===----------------------------------------------------------------------===//

#include "HalidePipelines.h"

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <unistd.h>

#ifndef MAMBA_HALIDE_CC
#define MAMBA_HALIDE_CC "cc"
#endif

namespace mamba::halide {

namespace {
constexpr const char *kHalideVersion = "Halide 14";
/// Part of every cache key: bump it whenever a pipeline's algorithm or
/// schedule code changes, so stale libraries are not reused.
constexpr const char *kBackendVersion = "mamba-halide 4";
constexpr const char *kLibraryName = "libmamba_halide.so";
constexpr const char *kManifestName = "kernels.txt";

/// Everything about a description that changes the generated code.
std::string serialize(const KernelDesc &d) {
  return "name=" + d.name + " " + kernelKey(d);
}
} // namespace

std::string kernelKey(const KernelDesc &d) {
  std::ostringstream os;
  os.precision(9);
  os << "kind=" << static_cast<int>(d.kind)
     << " vw=" << d.schedule.vectorWidth << " tile=" << d.schedule.channelTile
     << " par=" << d.schedule.parallel << " chunk=" << d.schedule.timeChunk
     << " wide=" << d.schedule.wideTile << " n=" << d.dState
     << " sp=" << d.deltaSoftplus << " zoh=" << d.zohB << " D=" << d.hasD
     << " z=" << d.hasZ << " db=" << d.hasDeltaBias
     << " h0=" << d.hasInitialState << " k=" << d.width << " bias=" << d.hasBias
     << " silu=" << d.silu << " st=" << d.hasState << " eps=" << d.eps
     << " res=" << d.hasResidual << " R=" << d.scan.stateRank
     << " init=" << d.scan.hasInit << " roots=" << d.scan.decay << ","
     << d.scan.input << "," << d.scan.readout << " maps=";
  for (const auto &dims : d.scan.inputDims) {
    for (int x : dims)
      os << x << ".";
    os << "|";
  }
  for (int x : d.scan.outputDims)
    os << x << ".";
  os << " nodes=";
  for (const ScanExprNode &n : d.scan.nodes)
    os << static_cast<int>(n.op) << ":" << n.arg << ":" << n.value << ":"
       << n.lhs << ":" << n.rhs << ";";
  return os.str();
}

namespace {

/// 64-bit FNV-1a, as 16 hex digits.
std::string hashHex(const std::string &text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string symbolFor(const KernelDesc &d, const std::string &target) {
  std::string stem = d.name;
  for (char &c : stem)
    if (!std::isalnum(static_cast<unsigned char>(c)))
      c = '_';
  return "mamba_" + stem + "_" + hashHex(serialize(d) + target).substr(0, 12);
}

bool exists(const std::string &path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

Status makeDirs(const std::string &path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec)
    return Status::error("cannot create directory " + path + ": " +
                         ec.message());
  return Status::success();
}

void removeTree(const std::string &dir) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

std::string readFile(const std::string &path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// The C compiler that links the objects: $CC, else the one CMake found.
std::string linker() {
  const char *cc = std::getenv("CC");
  return cc && *cc ? cc : MAMBA_HALIDE_CC;
}

KernelLibrary entries(const std::vector<KernelDesc> &descs,
                      const std::string &target, const std::string &dir) {
  KernelLibrary lib;
  lib.path = dir + "/" + kLibraryName;
  for (const KernelDesc &d : descs)
    lib.kernels.push_back({symbolFor(d, target), kernelArguments(d)});
  return lib;
}

Status build(const std::vector<KernelDesc> &descs, const Halide::Target &host,
             const std::string &dir) {
  const std::string target = host.to_string();
  Halide::Target noRuntime = host.with_feature(Halide::Target::NoRuntime);
  std::vector<std::string> objects;
  std::map<std::string, bool> done;
  std::ostringstream manifest;
  for (const KernelDesc &d : descs) {
    const std::string symbol = symbolFor(d, target);
    if (done[symbol])
      continue;
    done[symbol] = true;
    const std::string object = dir + "/" + symbol + ".o";
    MAMBA_RETURN_IF_ERROR(validateKernel(d).withContext(d.name + ": "));
    try {
      BuiltPipeline p = buildPipeline(d, host);
      p.pipeline.compile_to_object(object, p.args, symbol, noRuntime);
    } catch (const Halide::Error &e) {
      return Status::error("cannot compile kernel '" + d.name +
                           "': " + e.what());
    }
    objects.push_back(object);
    manifest << symbol << "  " << describeKernel(d) << "\n";
  }
  const std::string runtime = dir + "/halide_runtime.o";
  try {
    Halide::compile_standalone_runtime(runtime, host);
  } catch (const Halide::Error &e) {
    return Status::error(std::string("cannot compile the Halide runtime: ") +
                         e.what());
  }
  objects.push_back(runtime);

  const std::string cc = linker();
  const std::string log = dir + "/link.log";
  std::string cmd =
      "'" + cc + "' -shared -o '" + dir + "/" + kLibraryName + "'";
  for (const std::string &o : objects)
    cmd += " '" + o + "'";
  cmd += " -lpthread -ldl -lm > '" + log + "' 2>&1";
  int rc = std::system(cmd.c_str());
  if (rc != 0) {
    std::string why = readFile(log);
    if (rc == 127 * 256 || why.find("not found") != std::string::npos)
      return Status::error("cannot link the Halide kernels: no C compiler '" +
                           cc + "' (install cc, or set CC): " + why);
    return Status::error("cannot link the Halide kernels with '" + cc +
                         "': " + why);
  }
  std::ofstream(dir + "/" + kManifestName) << manifest.str();
  return Status::success();
}
} // namespace

std::string defaultCacheDir() {
  if (const char *xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return std::string(xdg) + "/mamba/halide";
  const char *home = std::getenv("HOME");
  return std::string(home && *home ? home : "/tmp") + "/.cache/mamba/halide";
}

Expected<KernelLibrary>
compileKernelLibrary(const std::vector<KernelDesc> &descs,
                     const std::string &cacheDir) {
  auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start)
        .count();
  };
  Halide::Target host;
  try {
    host = Halide::get_host_target();
  } catch (const Halide::Error &e) {
    return Status::error(std::string("no Halide host target: ") + e.what());
  }
  const std::string target = host.to_string();
  std::string key = std::string(kHalideVersion) + "\n" + kBackendVersion +
                    "\n" + target + "\n";
  for (const KernelDesc &d : descs)
    key += serialize(d) + "\n";
  const std::string root = cacheDir.empty() ? defaultCacheDir() : cacheDir;
  const std::string dir = root + "/" + hashHex(key);

  KernelLibrary lib = entries(descs, target, dir);
  if (exists(dir + "/" + kManifestName) && exists(lib.path)) {
    lib.cacheHit = true;
    lib.seconds = elapsed();
    return lib;
  }
  MAMBA_RETURN_IF_ERROR(makeDirs(root));
  std::string tmp =
      dir + ".tmp." + std::to_string(::getpid()) + "." +
      std::to_string(
          std::chrono::steady_clock::now().time_since_epoch().count());
  MAMBA_RETURN_IF_ERROR(makeDirs(tmp));
  Status st = build(descs, host, tmp);
  if (!st.ok()) {
    removeTree(tmp);
    return st;
  }
  // Whoever renames first wins; a loser's identical build is dropped.
  if (::rename(tmp.c_str(), dir.c_str()) != 0) {
    removeTree(tmp);
    if (!exists(lib.path))
      return Status::error("cannot move the kernel library into " + dir + ": " +
                           std::strerror(errno));
  }
  lib.seconds = elapsed();
  return lib;
}

} // namespace mamba::halide

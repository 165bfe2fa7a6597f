// NVRTC compilation of the generated CUDA C, and the content-addressed
// kernel cache in front of it.
#include "compiler.h"

#include "libraries.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <unistd.h>
#include <vector>

namespace mamba::cuda {
namespace {

namespace fs = std::filesystem;

// Fixed options: accurate exp/log (the F32 contract is 1e-4 relative).
const std::vector<std::string> kOptions = {"--std=c++17", "--fmad=true"};

uint64_t fnv1a(const std::string &text, uint64_t hash) {
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::string hex(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx",
                static_cast<unsigned long long>(v));
  return buf;
}

Status nvrtcStatus(const NvrtcApi &api, nvrtcResult r,
                   const std::string &what) {
  if (r == NVRTC_SUCCESS)
    return Status::success();
  return Status::error(what + ": " + api.nvrtcGetErrorString(r));
}

bool readFile(const std::string &path, std::string &out) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return false;
  out.assign(std::istreambuf_iterator<char>(in),
             std::istreambuf_iterator<char>());
  return static_cast<bool>(in) || in.eof();
}

/// Writes via a temporary file and a rename, so a concurrent reader sees
/// the whole entry or none.
bool writeFileAtomic(const std::string &path, const std::string &data) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  const std::string tmp = path + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary);
    if (!out.write(data.data(), static_cast<std::streamsize>(data.size())))
      return false;
  }
  fs::rename(tmp, path, ec);
  return !ec;
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

} // namespace

std::string nvrtcVersionString() {
  Expected<const NvrtcApi *> api = loadNvrtc();
  if (!api.ok())
    return "none";
  int major = 0, minor = 0;
  api.value()->nvrtcVersion(&major, &minor);
  return std::to_string(major) + "." + std::to_string(minor);
}

std::string defaultCacheDir() {
  if (const char *dir = std::getenv("MAMBA_CACHE_DIR"); dir && *dir)
    return dir;
  if (const char *home = std::getenv("HOME"); home && *home)
    return std::string(home) + "/.cache/mamba";
  return "";
}

Expected<std::string> compileCuda(const std::string &source,
                                  const std::string &programName,
                                  const std::string &arch) {
  Expected<const NvrtcApi *> loaded = loadNvrtc();
  if (!loaded.ok())
    return loaded.status();
  const NvrtcApi &api = *loaded.value();
  nvrtcProgram prog = nullptr;
  MAMBA_RETURN_IF_ERROR(nvrtcStatus(
      api,
      api.nvrtcCreateProgram(&prog, source.c_str(), programName.c_str(), 0,
                             nullptr, nullptr),
      "nvrtcCreateProgram"));
  std::vector<std::string> options = kOptions;
  options.push_back("--gpu-architecture=" + arch);
  std::vector<const char *> argv;
  for (const std::string &o : options)
    argv.push_back(o.c_str());
  nvrtcResult r =
      api.nvrtcCompileProgram(prog, static_cast<int>(argv.size()), argv.data());
  size_t logSize = 0;
  api.nvrtcGetProgramLogSize(prog, &logSize);
  std::string log(logSize, '\0');
  if (logSize > 0)
    api.nvrtcGetProgramLog(prog, log.data());
  while (!log.empty() && (log.back() == '\0' || log.back() == '\n'))
    log.pop_back();
  if (r != NVRTC_SUCCESS) {
    api.nvrtcDestroyProgram(&prog);
    std::string saved;
    if (std::string dir = defaultCacheDir(); !dir.empty()) {
      saved = dir + "/cuda/failed-" + programName;
      if (!writeFileAtomic(saved, source))
        saved.clear();
    }
    return Status::error(
        "NVRTC failed to compile " + programName + " for " + arch + " (" +
        api.nvrtcGetErrorString(r) + "):\n" + log +
        (saved.empty() ? "" : "\nthe source is saved in " + saved));
  }
  const bool cubin = arch.rfind("sm_", 0) == 0;
  size_t size = 0;
  std::string image;
  Status s =
      cubin ? nvrtcStatus(api, api.nvrtcGetCUBINSize(prog, &size), "cubin size")
            : nvrtcStatus(api, api.nvrtcGetPTXSize(prog, &size), "PTX size");
  if (s.ok()) {
    image.resize(size);
    s = cubin ? nvrtcStatus(api, api.nvrtcGetCUBIN(prog, image.data()), "cubin")
              : nvrtcStatus(api, api.nvrtcGetPTX(prog, image.data()), "PTX");
  }
  api.nvrtcDestroyProgram(&prog);
  if (!s.ok())
    return s;
  return image;
}

Expected<std::string> compileCached(const std::string &source,
                                    const std::string &programName,
                                    const std::string &arch, int driverVersion,
                                    const std::string &cacheDir,
                                    CompileReport *report) {
  const auto start = std::chrono::steady_clock::now();
  std::string key = arch + '\n' + std::to_string(driverVersion) + '\n' +
                    nvrtcVersionString() + '\n';
  for (const std::string &o : kOptions)
    key += o + '\n';
  key += source;
  // Two FNV-1a passes with different offsets: a 128-bit name.
  const std::string name = hex(fnv1a(key, 0xcbf29ce484222325ULL)) +
                           hex(fnv1a(key, 0x84222325cbf29ce4ULL));
  const std::string path =
      cacheDir.empty() ? "" : cacheDir + "/cuda/" + name + ".cubin";
  CompileReport r;
  r.path = path;
  std::string image;
  if (!path.empty() && readFile(path, image) && !image.empty()) {
    r.cacheHit = true;
  } else {
    Expected<std::string> compiled = compileCuda(source, programName, arch);
    if (!compiled.ok())
      return compiled.status();
    image = std::move(compiled).value();
    // A cache that cannot be written only costs the next start a compile.
    if (!path.empty() && !writeFileAtomic(path, image))
      r.path.clear();
  }
  r.seconds = secondsSince(start);
  if (report)
    *report = r;
  return image;
}

} // namespace mamba::cuda

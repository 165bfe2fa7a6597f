//===- nvrtc-compile.cpp - compile a CUDA C file to PTX with NVRTC --------===//
//
// A test utility: `nvrtc-compile FILE.cu [ARCH]` compiles the file with
// NVRTC (no GPU needed) and prints the names of the PTX entry points, so lit
// tests can check that emitted CUDA compiles. Exit 1 with the log on error.
//
//===----------------------------------------------------------------------===//

#include <nvrtc.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: nvrtc-compile FILE.cu [ARCH, e.g. sm_90]\n");
    return 1;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::fprintf(stderr, "nvrtc-compile: error: cannot read '%s'\n", argv[1]);
    return 1;
  }
  std::stringstream text;
  text << in.rdbuf();
  const std::string source = text.str();
  const std::string arch =
      std::string("--gpu-architecture=compute_") +
      (argc == 3 ? std::string(argv[2]).substr(3) : std::string("90"));

  nvrtcProgram prog;
  if (nvrtcCreateProgram(&prog, source.c_str(), argv[1], 0, nullptr, nullptr) !=
      NVRTC_SUCCESS) {
    std::fprintf(stderr, "nvrtc-compile: error: cannot create the program\n");
    return 1;
  }
  std::vector<const char *> options = {arch.c_str(), "--std=c++17"};
  nvrtcResult result = nvrtcCompileProgram(
      prog, static_cast<int>(options.size()), options.data());
  size_t logSize = 0;
  nvrtcGetProgramLogSize(prog, &logSize);
  std::string log(logSize, '\0');
  nvrtcGetProgramLog(prog, log.data());
  if (result != NVRTC_SUCCESS) {
    std::fprintf(stderr, "nvrtc-compile: error: %s\n%s\n",
                 nvrtcGetErrorString(result), log.c_str());
    nvrtcDestroyProgram(&prog);
    return 1;
  }
  size_t ptxSize = 0;
  nvrtcGetPTXSize(prog, &ptxSize);
  std::string ptx(ptxSize, '\0');
  nvrtcGetPTX(prog, ptx.data());
  nvrtcDestroyProgram(&prog);

  // One line per kernel entry point: ".visible .entry NAME(".
  std::istringstream lines(ptx);
  for (std::string line; std::getline(lines, line);) {
    const std::string marker = ".entry ";
    size_t at = line.find(marker);
    if (at == std::string::npos)
      continue;
    size_t begin = at + marker.size();
    size_t end = line.find('(', begin);
    std::printf("entry %s\n", line.substr(begin, end - begin).c_str());
  }
  return 0;
}

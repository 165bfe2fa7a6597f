// Reads VmRSS and VmHWM from /proc/self/status.
#include "mamba/process_memory.h"

#include <cstdio>
#include <cstring>

namespace mamba {
namespace {
int64_t statusFieldKiB(const char *field) {
  std::FILE *f = std::fopen("/proc/self/status", "r");
  if (!f)
    return 0;
  char line[256];
  long long kib = 0;
  const size_t n = std::strlen(field);
  while (std::fgets(line, sizeof line, f))
    if (std::strncmp(line, field, n) == 0 && line[n] == ':') {
      std::sscanf(line + n + 1, "%lld", &kib);
      break;
    }
  std::fclose(f);
  return kib;
}
} // namespace

int64_t currentRssBytes() { return statusFieldKiB("VmRSS") * 1024; }
int64_t peakRssBytes() { return statusFieldKiB("VmHWM") * 1024; }
} // namespace mamba

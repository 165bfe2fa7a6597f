// Writes the generic scan kernel for each case of generic_scan_cases.h
// (cuda_generic_scan_test's GPU cases, Mamba-2's SSD among them), prelude
// included, for generic_scan_emulated_test to compile for the host:
// DIR/generic_scans.inc, kernels named as the cases, and the list of them
// as MAMBA_GENERIC_SCAN_KERNELS(X) = X(name) for each, so the test's table
// cannot drift from the cases.
#include "emit_kernels_file.h"
#include "generic_scan_cases.h"

#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: emit_emulated_generic_scans DIR\n");
    return 2;
  }
  std::vector<mamba::codegen::cuda::Emitted> kernels;
  std::string list = "\n#define MAMBA_GENERIC_SCAN_KERNELS(X)";
  for (const mamba::test::GenericScanCase &c :
       mamba::test::genericScanCases()) {
    kernels.push_back(mamba::codegen::cuda::emitGenericScan(c.kernelDesc()));
    list += std::string(" X(") + c.name + ")";
  }
  kernels.push_back({list + "\n", ""});
  return mamba::test::writeKernels("emit_emulated_generic_scans",
                                   std::string(argv[1]) + "/generic_scans.inc",
                                   kernels, true);
}

//===- KernelName.h - names of the kernels the conversions emit -----------===//
//
// SSMToCUDA and SSMToHalide name each kernel after its op and its position
// in the module, so the names are unique and say where a kernel came from.
//
//===----------------------------------------------------------------------===//

#ifndef MAMBA_CONVERSION_KERNELNAME_H
#define MAMBA_CONVERSION_KERNELNAME_H

#include "mlir/IR/Operation.h"

#include <string>

namespace mlir::ssm {

/// "ssm_selective_scan_3": the op name with '.' as '_', then `position`.
inline std::string kernelNameOf(Operation *op, int position) {
  std::string name = op->getName().getStringRef().str();
  for (char &c : name)
    if (c == '.')
      c = '_';
  return name + "_" + std::to_string(position);
}

} // namespace mlir::ssm

#endif // MAMBA_CONVERSION_KERNELNAME_H

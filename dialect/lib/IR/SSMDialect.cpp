//===- SSMDialect.cpp - the ssm dialect -----------------------------------===//
//
// Registers the ssm dialect's operations and attributes.
//
//===----------------------------------------------------------------------===//

#include "ssm/IR/SSMDialect.h"
#include "ssm/IR/SSMOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::ssm;

#include "ssm/IR/SSMDialect.cpp.inc"
#include "ssm/IR/SSMEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "ssm/IR/SSMAttrs.cpp.inc"

void SSMDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "ssm/IR/SSMOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "ssm/IR/SSMAttrs.cpp.inc"
      >();
}

//===- SSMDialect.h - the ssm dialect ---------------------------*- C++ -*-===//
//
// Declares the ssm dialect class and its enumerated attributes.
//
//===----------------------------------------------------------------------===//

#ifndef SSM_IR_SSMDIALECT_H
#define SSM_IR_SSMDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Dialect.h"

#include "ssm/IR/SSMDialect.h.inc"
#include "ssm/IR/SSMEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "ssm/IR/SSMAttrs.h.inc"

#endif // SSM_IR_SSMDIALECT_H

//===- SSMOps.h - ssm dialect operations ------------------------*- C++ -*-===//
//
// Declares the operations of the ssm dialect.
//
//===----------------------------------------------------------------------===//

#ifndef SSM_IR_SSMOPS_H
#define SSM_IR_SSMOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "ssm/IR/SSMDialect.h"

#define GET_OP_CLASSES
#include "ssm/IR/SSMOps.h.inc"

#endif // SSM_IR_SSMOPS_H

//===- AnnotateCost.h - example pass: annotate scan costs -------*- C++ -*-===//
//
// The example plugin's pass, which tags every selective scan with the work
// it does, so that a user can see what a plugin pass can reach.
//
//===----------------------------------------------------------------------===//

#ifndef MAMBA_EXAMPLES_PLUGIN_ANNOTATECOST_H
#define MAMBA_EXAMPLES_PLUGIN_ANNOTATECOST_H

#include "mlir/Pass/Pass.h"

#include <memory>

namespace mamba::example {
/// --ssm-example-annotate-cost: sets `ssm.exp_count` (exponentials, one per
/// state element and step) on every ssm.selective_scan with static shapes.
std::unique_ptr<mlir::Pass> createAnnotateCostPass();
} // namespace mamba::example

#endif // MAMBA_EXAMPLES_PLUGIN_ANNOTATECOST_H

//===- Pipelines.cpp - named ssm pass pipelines ---------------------------===//
//
// Registers the pipelines that mamba-opt and the compiler driver run.
//
//===----------------------------------------------------------------------===//

#include "Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

void mlir::ssm::registerPipelines() {
  PassPipelineRegistration<>(
      "ssm-optimize",
      "Canonicalize, fuse into kernels (--ssm-fuse), and clean up",
      [](OpPassManager &pm) {
        pm.addPass(createCanonicalizerPass());
        pm.addPass(createSSMFuse());
        pm.addPass(createCanonicalizerPass());
        pm.addPass(createCSEPass());
      });
}

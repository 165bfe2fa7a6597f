//===- Passes.td - ssm transformation passes -----------------*- tablegen -*-===//
//
// Declarations of the passes that rewrite ssm IR.
//
//===----------------------------------------------------------------------===//

#ifndef SSM_TRANSFORMS_PASSES_TD
#define SSM_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def SSMFuse : Pass<"ssm-fuse"> {
  let summary = "Fuse ssm ops into the kernels backends generate";
  let description = [{
    Builds the fused kernels of a Mamba block:

    - softplus + discretize + scan + D skip + gate become one
      `ssm.selective_scan` with `delta_softplus`, `D` and `z` set: a
      `ssm.softplus` feeding `delta` becomes the `delta_softplus` flag, an
      `ssm.discretize` + generic `ssm.scan` pair becomes the named scan, an
      `ssm.skip` of the scan's own input becomes its `D`, and an `ssm.gate`
      of the scan's output becomes its `z`;
    - `ssm.silu` of an `ssm.causal_conv1d` becomes the convolution with
      `activation = silu`.

    Producers with other users are left alone, so the rewrite never
    duplicates work.
  }];
  let dependentDialects = ["::mlir::ssm::SSMDialect"];
}

#endif // SSM_TRANSFORMS_PASSES_TD

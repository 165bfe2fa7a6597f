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
      `activation = silu`;
    - an `ssm.discretize` feeding a generic `ssm.scan` that is not the
      selective scan moves into the scan's regions (`exp(delta * A)`,
      `delta * B` or the ZOH rule computed per element), so the
      [batch, d_inner, d_state, seqlen] tensors are never materialized.

    Producers with other users are left alone, so the rewrite never
    duplicates work.
  }];
  let dependentDialects = ["::mlir::ssm::SSMDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect"];
}

def SSMSpecializeDecode : Pass<"ssm-specialize-decode", "::mlir::ModuleOp"> {
  let summary = "Derive the stateful prefill and the one-token decode step";
  let description = [{
    From the model function (`function`, default `forward`: tokens
    [batch, seqlen] -> logits) builds two functions next to it:

    - `@prefill(tokens, states...) -> (logits, states...)`: the same graph
      with every recurrent op's state made explicit, so a prompt can be fed
      in chunks and a batch can continue from any prefix;
    - `@decode_step(tokens: [batch, 1], states...) -> (logits, states...)`:
      the same with `seqlen` fixed to 1.

    The states are, in program order, one argument per `ssm.causal_conv1d`
    (its window [batch, channels, width]) and per `ssm.selective_scan` /
    `ssm.scan` (the state h, e.g. [batch, d_inner, d_state]). Each state
    argument carries `ssm.state = "conv" | "ssm"` and the matching result
    returns the updated state, so a caller feeds results back as the next
    call's arguments. An op that already has a state is left as it is.
  }];
  let options = [
    Option<"function", "function", "std::string", /*default=*/"\"forward\"",
           "The model function to specialize">,
  ];
  let dependentDialects = ["::mlir::ssm::SSMDialect",
                           "::mlir::tensor::TensorDialect"];
}

def SSMPlan : Pass<"ssm-plan", "::mlir::ModuleOp"> {
  let summary = "Write the execution plan of @prefill and @decode_step";
  let description = [{
    Plans the functions made by `--ssm-specialize-decode` for the runtime
    (see docs/plan-format.md): weight bindings with load-time transforms,
    state slots, scratch buffers reused across values whose lifetimes do not
    overlap, and one kernel call per compute op; transposes, slices,
    reshapes and casts become strided views. The plan (JSON) is written to
    `output` (`-` for standard output); the IR is left unchanged. An op no
    runtime kernel implements is an error at its location.
  }];
  let options = [
    Option<"output", "output", "std::string", /*default=*/"\"-\"",
           "Where to write the plan ('-' for standard output)">,
    Option<"modelName", "model-name", "std::string", /*default=*/"\"\"",
           "The model name recorded in the plan">,
  ];
}

#endif // SSM_TRANSFORMS_PASSES_TD

//===- Passes.td - conversions out of the ssm dialect --------*- tablegen -*-===//
//
// Declarations of the passes that lower ssm IR to backend code.
//
//===----------------------------------------------------------------------===//

#ifndef SSM_CONVERSION_PASSES_TD
#define SSM_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def SSMToCUDA : Pass<"ssm-to-cuda", "::mlir::ModuleOp"> {
  let summary = "Print the CUDA C kernels of the fused ssm ops";
  let description = [{
    Emits one CUDA C kernel per kernel-level ssm op of the module
    (`ssm.selective_scan`, `ssm.causal_conv1d`, `ssm.rmsnorm`, `ssm.gate`
    with z, `ssm.embedding`) through the emitter the CUDA runtime uses, and
    writes the module's source to `output` (stdout by default). Each kernel
    starts with a comment naming the op it came from. Run it after
    `--ssm-optimize`: ops that are not fused kernels yet (a standalone
    softplus, silu or skip, a generic ssm.scan) are reported as errors
    rather than silently skipped. The IR is left unchanged.
  }];
  let options = [
    Option<"output", "output", "std::string", /*default=*/"\"-\"",
           "File to write the CUDA source to ('-' for stdout)">,
    Option<"threadsPerBlock", "threads-per-block", "int", /*default=*/"128",
           "Threads per block of every kernel">,
    Option<"itemsPerThread", "items-per-thread", "int", /*default=*/"4",
           "Scan: state entries per thread; conv: tokens per thread">,
    Option<"chunkLen", "chunk-len", "int", /*default=*/"64",
           "Scan: time steps staged in shared memory per chunk">,
  ];
}

#endif // SSM_CONVERSION_PASSES_TD

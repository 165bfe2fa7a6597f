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
    with z, `ssm.embedding`, and the generic `ssm.scan`, whose regions are
    printed as expressions) through the emitter the CUDA runtime uses, and
    writes the module's source to `output` (stdout by default). Each kernel
    starts with a comment naming the op it came from. Run it after
    `--ssm-optimize`: ops that are not fused kernels yet (a standalone
    softplus, silu or skip) are reported as errors rather than silently
    skipped. The IR is left unchanged.
  }];
  let options = [
    Option<"output", "output", "std::string", /*default=*/"\"-\"",
           "File to write the CUDA source to ('-' for stdout)">,
    Option<"threadsPerBlock", "threads-per-block", "int", /*default=*/"128",
           "Threads per block of every kernel">,
    Option<"itemsPerThread", "items-per-thread", "int", /*default=*/"4",
           "Scan: state entries per thread; conv: tokens per thread">,
    Option<"chunkLen", "chunk-len", "int", /*default=*/"32",
           "Scan: time steps staged in shared memory per chunk">,
    Option<"minBlocksPerSM", "min-blocks-per-sm", "int", /*default=*/"4",
           "Scan: blocks per SM to leave registers for (0 = no bound)">,
    Option<"prefetch", "prefetch", "bool", /*default=*/"true",
           "Scan: load the next time chunk while the current one runs">,
  ];
}

def SSMToHalide : Pass<"ssm-to-halide", "::mlir::ModuleOp"> {
  let summary = "Describe (and optionally compile) the Halide CPU kernels";
  let description = [{
    Maps each op that has a Halide CPU kernel (`ssm.selective_scan`,
    `ssm.causal_conv1d`, `ssm.rmsnorm`, `ssm.gate` with z, and the generic
    `ssm.scan`, whose regions become Halide expressions) to a kernel
    description, and prints per op the pipeline it becomes: a summary of
    the algorithm and schedule, and Halide's loop nest. With `library`, the
    descriptions are also compiled ahead of time into a shared library in
    that kernel cache directory (a cache hit compiles nothing). Ops that
    are not kernels yet (softplus, silu, discretize, skip) and region ops
    Halide cannot express are errors. The IR is left unchanged.
  }];
  let options = [
    Option<"output", "output", "std::string", /*default=*/"\"-\"",
           "File to write the descriptions to ('-' for stdout)">,
    Option<"library", "library", "std::string", /*default=*/"\"\"",
           "Kernel cache directory to compile the library into (none: "
           "describe only)">,
    Option<"vectorWidth", "vector-width", "int", /*default=*/"0",
           "Lanes of the channel loops (0: the host's, 8 on AVX2)">,
    Option<"channelTile", "channel-tile", "int", /*default=*/"0",
           "Channels per parallel task (0: two vectors)">,
    Option<"parallel", "parallel", "bool", /*default=*/"true",
           "Run batch x channel tiles (rows) in parallel">,
    Option<"timeChunk", "time-chunk", "int", /*default=*/"0",
           "Time steps per chunk of the scans (0: whole sequence)">,
    Option<"loopNest", "loop-nest", "bool", /*default=*/"true",
           "Print Halide's loop nest of every pipeline">,
  ];
}

#endif // SSM_CONVERSION_PASSES_TD

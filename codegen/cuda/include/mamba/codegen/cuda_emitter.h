// The CUDA C emitter: turns a kernel description (the ssm op it implements,
// its element types, fused options and schedule) into readable CUDA C source.
#ifndef MAMBA_CODEGEN_CUDA_EMITTER_H
#define MAMBA_CODEGEN_CUDA_EMITTER_H

#include <string>
#include <vector>

namespace mamba::codegen::cuda {

/// Element type of a kernel operand in memory; arithmetic is always F32.
enum class ElemType { F32, BF16, F16 };

/// "f32", "bf16", "f16".
const char *elemTypeName(ElemType type);

/// Which stride of a [batch, channels, seqlen] operand is 1. Strides are
/// kernel arguments either way; the layout only picks the order of the
/// cooperative loads and stores so that consecutive threads touch
/// consecutive addresses.
enum class Layout {
  TokenMajor,   ///< [batch, seqlen, channels]: what GEMMs produce (runtime)
  ChannelMajor, ///< [batch, channels, seqlen]: the ssm dialect's layout
};

/// Launch-shape knobs: kernel parameters, never constants of the emitter, so
/// that mamba-tune can search them.
struct Schedule {
  int threadsPerBlock = 128;
  /// Scan: state entries of one channel held by one thread (d_state /
  /// itemsPerThread threads cooperate on a channel). Conv: tokens per thread.
  /// Row kernels (rmsnorm, gate, embedding, bias): unroll of the row loop.
  int itemsPerThread = 4;
  /// Scan only: tokens staged in shared memory per step of the time loop.
  int chunkLen = 64;
  /// Time-parallel scan only: tokens per time chunk (one block per time
  /// chunk and channel group; a multiple of chunkLen is best). 0 lets the
  /// runtime pick enough chunks to fill the GPU.
  int timeChunkLen = 0;
  /// Scan only: the fraction of each thread's exponentials computed by a
  /// polynomial on the FMA units instead of exp2f on the special-function
  /// units (round(fraction * itemsPerThread) of the itemsPerThread states);
  /// both units then work in parallel. 0 = all on the SFU.
  double fmaExpFraction = 0.0;
};

/// ssm.selective_scan: delta_bias, softplus, discretization, the recurrence,
/// the C readout, the D skip and the silu(z) gate fused in one kernel.
struct SelectiveScanDesc {
  std::string name = "selective_scan";
  ElemType uType = ElemType::F32;
  ElemType deltaType = ElemType::F32;
  ElemType zType = ElemType::F32;
  ElemType bcType = ElemType::F32;
  ElemType yType = ElemType::F32;
  int dState = 16;
  bool deltaSoftplus = true;
  bool hasDeltaBias = true;
  bool hasD = true;
  bool hasZ = true;
  /// Start from `state` rather than zero (the op's initial_state operand).
  bool hasInitialState = true;
  /// b_rule: false = simplified (dt * B), true = zoh ((exp(dt A) - 1) / A * B).
  bool zohB = false;
  Layout layout = Layout::TokenMajor;
  Schedule schedule;

  /// threadsPerBlock * itemsPerThread / dState.
  int channelsPerBlock() const;
};

/// ssm.causal_conv1d (depthwise, causal) with an optional fused SiLU and a
/// carried state of the last `width` inputs.
struct CausalConv1dDesc {
  std::string name = "causal_conv1d";
  ElemType xType = ElemType::F32;
  ElemType outType = ElemType::F32;
  int width = 4;
  bool hasBias = true;
  bool silu = true;
  /// Inputs before t = 0 come from the state (else zeros, as in the op).
  bool hasState = true;
  Layout layout = Layout::TokenMajor;
  Schedule schedule;
};

/// ssm.rmsnorm over rows, optionally fused with the residual add that
/// precedes it in a Mamba block (`hidden += residual` first).
struct RmsNormDesc {
  std::string name = "rmsnorm";
  ElemType hiddenType = ElemType::F32;
  ElemType residualType = ElemType::F32;
  ElemType weightType = ElemType::F32;
  ElemType outType = ElemType::F32;
  bool residualAdd = false;
  Schedule schedule;
};

/// ssm.gate: out = y * silu(z).
struct GateDesc {
  std::string name = "gate";
  ElemType yType = ElemType::F32;
  ElemType zType = ElemType::F32;
  ElemType outType = ElemType::F32;
  Schedule schedule;
};

/// ssm.embedding: out[row] = table[ids[row]].
struct EmbeddingDesc {
  std::string name = "embedding";
  ElemType tableType = ElemType::F32;
  ElemType outType = ElemType::F32;
  Schedule schedule;
};

/// The bias of ssm.linear, added after the GEMM (cuBLAS computes the product).
struct BiasAddDesc {
  std::string name = "bias_add";
  ElemType yType = ElemType::F32;
  ElemType biasType = ElemType::F32;
  Schedule schedule;
};

/// Source text, or why the description cannot be emitted.
struct Emitted {
  std::string source;
  std::string error;
  bool ok() const { return error.empty(); }
};

/// Type definitions and conversions every kernel uses; once per module.
std::string emitPrelude();

/// Prefill kernel `name`: the time axis in chunks of chunkLen inside a block,
/// state in registers. Signatures, grids and blocks: docs/cuda.md.
Emitted emitSelectiveScan(const SelectiveScanDesc &desc);
/// One-token decode step of the same op: state update + readout.
Emitted emitSelectiveScanStep(const SelectiveScanDesc &desc);
/// The time-parallel prefill of the same op, for grids too small to fill
/// the GPU (batch 1, long prompts): three kernels, launched in order.
/// `name`_chunk_state: the end state of each time chunk from a zero state,
/// and the chunk's sum of dt (its decay is exp(A * sum dt));
/// `name`_combine: a sequential pass over the chunks giving each chunk's
/// true initial state and the final state; `name`_chunk_scan: each chunk
/// again from its initial state, writing y.
Emitted emitSelectiveScanChunked(const SelectiveScanDesc &desc);
/// Prefill kernel `name` and, with hasState, `name`_state that moves the
/// last `width` inputs into the state (launched after `name`).
Emitted emitCausalConv1d(const CausalConv1dDesc &desc);
/// One-token decode step: shift the state, convolve, activate.
Emitted emitCausalConv1dStep(const CausalConv1dDesc &desc);
Emitted emitRmsNorm(const RmsNormDesc &desc);
Emitted emitGate(const GateDesc &desc);
Emitted emitEmbedding(const EmbeddingDesc &desc);
Emitted emitBiasAdd(const BiasAddDesc &desc);

/// The prelude followed by `kernels`, each already emitted.
std::string emitModule(const std::vector<std::string> &kernels);

} // namespace mamba::codegen::cuda

#endif // MAMBA_CODEGEN_CUDA_EMITTER_H

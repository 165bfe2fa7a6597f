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
  /// Scan only: load the next time chunk into registers while this one
  /// runs (the loads then hide behind the recurrence); false loads each
  /// chunk just before using it.
  bool prefetch = true;
  /// Scan and GEMV: blocks per SM the compiler must leave registers for
  /// (__launch_bounds__' second argument; 0 = no bound). Registers, not
  /// shared memory, are what limit their occupancy.
  int minBlocksPerSM = 0;
  /// Scan, token-major layout only: each thread loads its channel's u,
  /// delta and z and stores its y itself (consecutive threads, consecutive
  /// channels: coalesced), a chunk ahead in registers; only B and C go
  /// through shared memory. false stages u/delta/z/y tiles in shared memory
  /// as the channel-major layout must.
  bool directLoads = true;
  /// GEMV only: 16-byte weight loads each lane issues per row before using
  /// them (the k-loop unroll; more bytes in flight per SM).
  int loadsInFlight = 2;
  /// Split-K GEMV (conv step + linear): input channels per block; the
  /// blocks' partial products are summed by the last block to finish.
  int kSlice = 64;
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
  /// Decode step only: > 0 folds dt_proj into the kernel. `delta` is then
  /// dt_proj's input (x_proj's first dtRank outputs; its channel stride
  /// steps over the rank) and a trailing argument `dt_proj` [dim, dtRank]
  /// (F32) gives delta = dt_proj . delta_in per channel.
  int dtRank = 0;
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

/// The greedy pick of a decode step (argmax of each row of logits, F32): a
/// sampler's work, done where the logits are. One block per row.
struct GreedyPickDesc {
  std::string name = "greedy_pick";
  /// threadsPerBlock; itemsPerThread: unroll of the row loop.
  Schedule schedule{1024, 4};
};

/// How sample_pick walks a row. Both paths pick the same tokens (integer
/// sums, the same order); they differ in speed by sampler (H100, 50 280
/// logits, bench/results/cuda-2026-12-07g.md): the warp-run path takes
/// half the time of the thread-run one where a top-k of 50 precedes
/// (89 against 169 us with temperature alone + top-k, 96 against 202 with
/// top-p too), the thread-run path less where no top-k does (temperature
/// alone 24 against 36 us, top-p 160 against 303).
enum class SamplePickPath {
  /// Each thread walks a contiguous run of ids; histograms take a
  /// shared-memory atomic per token.
  ThreadRuns,
  /// Fewer passes over the row (after a top-k of at most 1 024 tokens, the
  /// rest on a list of them in shared memory), batched row loads, one
  /// histogram atomic per warp and digit, walks in id order over a run of
  /// ids per warp (read coalesced).
  WarpRuns,
  /// Per row: WarpRuns where top-k keeps 1 to warpRunsMaxTopK tokens,
  /// ThreadRuns otherwise.
  ByTopK,
};

/// The sampled pick of a decode step (F32 logits): repetition penalty,
/// temperature, top-k, top-p and min-p as the host sampler applies them,
/// the pick drawn with a uniform the host passes. One block per row.
struct SamplePickDesc {
  std::string name = "sample_pick";
  /// threadsPerBlock (itemsPerThread is not used).
  Schedule schedule{1024, 1};
  SamplePickPath path = SamplePickPath::ByTopK;
  /// ByTopK's bound: the listed top-k's pick costs O(k^2 / threads) shared
  /// reads, and at k = 1 000 (+ top-p 0.9) the warp-run path is already
  /// 10% slower (239 against 216 us); 512 lies between that and the 50
  /// where it is twice as fast.
  int warpRunsMaxTopK = 512;
};

/// ssm.linear for a few rows of activations (decode): y[b, row] = W[row] .
/// x[b] (+ bias), W row-major [rows, k], F32 accumulation and output. Each
/// warp owns itemsPerThread rows and reads them with 16-byte loads; all
/// batch rows are computed from one read of the weights.
struct GemvDesc {
  std::string name = "gemv";
  ElemType xType = ElemType::F32;
  ElemType wType = ElemType::F32;
  /// Batch rows the kernel holds accumulators for; it runs any batch up to
  /// this (1..64).
  int batch = 1;
  /// x is the F32 residual stream: the kernel applies ssm.rmsnorm (weight,
  /// eps) to it on the fly; the norm's per-row scale is computed per block
  /// (or per warp: normSumInLoop).
  bool normInput = false;
  /// With normInput: each warp sums the squares of x in its product loop
  /// (every warp reads all of x) instead of a block's pass over x and a
  /// barrier before the products: a shorter chain after the grid wait,
  /// paid for by every warp squaring all batch rows of x (H100, fused
  /// decode step: batch 1 130m +5%, 1.4b +0.5%; batch 4 -4 to -6%;
  /// bench/results/cuda-2026-12-07e.md).
  bool normSumInLoop = false;
  bool hasBias = false;
  /// y += W x (+ bias): the residual add of a block's output projection.
  bool accumulate = false;
  Schedule schedule;
};

/// The decode step of ssm.causal_conv1d (+ SiLU) fused with the ssm.linear
/// that consumes its output (x_proj): each block convolves kSlice channels,
/// stores them (`out`, the scan's u) and multiplies them by its K slice of
/// the weight [rows, dim]; the last block to finish sums the slices' partial
/// products in order (deterministic) into y [batch, rows] F32.
struct CausalConv1dStepLinearDesc {
  std::string name = "conv1d_step_linear";
  CausalConv1dDesc conv;
  ElemType wType = ElemType::F32;
  /// Output features (rows of the weight) and input features (channels):
  /// compile-time loop bounds.
  int rows = 1;
  int dim = 1;
  /// Largest batch (shared-memory tile of the convolved slice).
  int batch = 1;
  Schedule schedule; ///< threadsPerBlock, kSlice
};

/// The decode step's in_proj GEMV (`gemv`: input rmsnorm, bias, schedule;
/// no residual add) fused with what consumes its first `dim` rows (x): each
/// block runs the conv step (+ SiLU) of the x channels it computed (the
/// state is updated, the result stored in `conv_out`, the scan's u) and adds
/// their share of the ssm.linear that reads them (x_proj, W [rows, dim])
/// into y2 [batch, rows] (F32, zeroed beforehand) with atomic adds, so the
/// sum's order (its last bits) varies from run to run. The GEMV's rows per
/// block (warps x itemsPerThread) are the linear's K slice.
struct GemvConvStepLinearDesc {
  std::string name = "gemv_conv_step_linear";
  GemvDesc gemv;
  /// width, hasBias, silu, outType; hasState must be set.
  CausalConv1dDesc conv;
  ElemType wType = ElemType::F32;
  /// The linear's output features and input features (the conv channels):
  /// compile-time loop bounds.
  int rows = 1;
  int dim = 1;
  /// Loads each thread's first conv state (and conv weights) before
  /// mamba_grid_wait(), taking a DRAM read out of the dependent loads after
  /// it. Only for a state that the kernel launched just before this one
  /// does not write (a decode step's, written by this kernel one step
  /// earlier).
  bool stateBeforeWait = false;
};

/// The decode step of ssm.selective_scan with dt_proj folded in (scan.dtRank
/// >= 1) fused with the ssm.linear that reads its output (out_proj) and the
/// residual add after it: each block scans kSlice channels of every batch
/// row and adds their outputs times its K slice of the weight [rows, dim]
/// into y [batch, rows] (F32) with atomic adds, so the sum's order (its last
/// bits) varies from run to run. Operands are token-major (channel stride
/// 1); delta (dt_proj's input), B and C are rows of one x_proj output with
/// batch stride dbc_sb. The unfused pair needs two grid-wide dependencies.
struct SelectiveScanStepLinearDesc {
  std::string name = "selective_scan_step_linear";
  /// Types, fused options, dtRank and the lanes per channel (d_state /
  /// schedule.itemsPerThread) of the scan.
  SelectiveScanDesc scan;
  ElemType wType = ElemType::F32;
  /// Output features (rows of the weight) and input features (the scan's
  /// channels): compile-time loop bounds.
  int rows = 1;
  int dim = 1;
  /// Largest batch (accumulators per lane), 1..16.
  int batch = 1;
  bool hasBias = false;
  /// Loads the state of the first batch pass before mamba_grid_wait() too,
  /// taking a DRAM read out of the dependent loads after it. Only for a
  /// state that the kernel launched just before this one does not write
  /// (a decode step's, written by this kernel one step earlier); costs
  /// itemsPerThread registers across the wait.
  bool stateBeforeWait = false;
  /// threadsPerBlock; kSlice: channels per block; loadsInFlight: passes of
  /// 4 rows per row group whose weights are loaded before they are used.
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
/// `name`(logits, ld, vocab, summary, next_ids): grid = rows.
Emitted emitGreedyPick(const GreedyPickDesc &desc);
/// `name`(logits, ld, vocab, params, uniforms, seen, summary, next_ids):
/// grid = rows.
Emitted emitSamplePick(const SamplePickDesc &desc);
/// Batch-1..B GEMV `name`: grid ceil(rows / (threads / 32 * itemsPerThread)).
Emitted emitGemv(const GemvDesc &desc);
/// Conv step + split-K linear `name`: grid ceil(dim / kSlice).
Emitted emitCausalConv1dStepLinear(const CausalConv1dStepLinearDesc &desc);

/// GEMV + conv step + split-K linear `name`: the GEMV's grid.
Emitted emitGemvConvStepLinear(const GemvConvStepLinearDesc &desc);
/// Scan step + split-K linear `name`: grid ceil(dim / kSlice).
Emitted emitSelectiveScanStepLinear(const SelectiveScanStepLinearDesc &desc);
/// The prelude followed by `kernels`, each already emitted.
std::string emitModule(const std::vector<std::string> &kernels);
/// The module of `parts`, or the error of the first part that failed.
Emitted emitModuleOf(const std::vector<Emitted> &parts);

} // namespace mamba::codegen::cuda

#endif // MAMBA_CODEGEN_CUDA_EMITTER_H

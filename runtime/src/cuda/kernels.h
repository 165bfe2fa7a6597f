// Typed launchers of the generated kernels: they pack the arguments in the
// order codegen/cuda emits them and pick the grid from the description.
#ifndef MAMBA_CUDA_KERNELS_H
#define MAMBA_CUDA_KERNELS_H

#include "device.h"
#include "mamba/codegen/cuda_emitter.h"
#include "mamba/codegen/generic_scan.h"
#include "mamba/codegen/strided_map.h"

#include <string>
#include <vector>

namespace mamba::cuda {

namespace cg = mamba::codegen::cuda;

/// Strides (in elements) of a [batch, channels, time] view.
struct Strides {
  long long batch = 0, channel = 0, time = 0;
};

/// A [batch, channels, time] view of a token-major matrix whose row
/// b * len + t has `ld` elements per row.
inline Strides tokenMajor(long long len, long long ld) {
  return {len * ld, 1, ld};
}

struct ScanTensors {
  const void *u, *delta, *b, *c, *z;
  const float *a, *d, *deltaBias;
  float *state;
  void *y;
  Strides uS, deltaS, zS, yS, bS, cS; ///< B/C: channel stride = d_state stride
  int batch, dim, seqlen;
  /// With desc.dtRank > 0 (step only): dt_proj [dim, dtRank], and `delta`
  /// is its input (deltaS.channel steps over the rank).
  const float *dtProj = nullptr;
};
/// Prefill kernel, or the step kernel when `step` (seqlen must then be 1).
/// Only the step kernel may be launched Programmatic.
Status launchSelectiveScan(Device &dev, CUfunction f,
                           const cg::SelectiveScanDesc &desc,
                           const ScanTensors &t, bool step,
                           Device::Order order = Device::Order::Serial);

/// The three kernels of the time-parallel scan (emitSelectiveScanChunked).
struct ScanChunkedKernels {
  CUfunction chunkState = nullptr, combine = nullptr, chunkScan = nullptr;
};
/// Floats of workspace the time-parallel scan needs: chunk end states
/// [batch, chunks, dim, d_state] and dt sums [batch, chunks, dim].
size_t scanChunkedWorkspaceFloats(const cg::SelectiveScanDesc &desc, int batch,
                                  int dim, int seqlen, int timeChunkLen);
/// The fewest blocks of `desc`'s sequential scan that keep `smCount` SMs
/// busy enough (64 channels per SM); below it, prefill runs the
/// time-parallel scan (cuda_scan_bench on an H100, 2 lanes of 8 states: at
/// 39 channels per SM (1 x 8192 x 5120) time-parallel is 1.09x faster, at
/// 93 (8 x 2048 x 1536 and 8 x 8192 x 1536) sequential is 1.32-1.45x
/// faster).
int scanMinBlocks(const cg::SelectiveScanDesc &desc, int smCount);
/// Tokens per time chunk for the time-parallel scan of this shape, or 0 when
/// the sequential kernel's batch x channel-group grid already fills about
/// `minBlocks` blocks (the time-parallel passes cost 1.5x the memory traffic
/// and 2x the exponentials). desc.schedule.timeChunkLen, when set, is used
/// as is; else enough chunks for ~8 x minBlocks blocks but at least 128
/// tokens each, rounded up to a multiple of chunkLen.
int scanTimeChunkLen(const cg::SelectiveScanDesc &desc, int batch, int dim,
                     int seqlen, int minBlocks);
/// The runtime's choice for one prefill scan: scanTimeChunkLen of `chunked`
/// with `seq`'s scanMinBlocks on `smCount` SMs, or 0 (the sequential
/// kernel) also where the chunk states exceed `workspaceBytes`.
int scanTimeChunkFor(const cg::SelectiveScanDesc &seq,
                     const cg::SelectiveScanDesc &chunked, int batch, int dim,
                     int seqlen, int smCount, size_t workspaceBytes);
/// Bytes of chunk states that cover scanTimeChunkFor at every batch up to
/// `maxBatch` for `seqlen` tokens (the chunk count depends on the batch, so
/// the largest need is not always at maxBatch); 0 where no batch runs the
/// time-parallel scan.
size_t scanChunkedWorkspaceBytes(const cg::SelectiveScanDesc &seq,
                                 const cg::SelectiveScanDesc &chunked,
                                 int maxBatch, int dim, int seqlen,
                                 int smCount);
/// Passes 1-3 of the time-parallel scan; `workspace` holds
/// scanChunkedWorkspaceFloats floats. Same result as launchSelectiveScan,
/// final state included.
Status launchSelectiveScanChunked(Device &dev, const ScanChunkedKernels &f,
                                  const cg::SelectiveScanDesc &desc,
                                  const ScanTensors &t, int timeChunkLen,
                                  float *workspace);

struct ConvTensors {
  const void *x;
  const float *weight, *bias;
  float *state;
  void *out;
  Strides xS, outS;
  int batch, dim, seqlen;
};
/// Prefill: `f`, then `stateUpdate` (null when the desc has no state).
Status launchCausalConv1d(Device &dev, CUfunction f, CUfunction stateUpdate,
                          const cg::CausalConv1dDesc &desc,
                          const ConvTensors &t);
Status launchCausalConv1dStep(Device &dev, CUfunction f,
                              const cg::CausalConv1dDesc &desc,
                              const ConvTensors &t);

/// The operands of a decode GEMV: y[b] for b < batch from x[b] (row
/// strides ldx, ldy) and W [rows, k].
struct GemvTensors {
  const void *x;
  long long ldx;
  const void *w;
  const float *bias, *normWeight;
  float eps;
  float *y;
  long long ldy;
  int batch, rows, k;
};
/// y[b, row] (=, or += with desc.accumulate) W[row] . x[b] (+ bias) for
/// batch <= desc.batch; with desc.normInput, x is rmsnorm'ed by normWeight.
Status launchGemv(Device &dev, CUfunction f, const cg::GemvDesc &desc,
                  const GemvTensors &g,
                  Device::Order order = Device::Order::Serial);

/// The GEMV `g` (as launchGemv) fused with the conv step of its first
/// desc.dim rows (`conv`: weight, bias, state, out and outS of one token;
/// x comes from the GEMV) and y2[b] += W2 . conv_out[b] (W2 [desc.rows,
/// desc.dim]; y2 F32 with row stride ldy2, zeroed by the caller).
Status launchGemvConvStepLinear(Device &dev, CUfunction f,
                                const cg::GemvConvStepLinearDesc &desc,
                                const GemvTensors &g, const ConvTensors &conv,
                                const void *w2, float *y2, long long ldy2,
                                Device::Order order = Device::Order::Serial);

/// Scan step (dt_proj folded in; t as for launchSelectiveScan at seqlen 1,
/// token-major, delta/B/C rows sharing deltaS.batch) fused with y[b] += W .
/// scan_y[b] (+ bias; W [desc.rows, desc.dim], y F32 with row stride ldy):
/// t.y is not written, the scan's output goes straight into the product.
Status launchSelectiveScanStepLinear(
    Device &dev, CUfunction f, const cg::SelectiveScanStepLinearDesc &desc,
    const ScanTensors &t, const void *w, const float *bias, float *y,
    long long ldy, Device::Order order = Device::Order::Serial);

/// Grid size of the conv step + split-K linear: its partial products take
/// blocks x batch x desc.rows floats.
int convStepLinearBlocks(const cg::CausalConv1dStepLinearDesc &desc, int dim);
/// Conv step (t as for launchCausalConv1dStep, token-major rows) fused with
/// y[b] = W . out[b] (W [desc.rows, dim]); `counter` is a zeroed device word
/// the kernel leaves zeroed.
Status launchCausalConv1dStepLinear(
    Device &dev, CUfunction f, const cg::CausalConv1dStepLinearDesc &desc,
    const ConvTensors &t, const void *w, float *partial, unsigned *counter,
    float *y, long long ldy, Device::Order order = Device::Order::Serial);

Status launchRmsNorm(Device &dev, CUfunction f, const cg::RmsNormDesc &desc,
                     void *hidden, long long ldHidden, const void *residual,
                     long long ldResidual, const void *weight, void *out,
                     long long ldOut, int rows, int dim, float eps);
Status launchEmbedding(Device &dev, CUfunction f, const cg::EmbeddingDesc &desc,
                       const int *ids, const void *table, void *out,
                       long long ldOut, int rows, int dim, int vocab);
/// `summary` receives 4 ints per row (GreedyPickDesc's layout), `nextIds`
/// one; `logits` rows are `ld` floats apart.
Status launchGreedyPick(Device &dev, CUfunction f,
                        const cg::GreedyPickDesc &desc, const float *logits,
                        long long ld, int vocab, int rows, void *summary,
                        int *nextIds);
/// The sampled pick: `params` 8 floats per row (sample_pick's layout),
/// `uniforms` one double per row, `seen` `vocab` bytes per row; outputs as
/// launchGreedyPick's.
Status launchSamplePick(Device &dev, CUfunction f,
                        const cg::SamplePickDesc &desc, const float *logits,
                        long long ld, int vocab, int rows, const void *params,
                        const double *uniforms, unsigned char *seen,
                        void *summary, int *nextIds);
Status launchBiasAdd(Device &dev, CUfunction f, const cg::BiasAddDesc &desc,
                     void *y, long long ldy, const void *bias, int rows,
                     int cols);
Status launchGate(Device &dev, CUfunction f, const cg::GateDesc &desc,
                  const void *y, long long ldy, const void *z, long long ldz,
                  void *out, long long ldOut, int rows, int cols);

/// An operand of a strided map: its address and four element strides.
struct Strided4 {
  const void *data = nullptr;
  long long stride[4] = {};
};
/// out = op(a, b, c) over shape[0..3] (emitStridedMap).
Status launchStridedMap(Device &dev, CUfunction f,
                        const cg::StridedMapDesc &desc,
                        const long long shape[4], const Strided4 &a,
                        const Strided4 &b, const Strided4 &c,
                        const Strided4 &out);

/// The tensors of a generic scan (emitGenericScan), strides in elements in
/// each tensor's own dimension order.
struct GenericScanTensors {
  std::vector<const void *> inputs;
  std::vector<std::vector<long long>> inputStrides;
  const float *init = nullptr; ///< null without desc.hasInit
  std::vector<long long> initStrides;
  void *y = nullptr;
  std::vector<long long> yStrides;
  float *finalState = nullptr; ///< may be init's storage
  std::vector<long long> stateStrides;
  std::vector<long long> stateSizes; ///< n_0..n_{R-1}
  int seqlen = 0;
};
Status launchGenericScan(Device &dev, CUfunction f,
                         const cg::GenericScanDesc &desc,
                         const GenericScanTensors &t);

/// The default schedule of the scan's prefill kernels for `dState`: one
/// thread per channel up to 8 states (more are split over lanes of 8), 128
/// threads with registers for 3 blocks per SM, token-major direct loads,
/// time chunks of 16 tokens (or one per lane, if more; fewer lanes and
/// tokens where a chunk's B and C would not fit 48 KiB of shared memory).
cg::Schedule defaultScanSchedule(int dState);

/// The time-parallel prefill (emitSelectiveScanChunked) of the sequential
/// scan `prefill`, named `name`: its schedule with at most 32 staged tokens
/// per chunk (a staged schedule then fits more blocks per SM). CudaModel
/// and the plan executor both run it.
cg::SelectiveScanDesc chunkedScanDesc(const cg::SelectiveScanDesc &prefill,
                                      const std::string &name);

/// The default schedule of the one-token scan step for `dState`: up to 4
/// lanes per channel (4 states per thread at d_state 16), so that a batch-1
/// step still has enough threads to spread over the GPU.
cg::Schedule defaultScanStepSchedule(int dState);

} // namespace mamba::cuda

#endif // MAMBA_CUDA_KERNELS_H

// Argument packing and grids of the generated kernels; the argument order is
// the one codegen/cuda prints (docs/cuda.md lists the signatures).
#include "kernels.h"

#include <algorithm>

namespace mamba::cuda {
namespace {
unsigned ceilDiv(long long a, long long b) {
  return static_cast<unsigned>((a + b - 1) / b);
}
/// Rows of W one block of a generated GEMV covers: itemsPerThread per warp.
int gemvRowsPerBlock(const cg::Schedule &s) {
  return s.threadsPerBlock / 32 * s.itemsPerThread;
}
} // namespace

Status launchSelectiveScan(Device &dev, CUfunction f,
                           const cg::SelectiveScanDesc &desc,
                           const ScanTensors &t, bool step,
                           Device::Order order) {
  if (step && t.seqlen != 1)
    return Status::error("the scan step kernel takes one token");
  if (desc.dtRank > 0 && (!step || !t.dtProj))
    return Status::error("a scan with dt_proj folded in is a step kernel and "
                         "needs the dt_proj weight");
  if (!step && order == Device::Order::Programmatic)
    return Status::error(desc.name + ": only the scan step waits for the "
                                     "kernel before it");
  ScanTensors a = t;
  auto args = kernelArgs(
      a.u, a.delta, a.a, a.b, a.c, a.d, a.z, a.deltaBias, a.state, a.y, a.batch,
      a.dim, a.seqlen, a.uS.batch, a.uS.channel, a.uS.time, a.deltaS.batch,
      a.deltaS.channel, a.deltaS.time, a.zS.batch, a.zS.channel, a.zS.time,
      a.yS.batch, a.yS.channel, a.yS.time, a.bS.batch, a.bS.channel, a.bS.time,
      a.cS.batch, a.cS.channel, a.cS.time, a.dtProj);
  if (desc.dtRank == 0)
    args.pop_back();
  return dev.launch(f, ceilDiv(t.dim, desc.channelsPerBlock()), t.batch, 1,
                    desc.schedule.threadsPerBlock, args.data(),
                    desc.name.c_str(), order);
}

size_t scanChunkedWorkspaceFloats(const cg::SelectiveScanDesc &desc, int batch,
                                  int dim, int seqlen, int timeChunkLen) {
  if (timeChunkLen <= 0)
    return 0;
  const size_t chunks = ceilDiv(seqlen, timeChunkLen);
  return static_cast<size_t>(batch) * chunks * dim * (desc.dState + 1);
}

int scanMinBlocks(const cg::SelectiveScanDesc &desc, int smCount) {
  // Channels, not warps: the lanes of a channel share its sequential work,
  // they do not add parallel work of their own.
  constexpr int kMinChannelsPerSm = 64;
  return static_cast<int>(
      ceilDiv(kMinChannelsPerSm * smCount, desc.channelsPerBlock()));
}

int scanTimeChunkLen(const cg::SelectiveScanDesc &desc, int batch, int dim,
                     int seqlen, int minBlocks) {
  const long long blocks =
      static_cast<long long>(batch) * ceilDiv(dim, desc.channelsPerBlock());
  const int step = desc.schedule.chunkLen;
  if (blocks >= minBlocks || seqlen < 2 * step)
    return 0;
  int len = desc.schedule.timeChunkLen;
  if (len <= 0) {
    // cuda_scan_bench's chunk length sweep (bench/results/
    // cuda-2026-12-07c.md): 8192 x 5120 is fastest at 8-16 chunks of 80
    // channel groups, 2048 x 1536 at 128 tokens per chunk; shorter chunks
    // are dominated by the per-chunk passes.
    constexpr int kMinTokens = 128;
    const long long chunks = (8LL * minBlocks + blocks - 1) / blocks;
    len = static_cast<int>((seqlen + chunks - 1) / chunks);
    len = std::max(len, kMinTokens);
    len = (len + step - 1) / step * step;
  }
  return len < seqlen ? len : 0;
}

int scanTimeChunkFor(const cg::SelectiveScanDesc &seq,
                     const cg::SelectiveScanDesc &chunked, int batch, int dim,
                     int seqlen, int smCount, size_t workspaceBytes) {
  const int len = scanTimeChunkLen(chunked, batch, dim, seqlen,
                                   scanMinBlocks(seq, smCount));
  if (len == 0 || scanChunkedWorkspaceFloats(chunked, batch, dim, seqlen, len) *
                          sizeof(float) >
                      workspaceBytes)
    return 0;
  return len;
}

size_t scanChunkedWorkspaceBytes(const cg::SelectiveScanDesc &seq,
                                 const cg::SelectiveScanDesc &chunked,
                                 int maxBatch, int dim, int seqlen,
                                 int smCount) {
  size_t floats = 0;
  for (int b = 1; b <= maxBatch; ++b) {
    const int len =
        scanTimeChunkLen(chunked, b, dim, seqlen, scanMinBlocks(seq, smCount));
    floats = std::max(floats,
                      scanChunkedWorkspaceFloats(chunked, b, dim, seqlen, len));
  }
  return floats * sizeof(float);
}

Status launchSelectiveScanChunked(Device &dev, const ScanChunkedKernels &f,
                                  const cg::SelectiveScanDesc &desc,
                                  const ScanTensors &t, int timeChunkLen,
                                  float *workspace) {
  if (timeChunkLen <= 0)
    return Status::error("the time-parallel scan needs timeChunkLen > 0");
  ScanTensors a = t;
  int chunks = static_cast<int>(ceilDiv(t.seqlen, timeChunkLen));
  float *chunkState = workspace;
  float *chunkDtSum =
      workspace + static_cast<size_t>(t.batch) * chunks * t.dim * desc.dState;
  int chunkLen = timeChunkLen;
  auto args = kernelArgs(
      a.u, a.delta, a.a, a.b, a.c, a.d, a.z, a.deltaBias, a.state, a.y, a.batch,
      a.dim, a.seqlen, a.uS.batch, a.uS.channel, a.uS.time, a.deltaS.batch,
      a.deltaS.channel, a.deltaS.time, a.zS.batch, a.zS.channel, a.zS.time,
      a.yS.batch, a.yS.channel, a.yS.time, a.bS.batch, a.bS.channel, a.bS.time,
      a.cS.batch, a.cS.channel, a.cS.time, chunkState, chunkDtSum, chunkLen);
  const unsigned groups = ceilDiv(t.dim, desc.channelsPerBlock());
  const unsigned threads = desc.schedule.threadsPerBlock;
  MAMBA_RETURN_IF_ERROR(dev.launch(f.chunkState, groups, chunks, t.batch,
                                   threads, args.data(),
                                   (desc.name + "_chunk_state").c_str()));
  auto combineArgs =
      kernelArgs(a.a, a.state, chunkState, chunkDtSum, a.batch, a.dim, chunks);
  MAMBA_RETURN_IF_ERROR(dev.launch(
      f.combine,
      ceilDiv(static_cast<long long>(t.batch) * t.dim * desc.dState, threads),
      1, 1, threads, combineArgs.data(), (desc.name + "_combine").c_str()));
  return dev.launch(f.chunkScan, groups, chunks, t.batch, threads, args.data(),
                    (desc.name + "_chunk_scan").c_str());
}

Status launchCausalConv1d(Device &dev, CUfunction f, CUfunction stateUpdate,
                          const cg::CausalConv1dDesc &desc,
                          const ConvTensors &t) {
  ConvTensors a = t;
  const int threads = desc.schedule.threadsPerBlock;
  auto args = kernelArgs(a.x, a.weight, a.bias, a.state, a.out, a.batch, a.dim,
                         a.seqlen, a.xS.batch, a.xS.channel, a.xS.time,
                         a.outS.batch, a.outS.channel, a.outS.time);
  MAMBA_RETURN_IF_ERROR(
      dev.launch(f, ceilDiv(t.dim, threads),
                 ceilDiv(t.seqlen, desc.schedule.itemsPerThread), t.batch,
                 threads, args.data(), desc.name.c_str()));
  if (!stateUpdate)
    return Status::success();
  auto stateArgs = kernelArgs(a.x, a.state, a.batch, a.dim, a.seqlen,
                              a.xS.batch, a.xS.channel, a.xS.time);
  return dev.launch(stateUpdate, ceilDiv(t.dim, threads), t.batch, 1, threads,
                    stateArgs.data(), (desc.name + "_state").c_str());
}

Status launchCausalConv1dStep(Device &dev, CUfunction f,
                              const cg::CausalConv1dDesc &desc,
                              const ConvTensors &t) {
  if (t.seqlen != 1)
    return Status::error("the conv step kernel takes one token");
  ConvTensors a = t;
  const int threads = desc.schedule.threadsPerBlock;
  auto args =
      kernelArgs(a.x, a.weight, a.bias, a.state, a.out, a.batch, a.dim,
                 a.xS.batch, a.xS.channel, a.outS.batch, a.outS.channel);
  return dev.launch(f, ceilDiv(t.dim, threads), t.batch, 1, threads,
                    args.data(), desc.name.c_str());
}

Status launchGemv(Device &dev, CUfunction f, const cg::GemvDesc &desc,
                  const GemvTensors &g, Device::Order order) {
  if (g.batch < 1 || g.batch > desc.batch)
    return Status::error(desc.name + " runs batch 1.." +
                         std::to_string(desc.batch) + ", got " +
                         std::to_string(g.batch));
  GemvTensors a = g;
  auto args = kernelArgs(a.x, a.ldx, a.w, a.bias, a.normWeight, a.eps, a.y,
                         a.ldy, a.batch, a.rows, a.k);
  return dev.launch(f, ceilDiv(g.rows, gemvRowsPerBlock(desc.schedule)), 1, 1,
                    desc.schedule.threadsPerBlock, args.data(),
                    desc.name.c_str(), order);
}

Status launchGemvConvStepLinear(Device &dev, CUfunction f,
                                const cg::GemvConvStepLinearDesc &desc,
                                const GemvTensors &g, const ConvTensors &conv,
                                const void *w2, float *y2, long long ldy2,
                                Device::Order order) {
  if (g.batch < 1 || g.batch > desc.gemv.batch || conv.batch != g.batch ||
      conv.seqlen != 1 || conv.dim != desc.dim || g.rows < desc.dim ||
      conv.outS.channel != 1)
    return Status::error(desc.name + " takes one token of batch 1.." +
                         std::to_string(desc.gemv.batch) + " with " +
                         std::to_string(desc.dim) +
                         " conv channels (the GEMV's first rows), token-major");
  GemvTensors a = g;
  ConvTensors c = conv;
  auto args = kernelArgs(a.x, a.ldx, a.w, a.bias, a.normWeight, a.eps, a.y,
                         a.ldy, a.batch, a.rows, a.k, c.weight, c.bias, c.state,
                         c.out, c.outS.batch, w2, y2, ldy2);
  return dev.launch(f, ceilDiv(g.rows, gemvRowsPerBlock(desc.gemv.schedule)), 1,
                    1, desc.gemv.schedule.threadsPerBlock, args.data(),
                    desc.name.c_str(), order);
}

Status launchSelectiveScanStepLinear(
    Device &dev, CUfunction f, const cg::SelectiveScanStepLinearDesc &desc,
    const ScanTensors &t, const void *w, const float *bias, float *y,
    long long ldy, Device::Order order) {
  const char *unit =
      t.uS.channel == 1 && t.zS.channel == 1 && t.deltaS.channel == 1 &&
              t.bS.channel == 1 && t.cS.channel == 1 &&
              t.bS.batch == t.deltaS.batch && t.cS.batch == t.deltaS.batch
          ? nullptr
          : "token-major operands and one x_proj row per batch "
            "row for delta, B and C";
  if (t.seqlen != 1 || t.batch < 1 || t.batch > desc.batch ||
      t.dim != desc.dim || unit || !t.dtProj || (desc.hasBias && !bias))
    return Status::error(
        desc.name + " takes one token of batch 1.." +
        std::to_string(desc.batch) + ", " + std::to_string(desc.dim) +
        " channels, " + (unit ? unit : "token-major operands") +
        ", the dt_proj weight" + (desc.hasBias ? " and the bias" : ""));
  ScanTensors a = t;
  auto args = kernelArgs(a.u, a.uS.batch, a.delta, a.b, a.c, a.deltaS.batch,
                         a.a, a.d, a.z, a.zS.batch, a.deltaBias, a.dtProj,
                         a.state, w, bias, y, ldy, a.batch);
  return dev.launch(f, ceilDiv(t.dim, desc.schedule.kSlice), 1, 1,
                    desc.schedule.threadsPerBlock, args.data(),
                    desc.name.c_str(), order);
}

int convStepLinearBlocks(const cg::CausalConv1dStepLinearDesc &desc, int dim) {
  return static_cast<int>(ceilDiv(dim, desc.schedule.kSlice));
}

Status launchCausalConv1dStepLinear(Device &dev, CUfunction f,
                                    const cg::CausalConv1dStepLinearDesc &desc,
                                    const ConvTensors &t, const void *w,
                                    float *partial, unsigned *counter, float *y,
                                    long long ldy, Device::Order order) {
  if (t.seqlen != 1 || t.batch < 1 || t.batch > desc.batch ||
      t.dim != desc.dim || t.xS.channel != 1 || t.outS.channel != 1)
    return Status::error(desc.name + " takes one token of batch 1.." +
                         std::to_string(desc.batch) + " and " +
                         std::to_string(desc.dim) + " channels, token-major");
  ConvTensors a = t;
  auto args = kernelArgs(a.x, a.xS.batch, a.weight, a.bias, a.state, a.out,
                         a.outS.batch, w, partial, counter, y, ldy, a.batch);
  return dev.launch(f, convStepLinearBlocks(desc, t.dim), 1, 1,
                    desc.schedule.threadsPerBlock, args.data(),
                    desc.name.c_str(), order);
}

Status launchRmsNorm(Device &dev, CUfunction f, const cg::RmsNormDesc &desc,
                     void *hidden, long long ldHidden, const void *residual,
                     long long ldResidual, const void *weight, void *out,
                     long long ldOut, int rows, int dim, float eps) {
  auto args = kernelArgs(hidden, ldHidden, residual, ldResidual, weight, out,
                         ldOut, rows, dim, eps);
  return dev.launch(f, rows, 1, 1, desc.schedule.threadsPerBlock, args.data(),
                    desc.name.c_str());
}

Status launchEmbedding(Device &dev, CUfunction f, const cg::EmbeddingDesc &desc,
                       const int *ids, const void *table, void *out,
                       long long ldOut, int rows, int dim, int vocab) {
  auto args = kernelArgs(ids, table, out, ldOut, rows, dim, vocab);
  return dev.launch(f, rows, 1, 1, desc.schedule.threadsPerBlock, args.data(),
                    desc.name.c_str());
}

Status launchGreedyPick(Device &dev, CUfunction f,
                        const cg::GreedyPickDesc &desc, const float *logits,
                        long long ld, int vocab, int rows, void *summary,
                        int *nextIds) {
  auto args = kernelArgs(logits, ld, vocab, summary, nextIds);
  return dev.launch(f, rows, 1, 1, desc.schedule.threadsPerBlock, args.data(),
                    desc.name.c_str());
}

Status launchSamplePick(Device &dev, CUfunction f,
                        const cg::SamplePickDesc &desc, const float *logits,
                        long long ld, int vocab, int rows, const void *params,
                        const double *uniforms, unsigned char *seen,
                        void *summary, int *nextIds) {
  auto args =
      kernelArgs(logits, ld, vocab, params, uniforms, seen, summary, nextIds);
  return dev.launch(f, rows, 1, 1, desc.schedule.threadsPerBlock, args.data(),
                    desc.name.c_str());
}

Status launchBiasAdd(Device &dev, CUfunction f, const cg::BiasAddDesc &desc,
                     void *y, long long ldy, const void *bias, int rows,
                     int cols) {
  auto args = kernelArgs(y, ldy, bias, rows, cols);
  return dev.launch(f, rows, 1, 1, desc.schedule.threadsPerBlock, args.data(),
                    desc.name.c_str());
}

Status launchGate(Device &dev, CUfunction f, const cg::GateDesc &desc,
                  const void *y, long long ldy, const void *z, long long ldz,
                  void *out, long long ldOut, int rows, int cols) {
  auto args = kernelArgs(y, ldy, z, ldz, out, ldOut, rows, cols);
  return dev.launch(f, rows, 1, 1, desc.schedule.threadsPerBlock, args.data(),
                    desc.name.c_str());
}

Status launchStridedMap(Device &dev, CUfunction f,
                        const cg::StridedMapDesc &desc,
                        const long long shape[4], const Strided4 &a,
                        const Strided4 &b, const Strided4 &c,
                        const Strided4 &out) {
  const long long total = shape[0] * shape[1] * shape[2] * shape[3];
  if (total == 0)
    return Status::success();
  const void *pa = a.data, *pb = b.data, *pc = c.data, *po = out.data;
  long long n[4], s[16];
  for (int i = 0; i < 4; ++i) {
    n[i] = shape[i];
    s[i] = a.stride[i];
    s[4 + i] = b.stride[i];
    s[8 + i] = c.stride[i];
    s[12 + i] = out.stride[i];
  }
  std::vector<void *> args = {&pa, &pb, &pc, &po};
  for (long long &v : n)
    args.push_back(&v);
  for (long long &v : s)
    args.push_back(&v);
  // The loop strides over the grid: a few waves of blocks suffice.
  const long long threads = desc.schedule.threadsPerBlock;
  const long long blocks = std::min<long long>(
      (total + threads - 1) / threads, 64LL * std::max(dev.smCount(), 1));
  return dev.launch(f, static_cast<unsigned>(blocks), 1, 1,
                    desc.schedule.threadsPerBlock, args.data(),
                    desc.name.c_str());
}

Status launchGenericScan(Device &dev, CUfunction f,
                         const cg::GenericScanDesc &desc,
                         const GenericScanTensors &t) {
  const size_t rank = static_cast<size_t>(desc.stateRank);
  if (t.inputs.size() != desc.inputDims.size() ||
      t.inputStrides.size() != desc.inputDims.size() ||
      t.stateSizes.size() != rank || t.initStrides.size() != rank ||
      t.stateStrides.size() != rank ||
      t.yStrides.size() != desc.outputDims.size())
    return Status::error(desc.name + ": tensors do not match the scan's "
                                     "description");
  for (size_t k = 0; k < t.inputs.size(); ++k)
    if (t.inputStrides[k].size() != desc.inputDims[k].size())
      return Status::error(desc.name + ": input #" + std::to_string(k) +
                           " has the wrong rank");
  // Arguments in the emitter's order: pointers, sizes, then strides.
  std::vector<const void *> ptrs = t.inputs;
  ptrs.push_back(desc.hasInit ? t.init : nullptr);
  ptrs.push_back(t.y);
  ptrs.push_back(t.finalState);
  std::vector<int> ints;
  for (long long n : t.stateSizes)
    ints.push_back(static_cast<int>(n));
  ints.push_back(t.seqlen);
  std::vector<long long> strides;
  for (const std::vector<long long> &s : t.inputStrides)
    strides.insert(strides.end(), s.begin(), s.end());
  strides.insert(strides.end(), t.initStrides.begin(), t.initStrides.end());
  strides.insert(strides.end(), t.yStrides.begin(), t.yStrides.end());
  strides.insert(strides.end(), t.stateStrides.begin(), t.stateStrides.end());
  std::vector<void *> args;
  for (const void *&p : ptrs)
    args.push_back(&p);
  for (int &i : ints)
    args.push_back(&i);
  for (long long &s : strides)
    args.push_back(&s);
  const long long blocks = cg::genericScanBlocks(desc, t.stateSizes);
  if (blocks <= 0)
    return Status::success();
  return dev.launch(f, static_cast<unsigned>(blocks), 1, 1,
                    desc.schedule.threadsPerBlock, args.data(),
                    desc.name.c_str());
}

cg::SelectiveScanDesc chunkedScanDesc(const cg::SelectiveScanDesc &prefill,
                                      const std::string &name) {
  cg::SelectiveScanDesc d = prefill;
  d.name = name;
  d.schedule.chunkLen = std::min(prefill.schedule.chunkLen, 32);
  return d;
}

cg::Schedule defaultScanSchedule(int dState) {
  cg::Schedule s;
  // 8 states per thread: the kernel is issue-bound, and one thread of 16
  // states per channel leaves 2-3 warps per SM sub-partition to hide its
  // latencies, while 4 states per thread repeat the per-token work too often
  // (bench/results/cuda-2026-12-07c.md: at 8 x 8192 x 5120, 4 lanes of 4
  // are 1.26-1.30x slower than 2 of 8, 1 of 16 1.38-1.48x).
  // The lanes share out a chunk's tokens, so a chunk holds a multiple of
  // them, and its B and C (F32 in shared memory) must fit the 48 KiB of
  // static shared memory: at d_state 256 that is 24 tokens, so 16 lanes.
  const int maxChunk = 48 * 1024 / (dState * 2 * 4);
  int lanes = 1;
  while (dState / lanes > 8 && dState % (lanes * 2) == 0 &&
         lanes * 2 <= std::min(32, maxChunk))
    lanes *= 2;
  s.itemsPerThread = dState / lanes;
  // 16 tokens: among the fastest of cuda_scan_bench's sweep on an H100 for
  // both types and shapes (within 2.5%; run-to-run noise is a few %).
  s.threadsPerBlock = 128;
  s.chunkLen = std::max(16, lanes);
  if (s.chunkLen > maxChunk)
    s.chunkLen = std::max(lanes, maxChunk / lanes * lanes);
  s.minBlocksPerSM = 3;
  return s;
}

cg::Schedule defaultScanStepSchedule(int dState) {
  cg::Schedule s;
  s.threadsPerBlock = 128;
  // The largest power-of-two lane count <= 4 that divides d_state.
  int lanes = 1;
  while (lanes < 4 && dState % (lanes * 2) == 0)
    lanes *= 2;
  s.itemsPerThread = dState / lanes;
  return s;
}

} // namespace mamba::cuda

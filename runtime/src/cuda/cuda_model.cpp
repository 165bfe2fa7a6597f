// CudaModel: the Mamba-1 layer stack on one GPU. Generated kernels for the
// elementwise and scan work, cuBLAS for the projections, one stream.
#include "mamba/cuda_model.h"

#include "../forward_checks.h"
#include "blas.h"
#include "compiler.h"
#include "cuda_model_impl.h"
#include "device.h"
#include "kernels.h"
#include "mamba/sampler.h"
#include "sample_pick_params.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>

namespace mamba {

using cuda::DeviceBuffer;
namespace cg = codegen::cuda;

namespace {

cg::ElemType elemType(DType t) {
  return t == DType::BF16  ? cg::ElemType::BF16
         : t == DType::F16 ? cg::ElemType::F16
                           : cg::ElemType::F32;
}

cg::Schedule rowSchedule() {
  cg::Schedule s;
  s.threadsPerBlock = 256;
  s.itemsPerThread = 4;
  return s;
}

/// Batch sizes the fused decode GEMVs are generated for (their accumulator
/// tiles); a batch runs in the smallest one that holds it.
constexpr int kGemvBuckets[] = {1, 4, 16};
constexpr int kFusedMaxBatch = 16;
/// Buckets up to this batch also have the two kernels of the non-
/// deterministic step (in_proj + conv step + x_proj, scan step + out_proj):
/// beyond it their accumulators next to the weights in flight spill.
constexpr int kTwoKernelMaxBatch = 4;

size_t gemvBucket(int64_t batch) {
  size_t i = 0;
  while (kGemvBuckets[i] < batch)
    ++i;
  return i;
}

/// 8 warps of 4 rows with 2 loads in flight up to batch 4, the fastest
/// in_proj and lm_head of cuda_decode_kernels_bench at batch 1 (H100, 1.4b
/// in_proj 18.5 -> 15.7 us, lm_head 73.1 -> 71.5 us; 130m within noise:
/// its GEMVs are latency-bound) and at batch 4, where more rows per warp
/// also share each activation load among more weights (1.4b in_proj 27.4
/// -> 19.4 us, lm_head 100 -> 82 us). Batch 16 (16 accumulators per row)
/// keeps 2 rows.
cg::Schedule gemvSchedule(int batch) {
  cg::Schedule s;
  s.threadsPerBlock = 256;
  s.itemsPerThread = batch <= 4 ? 4 : 2;
  s.loadsInFlight = 2;
  return s;
}

/// in_proj's 16-byte loads in flight per row and lane up to batch 4: all
/// of the row's K (d_model) where that is at most 4 loads (BF16 up to
/// d_model 1024), so that no weight load waits behind the grid wait (with
/// 2, the 130m in_proj issued its last third after it: a DRAM round trip on
/// every layer's dependent chain; H100, BF16, whole step: 130m batch 1
/// +3%, 370m +1.5%, bench/results/cuda-2026-12-07d.md); else
/// gemvSchedule's. 4 rows per warp: ptxas (sm_90) 110-176 registers, no
/// spill; at those sizes in_proj has fewer blocks than an H100 has SMs, so
/// the registers cost no occupancy.
int inProjLoads(const ModelConfig &c, DType weightType, int batch) {
  const int64_t loads = (c.dModel * dtypeSize(weightType) + 511) / 512;
  return batch <= 4 && loads <= 4 ? static_cast<int>(loads)
                                  : gemvSchedule(batch).loadsInFlight;
}

/// lm_head at batch 1 takes 8 rows per warp (108 registers, 2 blocks per
/// SM): whole-step 130m decode on an H100 against 4 rows, two runs (best
/// of 3 and of 5 x 256 steps; a build with the step's ids and logits in
/// mapped host memory): 4 083-4 095 -> 4 201-4 214 tok/s (+2.9%); 1.4b
/// flat (785 either way); 1, 2, 6 and 16 rows, 3 loads in flight and 128
/// or 512 threads measured no better (bench/results/cuda-2026-12-07b.md).
/// Other batches: none, lm_head keeps in_proj's schedule (gemvSchedule).
std::optional<cg::Schedule> lmHeadSchedule(int batch) {
  if (batch != 1)
    return std::nullopt;
  cg::Schedule s = gemvSchedule(batch);
  s.itemsPerThread = 8;
  return s;
}

/// Whether the two-kernel layer loads the recurrent state of its first
/// batch pass before the grid waits (stateBeforeWait of both kernels): where
/// what a thread of the scan + out_proj kernel holds across the wait (16
/// registers per out_proj pass, dt_rank / lanes for the dt_proj row, the
/// state) stays within 3/4 of its registers. ptxas, sm_90, BF16: the stock
/// shapes up to 790m hold 80-92 of 128 and use 75-124 registers with no
/// spill; 1.4b would hold 100 and spill 72 bytes. H100, the two kernels'
/// state loads on against off in one run: 130m batch 1 3 687-3 698 against
/// 3 529-3 558 tok/s (+4%), 1.4b 748 against 778-779 (-4%, the spill).
bool stateFitsBeforeWait(const cg::SelectiveScanStepLinearDesc &so) {
  const cg::SelectiveScanDesc &s = so.scan;
  const int items = s.schedule.itemsPerThread;
  const int held =
      16 * so.schedule.loadsInFlight + s.dtRank / (s.dState / items) + items;
  return held <= 65536 / so.schedule.threadsPerBlock * 3 / 4;
}

} // namespace

/// Descriptions of the model's kernels: what codegen/cuda emits for it.
struct ModelKernelDescs {
  cg::EmbeddingDesc embedding;
  cg::RmsNormDesc norm, normResidual;
  cg::CausalConv1dDesc conv, convStep;
  cg::SelectiveScanDesc scan, scanStep, scanChunked;
  cg::BiasAddDesc bias;
  // The fused decode step: per GEMV bucket the in_proj (input rmsnorm),
  // out_proj (residual add) and lm_head GEMVs; conv step + x_proj; the scan
  // step with dt_proj folded in.
  std::vector<cg::GemvDesc> gemvIn, gemvOut, gemvHead;
  cg::CausalConv1dStepLinearDesc convLinear;
  cg::SelectiveScanDesc scanStepDt;
  /// The pick ending a decode step of a greedy or sampled decode.
  cg::GreedyPickDesc greedy;
  cg::SamplePickDesc sample;
  /// Per GEMV bucket up to kTwoKernelMaxBatch: the layer in two kernels,
  /// in_proj fused with the conv step and x_proj (replacing gemvIn +
  /// convLinear), and the scan step with out_proj and the residual add
  /// (replacing scanStepDt + gemvOut).
  std::vector<cg::GemvConvStepLinearDesc> inConv;
  std::vector<cg::SelectiveScanStepLinearDesc> scanOut;

  /// `fusedBatch`: the largest batch of the fused decode step (0: none).
  ModelKernelDescs(const ModelConfig &c, DType weightType, int64_t fusedBatch) {
    const cg::ElemType act = elemType(weightType);
    embedding.tableType = act;
    embedding.schedule = rowSchedule();
    norm.outType = act;
    norm.schedule = rowSchedule();
    normResidual = norm;
    normResidual.name = "rmsnorm_residual";
    normResidual.residualAdd = true;
    conv.name = "conv1d_silu";
    conv.outType = act;
    conv.width = static_cast<int>(c.dConv);
    conv.hasBias = c.useConvBias;
    convStep = conv;
    convStep.name = "conv1d_silu_step";
    scan.uType = act;
    scan.yType = act;
    scan.dState = static_cast<int>(c.dState);
    scan.schedule = cuda::defaultScanSchedule(scan.dState);
    scanStep = scan;
    scanStep.name = "selective_scan_step";
    scanStep.schedule = cuda::defaultScanStepSchedule(scan.dState);
    // Time-parallel prefill for small grids.
    scanChunked = cuda::chunkedScanDesc(scan, "selective_scan_chunked");
    bias.schedule = rowSchedule();

    for (size_t i = 0; fusedBatch > 0 && i <= gemvBucket(fusedBatch); ++i) {
      const int b = kGemvBuckets[i];
      const std::string suffix = "_b" + std::to_string(b);
      cg::GemvDesc in;
      in.name = "gemv_norm" + suffix;
      in.wType = act;
      in.batch = b;
      in.normInput = true;
      // At batch 1 the norm's squares are summed in the product loop (also
      // in lm_head and the two-kernel layer's in_proj); at batch 4 the
      // repeated squares cost more than the pass they replace (GemvDesc).
      in.normSumInLoop = b == 1;
      in.schedule = gemvSchedule(b);
      // lm_head is in_proj's GEMV without the bias: the same kernel unless
      // the model has biases or lm_head has a schedule of its own.
      cg::GemvDesc head = in;
      if (std::optional<cg::Schedule> own = lmHeadSchedule(b))
        head.schedule = *own;
      in.schedule.loadsInFlight = inProjLoads(c, weightType, b);
      if (head.schedule.itemsPerThread != in.schedule.itemsPerThread ||
          head.schedule.loadsInFlight != in.schedule.loadsInFlight)
        head.name = "gemv_head" + suffix;
      in.hasBias = c.useBias;
      if (c.useBias)
        in.name = "gemv_norm_bias" + suffix;
      cg::GemvDesc out = in;
      out.name = "gemv_residual" + suffix;
      out.xType = act;
      out.normInput = false;
      out.accumulate = true;
      // out_proj has d_model rows, a quarter of in_proj's: one row per warp
      // and more loads in flight (2 rows per warp left ~8 warps per SM; ncu,
      // 1.4b batch 1: ~35% of DRAM bandwidth). cuda_decode_bench, H100:
      // fused batch 16 +16% at 130m and 1.4b; batch 1 within noise. Up to
      // batch 4, 4 loads with registers for 4 blocks per SM
      // (cuda_decode_kernels_bench, 1.4b: batch 1 10.5 -> 9.8 us, batch 4
      // 22.6 -> 20.6 us; 4 rows per warp, as for in_proj, 26.6 us).
      out.schedule.itemsPerThread = 1;
      out.schedule.loadsInFlight = 4;
      out.schedule.minBlocksPerSM = b <= 4 ? 4 : 0;
      gemvIn.push_back(in);
      gemvOut.push_back(out);
      gemvHead.push_back(head);
    }
    convLinear.name = "conv1d_silu_step_x_proj";
    convLinear.conv = convStep;
    convLinear.conv.outType = act;
    convLinear.wType = act;
    convLinear.rows = static_cast<int>(c.dtRank + 2 * c.dState);
    convLinear.dim = static_cast<int>(c.dInner());
    convLinear.batch = static_cast<int>(std::max<int64_t>(fusedBatch, 1));
    convLinear.schedule.threadsPerBlock = 256;
    // 24-64 K slices for the stock shapes: enough blocks, few partial
    // products for the last block to sum (cuda_decode_kernels_bench, H100:
    // 1.4b 64 slices 6.5 us, 32 slices 7.6 us; 130m 24 or 48 within noise).
    const int64_t e = c.dInner();
    convLinear.schedule.kSlice = e <= 4096 ? 64 : 128;
    scanStepDt = scanStep;
    scanStepDt.name = "selective_scan_step_dt_proj";
    scanStepDt.dtRank = static_cast<int>(c.dtRank);
    for (size_t i = 0;
         i < gemvIn.size() && kGemvBuckets[i] <= kTwoKernelMaxBatch; ++i) {
      const std::string suffix = "_b" + std::to_string(kGemvBuckets[i]);
      cg::GemvConvStepLinearDesc ic;
      ic.name = "gemv_norm_conv1d_silu_step_x_proj" + suffix;
      ic.gemv = gemvIn[i];
      ic.conv = convLinear.conv;
      ic.wType = act;
      ic.rows = convLinear.rows;
      ic.dim = convLinear.dim;
      cg::SelectiveScanStepLinearDesc so;
      so.name = "selective_scan_step_out_proj" + suffix;
      so.scan = scanStepDt;
      so.wType = act;
      so.rows = static_cast<int>(c.dModel);
      so.dim = static_cast<int>(e);
      so.batch = kGemvBuckets[i];
      so.hasBias = c.useBias;
      // About one block per SM at 1.4b (4096 / 32 = 128 on 132 SMs); the
      // smaller models keep more blocks with half the slice. 512 threads
      // have all of a 1.4b block's BF16 slice (4 passes of 512 rows) in
      // flight before the wait: H100, 1.4b batch 1, the two alternated in
      // one run, 765-770 tok/s against 750-757 with 256 threads and 8
      // passes; slices of 16 or 64 channels were slower (702, 704).
      so.schedule.threadsPerBlock = 512;
      so.schedule.kSlice = e <= 2048 ? 16 : 32;
      so.schedule.loadsInFlight = 4;
      so.stateBeforeWait = stateFitsBeforeWait(so);
      ic.stateBeforeWait = so.stateBeforeWait;
      inConv.push_back(ic);
      scanOut.push_back(so);
    }
  }

  /// One module with every kernel the model launches.
  Expected<std::string> source(bool withBias) const {
    std::vector<cg::Emitted> parts = {cg::emitEmbedding(embedding),
                                      cg::emitRmsNorm(norm),
                                      cg::emitRmsNorm(normResidual),
                                      cg::emitCausalConv1d(conv),
                                      cg::emitCausalConv1dStep(convStep),
                                      cg::emitSelectiveScan(scan),
                                      cg::emitSelectiveScanStep(scanStep),
                                      cg::emitSelectiveScanChunked(scanChunked),
                                      cg::emitGreedyPick(greedy),
                                      cg::emitSamplePick(sample)};
    if (withBias)
      parts.push_back(cg::emitBiasAdd(bias));
    for (size_t i = 0; i < gemvIn.size(); ++i) {
      parts.push_back(cg::emitGemv(gemvIn[i]));
      parts.push_back(cg::emitGemv(gemvOut[i]));
      if (gemvHead[i].name != gemvIn[i].name)
        parts.push_back(cg::emitGemv(gemvHead[i]));
    }
    parts.push_back(cg::emitCausalConv1dStepLinear(convLinear));
    parts.push_back(cg::emitSelectiveScanStep(scanStepDt));
    for (const cg::GemvConvStepLinearDesc &ic : inConv)
      parts.push_back(cg::emitGemvConvStepLinear(ic));
    for (const cg::SelectiveScanStepLinearDesc &so : scanOut)
      parts.push_back(cg::emitSelectiveScanStepLinear(so));
    cg::Emitted module = cg::emitModuleOf(parts);
    if (!module.ok())
      return Status::error("CUDA codegen: " + module.error);
    return module.source;
  }
};

CudaModel::CudaModel() = default;
CudaModel::~CudaModel() {
  // The state mirror frees its buffers through the device: before it goes.
  if (impl_)
    impl_->mirror.reset();
}

Expected<std::unique_ptr<CudaModel>>
CudaModel::create(const ModelWeights &weights,
                  const CudaModelOptions &options) {
  const ModelConfig &c = weights.config;
  MAMBA_RETURN_IF_ERROR(c.validate());
  MAMBA_RETURN_IF_ERROR(checkWeightSizes(weights));
  if (options.maxBatch <= 0 || options.maxChunk <= 0)
    return Status::error("maxBatch and maxChunk must be positive");
  if (options.fusedDecodeMaxBatch < 0 ||
      options.fusedDecodeMaxBatch > kFusedMaxBatch)
    return Status::error("fusedDecodeMaxBatch must be in [0, " +
                         std::to_string(kFusedMaxBatch) + "], got " +
                         std::to_string(options.fusedDecodeMaxBatch));
  if (options.weightType != DType::F32 && options.weightType != DType::BF16)
    return Status::error(std::string("CUDA weights must be F32 or BF16, got ") +
                         dtypeName(options.weightType));
  std::unique_ptr<CudaModel> model(new CudaModel());
  model->config_ = c;
  model->options_ = options;
  model->impl_ = std::make_unique<Impl>();
  Impl &m = *model->impl_;
  m.act = options.weightType;

  Expected<std::unique_ptr<cuda::Device>> device =
      cuda::Device::open(options.device);
  if (!device.ok())
    return device.status();
  m.device = std::move(device).value();
  cuda::Device &dev = *m.device;
  model->report_.deviceName = dev.name();
  model->report_.arch = dev.arch();

  // Kernels: generate, then compile or hit the cache.
  m.descs = std::make_unique<ModelKernelDescs>(
      c, options.weightType,
      std::min(options.maxBatch, options.fusedDecodeMaxBatch));
  Expected<std::string> source = m.descs->source(c.useBias);
  if (!source.ok())
    return source.status();
  model->source_ = std::move(source).value();
  cuda::CompileReport compile;
  Expected<std::string> image = cuda::compileCached(
      model->source_, "mamba_kernels.cu", dev.arch(), dev.driverVersion(),
      options.cacheDir.empty() ? cuda::defaultCacheDir() : options.cacheDir,
      &compile);
  if (!image.ok())
    return image.status();
  model->report_.cacheHit = compile.cacheHit;
  model->report_.seconds = compile.seconds;
  model->report_.cachePath = compile.path;
  model->report_.sourceBytes = model->source_.size();
  Expected<std::unique_ptr<cuda::Module>> module = dev.loadModule(*image);
  if (!module.ok())
    return module.status();
  m.module = std::move(module).value();
  struct Named {
    CUfunction *f;
    std::string name;
  };
  std::vector<Named> functions = {
      {&m.embedding, m.descs->embedding.name},
      {&m.norm, m.descs->norm.name},
      {&m.normResidual, m.descs->normResidual.name},
      {&m.conv, m.descs->conv.name},
      {&m.convState, m.descs->conv.name + "_state"},
      {&m.convStep, m.descs->convStep.name},
      {&m.scan, m.descs->scan.name},
      {&m.scanStep, m.descs->scanStep.name},
      {&m.scanChunked.chunkState, m.descs->scanChunked.name + "_chunk_state"},
      {&m.scanChunked.combine, m.descs->scanChunked.name + "_combine"},
      {&m.scanChunked.chunkScan, m.descs->scanChunked.name + "_chunk_scan"},
      {&m.greedy, m.descs->greedy.name},
      {&m.sample, m.descs->sample.name}};
  if (c.useBias)
    functions.push_back({&m.bias, m.descs->bias.name});
  const size_t buckets = m.descs->gemvIn.size();
  m.gemvIn.resize(buckets);
  m.gemvOut.resize(buckets);
  m.gemvHead.resize(buckets);
  for (size_t i = 0; i < buckets; ++i) {
    functions.push_back({&m.gemvIn[i], m.descs->gemvIn[i].name});
    functions.push_back({&m.gemvOut[i], m.descs->gemvOut[i].name});
    functions.push_back({&m.gemvHead[i], m.descs->gemvHead[i].name});
  }
  functions.push_back({&m.convLinear, m.descs->convLinear.name});
  functions.push_back({&m.scanStepDt, m.descs->scanStepDt.name});
  m.inConv.resize(m.descs->inConv.size());
  m.scanOut.resize(m.descs->scanOut.size());
  for (size_t i = 0; i < m.scanOut.size(); ++i) {
    functions.push_back({&m.inConv[i], m.descs->inConv[i].name});
    functions.push_back({&m.scanOut[i], m.descs->scanOut[i].name});
  }
  for (const Named &n : functions) {
    Expected<CUfunction> f = m.module->function(n.name);
    if (!f.ok())
      return f.status();
    *n.f = f.value();
  }

  Expected<std::unique_ptr<cuda::Blas>> blas = cuda::Blas::create(dev);
  if (!blas.ok())
    return blas.status();
  m.blas = std::move(blas).value();

  // Weights.
  const DType wt = options.weightType;
  const int64_t e = c.dInner(), n = c.dState;
  auto put = [&](DeviceBuffer &dst, const std::vector<float> &src, DType type,
                 const std::string &what) -> Status {
    Expected<DeviceBuffer> b = m.upload(src, type, what);
    if (!b.ok())
      return b.status();
    dst = std::move(b).value();
    return Status::success();
  };
  MAMBA_RETURN_IF_ERROR(
      put(m.embeddingTable, weights.embedding, wt, "the embedding"));
  if (!c.tieWordEmbeddings)
    MAMBA_RETURN_IF_ERROR(put(m.lmHead, weights.lmHead, wt, "lm_head"));
  MAMBA_RETURN_IF_ERROR(put(m.normF, weights.normF, DType::F32, "norm_f"));
  m.layers.resize(c.nLayer);
  for (int64_t i = 0; i < c.nLayer; ++i) {
    const LayerWeights &l = weights.layers[i];
    LayerBuffers &b = m.layers[i];
    const std::string p = "layer " + std::to_string(i) + " ";
    std::vector<float> a(static_cast<size_t>(e * n));
    for (int64_t j = 0; j < e * n; ++j)
      a[j] = -std::exp(l.aLog[j]);
    MAMBA_RETURN_IF_ERROR(put(b.norm, l.norm, DType::F32, p + "norm"));
    MAMBA_RETURN_IF_ERROR(put(b.inProj, l.inProj, wt, p + "in_proj"));
    MAMBA_RETURN_IF_ERROR(
        put(b.inProjBias, l.inProjBias, DType::F32, p + "in_proj bias"));
    MAMBA_RETURN_IF_ERROR(
        put(b.convWeight, l.convWeight, DType::F32, p + "conv1d"));
    MAMBA_RETURN_IF_ERROR(
        put(b.convBias, l.convBias, DType::F32, p + "conv1d bias"));
    MAMBA_RETURN_IF_ERROR(put(b.xProj, l.xProj, wt, p + "x_proj"));
    // dt_proj stays F32: it is small and its input is the F32 x_proj output.
    MAMBA_RETURN_IF_ERROR(put(b.dtProj, l.dtProj, DType::F32, p + "dt_proj"));
    MAMBA_RETURN_IF_ERROR(
        put(b.dtBias, l.dtBias, DType::F32, p + "dt_proj bias"));
    MAMBA_RETURN_IF_ERROR(put(b.a, a, DType::F32, p + "A"));
    MAMBA_RETURN_IF_ERROR(put(b.d, l.d, DType::F32, p + "D"));
    MAMBA_RETURN_IF_ERROR(put(b.outProj, l.outProj, wt, p + "out_proj"));
    MAMBA_RETURN_IF_ERROR(
        put(b.outProjBias, l.outProjBias, DType::F32, p + "out_proj bias"));
  }

  // Workspace.
  const size_t tokens =
      static_cast<size_t>(options.maxBatch * options.maxChunk);
  const size_t actSize = dtypeSize(wt), f = sizeof(float);
  const size_t dbcWidth = static_cast<size_t>(c.dtRank + 2 * n);
  struct Alloc {
    DeviceBuffer *buf;
    size_t bytes;
    const char *what;
  };
  const Alloc allocs[] = {
      {&m.ids, tokens * sizeof(int32_t), "token ids"},
      {&m.hidden, tokens * c.dModel * f, "the residual stream"},
      {&m.proj, tokens * c.dModel * f, "out_proj output"},
      {&m.normed, tokens * c.dModel * actSize, "normed activations"},
      {&m.xz, tokens * 2 * e * f, "in_proj output"},
      {&m.xc, tokens * e * actSize, "conv output"},
      {&m.dbc, tokens * dbcWidth * f, "x_proj output"},
      {&m.delta, tokens * e * f, "dt_proj output"},
      {&m.y, tokens * e * actSize, "scan output"},
      {&m.logits, tokens * c.vocabSize * f, "logits"},
      {&m.picks, options.maxBatch * sizeof(GreedySummary), "token picks"},
      {&m.sampleParams,
       options.maxBatch * cuda::kSamplePickParams * sizeof(float),
       "sampling parameters"},
      {&m.uniforms, options.maxBatch * sizeof(double), "sampling uniforms"},
      {&m.seen, static_cast<size_t>(options.maxBatch * c.vocabSize),
       "tokens seen"},
      {&m.xProjPartial,
       static_cast<size_t>(cuda::convStepLinearBlocks(m.descs->convLinear, e) *
                           m.descs->convLinear.batch) *
           dbcWidth * f,
       "x_proj partial products"},
      {&m.xProjCounter, sizeof(unsigned), "the x_proj slice counter"},
      {&m.dbcLayers,
       c.nLayer * std::min<size_t>(options.maxBatch, kTwoKernelMaxBatch) *
           dbcWidth * f,
       "per-layer x_proj outputs"}};
  for (const Alloc &a : allocs) {
    Expected<DeviceBuffer> b = dev.alloc(a.bytes, a.what);
    if (!b.ok())
      return b.status();
    *a.buf = std::move(b).value();
  }
  m.hostIds.resize(tokens);
  MAMBA_RETURN_IF_ERROR(dev.zero(m.xProjCounter.ptr(), sizeof(unsigned)));

  // The time-parallel scan's chunk states.
  const size_t scanBytes = cuda::scanChunkedWorkspaceBytes(
      m.descs->scan, m.descs->scanChunked, static_cast<int>(options.maxBatch),
      static_cast<int>(e), static_cast<int>(options.maxChunk), dev.smCount());
  Expected<DeviceBuffer> scanWorkspace =
      dev.alloc(scanBytes, "the chunked scan's chunk states");
  if (!scanWorkspace.ok())
    return scanWorkspace.status();
  m.scanWorkspace = std::move(scanWorkspace).value();
  model->report_.scanWorkspaceBytes = scanBytes;

  Expected<cuda::HostBuffer> stepIds =
      dev.allocHost(options.maxBatch * sizeof(int32_t), "decode token ids");
  if (!stepIds.ok())
    return stepIds.status();
  m.stepIds = std::move(stepIds).value();
  Expected<cuda::HostBuffer> stepLogits =
      dev.allocHost(options.maxBatch * c.vocabSize * f, "decode logits");
  if (!stepLogits.ok())
    return stepLogits.status();
  m.stepLogits = std::move(stepLogits).value();
  Expected<cuda::HostBuffer> stepPicks = dev.allocHost(
      2 * options.maxBatch * sizeof(GreedySummary), "decode greedy picks");
  if (!stepPicks.ok())
    return stepPicks.status();
  m.stepPicks = std::move(stepPicks).value();
  Expected<cuda::HostBuffer> stepUniforms = dev.allocHost(
      2 * options.maxBatch * sizeof(double), "decode sampling uniforms");
  if (!stepUniforms.ok())
    return stepUniforms.status();
  m.stepUniforms = std::move(stepUniforms).value();
  for (std::unique_ptr<cuda::Event> &e : m.done) {
    Expected<std::unique_ptr<cuda::Event>> event = dev.newEvent();
    if (!event.ok())
      return event.status();
    e = std::move(event).value();
  }
  m.graphs.resize(options.maxBatch + 1);
  return model;
}

Expected<CudaState> CudaModel::newState(int64_t batch) {
  if (batch <= 0 || batch > options_.maxBatch)
    return Status::error("batch must be in [1, " +
                         std::to_string(options_.maxBatch) + "], got " +
                         std::to_string(batch));
  CudaState s;
  s.model_ = this;
  s.batch_ = batch;
  const size_t per =
      static_cast<size_t>(config_.nLayer * batch * config_.dInner()) *
      sizeof(float);
  Expected<DeviceBuffer> conv =
      impl_->device->alloc(per * config_.dConv, "the conv state");
  if (!conv.ok())
    return conv.status();
  Expected<DeviceBuffer> ssm =
      impl_->device->alloc(per * config_.dState, "the SSM state");
  if (!ssm.ok())
    return ssm.status();
  s.conv_ = std::make_unique<DeviceBuffer>(std::move(conv).value());
  s.ssm_ = std::make_unique<DeviceBuffer>(std::move(ssm).value());
  MAMBA_RETURN_IF_ERROR(s.reset());
  return s;
}

Status CudaModel::forward(const int32_t *tokens, int64_t len, CudaState &state,
                          LogitsMode mode, float *logits) {
  const ModelConfig &c = config_;
  const int64_t batch = state.batch();
  if (state.model_ != this || batch <= 0)
    return Status::error("state was not made for this model");
  if (Status s =
          checkForwardInputs(tokens, batch, len, c.vocabSize, mode, logits);
      !s.ok())
    return s;
  MAMBA_RETURN_IF_ERROR(finishPipeline());
  if (len == 1 && mode != LogitsMode::None)
    return decodeStep(tokens, state, logits);
  Impl &m = *impl_;
  const int64_t vocab = c.vocabSize;
  for (int64_t t0 = 0; t0 < len; t0 += options_.maxChunk) {
    const int64_t chunk = std::min(options_.maxChunk, len - t0);
    for (int64_t b = 0; b < batch; ++b)
      std::copy(tokens + b * len + t0, tokens + b * len + t0 + chunk,
                m.hostIds.begin() + b * chunk);
    MAMBA_RETURN_IF_ERROR(m.device->upload(m.ids.ptr(), m.hostIds.data(),
                                           batch * chunk * sizeof(int32_t)));
    MAMBA_RETURN_IF_ERROR(runChunk(batch, chunk, state));
    if (mode == LogitsMode::All)
      MAMBA_RETURN_IF_ERROR(
          computeLogits(batch, chunk, mode, logits + t0 * vocab, len * vocab));
    else if (mode == LogitsMode::Last && t0 + chunk == len)
      MAMBA_RETURN_IF_ERROR(computeLogits(batch, chunk, mode, logits, vocab));
  }
  // Without logits nothing waited for the stream: surface kernel faults now.
  MAMBA_RETURN_IF_ERROR(m.device->synchronize());
  state.position_ += len;
  return Status::success();
}

Status CudaModel::forward(const int32_t *tokens, int64_t len, ModelState &state,
                          LogitsMode mode, float *logits) {
  if (!state.matches(config_) || state.batch() <= 0)
    return Status::error("state was not made for this model");
  Impl &m = *impl_;
  if (!m.mirror || m.mirror->batch() != state.batch()) {
    m.mirror.reset();
    Expected<CudaState> s = newState(state.batch());
    if (!s.ok())
      return s.status();
    m.mirror.emplace(std::move(s).value());
  }
  MAMBA_RETURN_IF_ERROR(m.mirror->upload(state));
  MAMBA_RETURN_IF_ERROR(forward(tokens, len, *m.mirror, mode, logits));
  MAMBA_RETURN_IF_ERROR(m.mirror->download(state));
  state.advance(len);
  return Status::success();
}

Status CudaModel::runChunk(int64_t batch, int64_t len, CudaState &state) {
  const ModelConfig &c = config_;
  Impl &m = *impl_;
  cuda::Device &dev = *m.device;
  const ModelKernelDescs &k = *m.descs;
  const int64_t d = c.dModel, e = c.dInner(), n = c.dState, r = c.dtRank,
                dbcW = r + 2 * n;
  const int rows = static_cast<int>(batch * len);
  const float eps = static_cast<float>(c.rmsEps);
  const bool step = len == 1;

  MAMBA_RETURN_IF_ERROR(cuda::launchEmbedding(
      dev, m.embedding, k.embedding, m.ids.as<int>(),
      m.embeddingTable.as<void>(), m.hidden.as<void>(), d, rows,
      static_cast<int>(d), static_cast<int>(c.vocabSize)));
  for (int64_t layer = 0; layer < c.nLayer; ++layer) {
    const LayerBuffers &w = m.layers[layer];
    // The previous layer's out_proj output joins the residual stream here.
    MAMBA_RETURN_IF_ERROR(cuda::launchRmsNorm(
        dev, layer == 0 ? m.norm : m.normResidual,
        layer == 0 ? k.norm : k.normResidual, m.hidden.as<void>(), d,
        m.proj.as<void>(), d, w.norm.as<void>(), m.normed.as<void>(), d, rows,
        static_cast<int>(d), eps));
    MAMBA_RETURN_IF_ERROR(m.blas->linear(m.act, m.normed.as<void>(), d,
                                         w.inProj.as<void>(), m.xz.as<float>(),
                                         2 * e, rows, 2 * e, d));
    if (c.useBias)
      MAMBA_RETURN_IF_ERROR(cuda::launchBiasAdd(
          dev, m.bias, k.bias, m.xz.as<void>(), 2 * e, w.inProjBias.as<void>(),
          rows, static_cast<int>(2 * e)));

    float *convState = state.conv_->as<float>() + layer * batch * e * c.dConv;
    cuda::ConvTensors conv{m.xz.as<void>(),
                           w.convWeight.as<float>(),
                           c.useConvBias ? w.convBias.as<float>() : nullptr,
                           convState,
                           m.xc.as<void>(),
                           cuda::tokenMajor(len, 2 * e),
                           cuda::tokenMajor(len, e),
                           static_cast<int>(batch),
                           static_cast<int>(e),
                           static_cast<int>(len)};
    MAMBA_RETURN_IF_ERROR(
        step
            ? cuda::launchCausalConv1dStep(dev, m.convStep, k.convStep, conv)
            : cuda::launchCausalConv1d(dev, m.conv, m.convState, k.conv, conv));

    MAMBA_RETURN_IF_ERROR(m.blas->linear(m.act, m.xc.as<void>(), e,
                                         w.xProj.as<void>(), m.dbc.as<float>(),
                                         dbcW, rows, dbcW, e));
    MAMBA_RETURN_IF_ERROR(m.blas->linear(DType::F32, m.dbc.as<void>(), dbcW,
                                         w.dtProj.as<void>(),
                                         m.delta.as<float>(), e, rows, e, r));

    float *dbc = m.dbc.as<float>();
    cuda::ScanTensors scan{};
    scan.u = m.xc.as<void>();
    scan.delta = m.delta.as<void>();
    scan.b = dbc + r;
    scan.c = dbc + r + n;
    scan.z = m.xz.as<float>() + e;
    scan.a = w.a.as<float>();
    scan.d = w.d.as<float>();
    scan.deltaBias = w.dtBias.as<float>();
    scan.state = state.ssm_->as<float>() + layer * batch * e * n;
    scan.y = m.y.as<void>();
    scan.uS = cuda::tokenMajor(len, e);
    scan.deltaS = cuda::tokenMajor(len, e);
    scan.zS = cuda::tokenMajor(len, 2 * e);
    scan.yS = cuda::tokenMajor(len, e);
    scan.bS = {len * dbcW, 1, dbcW};
    scan.cS = scan.bS;
    scan.batch = static_cast<int>(batch);
    scan.dim = static_cast<int>(e);
    scan.seqlen = static_cast<int>(len);
    // Too few batch x channel-group blocks to fill the GPU (batch 1, long
    // prompts): split time across blocks as well.
    const int timeChunk =
        step ? 0
             : cuda::scanTimeChunkFor(k.scan, k.scanChunked, scan.batch,
                                      scan.dim, scan.seqlen, dev.smCount(),
                                      m.scanWorkspace.bytes());
    if (timeChunk > 0)
      MAMBA_RETURN_IF_ERROR(cuda::launchSelectiveScanChunked(
          dev, m.scanChunked, k.scanChunked, scan, timeChunk,
          m.scanWorkspace.as<float>()));
    else
      MAMBA_RETURN_IF_ERROR(
          cuda::launchSelectiveScan(dev, step ? m.scanStep : m.scan,
                                    step ? k.scanStep : k.scan, scan, step));

    MAMBA_RETURN_IF_ERROR(m.blas->linear(m.act, m.y.as<void>(), e,
                                         w.outProj.as<void>(),
                                         m.proj.as<float>(), d, rows, d, e));
    if (c.useBias)
      MAMBA_RETURN_IF_ERROR(cuda::launchBiasAdd(
          dev, m.bias, k.bias, m.proj.as<void>(), d, w.outProjBias.as<void>(),
          rows, static_cast<int>(d)));
  }
  return Status::success();
}

Status CudaModel::decodeStep(const int32_t *tokens, CudaState &state,
                             float *logits) {
  Impl &m = *impl_;
  const int64_t batch = state.batch();
  std::copy(tokens, tokens + batch, m.stepIds.as<int32_t>());
  MAMBA_RETURN_IF_ERROR(launchStep(state, StepIo{}));
  MAMBA_RETURN_IF_ERROR(m.device->synchronize());
  const float *out = m.stepLogits.as<float>();
  std::copy(out, out + batch * config_.vocabSize, logits);
  return Status::success();
}

Status CudaModel::launchStep(CudaState &state, StepIo io) {
  Impl &m = *impl_;
  const int64_t batch = state.batch();
  Impl::DecodeGraph &g = m.graphs[batch][io.graphIndex()];
  if (!options_.useGraphs || !g.warmed) {
    // The first step of a kind runs eagerly: cuBLAS picks and loads its
    // kernels then, which must not happen inside a capture.
    MAMBA_RETURN_IF_ERROR(enqueueDecodeStep(batch, state, io));
    g.warmed = true;
  } else {
    // The graph holds the state's device pointers: recapture for another.
    if (!g.graph || g.conv != state.conv_->ptr() ||
        g.ssm != state.ssm_->ptr()) {
      g.graph.reset();
      // A pipeline captures with its previous step in flight: let that
      // finish first, so the capture starts on an idle stream.
      MAMBA_RETURN_IF_ERROR(m.device->synchronize());
      Expected<std::unique_ptr<cuda::Graph>> graph = m.device->capture(
          [&] { return enqueueDecodeStep(batch, state, io); });
      if (!graph.ok())
        return graph.status();
      g.graph = std::move(graph).value();
      g.conv = state.conv_->ptr();
      g.ssm = state.ssm_->ptr();
    }
    MAMBA_RETURN_IF_ERROR(g.graph->launch());
  }
  state.position_ += 1;
  return Status::success();
}

Status CudaModel::enqueueDecodeStep(int64_t batch, CudaState &state,
                                    StepIo io) {
  Impl &m = *impl_;
  const int64_t vocab = config_.vocabSize;
  if (io.idsFromHost)
    MAMBA_RETURN_IF_ERROR(m.device->upload(m.ids.ptr(), m.stepIds.ptr(),
                                           batch * sizeof(int32_t)));
  if (batch <= options_.fusedDecodeMaxBatch) {
    MAMBA_RETURN_IF_ERROR(enqueueFusedDecode(batch, state));
  } else {
    MAMBA_RETURN_IF_ERROR(runChunk(batch, 1, state));
    MAMBA_RETURN_IF_ERROR(enqueueLogits(batch, 1, LogitsMode::Last));
  }
  if (!io.picks)
    return m.device->downloadAsync(m.stepLogits.ptr(), m.logits.ptr(),
                                   batch * vocab * sizeof(float));
  // The picks are also the next step's ids, left where the step reads them.
  if (io.sampled) {
    MAMBA_RETURN_IF_ERROR(m.device->upload(m.uniforms.ptr(),
                                           m.stepUniforms.as<double>() +
                                               io.slot * options_.maxBatch,
                                           batch * sizeof(double)));
    MAMBA_RETURN_IF_ERROR(cuda::launchSamplePick(
        *m.device, m.sample, m.descs->sample, m.logits.as<float>(), vocab,
        static_cast<int>(vocab), static_cast<int>(batch),
        m.sampleParams.as<void>(), m.uniforms.as<double>(),
        m.seen.as<unsigned char>(), m.picks.as<void>(), m.ids.as<int>()));
  } else {
    MAMBA_RETURN_IF_ERROR(cuda::launchGreedyPick(
        *m.device, m.greedy, m.descs->greedy, m.logits.as<float>(), vocab,
        static_cast<int>(vocab), static_cast<int>(batch), m.picks.as<void>(),
        m.ids.as<int>()));
  }
  return m.device->downloadAsync(m.stepPicks.as<GreedySummary>() +
                                     io.slot * options_.maxBatch,
                                 m.picks.ptr(), batch * sizeof(GreedySummary));
}

Status CudaModel::enqueueFusedDecode(int64_t batch, CudaState &state) {
  const ModelConfig &c = config_;
  Impl &m = *impl_;
  cuda::Device &dev = *m.device;
  const ModelKernelDescs &k = *m.descs;
  const int64_t d = c.dModel, e = c.dInner(), n = c.dState, r = c.dtRank,
                dbcW = r + 2 * n;
  const int rows = static_cast<int>(batch);
  const float eps = static_cast<float>(c.rmsEps);
  const size_t g = gemvBucket(batch);
  const cuda::Device::Order order = options_.programmaticLaunch
                                        ? cuda::Device::Order::Programmatic
                                        : cuda::Device::Order::Serial;
  // Two kernels per layer (atomic split-K sums), or four in a fixed order.
  const bool twoKernels = g < m.scanOut.size() && !options_.deterministicDecode;
  if (twoKernels)
    MAMBA_RETURN_IF_ERROR(
        dev.zero(m.dbcLayers.ptr(), c.nLayer * batch * dbcW * sizeof(float)));

  // The residual stream lives in `hidden`: each layer's out_proj adds into
  // it, and the next in_proj normalizes it on the fly.
  MAMBA_RETURN_IF_ERROR(cuda::launchEmbedding(
      dev, m.embedding, k.embedding, m.ids.as<int>(),
      m.embeddingTable.as<void>(), m.hidden.as<void>(), d, rows,
      static_cast<int>(d), static_cast<int>(c.vocabSize)));
  for (int64_t layer = 0; layer < c.nLayer; ++layer) {
    const LayerBuffers &w = m.layers[layer];
    float *dbc = twoKernels ? m.dbcLayers.as<float>() + layer * batch * dbcW
                            : m.dbc.as<float>();
    const cuda::GemvTensors in{m.hidden.as<void>(),
                               d,
                               w.inProj.as<void>(),
                               c.useBias ? w.inProjBias.as<float>() : nullptr,
                               w.norm.as<float>(),
                               eps,
                               m.xz.as<float>(),
                               2 * e,
                               rows,
                               static_cast<int>(2 * e),
                               static_cast<int>(d)};
    const cuda::ConvTensors conv{
        m.xz.as<void>(),
        w.convWeight.as<float>(),
        c.useConvBias ? w.convBias.as<float>() : nullptr,
        state.conv_->as<float>() + layer * batch * e * c.dConv,
        m.xc.as<void>(),
        cuda::tokenMajor(1, 2 * e),
        cuda::tokenMajor(1, e),
        rows,
        static_cast<int>(e),
        1};
    if (twoKernels) {
      MAMBA_RETURN_IF_ERROR(cuda::launchGemvConvStepLinear(
          dev, m.inConv[g], k.inConv[g], in, conv, w.xProj.as<void>(), dbc,
          dbcW, order));
    } else {
      MAMBA_RETURN_IF_ERROR(
          cuda::launchGemv(dev, m.gemvIn[g], k.gemvIn[g], in, order));
      MAMBA_RETURN_IF_ERROR(cuda::launchCausalConv1dStepLinear(
          dev, m.convLinear, k.convLinear, conv, w.xProj.as<void>(),
          m.xProjPartial.as<float>(), m.xProjCounter.as<unsigned>(), dbc, dbcW,
          order));
    }

    cuda::ScanTensors scan{};
    scan.u = m.xc.as<void>();
    scan.delta = dbc; // dt_proj's input: x_proj's first dt_rank outputs
    scan.b = dbc + r;
    scan.c = dbc + r + n;
    scan.z = m.xz.as<float>() + e;
    scan.a = w.a.as<float>();
    scan.d = w.d.as<float>();
    scan.deltaBias = w.dtBias.as<float>();
    scan.state = state.ssm_->as<float>() + layer * batch * e * n;
    scan.y = m.y.as<void>();
    scan.uS = cuda::tokenMajor(1, e);
    scan.deltaS = {dbcW, 1, dbcW};
    scan.zS = cuda::tokenMajor(1, 2 * e);
    scan.yS = cuda::tokenMajor(1, e);
    scan.bS = {dbcW, 1, dbcW};
    scan.cS = scan.bS;
    scan.batch = rows;
    scan.dim = static_cast<int>(e);
    scan.seqlen = 1;
    scan.dtProj = w.dtProj.as<float>();
    const float *outBias = c.useBias ? w.outProjBias.as<float>() : nullptr;
    if (twoKernels) {
      MAMBA_RETURN_IF_ERROR(cuda::launchSelectiveScanStepLinear(
          dev, m.scanOut[g], k.scanOut[g], scan, w.outProj.as<void>(), outBias,
          m.hidden.as<float>(), d, order));
      continue;
    }
    MAMBA_RETURN_IF_ERROR(cuda::launchSelectiveScan(
        dev, m.scanStepDt, k.scanStepDt, scan, true, order));
    const cuda::GemvTensors out{m.y.as<void>(),
                                e,
                                w.outProj.as<void>(),
                                outBias,
                                nullptr,
                                0.0f,
                                m.hidden.as<float>(),
                                d,
                                rows,
                                static_cast<int>(d),
                                static_cast<int>(e)};
    MAMBA_RETURN_IF_ERROR(
        cuda::launchGemv(dev, m.gemvOut[g], k.gemvOut[g], out, order));
  }
  const void *head =
      c.tieWordEmbeddings ? m.embeddingTable.as<void>() : m.lmHead.as<void>();
  const cuda::GemvTensors logits{m.hidden.as<void>(),
                                 d,
                                 head,
                                 nullptr,
                                 m.normF.as<float>(),
                                 eps,
                                 m.logits.as<float>(),
                                 c.vocabSize,
                                 rows,
                                 static_cast<int>(c.vocabSize),
                                 static_cast<int>(d)};
  return cuda::launchGemv(dev, m.gemvHead[g], k.gemvHead[g], logits, order);
}

Status CudaModel::computeLogits(int64_t batch, int64_t len, LogitsMode mode,
                                float *logits, int64_t logitsRowStride) {
  Impl &m = *impl_;
  const int64_t vocab = config_.vocabSize;
  MAMBA_RETURN_IF_ERROR(enqueueLogits(batch, len, mode));
  if (mode == LogitsMode::Last)
    return m.device->download(logits, m.logits.ptr(),
                              batch * vocab * sizeof(float));
  for (int64_t b = 0; b < batch; ++b)
    MAMBA_RETURN_IF_ERROR(
        m.device->download(logits + b * logitsRowStride,
                           m.logits.ptr() + b * len * vocab * sizeof(float),
                           len * vocab * sizeof(float)));
  return Status::success();
}

Status CudaModel::enqueueLogits(int64_t batch, int64_t len, LogitsMode mode) {
  const ModelConfig &c = config_;
  Impl &m = *impl_;
  const int64_t d = c.dModel, vocab = c.vocabSize;
  const int rows = static_cast<int>(batch * len);
  MAMBA_RETURN_IF_ERROR(cuda::launchRmsNorm(
      *m.device, m.normResidual, m.descs->normResidual, m.hidden.as<void>(), d,
      m.proj.as<void>(), d, m.normF.as<void>(), m.normed.as<void>(), d, rows,
      static_cast<int>(d), static_cast<float>(c.rmsEps)));
  const void *head =
      c.tieWordEmbeddings ? m.embeddingTable.as<void>() : m.lmHead.as<void>();
  float *out = m.logits.as<float>();
  if (mode == LogitsMode::Last) {
    // Only the last token of each sequence: rows len-1, 2*len-1, ...
    const char *last = m.normed.as<char>() + (len - 1) * d * dtypeSize(m.act);
    return m.blas->linear(m.act, last, len * d, head, out, vocab, batch, vocab,
                          d);
  }
  return m.blas->linear(m.act, m.normed.as<void>(), d, head, out, vocab, rows,
                        vocab, d);
}

CudaState::CudaState() = default;
CudaState::CudaState(CudaState &&) noexcept = default;
CudaState &CudaState::operator=(CudaState &&) noexcept = default;
CudaState::~CudaState() {
  // The steps in flight write this state's buffers: wait before they go.
  if (model_ && model_->impl_->pipelineOf(*this))
    (void)model_->finishPipeline();
}

Status CudaState::download(ModelState &host) const {
  if (!model_ || !host.matches(model_->config()) || host.batch() != batch_)
    return Status::error("the host state does not match the device state");
  MAMBA_RETURN_IF_ERROR(model_->finishPipeline());
  cuda::Device &dev = *model_->impl_->device;
  MAMBA_RETURN_IF_ERROR(
      dev.download(host.convState(0), conv_->ptr(), conv_->bytes()));
  return dev.download(host.ssmState(0), ssm_->ptr(), ssm_->bytes());
}

Status CudaState::upload(const ModelState &host) {
  if (!model_ || !host.matches(model_->config()) || host.batch() != batch_)
    return Status::error("the host state does not match the device state");
  MAMBA_RETURN_IF_ERROR(model_->finishPipeline());
  cuda::Device &dev = *model_->impl_->device;
  MAMBA_RETURN_IF_ERROR(
      dev.upload(conv_->ptr(), host.convState(0), conv_->bytes()));
  MAMBA_RETURN_IF_ERROR(
      dev.upload(ssm_->ptr(), host.ssmState(0), ssm_->bytes()));
  position_ = host.position();
  return dev.synchronize();
}

Status CudaState::reset() {
  if (!model_)
    return Status::error("reset of an empty CudaState");
  MAMBA_RETURN_IF_ERROR(model_->finishPipeline());
  cuda::Device &dev = *model_->impl_->device;
  MAMBA_RETURN_IF_ERROR(dev.zero(conv_->ptr(), conv_->bytes()));
  MAMBA_RETURN_IF_ERROR(dev.zero(ssm_->ptr(), ssm_->bytes()));
  position_ = 0;
  return dev.synchronize();
}

} // namespace mamba

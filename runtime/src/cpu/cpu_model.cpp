// CpuModel: runs the Mamba-1 layer stack chunk by chunk on a workspace sized
// once for maxBatch x maxChunk tokens.
#include "mamba/cpu_model.h"

#include "../forward_checks.h"
#include "kernels.h"

#include <algorithm>
#include <cblas.h>
#include <cmath>
#include <cstring>

namespace mamba {

namespace {

// Channel ranges handed to threads are multiples of 16 floats (one cache
// line) so no two threads write the same line.
constexpr int64_t kChannelAlign = 16;

} // namespace

/// Activations of one chunk, row r = batch index * len + token index.
struct CpuModel::Workspace {
  std::vector<float> hidden; // [T, d] residual stream
  std::vector<float> normed; // [T, d]
  std::vector<float> xz;     // [T, 2e] in_proj output: x | z
  std::vector<float> xc;     // [T, e] conv + silu output
  std::vector<float> dbc;    // [T, r + 2n] x_proj output: dt_low | B | C
  std::vector<float> delta;  // [T, e] dt_proj output, then dt in place
  std::vector<float> y;      // [T, e] gated scan output
};

CpuModel::CpuModel(ModelWeights weights, const CpuModelOptions &options)
    : weights_(std::move(weights)), options_(options),
      pool_(options.numThreads) {}

CpuModel::~CpuModel() = default;

Expected<std::unique_ptr<CpuModel>>
CpuModel::create(ModelWeights weights, const CpuModelOptions &options) {
  const ModelConfig c = weights.config; // a copy: weights is moved below
  MAMBA_RETURN_IF_ERROR(c.validate());
  MAMBA_RETURN_IF_ERROR(checkWeightSizes(weights));
  if (options.maxBatch <= 0 || options.maxChunk <= 0)
    return Status::error("maxBatch and maxChunk must be positive");
  if (c.dConv > cpu::kMaxConvKernel)
    return Status::error("conv_kernel " + std::to_string(c.dConv) +
                         " exceeds the supported maximum of " +
                         std::to_string(cpu::kMaxConvKernel));
  if (c.dState > cpu::kMaxScanState)
    return Status::error("state_size " + std::to_string(c.dState) +
                         " exceeds the supported maximum of " +
                         std::to_string(cpu::kMaxScanState));
  cpu::useSingleThreadedBlas();
  std::unique_ptr<CpuModel> model(new CpuModel(std::move(weights), options));
  const int64_t e = c.dInner(), n = c.dState, k = c.dConv;
  for (const LayerWeights &l : model->weights_.layers) {
    std::vector<float> a(static_cast<size_t>(e * n));
    for (int64_t i = 0; i < e * n; ++i)
      a[i] = -std::exp(l.aLog[i]);
    model->a_.push_back(std::move(a));
    std::vector<float> wt(static_cast<size_t>(k * e));
    for (int64_t ch = 0; ch < e; ++ch)
      for (int64_t j = 0; j < k; ++j)
        wt[j * e + ch] = l.convWeight[ch * k + j];
    model->convWeightT_.push_back(std::move(wt));
  }
  const size_t tokens =
      static_cast<size_t>(options.maxBatch * options.maxChunk);
  auto ws = std::make_unique<Workspace>();
  ws->hidden.resize(tokens * c.dModel);
  ws->normed.resize(tokens * c.dModel);
  ws->xz.resize(tokens * 2 * e);
  ws->xc.resize(tokens * e);
  ws->dbc.resize(tokens * (c.dtRank + 2 * n));
  ws->delta.resize(tokens * e);
  ws->y.resize(tokens * e);
  model->ws_ = std::move(ws);
  return model;
}

Status CpuModel::forward(const int32_t *tokens, int64_t len, ModelState &state,
                         LogitsMode mode, float *logits) {
  const ModelConfig &c = weights_.config;
  const int64_t batch = state.batch();
  if (!state.matches(c) || batch <= 0)
    return Status::error("state was not made for this model");
  if (batch > options_.maxBatch)
    return Status::error("batch " + std::to_string(batch) +
                         " exceeds maxBatch " +
                         std::to_string(options_.maxBatch));
  if (Status s =
          checkForwardInputs(tokens, batch, len, c.vocabSize, mode, logits);
      !s.ok())
    return s;

  const int64_t vocab = c.vocabSize;
  for (int64_t t0 = 0; t0 < len; t0 += options_.maxChunk) {
    const int64_t chunk = std::min(options_.maxChunk, len - t0);
    runChunk(tokens + t0, len, batch, chunk, state);
    if (mode == LogitsMode::All)
      computeLogits(batch, chunk, mode, logits + t0 * vocab, len * vocab);
    else if (mode == LogitsMode::Last && t0 + chunk == len)
      computeLogits(batch, chunk, mode, logits, vocab);
  }
  state.advance(len);
  return Status::success();
}

void CpuModel::runChunk(const int32_t *tokens, int64_t tokenStride,
                        int64_t batch, int64_t len, ModelState &state) {
  const ModelConfig &c = weights_.config;
  const int64_t d = c.dModel, e = c.dInner(), n = c.dState, r = c.dtRank,
                k = c.dConv, dbcWidth = c.dtRank + 2 * c.dState;
  const int64_t rows = batch * len;
  Workspace &ws = *ws_;
  float *hidden = ws.hidden.data();
  float *normed = ws.normed.data();
  const float eps = static_cast<float>(c.rmsEps);

  pool_.parallelFor(rows, 1, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      int64_t id = tokens[(row / len) * tokenStride + row % len];
      std::memcpy(hidden + row * d, weights_.embedding.data() + id * d,
                  d * sizeof(float));
    }
  });

  for (int64_t layer = 0; layer < c.nLayer; ++layer) {
    const LayerWeights &lw = weights_.layers[layer];
    pool_.parallelFor(rows, 1, [&](int64_t begin, int64_t end) {
      cpu::rmsnorm(hidden, d, lw.norm.data(), eps, d, normed, d, begin, end);
    });
    cpu::linear(pool_, normed, d, lw.inProj.data(),
                lw.inProjBias.empty() ? nullptr : lw.inProjBias.data(),
                ws.xz.data(), 2 * e, rows, 2 * e, d, false);

    float *convState = state.convState(layer);
    const float *convBias = lw.convBias.empty() ? nullptr : lw.convBias.data();
    pool_.parallelFor(e, kChannelAlign, [&](int64_t begin, int64_t end) {
      for (int64_t b = 0; b < batch; ++b)
        cpu::causalConv1dSilu(ws.xz.data() + b * len * 2 * e, 2 * e, len,
                              convWeightT_[layer].data(), convBias, e, k,
                              convState + b * e * k, ws.xc.data() + b * len * e,
                              e, begin, end);
    });

    cpu::linear(pool_, ws.xc.data(), e, lw.xProj.data(), nullptr, ws.dbc.data(),
                dbcWidth, rows, dbcWidth, e, false);
    cpu::linear(pool_, ws.dbc.data(), dbcWidth, lw.dtProj.data(), nullptr,
                ws.delta.data(), e, rows, e, r, false);

    float *ssmState = state.ssmState(layer);
    pool_.parallelFor(e, kChannelAlign, [&](int64_t begin, int64_t end) {
      for (int64_t b = 0; b < batch; ++b) {
        cpu::ScanArgs args;
        args.x = ws.xc.data() + b * len * e;
        args.delta = ws.delta.data() + b * len * e;
        args.z = ws.xz.data() + b * len * 2 * e + e;
        args.b = ws.dbc.data() + b * len * dbcWidth + r;
        args.c = args.b + n;
        args.a = a_[layer].data();
        args.d = lw.d.data();
        args.dtBias = lw.dtBias.data();
        args.state = ssmState + b * e * n;
        args.y = ws.y.data() + b * len * e;
        args.ldx = e;
        args.ldDelta = e;
        args.ldz = 2 * e;
        args.ldBC = dbcWidth;
        args.ldy = e;
        args.len = len;
        args.dState = n;
        cpu::selectiveScan(args, begin, end);
      }
    });

    // beta = 1 adds the residual inside the GEMM.
    cpu::linear(pool_, ws.y.data(), e, lw.outProj.data(),
                lw.outProjBias.empty() ? nullptr : lw.outProjBias.data(),
                hidden, d, rows, d, e, true);
  }
}

void CpuModel::computeLogits(int64_t batch, int64_t len, LogitsMode mode,
                             float *logits, int64_t logitsRowStride) {
  const ModelConfig &c = weights_.config;
  const int64_t d = c.dModel, vocab = c.vocabSize;
  const float eps = static_cast<float>(c.rmsEps);
  float *hidden = ws_->hidden.data();
  float *normed = ws_->normed.data();
  const float *head = weights_.lmHeadData();
  if (mode == LogitsMode::Last) {
    // Only the last token of each sequence: rows len-1, 2*len-1, ...
    float *lastHidden = hidden + (len - 1) * d;
    pool_.parallelFor(batch, 1, [&](int64_t begin, int64_t end) {
      cpu::rmsnorm(lastHidden, len * d, weights_.normF.data(), eps, d, normed,
                   d, begin, end);
    });
    cpu::linear(pool_, normed, d, head, nullptr, logits, vocab, batch, vocab, d,
                false);
    return;
  }
  pool_.parallelFor(batch * len, 1, [&](int64_t begin, int64_t end) {
    cpu::rmsnorm(hidden, d, weights_.normF.data(), eps, d, normed, d, begin,
                 end);
  });
  for (int64_t b = 0; b < batch; ++b)
    cpu::linear(pool_, normed + b * len * d, d, head, nullptr,
                logits + b * logitsRowStride, vocab, len, vocab, d, false);
}

Expected<std::vector<float>>
CpuModel::prefill(const std::vector<std::vector<int32_t>> &prompts,
                  ModelState &state) {
  if (prompts.empty() || static_cast<int64_t>(prompts.size()) != state.batch())
    return Status::error("prefill needs one prompt per sequence of the state");
  const size_t len = prompts[0].size();
  std::vector<int32_t> tokens;
  for (const auto &p : prompts) {
    if (p.size() != len)
      return Status::error("prefill prompts must have equal lengths");
    tokens.insert(tokens.end(), p.begin(), p.end());
  }
  std::vector<float> logits(tokens.size() * vocabSize());
  state.reset();
  Status s = forward(tokens.data(), static_cast<int64_t>(len), state,
                     LogitsMode::All, logits.data());
  if (!s.ok())
    return s;
  return logits;
}

} // namespace mamba

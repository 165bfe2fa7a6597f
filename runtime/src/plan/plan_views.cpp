// Workspace sizing and view evaluation shared by the CPU and CUDA plan
// executors (plan_views.h).
#include "plan_views.h"

#include <algorithm>

namespace mamba::planexec {

int64_t numel(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::vector<int64_t> bufferSizes(const plan::Plan &plan, int64_t maxBatch,
                                 int64_t maxChunk) {
  std::vector<int64_t> sizes;
  for (const plan::Buffer &b : plan.buffers)
    sizes.push_back(std::max<int64_t>(b.size.eval(maxBatch, maxChunk), 0));
  return sizes;
}

int64_t stateSize(const plan::Plan &plan, int64_t index, int64_t batch) {
  if (index < 0 || index >= static_cast<int64_t>(plan.states.size()))
    return 0;
  return batch * numel(plan.states[index].shape);
}

bool inLogitsTail(const plan::Step &step) {
  const plan::Attr *tail = step.attr("logits_tail");
  return tail && !tail->isString && tail->number == 1;
}

Status resolve(const plan::View &v, const std::string &what, int64_t batch,
               int64_t len, float *base, int64_t size, const int32_t *ids,
               Tensor &out, bool lastToken) {
  if (v.shape.size() > static_cast<size_t>(kMaxRank))
    return Status::error(what + ": rank " + std::to_string(v.shape.size()) +
                         " exceeds " + std::to_string(kMaxRank));
  out.rank = static_cast<int>(v.shape.size());
  int64_t offset = v.offset.eval(batch, len), last = offset;
  bool empty = false;
  for (int d = 0; d < out.rank; ++d) {
    out.shape[d] = v.shape[d].eval(batch, len);
    out.stride[d] = v.strides[d].eval(batch, len);
    if (lastToken && v.shape[d] == plan::Expr::seqlen()) {
      offset += (out.shape[d] - 1) * out.stride[d];
      last = offset;
      for (int k = 0; k < d; ++k)
        last += (out.shape[k] - 1) * out.stride[k];
      out.shape[d] = 1;
    }
    if (out.shape[d] < 0 || out.stride[d] < 0)
      return Status::error(what + ": negative size or stride");
    empty |= out.shape[d] == 0;
    last += (out.shape[d] - 1) * out.stride[d];
  }
  if (!empty && (offset < 0 || last >= size))
    return Status::error(what + ": the view reaches element " +
                         std::to_string(last) + " of a storage of " +
                         std::to_string(size));
  out.data = base ? base + offset : nullptr;
  out.ids = ids ? ids + offset : nullptr;
  return Status::success();
}

Status evaluateArgs(const plan::Function &fn, size_t index, int64_t batch,
                    int64_t len, bool lastToken, const StorageOf &storage,
                    StepArgs &out) {
  const plan::Step &step = fn.steps[index];
  out.tensors.clear();
  out.weightIndex.clear();
  for (const auto &[name, view] : step.args) {
    if (view.space == plan::Space::Weight)
      out.weightIndex.emplace_back(name, view.index);
    const Storage s = storage(view);
    Tensor t;
    MAMBA_RETURN_IF_ERROR(
        resolve(view,
                fn.name + " step " + std::to_string(index) + " (" +
                    step.kernel + ") argument '" + name + "'",
                batch, len, s.base, s.size, s.ids, t, lastToken));
    out.tensors.emplace_back(name, t);
  }
  return Status::success();
}

Status
forEachCheckedShape(const plan::Function &prefill, const plan::Function &decode,
                    int64_t maxBatch, int64_t maxChunk,
                    const std::function<Status(const plan::Function &, int64_t,
                                               int64_t, LogitsMode)> &check) {
  for (int64_t batch : {int64_t{1}, maxBatch})
    for (int64_t len : {int64_t{1}, maxChunk})
      for (LogitsMode mode :
           {LogitsMode::None, LogitsMode::Last, LogitsMode::All})
        MAMBA_RETURN_IF_ERROR(
            check(len == 1 ? decode : prefill, batch, len, mode));
  return Status::success();
}

Status entryFunctions(const plan::Plan &plan, const plan::Function *&prefill,
                      const plan::Function *&decode) {
  prefill = plan.function("prefill");
  decode = plan.function("decode_step");
  if (!prefill || !decode)
    return Status::error("the plan needs functions 'prefill' and "
                         "'decode_step'");
  return Status::success();
}

Status checkLimits(int64_t maxBatch, int64_t maxChunk) {
  if (maxBatch < 1)
    return Status::error("maxBatch must be at least 1, got " +
                         std::to_string(maxBatch));
  if (maxChunk < 1)
    return Status::error("maxChunk must be at least 1, got " +
                         std::to_string(maxChunk));
  return Status::success();
}

Status runSteps(
    const plan::Function &fn, int64_t batch, int64_t len, LogitsMode logits,
    const StorageOf &storage,
    const std::function<Status(const plan::Step &, const StepArgs &)> &run) {
  StepArgs args;
  for (size_t i = 0; i < fn.steps.size(); ++i) {
    const plan::Step &step = fn.steps[i];
    const bool inTail = inLogitsTail(step);
    if (inTail && logits == LogitsMode::None)
      continue;
    MAMBA_RETURN_IF_ERROR(evaluateArgs(fn, i, batch, len,
                                       inTail && logits == LogitsMode::Last,
                                       storage, args));
    Status s = run(step, args);
    if (!s.ok())
      return Status::error(fn.name + " step " + std::to_string(i) + ": " +
                           s.message());
  }
  return Status::success();
}

Status
forEachChunk(const int32_t *tokens, int64_t batch, int64_t len,
             int64_t maxChunk, LogitsMode mode, int32_t *chunkTokens,
             const std::function<Status(int64_t, int64_t, LogitsMode)> &run) {
  for (int64_t t0 = 0; t0 < len; t0 += maxChunk) {
    const int64_t chunk = std::min(maxChunk, len - t0);
    for (int64_t b = 0; b < batch; ++b)
      std::copy(tokens + b * len + t0, tokens + b * len + t0 + chunk,
                chunkTokens + b * chunk);
    const bool last = t0 + chunk == len;
    MAMBA_RETURN_IF_ERROR(
        run(t0, chunk,
            mode == LogitsMode::Last && !last ? LogitsMode::None : mode));
  }
  return Status::success();
}

void gatherLogits(const Tensor &out, int64_t batch, int64_t chunk, int64_t t0,
                  int64_t len, int64_t vocab, LogitsMode mode, float *logits) {
  const int64_t width = std::min(vocab, out.shape[2]);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = mode == LogitsMode::Last ? chunk - 1 : 0; t < chunk; ++t) {
      const float *src = out.data + b * out.stride[0] + t * out.stride[1];
      float *dst = mode == LogitsMode::Last
                       ? logits + b * vocab
                       : logits + (b * len + t0 + t) * vocab;
      for (int64_t i = 0; i < width; ++i)
        dst[i] = src[i * out.stride[2]];
    }
}

} // namespace mamba::planexec

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

} // namespace mamba::planexec

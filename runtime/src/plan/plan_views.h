// What both executors of a plan do the same way around the kernels: the
// workspace sizes, the evaluation of a step's views for one batch size and
// sequence length (checked against their storage), the logits tail, and the
// shapes a plan is checked at when a model is created.
#ifndef MAMBA_SRC_PLAN_VIEWS_H
#define MAMBA_SRC_PLAN_VIEWS_H

#include "mamba/cpu_model.h"
#include "mamba/plan.h"
#include "plan_checks.h"

#include <cstdint>
#include <functional>
#include <vector>

namespace mamba::planexec {

int64_t numel(const std::vector<int64_t> &shape);

/// maxBatch and maxChunk of an executor's options are at least 1.
Status checkLimits(int64_t maxBatch, int64_t maxChunk);

/// The plan's @prefill and @decode_step into `prefill` and `decode`, or an
/// error if either is missing.
Status entryFunctions(const plan::Plan &plan, const plan::Function *&prefill,
                      const plan::Function *&decode);

/// Elements of each buffer at the largest batch and chunk: sizes are
/// polynomials with non-negative coefficients, so these bound all others.
std::vector<int64_t> bufferSizes(const plan::Plan &plan, int64_t maxBatch,
                                 int64_t maxChunk);

/// Elements of state slot `index` for `batch` sequences (0 if no such slot).
int64_t stateSize(const plan::Plan &plan, int64_t index, int64_t batch);

/// True if `step` only feeds the logits (attribute logits_tail = 1).
bool inLogitsTail(const plan::Step &step);

/// Evaluates `v` for (batch, len) and checks it stays inside a storage of
/// `size` elements at `base` (or token ids at `ids`). With `lastToken`,
/// dimensions of size seqlen keep only their last index.
Status resolve(const plan::View &v, const std::string &what, int64_t batch,
               int64_t len, float *base, int64_t size, const int32_t *ids,
               Tensor &out, bool lastToken = false);

/// The storage a view names: its base address and element count.
struct Storage {
  float *base = nullptr;
  int64_t size = 0;
  const int32_t *ids = nullptr;
};
using StorageOf = std::function<Storage(const plan::View &)>;

/// Every argument of `step` (step `index` of `fn`) evaluated into `out`;
/// errors name the function, step, kernel and argument.
Status evaluateArgs(const plan::Function &fn, size_t index, int64_t batch,
                    int64_t len, bool lastToken, const StorageOf &storage,
                    StepArgs &out);

/// Calls check(fn, batch, len, mode) at the shapes an executor checks a
/// plan at when a model is created: batch 1 and maxBatch, one token
/// (@decode_step) and maxChunk tokens (@prefill), every logits mode.
Status
forEachCheckedShape(const plan::Function &prefill, const plan::Function &decode,
                    int64_t maxBatch, int64_t maxChunk,
                    const std::function<Status(const plan::Function &, int64_t,
                                               int64_t, LogitsMode)> &check);

/// Runs the steps of `fn` for (batch, len) through `run`: the logits tail
/// is skipped without logits and evaluated for the last token only with
/// LogitsMode::Last. Errors name the function and step.
Status runSteps(
    const plan::Function &fn, int64_t batch, int64_t len, LogitsMode logits,
    const StorageOf &storage,
    const std::function<Status(const plan::Step &, const StepArgs &)> &run);

/// forward()'s chunk loop: tokens [batch, len] in chunks of at most
/// maxChunk, each copied to `chunkTokens` as [batch, chunk], then
/// run(t0, chunk, chunkMode); chunkMode is None for every chunk but the
/// last when `mode` asks for the last token's logits only.
Status
forEachChunk(const int32_t *tokens, int64_t batch, int64_t len,
             int64_t maxChunk, LogitsMode mode, int32_t *chunkTokens,
             const std::function<Status(int64_t, int64_t, LogitsMode)> &run);

/// Copies the logits of the chunk at t0 (view `out`: [batch, chunk, >= vocab])
/// into `logits`: [batch, vocab] for Last, else [batch, len, vocab].
void gatherLogits(const Tensor &out, int64_t batch, int64_t chunk, int64_t t0,
                  int64_t len, int64_t vocab, LogitsMode mode, float *logits);

} // namespace mamba::planexec

#endif // MAMBA_SRC_PLAN_VIEWS_H

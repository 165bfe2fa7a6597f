// Emits the greedy pick that ends a greedy decode step where the logits
// are (the argmax of each row): the step then sends the host 16 bytes per
// sequence instead of its whole row (201 KB at a 50 280 vocabulary), and the
// next step takes its token ids from the device. sample_pick.cpp emits the
// sampled pick, which starts with the same argmax.
#include "token_pick.h"

namespace mamba::codegen::cuda {
namespace detail {

std::string argmaxHelpers(const std::string &name) {
  return detail::subst(
      R"(__device__ __forceinline__ bool $NAME_better(float v, int i, float best,
                                             int best_i, int none) {
  // Likelier first, ties to the lower index; `none` marks an empty slot.
  return i != none &&
         (best_i == none || v > best || (v == best && i < best_i));
}

// Lane 0 ends with the warp's best (value, index) and its lowest bad index.
__device__ __forceinline__ void $NAME_warp_reduce(float &best, int &best_i,
                                                  int &bad, int none) {
#pragma unroll
  for (int off = 16; off > 0; off /= 2) {
    const float ob = __shfl_down_sync(0xffffffffu, best, off);
    const int oi = __shfl_down_sync(0xffffffffu, best_i, off);
    bad = min(bad, __shfl_down_sync(0xffffffffu, bad, off));
    if ($NAME_better(ob, oi, best, best_i, none)) {
      best = ob;
      best_i = oi;
    }
  }
}
)",
      {{"NAME", name}});
}

std::string checkPick(const char *kind, const std::string &name,
                      const Schedule &schedule) {
  if (!isIdentifier(name))
    return std::string(kind) + ": kernel name '" + name +
           "' is not an identifier";
  return checkSchedule(name, schedule);
}

} // namespace detail

Emitted emitGreedyPick(const GreedyPickDesc &d) {
  if (std::string e = detail::checkPick("greedy_pick", d.name, d.schedule);
      !e.empty())
    return {"", e};
  const detail::Vars v = {
      {"NAME", d.name},
      {"THREADS", std::to_string(d.schedule.threadsPerBlock)},
      {"ITEMS", std::to_string(d.schedule.itemsPerThread)},
      {"HELPERS", detail::argmaxHelpers(d.name)}};
  return {
      detail::subst(
          R"(// Greedy pick over rows of F32 logits: one block of $THREADS threads per row.
// summary[row] = {the first index of the row's maximum (NaN skipped), the
// maximum's bits, the first index of a NaN or +inf (vocab if none), that
// value's bits}: what a greedy sampler needs to pick the token or to say why
// it cannot. next_ids[row] = the pick (0 for a row with no usable pick): the
// next decode step's token.
$HELPERS
extern "C" __global__ void __launch_bounds__($THREADS)
$NAME(const float *__restrict__ logits, long long ld, int vocab,
      int4 *__restrict__ summary, int *__restrict__ next_ids) {
  __shared__ float s_best[32];
  __shared__ int s_best_i[32], s_bad[32];
  const float *row = logits + blockIdx.x * ld;
  float best = 0.0f;
  int best_i = vocab, bad = vocab;
  // Each thread walks its indices upwards: the first hit is its lowest.
#pragma unroll $ITEMS
  for (int i = threadIdx.x; i < vocab; i += $THREADS) {
    const float x = row[i];
    if (x != x || x == __int_as_float(0x7f800000)) {
      bad = min(bad, i);
    } else if (best_i == vocab || x > best) {
      best = x;
      best_i = i;
    }
  }
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  $NAME_warp_reduce(best, best_i, bad, vocab);
  if (lane == 0) {
    s_best[warp] = best;
    s_best_i[warp] = best_i;
    s_bad[warp] = bad;
  }
  __syncthreads();
  if (warp != 0)
    return;
  const bool has = lane < $THREADS / 32;
  best = has ? s_best[lane] : 0.0f;
  best_i = has ? s_best_i[lane] : vocab;
  bad = has ? s_bad[lane] : vocab;
  $NAME_warp_reduce(best, best_i, bad, vocab);
  if (lane != 0)
    return;
  const bool usable = bad == vocab && best_i < vocab &&
                      best != __int_as_float(0xff800000);
  summary[blockIdx.x] =
      make_int4(best_i, __float_as_int(best), bad,
                bad < vocab ? __float_as_int(row[bad]) : 0);
  next_ids[blockIdx.x] = usable ? best_i : 0;
}
)",
          v),
      ""};
}

} // namespace mamba::codegen::cuda

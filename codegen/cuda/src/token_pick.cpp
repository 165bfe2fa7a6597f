// Emits the token picks that end a decode step where the logits are: the
// greedy pick (argmax of each row) and the sampled one (repetition penalty,
// temperature, min-p, a uniform from the host's RNG). A decode step then
// sends the host 16 bytes per sequence instead of its whole row (201 KB at a
// 50 280 vocabulary), and the next step takes its token ids from the device.
#include "emit_util.h"

namespace mamba::codegen::cuda {
namespace {

/// The row argmax's device functions, shared by both picks: likelier first,
/// ties to the lower index, NaN and +inf set aside as "bad".
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

} // namespace

Emitted emitGreedyPick(const GreedyPickDesc &d) {
  if (!detail::isIdentifier(d.name))
    return {"",
            "greedy_pick: kernel name '" + d.name + "' is not an identifier"};
  if (std::string e = detail::checkSchedule(d.name, d.schedule); !e.empty())
    return {"", e};
  const detail::Vars v = {
      {"NAME", d.name},
      {"THREADS", std::to_string(d.schedule.threadsPerBlock)},
      {"ITEMS", std::to_string(d.schedule.itemsPerThread)},
      {"HELPERS", argmaxHelpers(d.name)}};
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

Emitted emitSamplePick(const SamplePickDesc &d) {
  if (!detail::isIdentifier(d.name))
    return {"",
            "sample_pick: kernel name '" + d.name + "' is not an identifier"};
  if (std::string e = detail::checkSchedule(d.name, d.schedule); !e.empty())
    return {"", e};
  const detail::Vars v = {
      {"NAME", d.name},
      {"THREADS", std::to_string(d.schedule.threadsPerBlock)},
      {"HELPERS", argmaxHelpers(d.name)}};
  return {
      detail::subst(
          R"(// Sampled pick over rows of F32 logits: one block of $THREADS threads per row.
// params[row] = {temperature (0: greedy), min_p, repetition penalty, unused};
// uniforms[row]: the host sampler's uniform in [0, 1) for this pick;
// seen[row * vocab + id] != 0 for the tokens the penalty applies to (the
// pick is marked there). summary and next_ids as the greedy pick's, the
// summary's first int being the pick.
$HELPERS
// The logit after the repetition penalty, as the host sampler applies it.
__device__ __forceinline__ float $NAME_penalized(float x, bool seen,
                                                 float penalty) {
  return seen ? (x > 0.0f ? x / penalty : x * penalty) : x;
}

// The token's weight exp((logit - max) / T) as a fixed-point integer of 40
// fraction bits, 0 where the host's weight is 0 (below e^-87) or min-p drops
// it. Integers make every sum exact, so that the pick does not depend on the
// order of the additions.
__device__ __forceinline__ unsigned long long
$NAME_weight(float logit, float max, float inv_t, float min_p) {
  const float x = (logit - max) * inv_t;
  if (!(x > -87.0f))
    return 0ull;
  const float w = expf(x);
  return w >= min_p ? (unsigned long long)(w * 1099511627776.0f) : 0ull;
}

extern "C" __global__ void __launch_bounds__($THREADS)
$NAME(const float *__restrict__ logits, long long ld, int vocab,
      const float4 *__restrict__ params, const double *__restrict__ uniforms,
      unsigned char *__restrict__ seen, int4 *__restrict__ summary,
      int *__restrict__ next_ids) {
  __shared__ float s_best[32];
  __shared__ int s_best_i[32], s_bad[32];
  __shared__ unsigned long long s_sum[32];
  __shared__ int s_pick;
  const float *row = logits + blockIdx.x * ld;
  unsigned char *row_seen = seen + blockIdx.x * (long long)vocab;
  const float4 p = params[blockIdx.x];
  const bool penalize = p.z != 1.0f;
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  const int warps = $THREADS / 32;

  // The maximum after the penalty, and the first NaN or +inf before it.
  float best = 0.0f;
  int best_i = vocab, bad = vocab;
  for (int i = threadIdx.x; i < vocab; i += $THREADS) {
    const float raw = row[i];
    if (raw != raw || raw == __int_as_float(0x7f800000)) {
      bad = min(bad, i);
      continue;
    }
    const float x = $NAME_penalized(raw, penalize && row_seen[i], p.z);
    if (best_i == vocab || x > best) {
      best = x;
      best_i = i;
    }
  }
  $NAME_warp_reduce(best, best_i, bad, vocab);
  if (lane == 0) {
    s_best[warp] = best;
    s_best_i[warp] = best_i;
    s_bad[warp] = bad;
  }
  __syncthreads();
  if (warp == 0) {
    const bool has = lane < warps;
    best = has ? s_best[lane] : 0.0f;
    best_i = has ? s_best_i[lane] : vocab;
    bad = has ? s_bad[lane] : vocab;
    $NAME_warp_reduce(best, best_i, bad, vocab);
    if (lane == 0) {
      s_best[0] = best;
      s_best_i[0] = best_i;
      s_bad[0] = bad;
    }
  }
  __syncthreads();
  const float top = s_best[0];
  const int argmax = s_best_i[0];
  bad = s_bad[0];
  const bool usable =
      bad == vocab && argmax < vocab && top != __int_as_float(0xff800000);
  if (!usable || p.x == 0.0f) {
    if (threadIdx.x == 0) {
      summary[blockIdx.x] =
          make_int4(argmax, __float_as_int(top), bad,
                    bad < vocab ? __float_as_int(row[bad]) : 0);
      next_ids[blockIdx.x] = usable ? argmax : 0;
      if (usable)
        row_seen[argmax] = 1;
    }
    return;
  }

  // Each thread owns a contiguous run of ids, so that the runs' sums, scanned
  // across the block, say which run holds the pick (the host walks in id order).
  const float inv_t = 1.0f / p.x;
  // Where no weight is left (a temperature so small that 1 / T is inf), the
  // host's walk finds nothing and takes the argmax: so does this.
  if (threadIdx.x == 0)
    s_pick = argmax;
  const int run = (vocab + $THREADS - 1) / $THREADS;
  const int begin = min(vocab, threadIdx.x * run);
  const int end = min(vocab, begin + run);
  unsigned long long mine = 0;
  for (int i = begin; i < end; ++i)
    mine += $NAME_weight($NAME_penalized(row[i], penalize && row_seen[i], p.z),
                         top, inv_t, p.y);
  unsigned long long upto = mine; // inclusive prefix sum over the warp
#pragma unroll
  for (int off = 1; off < 32; off *= 2) {
    const unsigned long long o = __shfl_up_sync(0xffffffffu, upto, off);
    if (lane >= off)
      upto += o;
  }
  if (lane == 31)
    s_sum[warp] = upto;
  __syncthreads();
  if (warp == 0) {
    unsigned long long w = lane < warps ? s_sum[lane] : 0ull;
#pragma unroll
    for (int off = 1; off < 32; off *= 2) {
      const unsigned long long o = __shfl_up_sync(0xffffffffu, w, off);
      if (lane >= off)
        w += o;
    }
    s_sum[lane] = w;
  }
  __syncthreads();
  const unsigned long long total = s_sum[warps - 1];
  const unsigned long long before =
      (warp > 0 ? s_sum[warp - 1] : 0ull) + upto - mine;
  // The pick is the first token whose running weight passes u x total.
  unsigned long long target =
      (unsigned long long)(uniforms[blockIdx.x] * (double)total);
  target = min(target, total - 1);
  if (total > 0 && before <= target && target < before + mine) {
    unsigned long long cumulative = before;
    for (int i = begin; i < end; ++i) {
      cumulative +=
          $NAME_weight($NAME_penalized(row[i], penalize && row_seen[i], p.z),
                       top, inv_t, p.y);
      if (cumulative > target) {
        s_pick = i;
        break;
      }
    }
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    summary[blockIdx.x] =
        make_int4(s_pick, __float_as_int(top), vocab, 0);
    next_ids[blockIdx.x] = s_pick;
    row_seen[s_pick] = 1;
  }
}
)",
          v),
      ""};
}

} // namespace mamba::codegen::cuda

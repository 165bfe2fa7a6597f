// Emits the sampled pick that ends a sampled decode step where the logits
// are: the host Sampler's repetition penalty, temperature, top-k, top-p and
// min-p, and its walk in id order to the token where the running weight
// passes u times the kept weight, with u the uniform the host's sampler
// draws. Every sum is of integers (weights in fixed point), so a pick
// depends only on the logits and u, not on the order of the additions.
#include "sample_pick.h"
#include "token_pick.h"

namespace mamba::codegen::cuda {
namespace {

/// Device functions of the sampled pick: the penalty, the order key, the
/// fixed-point weight and a block-wide scan.
const char *kSampleHelpers =
    R"(// The logit after the repetition penalty, as the host sampler applies it.
__device__ __forceinline__ float $NAME_logit(const float *row,
                                             const unsigned char *seen,
                                             float penalty, int i) {
  const float x = row[i];
  if (penalty == 1.0f || !seen[i])
    return x;
  return x > 0.0f ? x / penalty : x * penalty;
}

// An unsigned key in the order of the logits (-0 and 0 alike): a token is
// likelier than another if its key is larger, or equal with a lower id.
__device__ __forceinline__ unsigned $NAME_key(float x) {
  const unsigned b = __float_as_uint(x + 0.0f);
  return b ^ ((b >> 31) ? 0xffffffffu : 0x80000000u);
}

// The weight exp((logit - max) / T) in fixed point with 40 fraction bits; 0
// where the host's weight is 0 (below e^-87, a -inf logit).
__device__ __forceinline__ unsigned long long
$NAME_weight(float logit, float top, float inv_t) {
  const float x = (logit - top) * inv_t;
  return x > -87.0f ? (unsigned long long)(expf(x) * 1099511627776.0f) : 0ull;
}

// Whether a live token (key, i) lies within the boundary (bk, bid): likelier
// than or as likely as the last token kept.
__device__ __forceinline__ bool $NAME_within(unsigned key, int i, unsigned bk,
                                             int bid) {
  return key > bk || (key == bk && i <= bid);
}

// Exclusive prefix sum of `v` over the block's threads in thread order;
// `total` gets the block's sum. Every thread calls it.
__device__ unsigned long long $NAME_scan(unsigned long long v,
                                         unsigned long long &total,
                                         unsigned long long *s_sum) {
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  const int warps = $THREADS / 32;
  unsigned long long upto = v;
#pragma unroll
  for (int off = 1; off < 32; off *= 2) {
    const unsigned long long o = __shfl_up_sync(0xffffffffu, upto, off);
    if (lane >= off)
      upto += o;
  }
  __syncthreads(); // s_sum's readers of a previous scan are done
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
  total = s_sum[warps - 1];
  return (warp > 0 ? s_sum[warp - 1] : 0ull) + upto - v;
}

// A radix select's digits by thread: each thread takes a run of the `bins`
// digits of `hist`, from the likeliest down, and returns what they hold.
__device__ __forceinline__ unsigned long long
$NAME_digit_run(const unsigned long long *hist, int bins) {
  const int per = (bins + $THREADS - 1) / $THREADS;
  unsigned long long mine = 0;
  for (int j = 0; j < per; ++j) {
    const int d = bins - 1 - (threadIdx.x * per + j);
    if (d >= 0)
      mine += hist[d];
  }
  return mine;
}

// The thread whose run (holding `mine`, with `before` in the likelier
// digits) reaches `target` writes the digit where it does to s_found[0],
// and what the likelier digits hold to s_found[1].
__device__ __forceinline__ void
$NAME_find_digit(const unsigned long long *hist, int bins,
                 unsigned long long before, unsigned long long mine,
                 unsigned long long target, unsigned long long *s_found) {
  if (!(before < target && target <= before + mine))
    return;
  const int per = (bins + $THREADS - 1) / $THREADS;
  unsigned long long acc = before;
  for (int j = 0; j < per; ++j) {
    const int d = bins - 1 - (threadIdx.x * per + j);
    if (d < 0)
      break;
    if (acc + hist[d] >= target) {
      s_found[0] = d;
      s_found[1] = acc;
      break;
    }
    acc += hist[d];
  }
}

struct $NAME_Row {
  const float *logits;
  const unsigned char *seen;
  float penalty, top, inv_t;
  int vocab;
};

// What a live token within (bk, bid) adds: 1, or its weight.
__device__ __forceinline__ unsigned long long
$NAME_value(const $NAME_Row &r, float l, unsigned key, int i, bool by_weight,
            unsigned bk, int bid) {
  if (l == __int_as_float(0xff800000) || !$NAME_within(key, i, bk, bid))
    return 0ull;
  return by_weight ? $NAME_weight(l, r.top, r.inv_t) : 1ull;
}

)";

/// The thread-run kernel's radix select that finds the boundary of top-k
/// and top-p.
const char *kThreadRunsSelect =
    R"(// Narrows the boundary (bk, bid) to the fewest likeliest tokens within it
// whose count (or weight) reaches `target`, which the tokens within it
// reach. A radix select on the keys, 11 + 11 + 10 bits, with a histogram of
// each digit over the tokens that share the digits found so far; then the
// ids of the tokens whose key is the boundary's, in id order.
__device__ void $NAME_select(const $NAME_Row &r, bool by_weight,
                             unsigned long long target, unsigned &bk,
                             int &bid, unsigned long long *hist,
                             unsigned long long *s_sum,
                             unsigned long long *s_found) {
  unsigned prefix = 0;
  unsigned long long above = 0; // what the tokens of larger keys hold
  int shift = 32;
  for (int pass = 0; pass < 3; ++pass) {
    const int bits = pass < 2 ? 11 : 10;
    const int bins = 1 << bits;
    shift -= bits;
    for (int d = threadIdx.x; d < bins; d += $THREADS)
      hist[d] = 0ull;
    __syncthreads();
    for (int i = threadIdx.x; i < r.vocab; i += $THREADS) {
      const float l = $NAME_logit(r.logits, r.seen, r.penalty, i);
      const unsigned key = $NAME_key(l);
      if (pass > 0 && (key >> (shift + bits)) != prefix)
        continue;
      const unsigned long long v =
          $NAME_value(r, l, key, i, by_weight, bk, bid);
      if (v)
        atomicAdd(&hist[(key >> shift) & (bins - 1)], v);
    }
    __syncthreads();
    const unsigned long long mine = $NAME_digit_run(hist, bins);
    unsigned long long total;
    const unsigned long long before = above + $NAME_scan(mine, total, s_sum);
    $NAME_find_digit(hist, bins, before, mine, target, s_found);
    __syncthreads();
    prefix = (prefix << bits) | (unsigned)s_found[0];
    above = s_found[1];
    __syncthreads(); // s_found and hist are read before the next pass
  }
  // The tokens of key `prefix`, in id order: each thread a run of ids.
  const int run = (r.vocab + $THREADS - 1) / $THREADS;
  const int begin = min(r.vocab, (int)threadIdx.x * run);
  const int end = min(r.vocab, begin + run);
  unsigned long long mine = 0;
  for (int i = begin; i < end; ++i) {
    const float l = $NAME_logit(r.logits, r.seen, r.penalty, i);
    const unsigned key = $NAME_key(l);
    if (key == prefix)
      mine += $NAME_value(r, l, key, i, by_weight, bk, bid);
  }
  unsigned long long total;
  const unsigned long long before = above + $NAME_scan(mine, total, s_sum);
  if (before < target && target <= before + mine) {
    unsigned long long acc = before;
    for (int i = begin; i < end; ++i) {
      const float l = $NAME_logit(r.logits, r.seen, r.penalty, i);
      const unsigned key = $NAME_key(l);
      if (key != prefix)
        continue;
      acc += $NAME_value(r, l, key, i, by_weight, bk, bid);
      if (acc >= target) {
        s_found[0] = i;
        break;
      }
    }
  }
  __syncthreads();
  bk = prefix;
  bid = (int)s_found[0];
  __syncthreads();
}
)";

/// The thread-run kernel after the row's maximum: top-k, top-p, min-p and
/// the walk, each thread over a contiguous run of ids, to the pick in
/// s_pick.
const char *kThreadRunsTail =
    R"(  // Where no weight is left (a temperature so small that 1 / T is inf), the
  // host's walk finds nothing and takes the argmax: so does this.
  if (threadIdx.x == 0)
    s_pick = argmax;
  // The kept tokens: those within the boundary (bk, bid) whose weight is at
  // least min_p (the top weight being 1, a prefix of the order too).
  unsigned bk = 0u;
  int bid = vocab; // no boundary: every live token
  if (top_k > 0 || top_p < 1.0f) {
    unsigned long long live = 0, mass = 0, total;
    for (int i = threadIdx.x; i < vocab; i += $THREADS) {
      const float l = $NAME_logit(row, row_seen, penalty, i);
      live += l != __int_as_float(0xff800000);
      mass += $NAME_weight(l, top, r.inv_t);
    }
    $NAME_scan(live, live, s_sum);
    $NAME_scan(mass, mass, s_sum);
    if (top_k > 0 && (unsigned long long)top_k < live) {
      $NAME_select(r, false, (unsigned long long)top_k, bk, bid, s_hist, s_sum,
                   s_found);
      // top-p measures against what top-k kept.
      mass = 0;
      for (int i = threadIdx.x; i < vocab; i += $THREADS) {
        const float l = $NAME_logit(row, row_seen, penalty, i);
        mass += $NAME_value(r, l, $NAME_key(l), i, true, bk, bid);
      }
      $NAME_scan(mass, mass, s_sum);
    }
    if (top_p < 1.0f && mass > 0) {
      const unsigned long long target =
          max(1ull, (unsigned long long)(top_p * (double)mass));
      $NAME_select(r, true, target, bk, bid, s_hist, s_sum, s_found);
    }
  }

  // Each thread owns a contiguous run of ids, so that the runs' sums, scanned
  // across the block, say which run holds the pick (the host walks in id
  // order).
  const int run = (vocab + $THREADS - 1) / $THREADS;
  const int begin = min(vocab, (int)threadIdx.x * run);
  const int end = min(vocab, begin + run);
  const unsigned long long min_w =
      (unsigned long long)(p.y * 1099511627776.0f);
  auto kept = [&](int i) {
    const float l = $NAME_logit(row, row_seen, penalty, i);
    const unsigned long long w = $NAME_value(r, l, $NAME_key(l), i, true, bk, bid);
    return w >= min_w ? w : 0ull;
  };
  unsigned long long mine = 0, total;
  for (int i = begin; i < end; ++i)
    mine += kept(i);
  const unsigned long long before = $NAME_scan(mine, total, s_sum);
  // The pick is the first token whose running weight passes u x total.
  unsigned long long target =
      (unsigned long long)(uniforms[blockIdx.x] * (double)total);
  target = min(target, total - 1);
  if (total > 0 && before <= target && target < before + mine) {
    unsigned long long cumulative = before;
    for (int i = begin; i < end; ++i) {
      cumulative += kept(i);
      if (cumulative > target) {
        s_pick = i;
        break;
      }
    }
  }
)";

/// The thread-run kernel's pass for the row's maximum (after the penalty)
/// and the first NaN or +inf, each thread over ids threadIdx.x + j x the
/// block.
const char *kThreadRunsMaxLoop =
    R"(  // The maximum after the penalty, and the first NaN or +inf before it.
  for (int i = threadIdx.x; i < vocab; i += $THREADS) {
    const float raw = row[i];
    if (raw != raw || raw == __int_as_float(0x7f800000)) {
      bad = min(bad, i);
      continue;
    }
    const float x = $NAME_logit(row, row_seen, penalty, i);
    if (best_i == vocab || x > best) {
      best = x;
      best_i = i;
    }
  }
)";

/// The kernel: the penalty and the row's maximum (or the greedy pick), then
/// a variant's top-k, top-p, min-p and walk to s_pick, then the outputs.
const char *kKernel =
    R"(// Sampled pick over rows of F32 logits: one block of $THREADS threads per row.
// params[row] = 8 floats: temperature (0: greedy), min_p, repetition
// penalty, top_p, top_k (an int's bits; 0: off), 3 unused; uniforms[row]:
// the host sampler's uniform in [0, 1) for this pick; seen[row * vocab +
// id] != 0 for the tokens the penalty applies to (the pick is marked
// there). summary and next_ids as the greedy pick's, the summary's first
// int being the pick.
$ARGMAX
$SAMPLING
extern "C" __global__ void __launch_bounds__($THREADS)
$NAME(const float *__restrict__ logits, long long ld, int vocab,
      const float4 *__restrict__ params, const double *__restrict__ uniforms,
      unsigned char *__restrict__ seen, int4 *__restrict__ summary,
      int *__restrict__ next_ids) {
  __shared__ float s_best[32];
  __shared__ int s_best_i[32], s_bad[32];
  __shared__ unsigned long long s_sum[32], s_found[2], s_hist[2048];
  __shared__ int s_pick;
  const float *row = logits + blockIdx.x * ld;
  unsigned char *row_seen = seen + blockIdx.x * (long long)vocab;
  const float4 p = params[2 * blockIdx.x];
  const float penalty = p.z, top_p = p.w;
  const int top_k = __float_as_int(params[2 * blockIdx.x + 1].x);
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  const int warps = $THREADS / 32;
  float best = 0.0f;
  int best_i = vocab, bad = vocab;

$MAX_LOOP  $NAME_warp_reduce(best, best_i, bad, vocab);
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

  const $NAME_Row r = {row, row_seen, penalty, top, 1.0f / p.x, vocab};
$TAIL  __syncthreads();
  if (threadIdx.x == 0) {
    summary[blockIdx.x] = make_int4(s_pick, __float_as_int(top), vocab, 0);
    next_ids[blockIdx.x] = s_pick;
    row_seen[s_pick] = 1;
  }
}
)";

} // namespace

Emitted emitSamplePick(const SamplePickDesc &d) {
  if (std::string e = detail::checkPick("sample_pick", d.name, d.schedule);
      !e.empty())
    return {"", e};
  if (d.path == SamplePickPath::ByTopK && d.warpRunsMaxTopK < 1)
    return {"", "sample_pick '" + d.name +
                    "': warpRunsMaxTopK must be at least 1, got " +
                    std::to_string(d.warpRunsMaxTopK)};
  const detail::Vars names = {
      {"NAME", d.name},
      {"THREADS", std::to_string(d.schedule.threadsPerBlock)}};
  const bool threadRuns = d.path != SamplePickPath::WarpRuns;
  const bool warpRuns = d.path != SamplePickPath::ThreadRuns;
  std::string sampling = kSampleHelpers, tail, maxLoop;
  if (threadRuns) {
    sampling += kThreadRunsSelect;
    tail = kThreadRunsTail;
    maxLoop = kThreadRunsMaxLoop;
  }
  if (warpRuns) {
    sampling += detail::kWarpRunsHelpers;
    tail = detail::kWarpRunsTail;
    // The warp-run pass for the maximum counts the live tokens for top-k.
    maxLoop = "  unsigned long long live = 0;\n" +
              std::string(detail::kWarpRunsMaxLoop);
  }
  if (threadRuns && warpRuns) {
    // A branch per row on its top-k, the same for the whole block.
    maxLoop = "  // Rows that keep at most " +
              std::to_string(d.warpRunsMaxTopK) +
              " tokens by top-k take the warp-run path.\n"
              "  const bool warp_runs = top_k > 0 && top_k <= " +
              std::to_string(d.warpRunsMaxTopK) +
              ";\n  unsigned long long live = 0;\n  if (warp_runs) {\n" +
              detail::indent(detail::kWarpRunsMaxLoop, 2) + "  } else {\n" +
              detail::indent(kThreadRunsMaxLoop, 2) + "  }\n";
    tail = "  if (warp_runs) {\n" + detail::indent(detail::kWarpRunsTail, 2) +
           "  } else {\n" + detail::indent(kThreadRunsTail, 2) + "  }\n";
  }
  detail::Vars v = names;
  v.insert(v.end(), {{"ARGMAX", detail::argmaxHelpers(d.name)},
                     {"SAMPLING", detail::subst(sampling, names)},
                     {"MAX_LOOP", detail::subst(maxLoop, names)},
                     {"TAIL", detail::subst(tail, names)}});
  return {detail::subst(kKernel, v), ""};
}

} // namespace mamba::codegen::cuda

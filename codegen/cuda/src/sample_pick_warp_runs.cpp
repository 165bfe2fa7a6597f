// The warp-run path of the sampled pick (SamplePickPath::WarpRuns). One
// block reads its row several times (the maximum, the radix passes, the
// walk), so: fewer passes (the first top-k histogram built with the
// maximum; after a top-k of at most 1 024 tokens, the rest done on a list
// of them in shared memory), each pass issuing its loads in batches, its
// histograms taking one shared-memory atomic per warp and digit instead
// of one per token (most tokens share a few digits, and atomics on one
// address serialize), and the walks in id order giving each warp a
// contiguous run of ids, read coalesced, instead of each thread.
#include "sample_pick.h"

namespace mamba::codegen::cuda::detail {

const char *const kWarpRunsHelpers =
    R"(// The logits of ids base + 32 j + lane (j < 4), -inf from `end` on, the
// four loads issued before any is used.
__device__ __forceinline__ void $NAME_load4(const $NAME_Row &r, int base,
                                            int end, float l[4]) {
  const int lane = threadIdx.x % 32;
#pragma unroll
  for (int j = 0; j < 4; ++j) {
    const int i = base + 32 * j + lane;
    l[j] = i < end ? $NAME_logit(r.logits, r.seen, r.penalty, i)
                   : __int_as_float(0xff800000);
  }
}

// Calls f(i, logit) for every id, each warp stepping over tiles of 4 x 32
// ids with the tile's loads issued together: one block reads the whole row
// many times, and a load per step would leave it waiting on memory. Ids
// past the row get -inf. Every lane of a warp makes the same calls.
template <class F>
__device__ __forceinline__ void $NAME_for_each(const $NAME_Row &r, F f) {
  const int lane = threadIdx.x % 32;
  for (int base = threadIdx.x / 32 * 128; base < r.vocab;
       base += $THREADS * 4) {
    float l[4];
    $NAME_load4(r, base, r.vocab, l);
#pragma unroll
    for (int j = 0; j < 4; ++j)
      f(base + 32 * j + lane, l[j]);
  }
}

// Adds each lane's v (where not 0) to hist[digit] with one shared-memory
// atomic per distinct digit of the warp: most tokens share a few digits,
// and atomics on one address serialize. `cnt`, where not null, counts the
// tokens added; `ones`: every v is 0 or 1. The whole warp calls it.
__device__ __forceinline__ void $NAME_hist_add(unsigned long long *hist,
                                               unsigned *cnt, int digit,
                                               unsigned long long v,
                                               bool ones) {
  const bool active = v != 0ull;
#if __CUDA_ARCH__ >= 800
  const unsigned live = __ballot_sync(0xffffffffu, active);
  if (!active)
    return;
  const unsigned peers = __match_any_sync(live, digit);
  if (ones) {
    if (threadIdx.x % 32 == __ffs(peers) - 1)
      atomicAdd(&hist[digit], (unsigned long long)__popc(peers));
    return;
  }
  // Summed in three 21-bit parts: each part's sum over 32 lanes fits in 32
  // bits, and redux adds 32-bit integers only.
  const unsigned lo = __reduce_add_sync(peers, (unsigned)(v & 0x1fffffull));
  const unsigned mid =
      __reduce_add_sync(peers, (unsigned)((v >> 21) & 0x1fffffull));
  const unsigned hi = __reduce_add_sync(peers, (unsigned)(v >> 42));
  if (threadIdx.x % 32 == __ffs(peers) - 1) {
    atomicAdd(&hist[digit], (unsigned long long)lo +
                                ((unsigned long long)mid << 21) +
                                ((unsigned long long)hi << 42));
    if (cnt)
      atomicAdd(&cnt[digit], (unsigned)__popc(peers));
  }
#else
  if (active) {
    atomicAdd(&hist[digit], v);
    if (cnt)
      atomicAdd(&cnt[digit], 1u);
  }
#endif
}

// The ids in order, split in one contiguous run per warp: the sums of
// value(i, logit) over each run, so that the first id at which a running sum
// in id order passes a target can be found by the one warp whose run holds
// it. `before` is what the runs before the warp's hold.
struct $NAME_Runs {
  int begin, end;
  unsigned long long before, mine, total;
};

template <class V>
__device__ $NAME_Runs $NAME_run_sums(const $NAME_Row &r, V value,
                                     unsigned long long *s_sum) {
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  const int per = (r.vocab + $THREADS - 1) / $THREADS * 32;
  $NAME_Runs runs;
  runs.begin = min(r.vocab, warp * per);
  runs.end = min(r.vocab, runs.begin + per);
  unsigned long long v = 0;
  for (int c = runs.begin; c < runs.end; c += 128) {
    float l[4];
    $NAME_load4(r, c, runs.end, l);
#pragma unroll
    for (int j = 0; j < 4; ++j)
      if (c + 32 * j + lane < runs.end)
        v += value(c + 32 * j + lane, l[j]);
  }
#pragma unroll
  for (int off = 16; off > 0; off /= 2)
    v += __shfl_xor_sync(0xffffffffu, v, off);
  runs.mine = v;
  const unsigned long long before =
      $NAME_scan(lane == 0 ? v : 0ull, runs.total, s_sum);
  runs.before = __shfl_sync(0xffffffffu, before, 0);
  return runs;
}

// The first id of the warp's run at which before + the running sum of
// value exceeds t, into *at. Called by the whole warp whose run holds it
// (before <= t < before + mine).
template <class V>
__device__ void $NAME_run_find(const $NAME_Row &r, const $NAME_Runs &runs,
                               unsigned long long t, V value, int *at) {
  const int lane = threadIdx.x % 32;
  unsigned long long acc = runs.before;
  for (int c = runs.begin; c < runs.end; c += 128) {
    float l[4];
    $NAME_load4(r, c, runs.end, l);
    for (int j = 0; j < 4; ++j) {
      const int i = c + 32 * j + lane;
      unsigned long long upto = i < runs.end ? value(i, l[j]) : 0ull;
#pragma unroll
      for (int off = 1; off < 32; off *= 2) {
        const unsigned long long o = __shfl_up_sync(0xffffffffu, upto, off);
        if (lane >= off)
          upto += o;
      }
      const unsigned hit = __ballot_sync(0xffffffffu, acc + upto > t);
      if (hit) {
        if (lane == __ffs(hit) - 1)
          *at = i;
        return;
      }
      acc += __shfl_sync(0xffffffffu, upto, 31);
    }
  }
}

// Narrows the boundary (bk, bid) to the fewest likeliest tokens within it
// whose count (or weight) reaches `target`, which the tokens within it
// reach. A radix select on the keys, 11 + 11 + 10 bits, with a histogram
// of each digit over the tokens that share the digits found so far; then,
// where the boundary key's tokens are not all kept, their ids in order.
// `first_done`: the first pass's histogram is in `hist` already.
// `fraction` > 0: the target is that fraction of what the tokens within
// (bk, bid) hold (at least 1), which the first pass sums (no pass of its
// own); where they hold nothing, the boundary stays.
__device__ void $NAME_select(const $NAME_Row &r, bool by_weight,
                             unsigned long long target, float fraction,
                             unsigned &bk,
                             int &bid, unsigned long long *hist, unsigned *cnt,
                             unsigned long long *s_sum,
                             unsigned long long *s_found, int *s_at,
                             bool first_done) {
  unsigned prefix = 0;
  unsigned long long above = 0; // what the tokens of larger keys hold
  int shift = 32;
  for (int pass = 0; pass < 3; ++pass) {
    const int bits = pass < 2 ? 11 : 10;
    const int bins = 1 << bits;
    const bool last = pass == 2;
    shift -= bits;
    if (pass > 0 || !first_done) {
      for (int d = threadIdx.x; d < bins; d += $THREADS) {
        hist[d] = 0ull;
        if (last)
          cnt[d] = 0u;
      }
      __syncthreads();
      $NAME_for_each(r, [&](int i, float l) {
        const unsigned key = $NAME_key(l);
        const bool match = pass == 0 || (key >> (shift + bits)) == prefix;
        $NAME_hist_add(hist, last && by_weight ? cnt : nullptr,
                       (key >> shift) & (bins - 1),
                       match ? $NAME_value(r, l, key, i, by_weight, bk, bid)
                             : 0ull,
                       !by_weight);
      });
    }
    __syncthreads();
    const unsigned long long mine = $NAME_digit_run(hist, bins);
    unsigned long long total;
    const unsigned long long before = above + $NAME_scan(mine, total, s_sum);
    if (pass == 0 && fraction > 0.0f) {
      if (total == 0)
        return; // every thread: total is the block's
      target = max(1ull, (unsigned long long)(fraction * (double)total));
    }
    $NAME_find_digit(hist, bins, before, mine, target, s_found);
    __syncthreads();
    prefix = (prefix << bits) | (unsigned)s_found[0];
    above = s_found[1];
    __syncthreads(); // s_found and hist are read before the next pass
  }
  // Where every token of the boundary key within (bk, bid) is kept (by
  // count: they make up the target; by weight: there is one), the new
  // boundary takes them all, and no pass over the ids is needed.
  const int d = prefix & 1023;
  const bool all = by_weight ? cnt[d] == 1u : above + hist[d] == target;
  __syncthreads(); // hist and cnt are read before the caller reuses them
  if (all) {
    bid = prefix == bk ? bid : r.vocab;
    bk = prefix;
    return;
  }
  // Else the tokens of key `prefix` in id order.
  const unsigned old_bk = bk;
  const int old_bid = bid;
  auto at_key = [&](int i, float l) {
    const unsigned key = $NAME_key(l);
    return key == prefix
               ? $NAME_value(r, l, key, i, by_weight, old_bk, old_bid)
               : 0ull;
  };
  $NAME_Runs runs = $NAME_run_sums(r, at_key, s_sum);
  runs.before += above;
  if (runs.before <= target - 1 && target - 1 < runs.before + runs.mine)
    $NAME_run_find(r, runs, target - 1, at_key, s_at);
  __syncthreads();
  bk = prefix;
  bid = *s_at;
  __syncthreads(); // s_at is read before it is written again
}

// The pick among the n tokens top-k kept, which `key`, `id` and `w` (their
// weights) list in no order: top-p keeps a token where the likelier ones
// hold less than top_p x the kept weight, min-p drops the weights under
// min_w, and the pick is the kept token whose interval of the running
// weight in id order holds u x the total. Each thread sums, for each of
// its tokens, the weights of the tokens before it (n^2 / $THREADS reads of
// shared memory: no sort, and no pass over the row). `flag`: n scratch
// ints; *s_pick is left as it is where no weight is kept.
__device__ void $NAME_pick_listed(int n, float top_p,
                                  unsigned long long min_w, double u,
                                  const unsigned *key, const int *id,
                                  unsigned long long *w, unsigned *flag,
                                  unsigned long long *s_sum, int *s_pick) {
  unsigned long long mine = 0, total;
  if (top_p < 1.0f) {
    for (int e = threadIdx.x; e < n; e += $THREADS)
      mine += w[e];
    $NAME_scan(mine, total, s_sum);
    const unsigned long long target =
        max(1ull, (unsigned long long)(top_p * (double)total));
    for (int e = threadIdx.x; e < n; e += $THREADS) {
      unsigned long long likelier = 0;
      for (int j = 0; j < n; ++j)
        if (key[j] > key[e] || (key[j] == key[e] && id[j] < id[e]))
          likelier += w[j];
      flag[e] = likelier < target;
    }
    __syncthreads();
    for (int e = threadIdx.x; e < n; e += $THREADS)
      if (!flag[e])
        w[e] = 0ull;
  }
  // min-p, in place (a weight of 0 stays 0).
  mine = 0;
  for (int e = threadIdx.x; e < n; e += $THREADS) {
    if (w[e] < min_w)
      w[e] = 0ull;
    mine += w[e];
  }
  $NAME_scan(mine, total, s_sum); // its barrier orders the writes above
  if (total == 0)
    return;
  unsigned long long target = (unsigned long long)(u * (double)total);
  target = min(target, total - 1);
  for (int e = threadIdx.x; e < n; e += $THREADS) {
    if (w[e] == 0)
      continue;
    unsigned long long before = 0;
    for (int j = 0; j < n; ++j)
      if (id[j] < id[e])
        before += w[j];
    if (before <= target && target < before + w[e])
      *s_pick = id[e];
  }
}
)";

const char *const kWarpRunsMaxLoop =
    R"(  // The maximum after the penalty, the first NaN or +inf before it (the
  // penalty keeps them as they are), the number of live tokens and, for
  // top-k, its radix select's first histogram (a count per top digit): one
  // pass for all four.
  const bool count_top = top_k > 0 && p.x != 0.0f;
  if (count_top) {
    for (int d = threadIdx.x; d < 2048; d += $THREADS)
      s_hist[d] = 0ull;
    __syncthreads();
  }
  const $NAME_Row whole = {row, row_seen, penalty, 0.0f, 0.0f, vocab};
  $NAME_for_each(whole, [&](int i, float x) {
    const bool unusable = x != x || x == __int_as_float(0x7f800000);
    const bool is_live = !unusable && x != __int_as_float(0xff800000);
    if (unusable) {
      bad = min(bad, i);
    } else if (i < vocab && (best_i == vocab || x > best)) {
      best = x;
      best_i = i;
    }
    live += is_live;
    if (count_top)
      $NAME_hist_add(s_hist, nullptr, (int)($NAME_key(x) >> 21),
                     is_live ? 1ull : 0ull, true);
  });
)";

const char *const kWarpRunsTail =
    R"(  __shared__ unsigned s_cnt[1024]; // the last digit's token counts
  // Top-k's kept tokens where there are at most 1024: keys, ids, weights.
  __shared__ unsigned s_key[1024];
  __shared__ int s_id[1024], s_n;
  __shared__ unsigned long long s_w[1024];
  // The kept tokens: those within the boundary (bk, bid) whose weight is at
  // least min_p (the top weight being 1, a prefix of the order too).
  unsigned bk = 0u;
  int bid = vocab; // no boundary: every live token
  const unsigned long long min_w =
      (unsigned long long)(p.y * 1099511627776.0f);
  bool listed = false;
  if (top_k > 0) {
    $NAME_scan(live, live, s_sum);
    if ((unsigned long long)top_k < live) {
      $NAME_select(r, false, (unsigned long long)top_k, 0.0f, bk, bid, s_hist,
                   s_cnt, s_sum, s_found, &s_pick, true);
      listed = top_k <= 1024;
    }
  }
  // Where no weight is left (a temperature so small that 1 / T is inf), the
  // host's walk finds nothing and takes the argmax: so does this. (The
  // selects use s_pick before.)
  if (listed) {
    // The k tokens top-k kept, listed in shared memory: the rest of the
    // pick reads no more of the row.
    if (threadIdx.x == 0) {
      s_pick = argmax;
      s_n = 0;
    }
    __syncthreads();
    $NAME_for_each(r, [&](int i, float l) {
      const unsigned key = $NAME_key(l);
      const bool in = $NAME_value(r, l, key, i, false, bk, bid) != 0ull;
      const unsigned in_lanes = __ballot_sync(0xffffffffu, in);
      const int lane = threadIdx.x % 32;
      int first = 0;
      if (lane == 0 && in_lanes)
        first = atomicAdd(&s_n, __popc(in_lanes));
      first = __shfl_sync(0xffffffffu, first, 0);
      if (in) {
        const int e = first + __popc(in_lanes & ((1u << lane) - 1u));
        s_key[e] = key;
        s_id[e] = i;
        s_w[e] = $NAME_weight(l, top, r.inv_t);
      }
    });
    __syncthreads();
    $NAME_pick_listed(s_n, top_p, min_w, uniforms[blockIdx.x], s_key, s_id,
                      s_w, s_cnt, s_sum, &s_pick);
  } else {
    // top-p measures against what top-k kept.
    if (top_p < 1.0f)
      $NAME_select(r, true, 0ull, top_p, bk, bid, s_hist, s_cnt, s_sum,
                   s_found, &s_pick, false);

    // The host walks the kept tokens in id order to the first whose running
    // weight passes u x their total.
    if (threadIdx.x == 0)
      s_pick = argmax;
    auto kept = [&](int i, float l) {
      const unsigned long long w =
          $NAME_value(r, l, $NAME_key(l), i, true, bk, bid);
      return w >= min_w ? w : 0ull;
    };
    const $NAME_Runs runs = $NAME_run_sums(r, kept, s_sum);
    unsigned long long target =
        (unsigned long long)(uniforms[blockIdx.x] * (double)runs.total);
    target = min(target, runs.total - 1);
    if (runs.total > 0 && runs.before <= target &&
        target < runs.before + runs.mine)
      $NAME_run_find(r, runs, target, kept, &s_pick);
  }
)";

} // namespace mamba::codegen::cuda::detail

#include "logit_rows.h"

#include "../cpu/fast_math.h"
#include "../float_bits.h"

#include <climits>
#include <cmath>
#include <cstdint>

namespace mamba::logit_rows {
namespace {

/// Independent accumulators per pass: enough for one 256-bit vector of
/// floats, so a reduction does not wait on one add chain.
constexpr size_t kLanes = 8;

/// The sum of w[0, n), n a multiple of kLanes, in kLanes partial sums.
MAMBA_ALWAYS_INLINE double sumOfWhole(const float *w, size_t n) {
  double s[kLanes] = {};
  for (size_t i = 0; i < n; i += kLanes)
    for (size_t j = 0; j < kLanes; ++j)
      s[j] += w[i + j];
  double total = 0.0;
  for (double x : s)
    total += x;
  return total;
}

} // namespace

MAMBA_MULTIVERSION
size_t firstUnusable(const float *v, size_t n) {
  // NaN and +inf both fail `< inf`; -inf (a masked token) passes.
  int bad = 0;
  for (size_t i = 0; i < n; ++i)
    bad |= !(v[i] < INFINITY);
  if (!bad)
    return n;
  size_t i = 0;
  while (v[i] < INFINITY)
    ++i;
  return i;
}

MAMBA_MULTIVERSION
float maxOf(const float *v, size_t n) {
  // As integers, which vectorize where a float max reduction does not: the
  // float's bits with the magnitude flipped for negatives order like the
  // floats (the map is its own inverse); NaN maps below everything.
  auto key = [](float x) {
    const int32_t b = static_cast<int32_t>(bitsOf(x));
    const int32_t nan = -static_cast<int32_t>(x != x);
    return ((b ^ ((b >> 31) & 0x7fffffff)) & ~nan) | (INT32_MIN & nan);
  };
  int32_t best = INT32_MIN;
  for (size_t i = 0; i < n; ++i) {
    const int32_t k = key(v[i]);
    best = k > best ? k : best;
  }
  if (best == INT32_MIN)
    return -INFINITY;
  return floatOf(static_cast<uint32_t>(best ^ ((best >> 31) & 0x7fffffff)));
}

MAMBA_MULTIVERSION
void softmaxWeights(const float *v, size_t n, float max, float invT,
                    float *out) {
  for (size_t i = 0; i < n; ++i) {
    const float x = (v[i] - max) * invT;
    // expApprox clamps at -87 (~1e-38); below, and for a -inf logit, the
    // weight is 0. A mask, not a branch, so that the loop vectorizes.
    const uint32_t keep = 0u - static_cast<uint32_t>(x > -87.0f);
    out[i] = floatOf(bitsOf(cpu::expApprox(x)) & keep);
  }
}

MAMBA_MULTIVERSION
double sumOf(const float *w, size_t n) {
  const size_t whole = n - n % kLanes;
  double total = sumOfWhole(w, whole);
  for (size_t i = whole; i < n; ++i)
    total += w[i];
  return total;
}

MAMBA_MULTIVERSION
size_t firstEqual(const float *v, size_t n, float x) {
  // Blocks compared whole (a fixed-length loop vectorizes), then the block
  // that holds x element by element.
  constexpr size_t kBlock = 64;
  size_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    int hit = 0;
    for (size_t j = 0; j < kBlock; ++j)
      hit |= v[i + j] == x;
    if (hit)
      break;
  }
  for (; i < n; ++i)
    if (v[i] == x)
      return i;
  return n;
}

MAMBA_MULTIVERSION
void zeroBelow(const float *v, size_t n, float lastLogit, size_t lastId,
               float *w) {
  for (size_t i = 0; i < n; ++i) {
    const bool below = v[i] < lastLogit || (v[i] == lastLogit && i > lastId);
    // A mask, not a branch, as in softmaxWeights.
    w[i] = floatOf(bitsOf(w[i]) & (static_cast<uint32_t>(below) - 1u));
  }
}

MAMBA_MULTIVERSION
size_t firstAbove(const float *w, size_t n, double target) {
  // Whole blocks first (their sums vectorize), then one block element by
  // element.
  constexpr size_t kBlock = 256;
  double cumulative = 0.0;
  size_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    const double block = sumOfWhole(w + i, kBlock);
    if (target < cumulative + block)
      break;
    cumulative += block;
  }
  for (; i < n; ++i) {
    cumulative += w[i];
    if (target < cumulative && w[i] > 0.0f)
      return i;
  }
  return n;
}

} // namespace mamba::logit_rows

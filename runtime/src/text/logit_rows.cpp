#include "logit_rows.h"

#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace mamba::logit_rows {
namespace {

/// Independent accumulators per pass: enough for one 256-bit vector of
/// floats, so a reduction does not wait on one add chain.
constexpr size_t kLanes = 8;

float bitsToFloat(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

uint32_t floatToBits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

/// e^x for x <= 0: x = k ln2 + f with k = round(x / ln2) (by adding 1.5 *
/// 2^23, which leaves k in the low mantissa bits: no float-to-int
/// conversion, which would not vectorize), ln2 split in two so that f is
/// exact to float rounding, e^f by its degree-6 Taylor polynomial
/// (|f| <= ln2 / 2: relative error < 3e-7), 2^k put into the exponent.
float expNonPositive(float x) {
  const float shifted = x * 1.44269504f + 12582912.0f;
  const float k = shifted - 12582912.0f;
  const float f = (x - k * 0.693145752f) - k * 1.42860677e-6f;
  float p = 1.0f / 720;
  p = p * f + 1.0f / 120;
  p = p * f + 1.0f / 24;
  p = p * f + 1.0f / 6;
  p = p * f + 0.5f;
  p = p * f + 1.0f;
  p = p * f + 1.0f;
  const uint32_t ki = floatToBits(shifted) - floatToBits(12582912.0f);
  const float scale = bitsToFloat((ki + 127u) << 23);
  // A mask, not a branch, so that the loop calling this vectorizes.
  const uint32_t keep = 0u - static_cast<uint32_t>(x > -87.0f);
  return bitsToFloat(floatToBits(p * scale) & keep);
}

} // namespace

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

float maxOf(const float *v, size_t n) {
  // As integers, which vectorize where a float max reduction does not: the
  // float's bits with the magnitude flipped for negatives order like the
  // floats (the map is its own inverse); NaN maps below everything.
  auto key = [](float x) {
    const int32_t b = static_cast<int32_t>(floatToBits(x));
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
  return bitsToFloat(static_cast<uint32_t>(best ^ ((best >> 31) & 0x7fffffff)));
}

void softmaxWeights(const float *v, size_t n, float max, float invT,
                    float *out) {
  for (size_t i = 0; i < n; ++i)
    out[i] = expNonPositive((v[i] - max) * invT);
}

/// The sum of w[0, n), n a multiple of kLanes, in kLanes partial sums.
double sumOfWhole(const float *w, size_t n) {
  double s[kLanes] = {};
  for (size_t i = 0; i < n; i += kLanes)
    for (size_t j = 0; j < kLanes; ++j)
      s[j] += w[i + j];
  double total = 0.0;
  for (double x : s)
    total += x;
  return total;
}

double sumOf(const float *w, size_t n) {
  const size_t whole = n - n % kLanes;
  double total = sumOfWhole(w, whole);
  for (size_t i = whole; i < n; ++i)
    total += w[i];
  return total;
}

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

void zeroBelow(const float *v, size_t n, float lastLogit, size_t lastId,
               float *w) {
  for (size_t i = 0; i < n; ++i) {
    const bool below = v[i] < lastLogit || (v[i] == lastLogit && i > lastId);
    // A mask, not a branch, as in expNonPositive.
    w[i] = bitsToFloat(floatToBits(w[i]) & (static_cast<uint32_t>(below) - 1u));
  }
}

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

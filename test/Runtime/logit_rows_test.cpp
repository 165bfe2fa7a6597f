// The sampler's vectorized row passes against their plain definitions,
// including the values a row of logits may hold: -inf (masked), NaN, +inf,
// signed zeros, ties.
#include "../../runtime/src/text/logit_rows.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace {

namespace rows = mamba::logit_rows;

std::vector<float> normalRow(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 4.0f);
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(rng);
  return v;
}

TEST(LogitRows, FirstUnusableFindsNanAndPlusInfOnly) {
  std::vector<float> v = normalRow(1000, 1);
  v[10] = -INFINITY;
  EXPECT_EQ(rows::firstUnusable(v.data(), v.size()), v.size());
  v[700] = NAN;
  EXPECT_EQ(rows::firstUnusable(v.data(), v.size()), 700u);
  v[333] = INFINITY;
  EXPECT_EQ(rows::firstUnusable(v.data(), v.size()), 333u);
}

TEST(LogitRows, MaxOfMatchesAScalarLoopAndSkipsNan) {
  for (size_t n : {1u, 7u, 8u, 9u, 1000u, 50280u}) {
    std::vector<float> v = normalRow(n, static_cast<uint32_t>(n));
    float expected = -INFINITY;
    for (float x : v)
      expected = std::max(expected, x);
    EXPECT_EQ(rows::maxOf(v.data(), n), expected) << n;
  }
  EXPECT_EQ(rows::maxOf(std::vector<float>{NAN, -3.0f, -2.0f, NAN}.data(), 4),
            -2.0f);
  EXPECT_EQ(rows::maxOf(std::vector<float>{-INFINITY, -1e30f}.data(), 2),
            -1e30f);
  EXPECT_EQ(rows::maxOf(std::vector<float>{-5.0f, 1e-45f, -0.0f}.data(), 3),
            1e-45f);
  const float allNan[] = {NAN, NAN};
  EXPECT_EQ(rows::maxOf(allNan, 2), -INFINITY);
  const float zeros[] = {-0.0f, -1.0f};
  EXPECT_EQ(rows::maxOf(zeros, 2), 0.0f);
}

TEST(LogitRows, FirstEqualFindsTheFirstOccurrence) {
  std::vector<float> v(300, 1.0f);
  v[130] = 2.0f;
  v[250] = 2.0f;
  EXPECT_EQ(rows::firstEqual(v.data(), v.size(), 2.0f), 130u);
  EXPECT_EQ(rows::firstEqual(v.data(), v.size(), 3.0f), v.size());
  v[299] = 3.0f; // in the tail after the last whole block
  EXPECT_EQ(rows::firstEqual(v.data(), v.size(), 3.0f), 299u);
}

TEST(LogitRows, SoftmaxWeightsMatchExpAndZeroMaskedTokens) {
  std::vector<float> v = normalRow(5000, 3);
  v[17] = -INFINITY;
  v[18] = -1e4f; // e^-1000 and below: under 2^-126 at every temperature
  const float max = rows::maxOf(v.data(), v.size());
  for (float invT : {1.0f, 1.25f, 0.1f}) {
    std::vector<float> w(v.size());
    rows::softmaxWeights(v.data(), v.size(), max, invT, w.data());
    for (size_t i = 0; i < v.size(); ++i) {
      // The exponent rounded to float as the function rounds it.
      const float x = (v[i] - max) * invT;
      const double exact = std::exp(double(x));
      if (exact < 1e-37)
        EXPECT_LE(w[i], 1.2e-38f) << i;
      else
        EXPECT_NEAR(w[i] / exact, 1.0, 5e-7) << i << " " << x;
    }
    EXPECT_EQ(w[17], 0.0f);
    EXPECT_EQ(w[18], 0.0f);
  }
  const float top[] = {3.0f};
  float one = 0.0f;
  rows::softmaxWeights(top, 1, 3.0f, 1.0f, &one);
  EXPECT_EQ(one, 1.0f);
}

TEST(LogitRows, ZeroBelowKeepsTheLikelierAndTiesUpToTheBoundaryId) {
  const std::vector<float> v = {1.0f, 3.0f, 2.0f, 2.0f, -INFINITY, 2.0f, 0.5f};
  std::vector<float> w(v.size(), 1.0f);
  rows::zeroBelow(v.data(), v.size(), 2.0f, 3, w.data());
  EXPECT_EQ(w, (std::vector<float>{0, 1, 1, 1, 0, 0, 0}));
}

TEST(LogitRows, SumAndFirstAboveMatchTheRunningSum) {
  std::vector<float> w = normalRow(50280, 4);
  for (float &x : w)
    x = std::fabs(x);
  w[1000] = 0.0f;
  double serial = 0.0;
  for (float x : w)
    serial += x;
  const double total = rows::sumOf(w.data(), w.size());
  EXPECT_NEAR(total, serial, 1e-9 * serial);
  for (double fraction : {0.0, 1e-7, 0.3, 0.5, 0.999999}) {
    const double target = fraction * total;
    size_t expected = 0;
    double cumulative = 0.0;
    for (; expected < w.size(); ++expected) {
      cumulative += w[expected];
      if (target < cumulative && w[expected] > 0.0f)
        break;
    }
    EXPECT_EQ(rows::firstAbove(w.data(), w.size(), target), expected)
        << fraction;
  }
  EXPECT_EQ(rows::firstAbove(w.data(), w.size(), 2 * total), w.size());
  // A zero weight is never picked, even where the running sum crosses.
  const float zeroFirst[] = {0.0f, 1.0f};
  EXPECT_EQ(rows::firstAbove(zeroFirst, 2, 0.0), 1u);
}

} // namespace

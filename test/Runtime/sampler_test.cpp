// Unit tests of the sampler: each filter against its definition, statistical
// checks with fixed seeds, determinism, and parameter validation.
#include "mamba/sampler.h"

#include "../../runtime/src/text/logit_rows.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>

namespace {

using mamba::Sampler;
using mamba::SamplerConfig;
using mamba::TokenId;

Sampler makeSampler(const SamplerConfig &config) {
  auto sampler = Sampler::create(config);
  EXPECT_TRUE(sampler.ok()) << sampler.status().message();
  return std::move(sampler).value();
}

TokenId sampleOnce(Sampler &sampler, const std::vector<float> &logits,
                   const std::vector<TokenId> &history = {}) {
  auto id = sampler.sample(logits.data(), logits.size(), history);
  EXPECT_TRUE(id.ok()) << id.status().message();
  return id.ok() ? *id : -1;
}

/// Logits whose softmax is exactly `probs`.
std::vector<float> logitsOf(const std::vector<double> &probs) {
  std::vector<float> logits;
  for (double p : probs)
    logits.push_back(static_cast<float>(std::log(p)));
  return logits;
}

/// Frequencies of each id over `draws` samples.
std::vector<double> frequencies(Sampler &sampler,
                                const std::vector<float> &logits, int draws) {
  std::vector<double> counts(logits.size(), 0.0);
  for (int i = 0; i < draws; ++i)
    counts[static_cast<size_t>(sampleOnce(sampler, logits))] += 1.0;
  for (double &c : counts)
    c /= draws;
  return counts;
}

/// Pseudo-random logits, fixed per `seed`.
std::vector<float> randomLogits(size_t n, uint32_t seed) {
  std::vector<float> logits(n);
  for (size_t i = 0; i < n; ++i) {
    seed = seed * 1664525u + 1013904223u;
    logits[i] = static_cast<float>(seed >> 8) / float(1 << 24) * 10.0f - 5.0f;
  }
  return logits;
}

TEST(Sampler, GreedyPicksArgmaxAndLowestIdOnTies) {
  SamplerConfig config;
  config.temperature = 0.0f;
  Sampler sampler = makeSampler(config);
  EXPECT_EQ(sampleOnce(sampler, {0.1f, 3.0f, -2.0f, 2.9f}), 1);
  EXPECT_EQ(sampleOnce(sampler, {1.0f, 5.0f, 5.0f, 5.0f}), 1);
  EXPECT_EQ(mamba::argmax(std::vector<float>{2, 7, 7}.data(), 3), 1);
  std::vector<float> withNan = {NAN, 1.0f, 2.0f};
  EXPECT_EQ(mamba::argmax(withNan.data(), withNan.size()), 2);
}

TEST(Sampler, TinyTemperatureAndTopKOneEqualGreedy) {
  SamplerConfig cold;
  cold.temperature = 1e-4f;
  SamplerConfig topOne;
  topOne.topK = 1;
  for (uint32_t seed = 1; seed <= 50; ++seed) {
    cold.seed = topOne.seed = seed;
    Sampler a = makeSampler(cold), b = makeSampler(topOne);
    std::vector<float> logits = randomLogits(1000, seed);
    TokenId greedy = mamba::argmax(logits.data(), logits.size());
    logits[greedy] += 0.01f; // a clear winner: weight of the others < e^-100
    EXPECT_EQ(sampleOnce(a, logits), greedy) << "seed " << seed;
    EXPECT_EQ(sampleOnce(b, logits), greedy) << "seed " << seed;
  }
}

TEST(Sampler, MatchesSoftmaxWithTemperature) {
  std::vector<float> logits = {1.0f, 0.5f, 0.0f, -1.0f};
  SamplerConfig config;
  config.temperature = 0.7f;
  config.seed = 1234;
  Sampler sampler = makeSampler(config);
  std::vector<double> expected;
  double total = 0.0;
  for (float l : logits)
    total += std::exp(l / 0.7);
  for (float l : logits)
    expected.push_back(std::exp(l / 0.7) / total);
  std::vector<double> got = frequencies(sampler, logits, 40000);
  for (size_t i = 0; i < logits.size(); ++i)
    EXPECT_NEAR(got[i], expected[i], 0.01) << "token " << i;
}

TEST(Sampler, TopKKeepsOnlyTheKMostLikely) {
  SamplerConfig config;
  config.topK = 2;
  config.seed = 7;
  Sampler sampler = makeSampler(config);
  std::vector<float> logits = logitsOf({0.1, 0.4, 0.2, 0.3});
  std::vector<double> got = frequencies(sampler, logits, 20000);
  EXPECT_EQ(got[0], 0.0);
  EXPECT_EQ(got[2], 0.0);
  EXPECT_NEAR(got[1], 4.0 / 7.0, 0.015);
  EXPECT_NEAR(got[3], 3.0 / 7.0, 0.015);
}

TEST(Sampler, TopPExcludesTheTailAndRenormalises) {
  // Sorted: 0.5, 0.25 reach 0.7; 0.15 and 0.1 are the tail.
  SamplerConfig config;
  config.topP = 0.7f;
  config.seed = 99;
  Sampler sampler = makeSampler(config);
  std::vector<float> logits = logitsOf({0.15, 0.5, 0.1, 0.25});
  std::vector<double> got = frequencies(sampler, logits, 30000);
  EXPECT_EQ(got[0], 0.0);
  EXPECT_EQ(got[2], 0.0);
  EXPECT_NEAR(got[1], 2.0 / 3.0, 0.015);
  EXPECT_NEAR(got[3], 1.0 / 3.0, 0.015);
}

TEST(Sampler, TopPOnALargeVocabularyKeepsTheNucleus) {
  // 1000 tokens: ten likely ones hold 90% of the mass.
  std::vector<double> probs(1000, 0.1 / 990);
  for (size_t i = 500; i < 510; ++i)
    probs[i] = 0.09;
  SamplerConfig config;
  config.topP = 0.85f;
  config.seed = 5;
  Sampler sampler = makeSampler(config);
  std::vector<float> logits = logitsOf(probs);
  for (int i = 0; i < 2000; ++i) {
    TokenId id = sampleOnce(sampler, logits);
    EXPECT_TRUE(id >= 500 && id < 510) << id;
  }
}

/// The sampler by its definition: weights as the sampler computes them, the
/// filters on a full sort (likelier first, ties to the lower id), the same
/// uniform draws, the kept weights walked in id order.
class ReferenceSampler {
public:
  explicit ReferenceSampler(const SamplerConfig &c) : c_(c), rng_(c.seed) {}

  TokenId sample(const std::vector<float> &logits) {
    const size_t n = logits.size();
    const float max = *std::max_element(logits.begin(), logits.end());
    std::vector<float> w(n);
    mamba::logit_rows::softmaxWeights(logits.data(), n, max,
                                      1.0f / c_.temperature, w.data());
    std::vector<size_t> order;
    for (size_t i = 0; i < n; ++i)
      if (logits[i] != -INFINITY)
        order.push_back(i);
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
    });
    size_t kept = order.size();
    if (c_.topK > 0)
      kept = std::min(kept, static_cast<size_t>(c_.topK));
    if (c_.topP < 1.0f) {
      double mass = 0.0;
      for (size_t i = 0; i < kept; ++i)
        mass += w[order[i]];
      double cumulative = 0.0;
      for (size_t i = 0; i < kept; ++i) {
        cumulative += w[order[i]];
        if (cumulative >= c_.topP * mass) {
          kept = i + 1;
          break;
        }
      }
    }
    size_t above = 0;
    while (above < order.size() && w[order[above]] >= c_.minP)
      ++above;
    kept = std::min(kept, above);
    std::vector<float> keptW(n, 0.0f);
    for (size_t i = 0; i < kept; ++i)
      keptW[order[i]] = w[order[i]];
    const double total = std::accumulate(keptW.begin(), keptW.end(), 0.0);
    const double target = static_cast<double>(rng_() >> 11) * 0x1p-53 * total;
    double cumulative = 0.0;
    for (size_t i = 0; i < n; ++i) {
      cumulative += keptW[i];
      if (target < cumulative && keptW[i] > 0.0f)
        return static_cast<TokenId>(i);
    }
    return -1;
  }

private:
  SamplerConfig c_;
  std::mt19937_64 rng_;
};

TEST(Sampler, FiltersMatchTheirDefinitionOnLargeRows) {
  // The sampler narrows the candidates before it sorts (a heap for top-k,
  // a weight floor for top-p): it must pick exactly what the full sort
  // picks, draw for draw. Rows have masked tokens and ties.
  std::vector<SamplerConfig> configs(7);
  configs[0].topK = 40;
  configs[1].topP = 0.9f;
  configs[2].topK = 50;
  configs[2].topP = 0.8f;
  configs[3].minP = 0.05f;
  configs[4].topP = 0.95f;
  configs[4].minP = 0.01f;
  configs[5].topK = 10;
  configs[5].minP = 0.2f;
  configs[6].topP = 0.999f;
  std::mt19937 rng(17);
  std::normal_distribution<float> dist(0.0f, 2.5f);
  for (size_t ci = 0; ci < configs.size(); ++ci) {
    for (float temperature : {0.7f, 1.3f}) {
      SamplerConfig config = configs[ci];
      config.temperature = temperature;
      config.seed = 100 + ci;
      Sampler sampler = makeSampler(config);
      ReferenceSampler reference(config);
      for (int row = 0; row < 20; ++row) {
        std::vector<float> logits(5000);
        for (float &x : logits)
          x = std::round(dist(rng) * 64.0f) / 64.0f; // many ties
        for (size_t i = 0; i < logits.size(); i += 97)
          logits[i] = -INFINITY;
        for (int draw = 0; draw < 5; ++draw)
          ASSERT_EQ(sampleOnce(sampler, logits), reference.sample(logits))
              << "config " << ci << " temperature " << temperature << " row "
              << row << " draw " << draw;
      }
    }
  }
}

TEST(Sampler, MinPDropsTokensFarBelowTheTop) {
  SamplerConfig config;
  config.minP = 0.4f; // keeps p >= 0.2
  config.seed = 3;
  Sampler sampler = makeSampler(config);
  std::vector<double> got =
      frequencies(sampler, logitsOf({0.5, 0.25, 0.15, 0.1}), 20000);
  EXPECT_EQ(got[2] + got[3], 0.0);
  EXPECT_NEAR(got[0], 2.0 / 3.0, 0.015);
}

TEST(Sampler, RepetitionPenaltyChangesTheChoice) {
  SamplerConfig config;
  config.temperature = 0.0f;
  config.repetitionPenalty = 1.5f;
  Sampler sampler = makeSampler(config);
  // Positive logit divided: 2.0 / 1.5 < 1.9.
  EXPECT_EQ(sampleOnce(sampler, {2.0f, 1.9f, -1.0f}, {0}), 1);
  EXPECT_EQ(sampleOnce(sampler, {2.0f, 1.9f, -1.0f}, {}), 0);
  // Negative logit multiplied: -1.0 * 1.5 < -1.2.
  EXPECT_EQ(sampleOnce(sampler, {-1.0f, -1.2f}, {0}), 1);
  // A token seen twice is penalised once: 2.0 / 1.5 > 1.2.
  EXPECT_EQ(sampleOnce(sampler, {2.0f, 1.2f}, {0, 0, 0}), 0);
  // Ids outside the row are ignored.
  EXPECT_EQ(sampleOnce(sampler, {2.0f, 1.2f}, {-3, 7}), 0);
}

std::vector<TokenId> sequence(uint64_t seed, int length) {
  SamplerConfig config;
  config.seed = seed;
  config.topP = 0.95f;
  config.temperature = 0.9f;
  Sampler sampler = makeSampler(config);
  std::vector<float> logits = randomLogits(500, 17);
  std::vector<TokenId> out;
  for (int i = 0; i < length; ++i)
    out.push_back(sampleOnce(sampler, logits));
  return out;
}

TEST(Sampler, SameSeedSameTokensDifferentSeedDifferentTokens) {
  EXPECT_EQ(sequence(42, 64), sequence(42, 64));
  EXPECT_NE(sequence(42, 64), sequence(43, 64));
}

TEST(Sampler, ReseedRestartsTheSequence) {
  SamplerConfig config;
  config.seed = 11;
  Sampler sampler = makeSampler(config);
  std::vector<float> logits = randomLogits(50, 3);
  std::vector<TokenId> first, second;
  for (int i = 0; i < 20; ++i)
    first.push_back(sampleOnce(sampler, logits));
  sampler.reseed(11);
  for (int i = 0; i < 20; ++i)
    second.push_back(sampleOnce(sampler, logits));
  EXPECT_EQ(first, second);
}

TEST(Sampler, SequenceIsTheSameOnEveryPlatform) {
  // std::mt19937_64 is fully specified by the C++ standard and uniforms are
  // made from its raw bits, so these ids must never change.
  SamplerConfig config;
  config.seed = 2024;
  Sampler sampler = makeSampler(config);
  std::vector<float> logits = logitsOf({0.1, 0.2, 0.3, 0.4});
  std::vector<TokenId> got;
  for (int i = 0; i < 16; ++i)
    got.push_back(sampleOnce(sampler, logits));
  EXPECT_EQ(got, (std::vector<TokenId>{3, 3, 1, 2, 0, 1, 3, 2, 1, 2, 2, 3, 3, 3,
                                       0, 1}));
}

void expectInvalid(SamplerConfig config, const std::string &parameter) {
  auto sampler = Sampler::create(config);
  ASSERT_FALSE(sampler.ok()) << parameter;
  EXPECT_NE(sampler.status().message().find(parameter + " must be"),
            std::string::npos)
      << sampler.status().message();
}

TEST(Sampler, RejectsInvalidParameters) {
  SamplerConfig c;
  c.temperature = -0.5f;
  expectInvalid(c, "temperature");
  c = SamplerConfig();
  c.topP = 0.0f;
  expectInvalid(c, "top_p");
  c.topP = 1.5f;
  expectInvalid(c, "top_p");
  c = SamplerConfig();
  c.topK = -1;
  expectInvalid(c, "top_k");
  c = SamplerConfig();
  c.repetitionPenalty = 0.0f;
  expectInvalid(c, "repetition_penalty");
  c = SamplerConfig();
  c.minP = 2.0f;
  expectInvalid(c, "min_p");
  EXPECT_TRUE(mamba::validate(SamplerConfig()).ok());
}

TEST(Sampler, RejectsUnusableLogits) {
  Sampler sampler = makeSampler(SamplerConfig());
  EXPECT_FALSE(sampler.sample(nullptr, 0).ok());
  std::vector<float> nan = {1.0f, NAN};
  auto a = sampler.sample(nan.data(), nan.size());
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("token 1"), std::string::npos);
  std::vector<float> masked = {-INFINITY, -INFINITY};
  EXPECT_FALSE(sampler.sample(masked.data(), masked.size()).ok());
  // -inf masks a token without being an error.
  std::vector<float> partly = {-INFINITY, 0.0f};
  EXPECT_EQ(sampleOnce(sampler, partly), 1);
}

} // namespace

namespace {

/// A GreedySummary by its definition (what the GPU's greedy_pick computes).
mamba::GreedySummary summarize(const std::vector<float> &row) {
  mamba::GreedySummary s;
  s.firstUnusable = static_cast<int32_t>(row.size());
  int32_t best = -1;
  for (size_t i = 0; i < row.size(); ++i) {
    const float x = row[i];
    if (std::isnan(x) || x == INFINITY) {
      if (s.firstUnusable == static_cast<int32_t>(row.size())) {
        s.firstUnusable = static_cast<int32_t>(i);
        std::memcpy(&s.unusableBits, &x, sizeof x);
      }
    } else if (best < 0 || x > row[best]) {
      best = static_cast<int32_t>(i);
    }
  }
  s.best = std::max(best, 0);
  const float b = best < 0 ? 0.0f : row[best];
  std::memcpy(&s.bestBits, &b, sizeof b);
  return s;
}

TEST(Sampler, GreedyTokenOfASummaryIsWhatAGreedySamplerPicks) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-5.0f, 5.0f);
  std::vector<std::vector<float>> rows = {
      {1.0f, 3.0f, 3.0f, 2.0f},      // a tie: the lower index
      {-INFINITY, -2.0f, -INFINITY}, // masked tokens
      {-INFINITY, -INFINITY},        // all masked: an error
      {1.0f, NAN, INFINITY},         // NaN first: its error
      {INFINITY, 1.0f},              // +inf: an error
      {-0.0f, 0.0f},                 // -0 == 0: the first
      {NAN, NAN},                    // all NaN
  };
  std::vector<float> large(50280);
  for (float &x : large)
    x = u(rng);
  rows.push_back(large);
  large[50279] = 100.0f;
  rows.push_back(large);
  for (float temperature : {0.0f, 0.7f}) {
    SamplerConfig c;
    c.temperature = temperature;
    c.topK = temperature == 0.0f ? 0 : 1;
    Sampler sampler = makeSampler(c);
    ASSERT_TRUE(sampler.picksGreedily());
    for (size_t r = 0; r < rows.size(); ++r) {
      auto want = sampler.sample(rows[r].data(), rows[r].size());
      auto got = mamba::greedyToken(summarize(rows[r]), rows[r].size());
      ASSERT_EQ(got.ok(), want.ok()) << "row " << r;
      if (want.ok())
        EXPECT_EQ(*got, *want) << "row " << r;
      else
        EXPECT_EQ(got.status().message(), want.status().message())
            << "row " << r;
    }
  }
  mamba::GreedySummary outside;
  outside.best = 9;
  outside.firstUnusable = 4;
  EXPECT_FALSE(mamba::greedyToken(outside, 4).ok());
  EXPECT_FALSE(mamba::greedyToken(outside, 0).ok());
}

TEST(Sampler, OnlyGreedyConfigsWithoutPenaltyPickGreedily) {
  SamplerConfig c;
  EXPECT_FALSE(makeSampler(c).picksGreedily());
  c.temperature = 0.0f;
  EXPECT_TRUE(makeSampler(c).picksGreedily());
  c.repetitionPenalty = 1.3f;
  EXPECT_FALSE(makeSampler(c).picksGreedily());
  c = SamplerConfig();
  c.topK = 1;
  EXPECT_TRUE(makeSampler(c).picksGreedily());
}

TEST(Sampler, DrawUniformIsTheNumberTheNextSampleWouldDraw) {
  // A device that samples as a Sampler does takes its uniforms from
  // drawUniform(): it must be the number sample() draws, and advance the
  // stream as sample() does.
  std::vector<float> row(1000);
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(-3.0f, 3.0f);
  for (float &x : row)
    x = u(rng);
  SamplerConfig c;
  c.temperature = 0.9f;
  c.seed = 5;
  Sampler drawer = makeSampler(c), host = makeSampler(c);
  // The host's weights in double, for the interval each pick covers.
  const double top = *std::max_element(row.begin(), row.end());
  std::vector<double> w;
  double total = 0;
  for (float x : row) {
    w.push_back(std::exp((x - top) / c.temperature));
    total += w.back();
  }
  for (int draw = 0; draw < 200; ++draw) {
    const double uniform = drawer.drawUniform();
    ASSERT_GE(uniform, 0.0);
    ASSERT_LT(uniform, 1.0);
    auto pick = host.sample(row.data(), row.size());
    ASSERT_TRUE(pick.ok());
    double before = 0;
    for (TokenId i = 0; i < *pick; ++i)
      before += w[i];
    EXPECT_LE(before / total, uniform + 1e-6) << "draw " << draw;
    EXPECT_GE((before + w[*pick]) / total, uniform - 1e-6) << "draw " << draw;
  }
}

TEST(Sampler, OnlyNonGreedyConfigsDrawUniforms) {
  SamplerConfig c;
  EXPECT_TRUE(makeSampler(c).drawsUniforms());
  c.repetitionPenalty = 1.3f;
  EXPECT_TRUE(makeSampler(c).drawsUniforms());
  c.temperature = 0.0f;
  EXPECT_FALSE(makeSampler(c).drawsUniforms());
  c = SamplerConfig();
  c.topK = 1;
  EXPECT_FALSE(makeSampler(c).drawsUniforms());
  // A greedy sample() draws nothing: the stream is where it was.
  c.temperature = 0.0f;
  Sampler greedy = makeSampler(c);
  const float row[3] = {0.1f, 0.3f, 0.2f};
  ASSERT_TRUE(greedy.sample(row, 3).ok());
  SamplerConfig fresh;
  fresh.seed = c.seed;
  Sampler a = makeSampler(fresh);
  EXPECT_EQ(a.drawUniform(), greedy.drawUniform());
}

} // namespace

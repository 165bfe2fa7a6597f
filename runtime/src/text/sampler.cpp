// Sampling from logits. Randomness comes from std::mt19937_64, whose output
// the C++ standard fixes, turned into uniforms by hand because the standard
// distributions differ between library implementations.
#include "mamba/sampler.h"

#include "../float_bits.h"
#include "logit_rows.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace mamba {
namespace {

Status invalid(const char *name, const std::string &rule, double value) {
  std::string shown = std::to_string(value);
  return Status::error(std::string("sampler: ") + name + " must be " + rule +
                       ", got " + shown);
}

Status unusableLogit(size_t index, float value) {
  return Status::error("sampler: logit of token " + std::to_string(index) +
                       " is " + std::to_string(value));
}

Status emptyRow() { return Status::error("sampler: the logits row is empty"); }

Status allMasked() { return Status::error("sampler: every logit is -inf"); }

} // namespace

Expected<TokenId> greedyToken(const GreedySummary &s, size_t vocabSize) {
  if (vocabSize == 0)
    return emptyRow();
  if (s.firstUnusable >= 0 && static_cast<size_t>(s.firstUnusable) < vocabSize)
    return unusableLogit(static_cast<size_t>(s.firstUnusable),
                         floatOf(s.unusableBits));
  if (s.best < 0 || static_cast<size_t>(s.best) >= vocabSize)
    return Status::error("sampler: greedy pick " + std::to_string(s.best) +
                         " is outside the vocabulary");
  if (floatOf(s.bestBits) == -INFINITY)
    return allMasked();
  return static_cast<TokenId>(s.best);
}

Status validate(const SamplerConfig &c) {
  if (!(c.temperature >= 0.0f) || std::isinf(c.temperature))
    return invalid("temperature", ">= 0 and finite", c.temperature);
  if (c.topK < 0)
    return invalid("top_k", ">= 0 (0 disables it)", c.topK);
  if (!(c.topP > 0.0f && c.topP <= 1.0f))
    return invalid("top_p", "in (0, 1]", c.topP);
  if (!(c.minP >= 0.0f && c.minP <= 1.0f))
    return invalid("min_p", "in [0, 1]", c.minP);
  if (!(c.repetitionPenalty > 0.0f) || std::isinf(c.repetitionPenalty))
    return invalid("repetition_penalty", "> 0 and finite", c.repetitionPenalty);
  return Status::success();
}

TokenId argmax(const float *values, size_t n) {
  // The first index holding the maximum (NaNs skipped); none if all are NaN.
  const size_t i =
      logit_rows::firstEqual(values, n, logit_rows::maxOf(values, n));
  return static_cast<TokenId>(i < n ? i : 0);
}

Expected<Sampler> Sampler::create(const SamplerConfig &config) {
  MAMBA_RETURN_IF_ERROR(validate(config));
  return Sampler(config);
}

void Sampler::reseed(uint64_t seed) {
  config_.seed = seed;
  rng_.seed(seed);
}

double Sampler::uniform() {
  return static_cast<double>(rng_() >> 11) * 0x1p-53;
}

void Sampler::applyPenalty(const std::vector<TokenId> &history) {
  float penalty = config_.repetitionPenalty;
  seen_.resize(logits_.size());
  for (TokenId id : history) {
    if (id < 0 || static_cast<size_t>(id) >= logits_.size() || seen_[id])
      continue;
    seen_[id] = 1;
    float &l = logits_[id];
    l = l > 0.0f ? l / penalty : l * penalty;
  }
  for (TokenId id : history)
    if (id >= 0 && static_cast<size_t>(id) < seen_.size())
      seen_[id] = 0;
}

bool Sampler::likelier(const Candidate &a, const Candidate &b) {
  return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
}

size_t Sampler::nucleusSize(size_t k, double target) {
  auto at = [this](size_t i) {
    return candidates_.begin() + static_cast<std::ptrdiff_t>(i);
  };
  auto mass = [this](size_t from, size_t to) {
    double sum = 0.0;
    for (size_t i = from; i < to; ++i)
      sum += weights_[candidates_[i].id];
    return sum;
  };
  // Bisect by selection for the range where the mass crosses the target, so
  // that only a few dozen candidates need sorting: linear time overall.
  double cumulative = 0.0;
  size_t lo = 0, hi = std::min(k, candidates_.size());
  while (hi - lo > 64) {
    size_t mid = lo + (hi - lo) / 2;
    std::nth_element(at(lo), at(mid), at(hi), likelier);
    double half = mass(lo, mid);
    if (cumulative + half >= target) {
      hi = mid;
    } else {
      cumulative += half;
      lo = mid;
    }
  }
  std::sort(at(lo), at(hi), likelier);
  for (size_t i = lo; i < hi; ++i) {
    cumulative += weights_[candidates_[i].id];
    if (cumulative >= target)
      return i + 1;
  }
  return hi;
}

size_t Sampler::keptCount(size_t live, double liveMass) {
  size_t k = live;
  if (config_.topK > 0 && static_cast<size_t>(config_.topK) < live)
    k = static_cast<size_t>(config_.topK); // candidates_ is the top k
  size_t kept = k;
  if (config_.topP < 1.0f) {
    // Relative to what top-k left.
    double mass = liveMass;
    if (k < live) {
      mass = 0.0;
      for (const Candidate &c : candidates_)
        mass += weights_[c.id];
    }
    kept = nucleusSize(k, config_.topP * mass);
  }
  if (config_.minP > 0.0f) {
    // The top weight is 1, so this is min-p; the survivors are a prefix of
    // the order because the weight grows with the logit.
    size_t above = 0;
    for (const Candidate &c : candidates_)
      above += weights_[c.id] >= config_.minP;
    kept = std::min(kept, above);
  }
  return kept;
}

size_t Sampler::gatherCandidates(const float *row, size_t n, float maxLogit,
                                 double liveMass) {
  candidates_.clear();
  size_t live = 0;
  for (size_t i = 0; i < n; ++i)
    live += row[i] != -INFINITY;
  if (config_.topK > 0 && static_cast<size_t>(config_.topK) < live) {
    // The k likeliest in one pass: a heap whose top is the least likely
    // kept so far; most tokens lose to it at once.
    const size_t k = static_cast<size_t>(config_.topK);
    float bar = -INFINITY; // the top's logit once the heap is full
    for (size_t i = 0; i < n; ++i) {
      if (row[i] < bar || row[i] == -INFINITY)
        continue;
      const Candidate c = {row[i], static_cast<TokenId>(i)};
      if (candidates_.size() < k) {
        candidates_.push_back(c);
        std::push_heap(candidates_.begin(), candidates_.end(), likelier);
      } else if (likelier(c, candidates_.front())) {
        std::pop_heap(candidates_.begin(), candidates_.end(), likelier);
        candidates_.back() = c;
        std::push_heap(candidates_.begin(), candidates_.end(), likelier);
      }
      if (candidates_.size() == k)
        bar = candidates_.front().logit;
    }
    return live;
  }
  if (config_.topP < 1.0f) {
    // Tokens whose weight is under (1 - top_p) x mass / live hold less than
    // (1 - top_p) of the mass together, so the nucleus lies among the rest.
    // The cut is on logits (a prefix of the order, ties on one side) and
    // checked against the weights; if rounding fails it, all are kept.
    const double floor = (1.0 - config_.topP) * liveMass / double(live);
    const float cut =
        static_cast<float>(maxLogit + config_.temperature * std::log(floor));
    double mass = 0.0;
    for (size_t i = 0; i < n; ++i)
      if (row[i] >= cut && row[i] != -INFINITY) {
        candidates_.push_back({row[i], static_cast<TokenId>(i)});
        mass += weights_[i];
      }
    if (mass >= config_.topP * liveMass)
      return live;
    candidates_.clear();
  }
  // Min-p alone keeps the tokens of weight >= min_p, whose logits are >=
  // max + temperature x ln(min_p): gather those, cut 1e-3 x temperature
  // lower so that the weights' rounding cannot leave one out.
  const float cut =
      config_.topP == 1.0f && config_.minP > 0.0f
          ? static_cast<float>(maxLogit + config_.temperature *
                                              (std::log(config_.minP) - 1e-3))
          : -INFINITY;
  for (size_t i = 0; i < n; ++i)
    if (row[i] >= cut && row[i] != -INFINITY)
      candidates_.push_back({row[i], static_cast<TokenId>(i)});
  return live;
}

Expected<TokenId> Sampler::sample(const float *logits, size_t vocabSize,
                                  const std::vector<TokenId> &history) {
  if (vocabSize == 0)
    return emptyRow();
  if (size_t i = logit_rows::firstUnusable(logits, vocabSize); i < vocabSize)
    return unusableLogit(i, logits[i]);
  const float *row = logits;
  if (config_.repetitionPenalty != 1.0f) {
    logits_.assign(logits, logits + vocabSize);
    applyPenalty(history);
    row = logits_.data();
  }
  TokenId best = argmax(row, vocabSize);
  float maxLogit = row[static_cast<size_t>(best)];
  if (maxLogit == -INFINITY)
    return allMasked();
  if (greedy())
    return best;

  weights_.resize(vocabSize);
  logit_rows::softmaxWeights(row, vocabSize, maxLogit,
                             1.0f / config_.temperature, weights_.data());
  // Masked tokens have weight 0: this is the mass of the unmasked ones.
  const double total = logit_rows::sumOf(weights_.data(), vocabSize);
  double keptMass = total;
  if (config_.topK > 0 || config_.topP < 1.0f || config_.minP > 0.0f) {
    const size_t live = gatherCandidates(row, vocabSize, maxLogit, total);
    const size_t kept = keptCount(live, total);
    if (kept < live) {
      // Keep the `kept` likeliest: zero the rest. The boundary is the last
      // one kept in the total order.
      std::nth_element(candidates_.begin(),
                       candidates_.begin() + std::ptrdiff_t(kept - 1),
                       candidates_.end(), likelier);
      const Candidate last = candidates_[kept - 1];
      logit_rows::zeroBelow(row, vocabSize, last.logit,
                            static_cast<size_t>(last.id), weights_.data());
      keptMass = logit_rows::sumOf(weights_.data(), vocabSize);
    }
  }
  // Walk in id order, so the pick for a given random number depends only on
  // the weights, not on how a sort arranged them.
  const size_t pick =
      logit_rows::firstAbove(weights_.data(), vocabSize, uniform() * keptMass);
  return pick < vocabSize ? static_cast<TokenId>(pick) : best;
}

} // namespace mamba

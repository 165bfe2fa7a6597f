// Sampling from logits. Randomness comes from std::mt19937_64, whose output
// the C++ standard fixes, turned into uniforms by hand because the standard
// distributions differ between library implementations.
#include "mamba/sampler.h"

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

} // namespace

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
  size_t best = 0;
  for (size_t i = 1; i < n; ++i)
    if (values[i] > values[best] ||
        (std::isnan(values[best]) && !std::isnan(values[i])))
      best = i;
  return static_cast<TokenId>(best);
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

size_t Sampler::nucleusSize(size_t k) {
  auto at = [this](size_t i) {
    return candidates_.begin() + static_cast<std::ptrdiff_t>(i);
  };
  auto mass = [this](size_t from, size_t to) {
    double sum = 0.0;
    for (size_t i = from; i < to; ++i)
      sum += weights_[candidates_[i].id];
    return sum;
  };
  double target = config_.topP * mass(0, k); // relative to what top-k left
  // Bisect by selection for the range where the mass crosses the target, so
  // that only a few dozen candidates need sorting: linear time overall.
  double cumulative = 0.0;
  size_t lo = 0, hi = k;
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

size_t Sampler::keptCount() {
  size_t n = candidates_.size();
  size_t k = n;
  if (config_.topK > 0 && static_cast<size_t>(config_.topK) < n) {
    k = static_cast<size_t>(config_.topK);
    std::nth_element(candidates_.begin(),
                     candidates_.begin() + std::ptrdiff_t(k), candidates_.end(),
                     likelier);
  }
  size_t kept = config_.topP < 1.0f ? nucleusSize(k) : k;
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

Expected<TokenId> Sampler::sample(const float *logits, size_t vocabSize,
                                  const std::vector<TokenId> &history) {
  if (vocabSize == 0)
    return Status::error("sampler: the logits row is empty");
  for (size_t i = 0; i < vocabSize; ++i)
    if (std::isnan(logits[i]) || logits[i] == INFINITY)
      return Status::error("sampler: logit of token " + std::to_string(i) +
                           " is " + std::to_string(logits[i]));
  logits_.assign(logits, logits + vocabSize);
  if (config_.repetitionPenalty != 1.0f)
    applyPenalty(history);
  TokenId best = argmax(logits_.data(), vocabSize);
  float maxLogit = logits_[static_cast<size_t>(best)];
  if (maxLogit == -INFINITY)
    return Status::error("sampler: every logit is -inf");
  if (config_.temperature == 0.0f || config_.topK == 1)
    return best;

  float invT = 1.0f / config_.temperature;
  weights_.resize(vocabSize);
  candidates_.clear();
  for (size_t i = 0; i < vocabSize; ++i) {
    weights_[i] = std::exp((logits_[i] - maxLogit) * invT);
    if (logits_[i] != -INFINITY)
      candidates_.push_back({logits_[i], static_cast<TokenId>(i)});
  }
  size_t kept = keptCount();
  if (kept < candidates_.size()) {
    // Keep the `kept` likeliest: zero the rest. The boundary is the last one
    // kept in the total order.
    std::nth_element(candidates_.begin(),
                     candidates_.begin() + std::ptrdiff_t(kept - 1),
                     candidates_.end(), likelier);
    Candidate last = candidates_[kept - 1];
    for (size_t i = 0; i < vocabSize; ++i)
      if (likelier(last, {logits_[i], static_cast<TokenId>(i)}))
        weights_[i] = 0.0f;
  }
  // Walk in id order, so the pick for a given random number depends only on
  // the weights, not on how a sort arranged them.
  double total = 0.0;
  for (size_t i = 0; i < vocabSize; ++i)
    total += weights_[i];
  double target = uniform() * total;
  double cumulative = 0.0;
  for (size_t i = 0; i < vocabSize; ++i) {
    cumulative += weights_[i];
    if (target < cumulative && weights_[i] > 0.0f)
      return static_cast<TokenId>(i);
  }
  return best;
}

} // namespace mamba

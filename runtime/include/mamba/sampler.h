// Picks the next token from a row of logits: greedy, temperature, top-k,
// top-p, min-p and repetition penalty, with a seeded, portable RNG.
#ifndef MAMBA_SAMPLER_H
#define MAMBA_SAMPLER_H

#include "mamba/status.h"
#include "mamba/tokenizer.h"

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace mamba {

/// Sampling parameters; the defaults sample from the model's distribution
/// unchanged. Filters apply in the order of Hugging Face's generate():
/// repetition penalty, temperature, top-k, top-p, min-p.
struct SamplerConfig {
  /// 0 picks the most likely token (greedy); otherwise logits are divided by
  /// it, so < 1 sharpens and > 1 flattens the distribution.
  float temperature = 1.0f;
  /// Keep only the k most likely tokens; 0 keeps all.
  int topK = 0;
  /// Keep the fewest most likely tokens whose probability reaches top_p, in
  /// (0, 1]; 1 keeps all.
  float topP = 1.0f;
  /// Drop tokens less likely than min_p times the most likely one, in [0, 1];
  /// 0 keeps all.
  float minP = 0.0f;
  /// Penalty (> 0) on tokens already seen, as in CTRL and Hugging Face: a
  /// positive logit is divided by it, a negative one multiplied. 1 is off.
  float repetitionPenalty = 1.0f;
  /// The same seed gives the same tokens on every platform.
  uint64_t seed = 0;
};

/// Checks the parameters; the message names the offending one.
Status validate(const SamplerConfig &config);

/// Whether `config` takes the most likely token (after the penalty): a
/// temperature of 0 or top-k 1.
inline bool isGreedy(const SamplerConfig &config) {
  return config.temperature == 0.0f || config.topK == 1;
}

/// The index of the largest of `n` values (n > 0); ties go to the lowest
/// index and NaN never wins unless all are NaN.
TokenId argmax(const float *values, size_t n);

/// What a greedy pick over one row of logits found, computed where the row
/// is (a GPU decode step sends this instead of the row).
struct GreedySummary {
  int32_t best = 0;      ///< the first index of the maximum, NaNs skipped
  uint32_t bestBits = 0; ///< the maximum's bits
  /// The first index of a NaN or +inf; the row's size if there is none.
  int32_t firstUnusable = 0;
  uint32_t unusableBits = 0; ///< that logit's bits
};

/// The token a greedy Sampler (picksGreedily()) takes from the row that
/// `summary` describes, or the error it gives on that row.
Expected<TokenId> greedyToken(const GreedySummary &summary, size_t vocabSize);

/// Holds its scratch buffers so that sampling allocates only on the first
/// call for a vocabulary size. Not thread-safe: one sampler per sequence.
class Sampler {
public:
  static Expected<Sampler> create(const SamplerConfig &config);

  const SamplerConfig &config() const { return config_; }
  /// Whether sample() is the argmax of the row as given (greedy, no
  /// repetition penalty): then greedyToken() of the row's summary is what
  /// it returns.
  bool picksGreedily() const {
    return greedy() && config_.repetitionPenalty == 1.0f;
  }

  /// The next token for one row of `vocabSize` logits. `history` holds the
  /// tokens seen so far (prompt and output) for the repetition penalty. Fails
  /// on an empty row, a NaN or +inf logit, or a row that is all -inf.
  Expected<TokenId> sample(const float *logits, size_t vocabSize,
                           const std::vector<TokenId> &history = {});

  /// Restarts the random sequence as if created with `seed`.
  void reseed(uint64_t seed);

  /// Whether sample() draws a uniform for each pick (it is not greedy).
  bool drawsUniforms() const { return !greedy(); }
  /// The uniform in [0, 1) that the next sample() would draw; the stream
  /// advances as if it had. A device that samples as this sampler does
  /// (CudaModel::startSampledDecode) takes its uniforms from here, so that a
  /// seed gives the same random sequence on either side.
  double drawUniform() { return uniform(); }

private:
  explicit Sampler(const SamplerConfig &config)
      : config_(config), rng_(config.seed) {}
  /// Whether sample() takes the most likely token (after the penalty).
  bool greedy() const { return isGreedy(config_); }
  struct Candidate {
    float logit;
    TokenId id;
  };
  /// The total order of candidates: likelier first, ties to the lower id.
  static bool likelier(const Candidate &a, const Candidate &b);

  void applyPenalty(const std::vector<TokenId> &history);
  /// Fills candidates_ with a prefix of the likelihood order of `row` that
  /// holds every token top-k, top-p and min-p can keep (with top-k exactly
  /// the k likeliest); returns the number of unmasked (not -inf) tokens.
  /// `liveMass`: the sum of their weights.
  size_t gatherCandidates(const float *row, size_t n, float maxLogit,
                          double liveMass);
  /// How many of the `live` most likely tokens survive top-k, top-p and
  /// min-p.
  size_t keptCount(size_t live, double liveMass);
  /// The top-p cut within the `k` best tokens: the fewest whose weights
  /// reach `target`.
  size_t nucleusSize(size_t k, double target);
  /// A uniform double in [0, 1) from the top 53 bits of one RNG output.
  double uniform();

  SamplerConfig config_;
  std::mt19937_64 rng_;
  std::vector<float> logits_;
  std::vector<float> weights_; ///< exp((logit - max) / temperature), by id
  std::vector<Candidate> candidates_;
  std::vector<uint8_t> seen_;
};

} // namespace mamba

#endif // MAMBA_SAMPLER_H

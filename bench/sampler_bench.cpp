// Google Benchmark of sampling one row of logits (the host work of every
// decode step, per sequence) at a Mamba vocabulary of 50 280, next to one
// streaming read of the row (a sum: the floor any sampler pays) in the same
// run (summed as integers, which vectorize). Logits are seeded normal
// draws, like a model's.
#include "mamba/sampler.h"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

using namespace mamba;

namespace {

constexpr size_t kVocab = 50280;

const std::vector<float> &row() {
  static const std::vector<float> logits = [] {
    std::mt19937 rng(7);
    std::normal_distribution<float> dist(0.0f, 3.0f);
    std::vector<float> v(kVocab);
    for (float &x : v)
      x = dist(rng);
    return v;
  }();
  return logits;
}

void BM_ReadRow(benchmark::State &state) {
  const std::vector<float> &logits = row();
  for (auto _ : state) {
    uint32_t sum = 0;
    for (float x : logits) {
      uint32_t bits;
      std::memcpy(&bits, &x, sizeof bits);
      sum += bits;
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetBytesProcessed(state.iterations() * kVocab * sizeof(float));
}

void BM_Sample(benchmark::State &state, const SamplerConfig &config) {
  const std::vector<float> &logits = row();
  Expected<Sampler> sampler = Sampler::create(config);
  if (!sampler.ok()) {
    state.SkipWithError(sampler.status().message().c_str());
    return;
  }
  // A 256-token history, as after a short prompt and some output.
  std::vector<TokenId> history(256);
  for (size_t i = 0; i < history.size(); ++i)
    history[i] = static_cast<TokenId>(i * 197 % kVocab);
  for (auto _ : state) {
    Expected<TokenId> token = sampler->sample(logits.data(), kVocab, history);
    if (!token.ok()) {
      state.SkipWithError(token.status().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(*token);
  }
  state.SetBytesProcessed(state.iterations() * kVocab * sizeof(float));
}

} // namespace

BENCHMARK(BM_ReadRow);
// SamplerConfig's fields in order: temperature, topK, topP, minP,
// repetitionPenalty.
BENCHMARK_CAPTURE(BM_Sample, Greedy, SamplerConfig{0.0f});
BENCHMARK_CAPTURE(BM_Sample, GreedyPenalty,
                  SamplerConfig{0.0f, 0, 1.0f, 0.0f, 1.1f});
BENCHMARK_CAPTURE(BM_Sample, Temperature, SamplerConfig{0.8f});
BENCHMARK_CAPTURE(BM_Sample, TopP, SamplerConfig{0.8f, 0, 0.9f});
BENCHMARK_CAPTURE(BM_Sample, MinP, SamplerConfig{0.8f, 0, 1.0f, 0.05f});
BENCHMARK_CAPTURE(BM_Sample, TopK, SamplerConfig{0.8f, 40});
BENCHMARK_MAIN();

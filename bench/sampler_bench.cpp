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

void runSampler(benchmark::State &state, const SamplerConfig &config) {
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

void BM_Greedy(benchmark::State &state) {
  SamplerConfig c;
  c.temperature = 0.0f;
  runSampler(state, c);
}

void BM_GreedyPenalty(benchmark::State &state) {
  SamplerConfig c;
  c.temperature = 0.0f;
  c.repetitionPenalty = 1.1f;
  runSampler(state, c);
}

void BM_Temperature(benchmark::State &state) {
  SamplerConfig c;
  c.temperature = 0.8f;
  runSampler(state, c);
}

void BM_TopP(benchmark::State &state) {
  SamplerConfig c;
  c.temperature = 0.8f;
  c.topP = 0.9f;
  runSampler(state, c);
}

void BM_MinP(benchmark::State &state) {
  SamplerConfig c;
  c.temperature = 0.8f;
  c.minP = 0.05f;
  runSampler(state, c);
}

void BM_TopK(benchmark::State &state) {
  SamplerConfig c;
  c.temperature = 0.8f;
  c.topK = 40;
  runSampler(state, c);
}

} // namespace

BENCHMARK(BM_ReadRow);
BENCHMARK(BM_Greedy);
BENCHMARK(BM_GreedyPenalty);
BENCHMARK(BM_Temperature);
BENCHMARK(BM_TopP);
BENCHMARK(BM_MinP);
BENCHMARK(BM_TopK);
BENCHMARK_MAIN();

// The generation loop, a template over the model (CpuModel, CudaModel):
// prefill in chunks, then decode one token per step for every live sequence,
// with no allocation inside the token loop.
#ifndef MAMBA_GENERATE_IMPL_H
#define MAMBA_GENERATE_IMPL_H

#include "mamba/generate.h"
#include "mamba/thread_pool.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <type_traits>

namespace mamba {
namespace generate_detail {
inline double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

/// Whether `Model` picks tokens on its device (CudaModel): then a decode
/// pipelines its steps (startSampledDecode / nextSampledPicks).
template <class Model, class = void> struct PicksOnDevice : std::false_type {};
template <class Model>
struct PicksOnDevice<Model, std::void_t<decltype(&Model::startSampledDecode)>>
    : std::true_type {};

/// The uniform each sequence's sampler draws for its next pick (0 for a
/// greedy one, which draws none).
inline const double *drawUniforms(std::vector<Sampler> &samplers,
                                  std::vector<double> &out) {
  for (size_t b = 0; b < samplers.size(); ++b)
    out[b] = samplers[b].drawsUniforms() ? samplers[b].drawUniform() : 0.0;
  return out.data();
}

} // namespace generate_detail

template <class Model>
Status checkGenerateInputs(const Model &model,
                           const std::vector<TokenId> &prompt,
                           const GenerateOptions &options) {
  if (prompt.empty())
    return Status::error("the prompt is empty: give at least one token");
  for (size_t i = 0; i < prompt.size(); ++i)
    if (prompt[i] < 0 || prompt[i] >= model.vocabSize())
      return Status::error("prompt token #" + std::to_string(i) + " is " +
                           std::to_string(prompt[i]) +
                           ", outside the model's vocabulary [0, " +
                           std::to_string(model.vocabSize()) + ")");
  if (options.maxNewTokens < 0)
    return Status::error("the number of new tokens must be >= 0, got " +
                         std::to_string(options.maxNewTokens));
  if (options.batch < 1 || options.batch > model.maxBatch())
    return Status::error("batch must be in [1, " +
                         std::to_string(model.maxBatch()) + "], got " +
                         std::to_string(options.batch));
  if (options.prefillChunk < 1)
    return Status::error("the prefill chunk must be >= 1, got " +
                         std::to_string(options.prefillChunk));
  return validate(options.sampling);
}

template <class Model>
Expected<GenerateStats>
generate(Model &model, const std::vector<TokenId> &prompt,
         const GenerateOptions &options, const TokenCallback &onToken,
         std::vector<float> *promptLogits) {
  if (Status s = checkGenerateInputs(model, prompt, options); !s.ok())
    return s;
  const int64_t batch = options.batch;
  const int64_t vocab = model.vocabSize();
  const int64_t len = static_cast<int64_t>(prompt.size());

  std::vector<Sampler> samplers;
  std::vector<std::vector<TokenId>> history(batch, prompt);
  for (int64_t b = 0; b < batch; ++b) {
    SamplerConfig config = options.sampling;
    config.seed += static_cast<uint64_t>(b);
    Expected<Sampler> sampler = Sampler::create(config);
    if (!sampler.ok())
      return sampler.status();
    samplers.push_back(std::move(sampler.value()));
    history[b].reserve(prompt.size() + options.maxNewTokens);
  }

  // Prefill: every sequence gets the same prompt, chunk by chunk.
  auto newState = newGenerateState(model, batch);
  if (!newState.ok())
    return newState.status();
  auto state = std::move(newState).value();
  std::vector<float> logits(batch * vocab);
  if (promptLogits)
    promptLogits->assign(len * vocab, 0.0f);
  const int64_t chunk = std::min(options.prefillChunk, len);
  std::vector<TokenId> chunkTokens(batch * chunk);
  std::vector<float> chunkLogits(promptLogits ? batch * chunk * vocab : 0);
  GenerateStats stats;
  stats.promptTokens = len;
  auto start = std::chrono::steady_clock::now();
  for (int64_t pos = 0; pos < len; pos += chunk) {
    const int64_t n = std::min(chunk, len - pos);
    for (int64_t b = 0; b < batch; ++b)
      std::copy(prompt.begin() + pos, prompt.begin() + pos + n,
                chunkTokens.begin() + b * n);
    const bool last = pos + n == len;
    if (promptLogits) {
      if (Status s = model.forward(chunkTokens.data(), n, state,
                                   LogitsMode::All, chunkLogits.data());
          !s.ok())
        return s;
      // Sequence 0's rows go to the output; the last row of each sequence
      // seeds the first sampling step.
      std::copy(chunkLogits.begin(), chunkLogits.begin() + n * vocab,
                promptLogits->begin() + pos * vocab);
      if (last)
        for (int64_t b = 0; b < batch; ++b)
          std::copy(chunkLogits.begin() + ((b * n) + n - 1) * vocab,
                    chunkLogits.begin() + ((b * n) + n) * vocab,
                    logits.begin() + b * vocab);
    } else if (Status s = model.forward(
                   chunkTokens.data(), n, state,
                   last ? LogitsMode::Last : LogitsMode::None, logits.data());
               !s.ok()) {
      return s;
    }
  }
  stats.prefillSeconds = generate_detail::secondsSince(start);

  // Decode: sample from the last logits, feed the samples back. The
  // sequences sample in parallel: one sample reads the whole vocabulary row
  // (tens to hundreds of microseconds), so at batch 16 sampling them one by
  // one on the host took longer than a GPU decode step. A model that picks
  // tokens on its device does so: the first pick (from the prompt's logits)
  // is the host's, the rest come from the device, each step enqueued before
  // the host reads the picks of the step before it, with the uniforms the
  // samplers draw.
  constexpr bool onDevice = generate_detail::PicksOnDevice<Model>::value;
  std::vector<double> uniforms(onDevice ? batch : 0);
  std::vector<TokenId> next(batch);
  std::vector<uint8_t> done(batch, 0);
  std::vector<Status> sampled(batch);
  ThreadPool pool(static_cast<int>(std::min<int64_t>(
      batch, std::max(1u, std::thread::hardware_concurrency()))));
  start = std::chrono::steady_clock::now();
  for (int64_t step = 0; step < options.maxNewTokens; ++step) {
    const bool last = step + 1 == options.maxNewTokens;
    if (step == 0 || !onDevice) {
      pool.parallelFor(batch, 1, [&](int64_t begin, int64_t end) {
        for (int64_t b = begin; b < end; ++b) {
          if (done[b])
            continue;
          Expected<TokenId> token =
              samplers[b].sample(logits.data() + b * vocab, vocab, history[b]);
          if (token.ok())
            next[b] = token.value();
          else
            sampled[b] = token.status();
        }
      });
    } else if constexpr (onDevice) {
      const double *u =
          last ? nullptr : generate_detail::drawUniforms(samplers, uniforms);
      if (Status s = model.nextSampledPicks(state, u, next.data()); !s.ok())
        return s;
      stats.decodeSteps += !last;
    }
    bool anyLive = false;
    for (int64_t b = 0; b < batch; ++b) {
      if (done[b])
        continue;
      if (!sampled[b].ok())
        return sampled[b];
      history[b].push_back(next[b]);
      ++stats.generatedTokens;
      onToken(b, next[b]);
      if (options.eos && next[b] == *options.eos)
        done[b] = 1;
      else
        anyLive = true;
    }
    // The last step needs no forward pass: its logits would go unused.
    if (!anyLive || last) {
      if constexpr (onDevice)
        if (step > 0 && !last)
          MAMBA_RETURN_IF_ERROR(model.endGreedyDecode(state)); // in flight
      break;
    }
    if constexpr (onDevice) {
      if (step == 0) {
        std::vector<SamplerConfig> configs;
        for (const Sampler &s : samplers)
          configs.push_back(s.config());
        MAMBA_RETURN_IF_ERROR(model.startSampledDecode(
            next.data(), state, configs.data(), history.data(),
            generate_detail::drawUniforms(samplers, uniforms)));
        ++stats.decodeSteps;
      }
      continue;
    }
    if (Status s = model.decode(next.data(), state, logits.data()); !s.ok())
      return s;
    ++stats.decodeSteps;
  }
  stats.decodeSeconds = generate_detail::secondsSince(start);
  return stats;
}

} // namespace mamba

#endif // MAMBA_GENERATE_IMPL_H

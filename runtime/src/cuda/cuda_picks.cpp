// CudaModel's decode pipelines that pick tokens on the device: each step
// ends with a greedy or sampled pick whose token is also the next step's
// input, so the host enqueues step k + 1 before it waits for step k's picks
// and reads 16 bytes per sequence instead of a row of logits.
#include "cuda_model_impl.h"
#include "sample_pick_params.h"

#include "../forward_checks.h"
#include "mamba/sampler.h"

#include <algorithm>
#include <string>

namespace mamba {

Status CudaModel::decodeGreedy(const int32_t *tokens, CudaState &state,
                               int32_t *picks) {
  MAMBA_RETURN_IF_ERROR(startGreedyDecode(tokens, state));
  return nextGreedyPicks(state, false, picks);
}

Status CudaModel::startGreedyDecode(const int32_t *tokens, CudaState &state) {
  MAMBA_RETURN_IF_ERROR(finishPipeline());
  return startPicks(tokens, state, false);
}

Status CudaModel::startPicks(const int32_t *tokens, CudaState &state,
                             bool sampled) {
  if (state.model_ != this || state.batch() <= 0)
    return Status::error("state was not made for this model");
  const int64_t batch = state.batch();
  if (Status s = checkForwardInputs(tokens, batch, 1, config_.vocabSize,
                                    LogitsMode::None, nullptr);
      !s.ok())
    return s;
  Impl &m = *impl_;
  std::copy(tokens, tokens + batch, m.stepIds.as<int32_t>());
  MAMBA_RETURN_IF_ERROR(launchStep(state, StepIo{true, true, 0, sampled}));
  MAMBA_RETURN_IF_ERROR(m.done[0]->record());
  m.pipeline = Impl::Pipeline{&state, 0, sampled};
  return Status::success();
}

namespace {
Status noPipeline() {
  return Status::error(
      "no decode pipeline of this state is in flight: call "
      "startGreedyDecode or startSampledDecode first (any other call on the "
      "model ends one)");
}
} // namespace

Status CudaModel::startSampledDecode(const int32_t *tokens, CudaState &state,
                                     const SamplerConfig *configs,
                                     const std::vector<TokenId> *histories,
                                     const double *uniforms) {
  MAMBA_RETURN_IF_ERROR(finishPipeline());
  if (state.model_ != this || state.batch() <= 0)
    return Status::error("state was not made for this model");
  if (!configs)
    return Status::error("sampled decode: the sampler configs are null");
  const int64_t batch = state.batch(), vocab = config_.vocabSize;
  bool sampled = false, penalized = false;
  std::vector<float> params(cuda::kSamplePickParams * batch);
  for (int64_t b = 0; b < batch; ++b) {
    const SamplerConfig &c = configs[b];
    const std::string which = "sampled decode: sequence " + std::to_string(b);
    if (Status s = validate(c); !s.ok())
      return Status::error(which + ": " + s.message());
    cuda::samplePickParams(c, params.data() + cuda::kSamplePickParams * b);
    sampled |= !isGreedy(c) || c.repetitionPenalty != 1.0f;
    penalized |= c.repetitionPenalty != 1.0f;
  }
  if (!sampled)
    return startPicks(tokens, state, false);
  MAMBA_RETURN_IF_ERROR(cuda::checkSamplePickVocab(vocab));
  Impl &m = *impl_;
  MAMBA_RETURN_IF_ERROR(stageUniforms(uniforms, batch, 0));
  MAMBA_RETURN_IF_ERROR(m.device->upload(m.sampleParams.ptr(), params.data(),
                                         params.size() * sizeof(float)));
  if (penalized) {
    if (!histories)
      return Status::error("sampled decode: a repetition penalty needs the "
                           "histories of the sequences");
    std::vector<uint8_t> seen(batch * vocab, 0);
    for (int64_t b = 0; b < batch; ++b)
      for (TokenId id : histories[b])
        if (id >= 0 && id < vocab)
          seen[b * vocab + id] = 1;
    MAMBA_RETURN_IF_ERROR(
        m.device->upload(m.seen.ptr(), seen.data(), seen.size()));
  }
  return startPicks(tokens, state, true);
}

Status CudaModel::stageUniforms(const double *uniforms, int64_t batch,
                                int slot) {
  if (!uniforms) {
    (void)finishPipeline();
    return Status::error("sampled decode: the uniforms are null");
  }
  double *out = impl_->stepUniforms.as<double>() + slot * options_.maxBatch;
  for (int64_t b = 0; b < batch; ++b) {
    if (!(uniforms[b] >= 0.0 && uniforms[b] < 1.0)) {
      (void)finishPipeline();
      return Status::error("sampled decode: the uniform of sequence " +
                           std::to_string(b) + " is " +
                           std::to_string(uniforms[b]) + ", outside [0, 1)");
    }
    out[b] = uniforms[b];
  }
  return Status::success();
}

Status CudaModel::nextGreedyPicks(CudaState &state, bool another,
                                  int32_t *picks) {
  if (another && impl_->pipelineOf(state) && impl_->pipeline->sampled) {
    (void)finishPipeline();
    return Status::error("a sampled decode is in flight: its next step "
                         "needs uniforms (nextSampledPicks)");
  }
  return nextPicks(state, another, nullptr, picks);
}

Status CudaModel::nextSampledPicks(CudaState &state, const double *uniforms,
                                   int32_t *picks) {
  return nextPicks(state, uniforms != nullptr, uniforms, picks);
}

Status CudaModel::nextPicks(CudaState &state, bool another,
                            const double *uniforms, int32_t *picks) {
  Impl &m = *impl_;
  if (!m.pipelineOf(state))
    return noPipeline();
  if (!picks)
    return Status::error("picks output is null");
  const int slot = m.pipeline->slot;
  if (another) {
    const StepIo io{false, true, 1 - slot, m.pipeline->sampled};
    Status s = io.sampled ? stageUniforms(uniforms, state.batch(), io.slot)
                          : Status::success();
    if (s.ok())
      s = launchStep(state, io);
    if (s.ok())
      s = m.done[io.slot]->record();
    if (!s.ok()) {
      (void)finishPipeline();
      return s;
    }
    m.pipeline->slot = io.slot;
  } else {
    m.pipeline.reset();
  }
  if (Status s = m.done[slot]->synchronize(); !s.ok()) {
    (void)finishPipeline();
    return s;
  }
  const GreedySummary *summary =
      m.stepPicks.as<GreedySummary>() + slot * options_.maxBatch;
  for (int64_t b = 0; b < state.batch(); ++b) {
    Expected<TokenId> token =
        greedyToken(summary[b], static_cast<size_t>(config_.vocabSize));
    if (!token.ok()) {
      (void)finishPipeline();
      return token.status();
    }
    picks[b] = token.value();
  }
  return Status::success();
}

Status CudaModel::endGreedyDecode(CudaState &state) {
  if (!impl_->pipelineOf(state))
    return noPipeline();
  return finishPipeline();
}

Status CudaModel::finishPipeline() {
  Impl &m = *impl_;
  if (!m.pipeline)
    return Status::success();
  m.pipeline.reset();
  return m.device->synchronize();
}

} // namespace mamba

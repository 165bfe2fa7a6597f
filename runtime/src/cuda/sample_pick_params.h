// The parameters sample_pick (codegen/cuda/src/sample_pick.cpp) reads for
// a row: the one place that lays a SamplerConfig out for it. Host-only, no
// CUDA: the runtime, the GPU tests and the host-emulated kernel tests
// share it.
#ifndef MAMBA_RUNTIME_CUDA_SAMPLE_PICK_PARAMS_H
#define MAMBA_RUNTIME_CUDA_SAMPLE_PICK_PARAMS_H

#include "mamba/sampler.h"
#include "mamba/status.h"

#include <cstdint>
#include <cstring>
#include <string>

namespace mamba::cuda {

/// Floats per row of sample_pick's parameters.
constexpr int kSamplePickParams = 8;

/// Writes `row`'s kSamplePickParams floats for sampling with `c`:
/// temperature (0: greedy, as isGreedy says), min_p, repetition penalty,
/// top_p, top_k (an int's bits), 3 unused zeros.
inline void samplePickParams(const SamplerConfig &c, float *row) {
  row[0] = isGreedy(c) ? 0.0f : c.temperature;
  row[1] = c.minP;
  row[2] = c.repetitionPenalty;
  row[3] = c.topP;
  std::memcpy(&row[4], &c.topK, sizeof(float));
  row[5] = row[6] = row[7] = 0.0f;
}

/// The largest vocabulary whose weights sample_pick sums exactly: each is
/// in fixed point with 40 fraction bits (at most 2^40), and a row's sum
/// must fit 64 bits.
constexpr int64_t kSamplePickMaxVocab = (int64_t{1} << 24) - 1;

/// An error for a vocabulary sample_pick cannot sum (no real model comes
/// near it, but a wrapped sum would pick wrong tokens without a sign).
inline Status checkSamplePickVocab(int64_t vocab) {
  if (vocab <= kSamplePickMaxVocab)
    return Status::success();
  return Status::error(
      "sampled decode on the GPU: the vocabulary has " + std::to_string(vocab) +
      " tokens, more than the " + std::to_string(kSamplePickMaxVocab) +
      " whose fixed-point weights its pick can sum in 64 bits");
}

} // namespace mamba::cuda

#endif // MAMBA_RUNTIME_CUDA_SAMPLE_PICK_PARAMS_H

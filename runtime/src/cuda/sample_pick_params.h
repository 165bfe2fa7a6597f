// The parameters sample_pick (codegen/cuda/src/sample_pick.cpp) reads for
// a row: the one place that lays a SamplerConfig out for it. Host-only, no
// CUDA: the runtime, the GPU tests and the host-emulated kernel tests
// share it.
#ifndef MAMBA_RUNTIME_CUDA_SAMPLE_PICK_PARAMS_H
#define MAMBA_RUNTIME_CUDA_SAMPLE_PICK_PARAMS_H

#include "mamba/sampler.h"

#include <cstring>

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

} // namespace mamba::cuda

#endif // MAMBA_RUNTIME_CUDA_SAMPLE_PICK_PARAMS_H

// Mamba-1 weights bound by Hugging Face tensor name, shape-checked and
// converted to owned float32 buffers; also deterministic random weights.
#ifndef MAMBA_WEIGHTS_H
#define MAMBA_WEIGHTS_H

#include "mamba/model_config.h"
#include "mamba/safetensors.h"
#include "mamba/status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mamba {

/// Weights of one Mamba block, row-major in the Hugging Face layout.
struct LayerWeights {
  std::vector<float> norm;        // [d]
  std::vector<float> inProj;      // [2e, d]
  std::vector<float> inProjBias;  // [2e] when use_bias, else empty
  std::vector<float> convWeight;  // [e, k] (stored as [e, 1, k])
  std::vector<float> convBias;    // [e] when use_conv_bias, else empty
  std::vector<float> xProj;       // [r + 2n, e]
  std::vector<float> dtProj;      // [e, r]
  std::vector<float> dtBias;      // [e]
  std::vector<float> aLog;        // [e, n]
  std::vector<float> d;           // [e]
  std::vector<float> outProj;     // [d, e]
  std::vector<float> outProjBias; // [d] when use_bias, else empty
};

struct ModelWeights {
  ModelConfig config;
  /// Rows of the embedding: vocabSize or config.paddedVocabSize().
  int64_t embeddingRows = 0;
  std::vector<float> embedding; // [embeddingRows, d]
  std::vector<LayerWeights> layers;
  std::vector<float> normF; // [d]
  /// [embeddingRows, d] when untied; empty when tied to the embedding.
  std::vector<float> lmHead;

  const float *lmHeadData() const {
    return config.tieWordEmbeddings ? embedding.data() : lmHead.data();
  }
};

/// Binds every tensor the config calls for. Errors name the file and the
/// tensor: a missing tensor, a shape differing from the config's (expected vs
/// actual), or a tensor the config does not use (e.g. lm_head.weight in a
/// tied model, layer 5 of a 4-layer config).
Expected<ModelWeights> bindWeights(const ModelConfig &config,
                                   const SafetensorsFile &file);

/// Checks that every buffer of `w` has the size its config implies (for
/// weights built in code rather than bound from a file); the error names the
/// tensor by its Hugging Face name.
Status checkWeightSizes(const ModelWeights &w);

/// config.json + model.safetensors in `dir`.
Expected<ModelWeights> loadModelDir(const std::string &dir);

/// Deterministic random weights of the right shapes for benchmarks and tests:
/// A_log = log(1..n), D = 1, dt bias such that softplus gives dt in
/// [1e-3, 1e-1], norms 1, and small uniform values elsewhere.
ModelWeights makeRandomWeights(const ModelConfig &config, uint64_t seed);

/// The HF-named tensors of `w` (lm_head only when untied), stored as `dtype`.
std::vector<TensorData> weightsToTensors(const ModelWeights &w,
                                         DType dtype = DType::F32);

} // namespace mamba

#endif // MAMBA_WEIGHTS_H

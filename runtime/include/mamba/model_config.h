// Mamba-1 hyper-parameters, loaded from a Hugging Face config.json with every
// key checked (unknown, missing and contradictory keys are errors).
#ifndef MAMBA_MODEL_CONFIG_H
#define MAMBA_MODEL_CONFIG_H

#include "mamba/status.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace mamba {

struct ModelConfig {
  int64_t dModel = 0;
  int64_t nLayer = 0;
  /// Logical vocabulary: the logits have this many entries.
  int64_t vocabSize = 0;
  int64_t dState = 16;
  int64_t expand = 2;
  int64_t dConv = 4;
  int64_t dtRank = 0;
  double rmsEps = 1e-5;
  bool useBias = false;
  bool useConvBias = true;
  bool tieWordEmbeddings = true;
  /// The embedding may have vocabSize rows or vocabSize rounded up to this.
  int64_t padVocabSizeMultiple = 8;

  int64_t dInner() const { return expand * dModel; }
  int64_t paddedVocabSize() const;
  /// Positive sizes; the error names the offending field.
  Status validate() const;
};

/// Parses config.json text; `source` (a file name) prefixes error messages.
Expected<ModelConfig> parseModelConfig(std::string_view jsonText,
                                       const std::string &source);
/// Reads and parses a config.json file.
Expected<ModelConfig> loadModelConfig(const std::string &path);

/// The Mamba-1 stock shapes "130m", "370m", "790m", "1.4b", "2.8b" (GPT-NeoX
/// vocabulary 50280, HF defaults otherwise), for benchmarks on random weights.
Expected<ModelConfig> stockModelConfig(std::string_view name);

/// A config.json that loadModelConfig (and transformers) read back as `c`.
std::string modelConfigToJson(const ModelConfig &c);

} // namespace mamba

#endif // MAMBA_MODEL_CONFIG_H

// Resolves mamba-run's MODEL argument into weights and a tokenizer: a
// Hugging Face directory, a config.json, a stock shape, or the default model.
#ifndef MAMBA_RUN_MODELSOURCE_H
#define MAMBA_RUN_MODELSOURCE_H

#include "RunOptions.h"

#include "mamba/tokenizer.h"
#include "mamba/weights.h"

#include <memory>
#include <string>

namespace mamba::run {

struct LoadedModel {
  ModelWeights weights;
  /// Null when the vocabulary has no known tokenizer (use --tokens).
  std::unique_ptr<Tokenizer> tokenizer;
  /// One line for the report, e.g. "mamba-130m shape, random weights (seed 0)".
  std::string description;
};

Expected<LoadedModel> loadModel(const RunOptions &options);

} // namespace mamba::run

#endif // MAMBA_RUN_MODELSOURCE_H

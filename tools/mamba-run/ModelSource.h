// Resolves mamba-run's MODEL argument into weights (or a plan) and a
// tokenizer: a Hugging Face directory, a config.json, a stock shape, a
// package, a spec (planned by mamba-compile), or the default model.
#ifndef MAMBA_RUN_MODELSOURCE_H
#define MAMBA_RUN_MODELSOURCE_H

#include "RunOptions.h"

#include "mamba/plan.h"
#include "mamba/tokenizer.h"
#include "mamba/weights.h"

#include <memory>
#include <optional>
#include <string>

namespace mamba::run {

struct LoadedModel {
  /// The built-in Mamba-1 executor's weights (unset when `plan` is set).
  ModelWeights weights;
  /// For packages and specs: the execution plan, run by PlanModel.
  std::optional<plan::Plan> plan;
  /// The plan's weights file; empty with --random-weights.
  std::string planWeights;
  /// Null when the vocabulary has no known tokenizer (use --tokens).
  std::unique_ptr<Tokenizer> tokenizer;
  /// One line for the report, e.g. "mamba-130m shape, random weights (seed 0)".
  std::string description;
};

Expected<LoadedModel> loadModel(const RunOptions &options);

} // namespace mamba::run

#endif // MAMBA_RUN_MODELSOURCE_H

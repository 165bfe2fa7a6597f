// Loads the model and picks its tokenizer: the model's own tokenizer.json,
// else the GPT-NeoX tokenizer for its vocabulary, else bytes.
#include "ModelSource.h"

#include "mamba/bpe_tokenizer.h"
#include "mamba/byte_tokenizer.h"
#include "mamba/model_config.h"

#include <filesystem>

namespace fs = std::filesystem;

namespace mamba::run {
namespace {
constexpr const char *kDefaultStockShape = "mamba-130m";
constexpr int64_t kNeoxVocab = 50277;

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Expected<std::unique_ptr<Tokenizer>> pickTokenizer(const RunOptions &options,
                                                   const std::string &modelDir,
                                                   int64_t vocab) {
  std::string path;
  if (options.tokenizer)
    path = *options.tokenizer;
  else if (!modelDir.empty() &&
           fs::exists(fs::path(modelDir) / "tokenizer.json"))
    path = (fs::path(modelDir) / "tokenizer.json").string();
  else if (vocab >= kNeoxVocab)
    path = MAMBA_MODELS_DIR "/tokenizers/gpt-neox-20b.tokenizer.json";
  if (!path.empty()) {
    auto bpe = BpeTokenizer::fromFile(path);
    if (!bpe.ok())
      return bpe.status();
    return std::unique_ptr<Tokenizer>(std::move(bpe.value()));
  }
  if (vocab >= 256) {
    auto bytes = ByteTokenizer::create(static_cast<size_t>(vocab));
    if (!bytes.ok())
      return bytes.status();
    return std::unique_ptr<Tokenizer>(std::move(bytes.value()));
  }
  return std::unique_ptr<Tokenizer>();
}

Expected<ModelWeights> weightsFor(const ModelConfig &config,
                                  const RunOptions &options,
                                  const std::string &what) {
  if (!options.randomWeights)
    return Status::error(what + " has no weights: pass --random-weights SEED "
                                "or give a model directory with "
                                "model.safetensors");
  return makeRandomWeights(config, *options.randomWeights);
}
} // namespace

Expected<LoadedModel> loadModel(const RunOptions &options) {
  LoadedModel loaded;
  std::string modelDir;
  RunOptions effective = options;
  std::string model = options.model;
  if (model.empty()) {
    model = kDefaultStockShape;
    if (!effective.randomWeights)
      effective.randomWeights = 0;
  }

  if (endsWith(model, ".ssm"))
    return Status::error("'" + model +
                         "': mamba-run does not read model specs (.ssm) yet; "
                         "give a Hugging Face model directory, a config.json "
                         "or a stock shape name");

  Expected<ModelWeights> weights = Status::error("unreachable");
  if (fs::is_directory(model)) {
    modelDir = model;
    if (effective.randomWeights) {
      auto config = loadModelConfig((fs::path(model) / "config.json").string());
      if (!config.ok())
        return config.status();
      weights = weightsFor(config.value(), effective, model);
    } else {
      weights = loadModelDir(model);
    }
    loaded.description = model;
  } else if (fs::is_regular_file(model)) {
    auto config = loadModelConfig(model);
    if (!config.ok())
      return config.status();
    weights = weightsFor(config.value(), effective, "'" + model + "'");
    loaded.description = model;
  } else if (model.rfind("mamba-", 0) == 0 &&
             stockModelConfig(model.substr(6)).ok()) {
    weights = weightsFor(stockModelConfig(model.substr(6)).value(), effective,
                         "the stock shape '" + model + "'");
    loaded.description = model + " shape";
  } else {
    return Status::error("MODEL '" + model +
                         "' is not a model directory, a config.json or a "
                         "stock shape (mamba-130m, mamba-370m, mamba-790m, "
                         "mamba-1.4b, mamba-2.8b)");
  }
  if (!weights.ok())
    return weights.status();
  if (effective.randomWeights)
    loaded.description += ", random weights (seed " +
                          std::to_string(*effective.randomWeights) + ")";
  loaded.weights = std::move(weights.value());

  auto tokenizer =
      pickTokenizer(options, modelDir, loaded.weights.config.vocabSize);
  if (!tokenizer.ok())
    return tokenizer.status();
  loaded.tokenizer = std::move(tokenizer.value());
  return loaded;
}

} // namespace mamba::run

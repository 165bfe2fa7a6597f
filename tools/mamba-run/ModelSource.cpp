// Loads the model and picks its tokenizer: the model's own tokenizer.json,
// else the GPT-NeoX tokenizer for its vocabulary, else bytes.
#include "ModelSource.h"

#include "mamba/bpe_tokenizer.h"
#include "mamba/byte_tokenizer.h"
#include "mamba/json.h"
#include "mamba/model_config.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

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
/// mamba-compile: $MAMBA_COMPILE, else next to this executable, else PATH.
std::string compilerPath() {
  if (const char *env = std::getenv("MAMBA_COMPILE"); env && *env)
    return env;
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec && fs::exists(self.parent_path() / "mamba-compile"))
    return (self.parent_path() / "mamba-compile").string();
  return "mamba-compile";
}

/// Plans `spec` with mamba-compile into `planPath`; its diagnostics go to
/// our stderr.
Status planSpec(const std::string &spec, const std::string &planPath) {
  std::string compiler = compilerPath();
  std::vector<std::string> args = {compiler, spec, "--emit=plan", "-o",
                                   planPath};
  std::vector<char *> argv;
  for (std::string &a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, compiler.c_str(), nullptr, nullptr, argv.data(),
                   environ) != 0)
    return Status::error("cannot run '" + compiler + "' to plan '" + spec +
                         "': build the compiler, set $MAMBA_COMPILE, or give "
                         "a package made by mamba-compile --emit=package");
  int status = 0;
  if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0)
    return Status::error("mamba-compile could not plan '" + spec +
                         "' (its diagnostics are above)");
  return Status::success();
}

/// A package directory (plan.json [+ model.safetensors, tokenizer.json]) or
/// a spec, planned now.
Expected<LoadedModel> loadPlanned(const RunOptions &options,
                                  const std::string &model) {
  LoadedModel loaded;
  std::string packageDir;
  Expected<plan::Plan> plan = Status::error("unreachable");
  if (fs::is_directory(model) && fs::exists(fs::path(model) / "plan.json")) {
    packageDir = model;
    plan = plan::readPlanFile((fs::path(model) / "plan.json").string());
    loaded.description = model + " (package)";
  } else {
    if (!fs::is_regular_file(model) && !fs::is_directory(model))
      return Status::error("'" + model + "': no such spec file");
    char tmpl[] = "/tmp/mamba-run-plan-XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0)
      return Status::error("cannot create a temporary file for the plan");
    close(fd);
    Status s = planSpec(model, tmpl);
    if (s.ok())
      plan = plan::readPlanFile(tmpl);
    std::remove(tmpl);
    if (!s.ok())
      return s;
    if (fs::is_directory(model)) {
      // A Hugging Face directory: its weights and tokenizer, as a
      // package's.
      packageDir = model;
      loaded.description = model + " (planned)";
    } else {
      loaded.description = model + " (spec)";
    }
  }
  if (!plan.ok())
    return plan.status();
  loaded.plan = std::move(plan.value());
  if (options.embeddedModel)
    loaded.description = loaded.plan->modelName + " (built in)";

  if (options.weights && options.randomWeights)
    return Status::error("--weights and --random-weights exclude each other");
  if (options.weights) {
    loaded.planWeights = *options.weights;
  } else if (!options.randomWeights) {
    fs::path own = fs::path(packageDir) / "model.safetensors";
    if (packageDir.empty() || !fs::exists(own))
      return Status::error("'" + model +
                           "' has no weights: pass --weights FILE."
                           "safetensors or --random-weights SEED");
    loaded.planWeights = own.string();
  } else {
    loaded.description += ", random weights (seed " +
                          std::to_string(*options.randomWeights) + ")";
  }
  auto tokenizer = pickTokenizer(options, packageDir, loaded.plan->vocabSize);
  if (!tokenizer.ok())
    return tokenizer.status();
  loaded.tokenizer = std::move(tokenizer.value());
  return loaded;
}
/// A Hugging Face directory of a model family only plans run (Mamba-2):
/// CpuModel and CudaModel implement Mamba-1 alone. Unreadable configs are
/// not planned-only, so that loadModelDir reports what is wrong with them.
bool plannedOnly(const std::string &dir) {
  std::ifstream in(fs::path(dir) / "config.json");
  if (!in)
    return false;
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  Expected<JsonValue> json = parseJson(text);
  if (!json.ok())
    return false;
  const JsonValue *type = json->find("model_type");
  return type && type->isString() && type->asString() == "mamba2";
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

  if (endsWith(model, ".ssm") ||
      (fs::is_directory(model) &&
       (fs::exists(fs::path(model) / "plan.json") || plannedOnly(model))))
    return loadPlanned(options, model);

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

// Loads Mamba-1 hyper-parameters from a Hugging Face config.json. Defaults
// are transformers' MambaConfig defaults; anything else unexpected is an error.
#include "mamba/model_config.h"
#include "mamba/json.h"

#include <charconv>
#include <cmath>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

namespace mamba {

namespace {

/// Keys that transformers writes but that do not change inference results.
const std::set<std::string, std::less<>> &ignoredKeys() {
  static const std::set<std::string, std::less<>> keys = {
      // Generic PreTrainedConfig bookkeeping.
      "_name_or_path", "architectures", "auto_map", "torch_dtype", "dtype",
      "transformers_version", "bos_token_id", "eos_token_id", "pad_token_id",
      "sep_token_id", "decoder_start_token_id", "id2label", "label2id",
      "num_labels", "problem_type", "return_dict", "output_attentions",
      "output_hidden_states", "chunk_size_feed_forward", "is_encoder_decoder",
      "is_decoder", "tokenizer_class", "use_cache", "torchscript",
      "finetuning_task", "task_specific_params", "use_bfloat16",
      // Mamba training-time and initialisation settings.
      "initializer_range", "residual_in_fp32", "rescale_prenorm_residual",
      "time_step_floor", "time_step_init_scheme", "time_step_max",
      "time_step_min", "time_step_scale", "use_mambapy", "use_associative_scan",
      "fused_add_norm"};
  return keys;
}

class ConfigReader {
public:
  ConfigReader(const JsonValue &root, const std::string &source)
      : root_(root), source_(source) {}

  Status error(const std::string &what) const {
    return Status::error(source_ + ": " + what);
  }

  Status readInt(std::string_view key, int64_t &out) const {
    const JsonValue *v = root_.find(key);
    if (!v)
      return Status::success();
    if (!v->isInteger())
      return error("key '" + std::string(key) + "' must be an integer, found " +
                   describe(*v));
    out = v->asInt();
    return Status::success();
  }

  Status readBool(std::string_view key, bool &out) const {
    const JsonValue *v = root_.find(key);
    if (!v)
      return Status::success();
    if (!v->isBool())
      return error("key '" + std::string(key) + "' must be a boolean, found " +
                   describe(*v));
    out = v->asBool();
    return Status::success();
  }

  Status readNumber(std::string_view key, double &out) const {
    const JsonValue *v = root_.find(key);
    if (!v)
      return Status::success();
    if (!v->isFiniteNumber())
      return error("key '" + std::string(key) +
                   "' must be a finite number, found " + describe(*v));
    out = v->asNumber();
    return Status::success();
  }

  /// Reads `key` and its legacy alias (state-spaces naming); both present
  /// with different values is a contradiction.
  Status readAliased(std::string_view key, std::string_view alias,
                     bool required, int64_t &out) const {
    int64_t a = -1, b = -1;
    MAMBA_RETURN_IF_ERROR(readInt(key, a));
    MAMBA_RETURN_IF_ERROR(readInt(alias, b));
    bool hasA = root_.find(key), hasB = root_.find(alias);
    if (hasA && hasB && a != b)
      return error("contradictory keys: '" + std::string(key) + "' is " +
                   std::to_string(a) + " but '" + std::string(alias) + "' is " +
                   std::to_string(b));
    if (!hasA && !hasB) {
      if (required)
        return error("missing required key '" + std::string(key) + "'");
      return Status::success();
    }
    out = hasA ? a : b;
    return Status::success();
  }

  static std::string describe(const JsonValue &v) {
    if (v.isString())
      return "string \"" + v.asString() + "\"";
    if (v.isNumber()) {
      const double d = v.asNumber();
      if (std::isnan(d))
        return "NaN";
      if (std::isinf(d))
        return d > 0 ? "Infinity" : "-Infinity";
      std::ostringstream s;
      s << d;
      return "number " + s.str();
    }
    return v.typeName();
  }

private:
  const JsonValue &root_;
  const std::string &source_;
};

const std::set<std::string, std::less<>> &usedKeys() {
  static const std::set<std::string, std::less<>> keys = {
      "model_type",
      "hidden_size",
      "d_model",
      "num_hidden_layers",
      "n_layer",
      "vocab_size",
      "state_size",
      "expand",
      "conv_kernel",
      "time_step_rank",
      "layer_norm_epsilon",
      "use_bias",
      "use_conv_bias",
      "tie_word_embeddings",
      "intermediate_size",
      "pad_vocab_size_multiple",
      "hidden_act",
      "rms_norm",
      "ssm_cfg"};
  return keys;
}

} // namespace

int64_t ModelConfig::paddedVocabSize() const {
  int64_t m = padVocabSizeMultiple > 0 ? padVocabSizeMultiple : 1;
  return (vocabSize + m - 1) / m * m;
}

Status ModelConfig::validate() const {
  auto positive = [](int64_t v, const char *name) {
    return v > 0 ? Status::success()
                 : Status::error(std::string(name) + " must be positive, got " +
                                 std::to_string(v));
  };
  MAMBA_RETURN_IF_ERROR(positive(dModel, "hidden_size"));
  MAMBA_RETURN_IF_ERROR(positive(nLayer, "num_hidden_layers"));
  MAMBA_RETURN_IF_ERROR(positive(vocabSize, "vocab_size"));
  MAMBA_RETURN_IF_ERROR(positive(dState, "state_size"));
  MAMBA_RETURN_IF_ERROR(positive(expand, "expand"));
  MAMBA_RETURN_IF_ERROR(positive(dConv, "conv_kernel"));
  MAMBA_RETURN_IF_ERROR(positive(dtRank, "time_step_rank"));
  MAMBA_RETURN_IF_ERROR(
      positive(padVocabSizeMultiple, "pad_vocab_size_multiple"));
  if (!(rmsEps > 0))
    return Status::error("layer_norm_epsilon must be positive");
  return Status::success();
}

Expected<ModelConfig> parseModelConfig(std::string_view jsonText,
                                       const std::string &source) {
  auto json = parseJson(jsonText);
  if (!json.ok())
    return Status::error(source + ":" + json.status().message());
  const JsonValue &root = *json;
  ConfigReader reader(root, source);
  if (!root.isObject())
    return reader.error(std::string("expected a JSON object, found ") +
                        root.typeName());

  const JsonValue *modelType = root.find("model_type");
  if (!modelType)
    return reader.error("missing required key 'model_type'");
  if (!modelType->isString() || modelType->asString() != "mamba")
    return reader.error("unsupported model_type " +
                        ConfigReader::describe(*modelType) +
                        " (expected \"mamba\")");
  for (const auto &member : root.asObject())
    if (!usedKeys().count(member.first) && !ignoredKeys().count(member.first))
      return reader.error("unknown key '" + member.first + "'");

  ModelConfig c;
  MAMBA_RETURN_IF_ERROR(
      reader.readAliased("hidden_size", "d_model", true, c.dModel));
  MAMBA_RETURN_IF_ERROR(
      reader.readAliased("num_hidden_layers", "n_layer", true, c.nLayer));
  if (!root.find("vocab_size"))
    return reader.error("missing required key 'vocab_size'");
  MAMBA_RETURN_IF_ERROR(reader.readInt("vocab_size", c.vocabSize));
  MAMBA_RETURN_IF_ERROR(reader.readInt("state_size", c.dState));
  MAMBA_RETURN_IF_ERROR(reader.readInt("expand", c.expand));
  MAMBA_RETURN_IF_ERROR(reader.readInt("conv_kernel", c.dConv));
  MAMBA_RETURN_IF_ERROR(reader.readNumber("layer_norm_epsilon", c.rmsEps));
  MAMBA_RETURN_IF_ERROR(reader.readBool("use_bias", c.useBias));
  MAMBA_RETURN_IF_ERROR(reader.readBool("use_conv_bias", c.useConvBias));
  MAMBA_RETURN_IF_ERROR(
      reader.readBool("tie_word_embeddings", c.tieWordEmbeddings));
  MAMBA_RETURN_IF_ERROR(
      reader.readInt("pad_vocab_size_multiple", c.padVocabSizeMultiple));

  c.dtRank = (c.dModel + 15) / 16;
  if (const JsonValue *rank = root.find("time_step_rank")) {
    if (rank->isString() && rank->asString() == "auto") {
      // Already ceil(hidden_size / 16).
    } else if (rank->isInteger()) {
      c.dtRank = rank->asInt();
    } else {
      return reader.error("key 'time_step_rank' must be an integer or "
                          "\"auto\", found " +
                          ConfigReader::describe(*rank));
    }
  }
  if (const JsonValue *v = root.find("intermediate_size")) {
    if (!v->isInteger())
      return reader.error("key 'intermediate_size' must be an integer, found " +
                          ConfigReader::describe(*v));
    if (v->asInt() != c.expand * c.dModel)
      return reader.error("contradictory keys: 'intermediate_size' is " +
                          std::to_string(v->asInt()) +
                          " but expand * hidden_size is " +
                          std::to_string(c.expand * c.dModel));
  }
  if (const JsonValue *v = root.find("hidden_act"))
    if (!v->isString() || v->asString() != "silu")
      return reader.error("unsupported hidden_act " +
                          ConfigReader::describe(*v) + " (expected \"silu\")");
  if (const JsonValue *v = root.find("rms_norm"))
    if (!v->isBool() || !v->asBool())
      return reader.error("unsupported rms_norm " + ConfigReader::describe(*v) +
                          " (only RMSNorm models are supported)");
  if (const JsonValue *v = root.find("ssm_cfg"))
    if (!v->isObject() || !v->asObject().empty())
      return reader.error("unsupported 'ssm_cfg': only an empty object is "
                          "accepted (per-layer SSM overrides change the "
                          "model)");

  Status valid = c.validate();
  if (!valid.ok())
    return reader.error(valid.message());
  return c;
}

Expected<ModelConfig> loadModelConfig(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Status::error(path + ": cannot open");
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  return parseModelConfig(text, path);
}

Expected<ModelConfig> stockModelConfig(std::string_view name) {
  struct Stock {
    const char *name;
    int64_t dModel, nLayer;
  };
  static const Stock stocks[] = {{"130m", 768, 24},
                                 {"370m", 1024, 48},
                                 {"790m", 1536, 48},
                                 {"1.4b", 2048, 48},
                                 {"2.8b", 2560, 64}};
  for (const Stock &s : stocks) {
    if (name != s.name)
      continue;
    ModelConfig c;
    c.dModel = s.dModel;
    c.nLayer = s.nLayer;
    c.vocabSize = 50280;
    c.dtRank = (c.dModel + 15) / 16;
    return c;
  }
  return Status::error("unknown stock model '" + std::string(name) +
                       "' (expected 130m, 370m, 790m, 1.4b or 2.8b)");
}

std::string modelConfigToJson(const ModelConfig &c) {
  char eps[32];
  auto r = std::to_chars(eps, eps + sizeof eps, c.rmsEps);
  *r.ptr = '\0';
  auto b = [](bool v) { return v ? "true" : "false"; };
  std::ostringstream s;
  s << "{\n"
    << "  \"model_type\": \"mamba\",\n"
    << "  \"architectures\": [\"MambaForCausalLM\"],\n"
    << "  \"hidden_size\": " << c.dModel << ",\n"
    << "  \"num_hidden_layers\": " << c.nLayer << ",\n"
    << "  \"vocab_size\": " << c.vocabSize << ",\n"
    << "  \"state_size\": " << c.dState << ",\n"
    << "  \"expand\": " << c.expand << ",\n"
    << "  \"intermediate_size\": " << c.dInner() << ",\n"
    << "  \"conv_kernel\": " << c.dConv << ",\n"
    << "  \"time_step_rank\": " << c.dtRank << ",\n"
    << "  \"layer_norm_epsilon\": " << eps << ",\n"
    << "  \"hidden_act\": \"silu\",\n"
    << "  \"use_bias\": " << b(c.useBias) << ",\n"
    << "  \"use_conv_bias\": " << b(c.useConvBias) << ",\n";
  if (c.padVocabSizeMultiple != 8)
    s << "  \"pad_vocab_size_multiple\": " << c.padVocabSizeMultiple << ",\n";
  s << "  \"tie_word_embeddings\": " << b(c.tieWordEmbeddings) << "\n}\n";
  return s.str();
}

} // namespace mamba

//===- HFImport.cpp - Hugging Face config.json to a model spec ------------===//
//
// Every key of a config is either mapped to a hyper-parameter of the
// standard library's model, checked against what the spec computes, or
// known to matter only for training or generation. A key that is none of
// these is an error: silently ignoring it could compile another model than
// the one the checkpoint holds. Missing keys take the defaults of the
// transformers config classes, which are not always those of the reference
// implementation (Mamba2Config has n_groups = 8, for one).
//
//===----------------------------------------------------------------------===//

#include "HFImport.h"

#include "Json.h"

#include "mlir/IR/Diagnostics.h"

#include <cmath>

using namespace mamba::frontend;

namespace {
enum class Type { Int, Float, Bool };

/// A config key that sets a hyper-parameter; `hfDefault` is the value of
/// transformers' config class when the key is absent (null: required).
struct MappedKey {
  const char *key;
  const char *param;
  Type type;
  const char *hfDefault;
};

struct Family {
  const char *modelType;
  const char *stdFile;
  const char *baseModel;
  std::vector<MappedKey> mapped;
  /// Keys checked by hand in importFamily.
  std::vector<const char *> checked;
  /// Keys of training, initialization or generation only.
  std::vector<const char *> ignored;
};

const std::vector<const char *> kCommonIgnored = {"_name_or_path",
                                                  "architectures",
                                                  "bos_token_id",
                                                  "eos_token_id",
                                                  "pad_token_id",
                                                  "torch_dtype",
                                                  "dtype",
                                                  "transformers_version",
                                                  "use_cache",
                                                  "initializer_range",
                                                  "rescale_prenorm_residual",
                                                  "residual_in_fp32",
                                                  "time_step_min",
                                                  "time_step_max",
                                                  "time_step_floor"};

const Family kMamba1 = {
    "mamba",
    "std/mamba1.ssm",
    "mamba1",
    {{"hidden_size", "d_model", Type::Int, nullptr},
     {"num_hidden_layers", "n_layer", Type::Int, nullptr},
     {"vocab_size", "vocab_size", Type::Int, nullptr},
     {"state_size", "d_state", Type::Int, "16"},
     {"expand", "expand", Type::Int, "2"},
     {"conv_kernel", "d_conv", Type::Int, "4"},
     {"layer_norm_epsilon", "norm_eps", Type::Float, "1e-5"},
     {"use_bias", "use_bias", Type::Bool, "false"},
     {"use_conv_bias", "use_conv_bias", Type::Bool, "true"},
     {"tie_word_embeddings", "tie_embeddings", Type::Bool, "true"}},
    // d_model, n_layer, d_inner, rms_norm and ssm_cfg are left over from
    // the original checkpoints' config and must agree with the HF keys.
    {"model_type", "time_step_rank", "intermediate_size", "hidden_act",
     "d_model", "n_layer", "d_inner", "rms_norm", "ssm_cfg",
     "pad_vocab_size_multiple"},
    {"time_step_scale", "time_step_init_scheme", "use_mambapy",
     "use_associative_scan", "fused_add_norm"}};

const Family kMamba2 = {
    "mamba2",
    "std/mamba2.ssm",
    "mamba2",
    {{"hidden_size", "d_model", Type::Int, nullptr},
     {"num_hidden_layers", "n_layer", Type::Int, nullptr},
     {"vocab_size", "vocab_size", Type::Int, nullptr},
     {"state_size", "d_state", Type::Int, "128"},
     {"expand", "expand", Type::Int, "2"},
     {"conv_kernel", "d_conv", Type::Int, "4"},
     {"n_groups", "n_groups", Type::Int, "8"},
     {"head_dim", "headdim", Type::Int, "64"},
     {"layer_norm_epsilon", "norm_eps", Type::Float, "1e-6"},
     {"use_bias", "use_bias", Type::Bool, "false"},
     {"use_conv_bias", "use_conv_bias", Type::Bool, "true"},
     {"tie_word_embeddings", "tie_embeddings", Type::Bool, "false"}},
    {"model_type", "num_heads", "hidden_act", "norm_before_gate", "rms_norm",
     "time_step_limit", "pad_vocab_size_multiple"},
    {"chunk_size", "time_step_rank"}};

const char *typeName(Type t) {
  return t == Type::Int     ? "an integer"
         : t == Type::Float ? "a number"
                            : "a boolean";
}

class Importer {
public:
  Importer(const JsonValue &root, const Family &family, llvm::StringRef path,
           llvm::StringRef modelName)
      : root(root), family(family), path(path.str()),
        modelName(modelName.str()) {}

  std::unique_ptr<Module> run() {
    for (const JsonValue::Member &m : root.members)
      if (!known(m.key)) {
        mlir::emitError(m.keyLoc)
            << "unknown key '" << m.key << "' in a Hugging Face '"
            << family.modelType << "' config";
        return nullptr;
      }
    auto module = std::make_unique<Module>();
    module->path = path;
    module->imports.push_back(
        Import{root.find("model_type")->value->loc, family.stdFile});
    auto model = std::make_unique<ModelDef>(root.loc, modelName);
    model->base = family.baseModel;
    model->baseLoc = root.loc;
    for (const MappedKey &k : family.mapped)
      if (!map(k, *model))
        return nullptr;
    if (!checkConsistency(*model))
      return nullptr;
    module->defs.push_back(std::move(model));
    return module;
  }

private:
  bool known(llvm::StringRef key) const {
    for (const MappedKey &k : family.mapped)
      if (key == k.key)
        return true;
    for (const auto *list : {&family.checked, &family.ignored, &kCommonIgnored})
      for (const char *k : *list)
        if (key == k)
          return true;
    return false;
  }

  bool typeError(const JsonValue::Member &m, const char *expected) {
    mlir::emitError(m.value->loc) << "'" << m.key << "' must be " << expected
                                  << ", got " << m.value->kindName();
    return false;
  }

  /// The key's value as a number, or the transformers default.
  bool number(llvm::StringRef key, double fallback, double &out,
              bool integer = true) {
    const JsonValue::Member *m = root.find(key);
    if (!m) {
      out = fallback;
      return true;
    }
    if (m->value->kind == JsonValue::Kind::Int ||
        (!integer && m->value->kind == JsonValue::Kind::Float)) {
      out = m->value->floatValue;
      return true;
    }
    return typeError(*m, integer ? "an integer" : "a number");
  }

  bool map(const MappedKey &k, ModelDef &model) {
    const JsonValue::Member *m = root.find(k.key);
    ExprPtr value;
    Loc loc = root.loc;
    if (!m) {
      if (!k.hfDefault) {
        mlir::emitError(root.loc)
            << "missing key '" << k.key << "' in a Hugging Face '"
            << family.modelType << "' config";
        return false;
      }
      llvm::StringRef d = k.hfDefault;
      if (k.type == Type::Bool)
        value = std::make_unique<BoolExpr>(loc, d == "true");
      else if (k.type == Type::Int)
        value = std::make_unique<NumberExpr>(loc, int64_t(std::stoll(d.str())));
      else
        value = std::make_unique<NumberExpr>(loc, std::stod(d.str()));
    } else {
      loc = m->keyLoc;
      const JsonValue &v = *m->value;
      switch (k.type) {
      case Type::Int:
        if (v.kind != JsonValue::Kind::Int)
          return typeError(*m, typeName(k.type));
        value = std::make_unique<NumberExpr>(v.loc, v.intValue);
        break;
      case Type::Float:
        if ((v.kind != JsonValue::Kind::Int &&
             v.kind != JsonValue::Kind::Float) ||
            !std::isfinite(v.floatValue))
          return typeError(*m, "a finite number");
        value = std::make_unique<NumberExpr>(v.loc, v.floatValue);
        break;
      case Type::Bool:
        if (v.kind != JsonValue::Kind::Bool)
          return typeError(*m, typeName(k.type));
        value = std::make_unique<BoolExpr>(v.loc, v.boolValue);
        break;
      }
    }
    model.overrides.push_back(Override{loc, k.param, std::move(value)});
    return true;
  }

  bool requireString(llvm::StringRef key, llvm::StringRef expected,
                     llvm::StringRef why) {
    const JsonValue::Member *m = root.find(key);
    if (!m)
      return true;
    if (m->value->kind != JsonValue::Kind::String)
      return typeError(*m, "a string");
    if (m->value->stringValue == expected)
      return true;
    mlir::emitError(m->value->loc)
        << "'" << key << "' is \"" << m->value->stringValue << "\", but " << why
        << " (\"" << expected << "\")";
    return false;
  }

  bool requireBool(llvm::StringRef key, bool expected, llvm::StringRef why) {
    const JsonValue::Member *m = root.find(key);
    if (!m)
      return true;
    if (m->value->kind != JsonValue::Kind::Bool)
      return typeError(*m, "a boolean");
    if (m->value->boolValue == expected)
      return true;
    mlir::emitError(m->value->loc)
        << "'" << key << "' is " << (m->value->boolValue ? "true" : "false")
        << ", but " << why;
    return false;
  }

  bool contradiction(llvm::StringRef key, const llvm::Twine &message) {
    const JsonValue::Member *m = root.find(key);
    mlir::emitError(m ? m->keyLoc : root.loc) << message.str();
    return false;
  }

  /// A key that the spec derives from others must equal the derived value.
  bool agrees(llvm::StringRef key, double expected, llvm::StringRef from) {
    double value = expected;
    if (!number(key, expected, value))
      return false;
    if (value == expected)
      return true;
    return contradiction(
        key, llvm::Twine("'") + key + "' is " + llvm::Twine(int64_t(value)) +
                 ", but " + from + " is " + llvm::Twine(int64_t(expected)));
  }

  /// Python's json writes infinity as the bare `Infinity`; transformers 5
  /// writes non-finite floats of a config as {"__float__": "Infinity"}.
  static bool isPositiveInfinity(const JsonValue &v) {
    if (v.kind == JsonValue::Kind::Object && v.members.size() == 1 &&
        v.members[0].key == "__float__") {
      const JsonValue &text = *v.members[0].value;
      return text.kind == JsonValue::Kind::String &&
             text.stringValue == "Infinity";
    }
    return std::isinf(v.floatValue) && v.floatValue > 0;
  }

  bool checkConsistency(ModelDef &model) {
    double hidden = 0, expand = 0, pad = 0;
    bool mamba2 = llvm::StringRef(family.modelType) == "mamba2";
    if (!number("hidden_size", 0, hidden) || !number("expand", 2, expand) ||
        !number("pad_vocab_size_multiple", mamba2 ? 16 : 8, pad))
      return false;
    if (pad <= 0)
      return contradiction("pad_vocab_size_multiple",
                           "'pad_vocab_size_multiple' must be positive");
    // transformers builds the embedding and the head with exactly
    // vocab_size rows whatever pad_vocab_size_multiple says (checkpoints
    // converted from the reference code store the padded size as
    // vocab_size), so the imported model pads nothing.
    model.overrides.push_back(
        Override{root.loc, "pad_vocab_size_multiple",
                 std::make_unique<NumberExpr>(root.loc, int64_t{1})});
    if (!requireString("hidden_act", "silu",
                       "the Mamba blocks of the spec use silu"))
      return false;
    double inner = expand * hidden;
    if (!mamba2) {
      double layers = 0;
      if (!number("num_hidden_layers", 0, layers) ||
          !agrees("intermediate_size", inner, "'expand' * 'hidden_size'") ||
          !agrees("d_inner", inner, "'expand' * 'hidden_size'") ||
          !agrees("d_model", hidden, "'hidden_size'") ||
          !agrees("n_layer", layers, "'num_hidden_layers'") ||
          !requireBool("rms_norm", true,
                       "the Mamba blocks of the spec use RMSNorm"))
        return false;
      if (const JsonValue::Member *m = root.find("ssm_cfg")) {
        if (m->value->kind != JsonValue::Kind::Object)
          return typeError(*m, "an object");
        if (!m->value->members.empty()) {
          const JsonValue::Member &first = m->value->members.front();
          mlir::emitError(first.keyLoc)
              << "unknown key '" << first.key
              << "' in 'ssm_cfg'; set the hyper-parameters with the "
                 "Hugging Face keys";
          return false;
        }
      }
      return mapTimeStepRank(model);
    }
    double heads = 0, headDim = 0;
    if (!number("num_heads", 128, heads) || !number("head_dim", 64, headDim))
      return false;
    if (heads * headDim != inner)
      return contradiction("num_heads",
                           llvm::Twine("'num_heads' * 'head_dim' is ") +
                               llvm::Twine(int64_t(heads)) + " * " +
                               llvm::Twine(int64_t(headDim)) + " = " +
                               llvm::Twine(int64_t(heads * headDim)) +
                               ", but 'expand' * 'hidden_size' is " +
                               llvm::Twine(int64_t(inner)));
    if (!requireBool("norm_before_gate", false,
                     "the Mamba-2 block of the spec gates before its norm") ||
        !requireBool("rms_norm", true,
                     "the Mamba-2 block of the spec uses RMSNorm"))
      return false;
    if (const JsonValue::Member *m = root.find("time_step_limit")) {
      const JsonValue &v = *m->value;
      bool unclamped =
          v.kind == JsonValue::Kind::Array && v.elements.size() == 2 &&
          v.elements[0].floatValue == 0.0 && isPositiveInfinity(v.elements[1]);
      if (!unclamped) {
        mlir::emitError(v.loc) << "'time_step_limit' must be [0.0, Infinity]: "
                                  "the spec does not clamp the time step";
        return false;
      }
    }
    return true;
  }

  /// "auto" (or absent) leaves dt_rank to its derived default.
  bool mapTimeStepRank(ModelDef &model) {
    const JsonValue::Member *m = root.find("time_step_rank");
    if (!m)
      return true;
    const JsonValue &v = *m->value;
    if (v.kind == JsonValue::Kind::String && v.stringValue == "auto")
      return true;
    if (v.kind != JsonValue::Kind::Int)
      return typeError(*m, "an integer or \"auto\"");
    model.overrides.push_back(Override{
        m->keyLoc, "dt_rank", std::make_unique<NumberExpr>(v.loc, v.intValue)});
    return true;
  }

  const JsonValue &root;
  const Family &family;
  std::string path, modelName;
};
} // namespace

std::unique_ptr<Module>
mamba::frontend::importHFConfig(llvm::StringRef text, llvm::StringRef path,
                                llvm::StringRef modelName,
                                mlir::MLIRContext *ctx) {
  std::unique_ptr<JsonValue> root = parseJson(text, path, ctx);
  if (!root)
    return nullptr;
  if (root->kind != JsonValue::Kind::Object) {
    mlir::emitError(root->loc) << "expected a JSON object in a Hugging Face "
                                  "config";
    return nullptr;
  }
  const JsonValue::Member *type = root->find("model_type");
  if (!type) {
    mlir::emitError(root->loc)
        << "missing key 'model_type' (\"mamba\" or \"mamba2\")";
    return nullptr;
  }
  if (type->value->kind != JsonValue::Kind::String ||
      (type->value->stringValue != "mamba" &&
       type->value->stringValue != "mamba2")) {
    auto diag = mlir::emitError(type->value->loc)
                << "unsupported 'model_type' ";
    if (type->value->kind == JsonValue::Kind::String)
      diag << "\"" << type->value->stringValue << "\"";
    else
      diag << "(" << type->value->kindName() << ")";
    diag << "; expected \"mamba\" or \"mamba2\"";
    return nullptr;
  }
  const Family &family =
      type->value->stringValue == "mamba" ? kMamba1 : kMamba2;
  return Importer(*root, family, path, modelName).run();
}

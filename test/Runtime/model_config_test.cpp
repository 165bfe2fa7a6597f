// Unit tests of config.json loading: HF files, defaults, and errors that name
// the offending key.
#include "mamba/model_config.h"
#include "test_util.h"

#include <fstream>
#include <gtest/gtest.h>

namespace mamba {
namespace {

std::string configError(const std::string &json) {
  auto c = parseModelConfig(json, "config.json");
  EXPECT_FALSE(c.ok()) << "accepted: " << json;
  if (c.ok())
    return {};
  EXPECT_EQ(c.status().message().rfind("config.json:", 0), 0u)
      << c.status().message();
  return c.status().message();
}

TEST(ModelConfig, LoadsGoldenHuggingFaceConfig) {
  auto c = loadModelConfig(std::string(MAMBA_SOURCE_DIR) +
                           "/test/golden/small-untied/config.json");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->dModel, 32);
  EXPECT_EQ(c->nLayer, 3);
  EXPECT_EQ(c->vocabSize, 256);
  EXPECT_EQ(c->dState, 16);
  EXPECT_EQ(c->expand, 2);
  EXPECT_EQ(c->dInner(), 64);
  EXPECT_EQ(c->dConv, 4);
  EXPECT_EQ(c->dtRank, 2);
  EXPECT_DOUBLE_EQ(c->rmsEps, 1e-5);
  EXPECT_FALSE(c->tieWordEmbeddings);
  EXPECT_TRUE(c->useConvBias);
  EXPECT_FALSE(c->useBias);
}

TEST(ModelConfig, MinimalConfigGetsTransformersDefaults) {
  auto c = parseModelConfig(
      R"({"model_type":"mamba","hidden_size":768,"num_hidden_layers":24,
          "vocab_size":50277,"time_step_rank":"auto"})",
      "config.json");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->dtRank, 48);
  EXPECT_EQ(c->dState, 16);
  EXPECT_EQ(c->dConv, 4);
  EXPECT_TRUE(c->tieWordEmbeddings);
  EXPECT_EQ(c->paddedVocabSize(), 50280);
}

TEST(ModelConfig, LegacyAliasesAndStateSpacesKeys) {
  auto c = parseModelConfig(
      R"({"model_type":"mamba","d_model":64,"n_layer":2,"vocab_size":10,
          "ssm_cfg":{},"rms_norm":true,"fused_add_norm":true,
          "residual_in_fp32":true,"pad_vocab_size_multiple":16})",
      "config.json");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->dModel, 64);
  EXPECT_EQ(c->nLayer, 2);
  EXPECT_EQ(c->paddedVocabSize(), 16);
}

TEST(ModelConfig, RoundTripThroughJson) {
  auto stock = stockModelConfig("370m");
  ASSERT_TRUE(stock.ok());
  ModelConfig c = *stock;
  c.rmsEps = 1e-6;
  c.tieWordEmbeddings = false;
  c.padVocabSizeMultiple = 4;
  auto back = parseModelConfig(modelConfigToJson(c), "rt.json");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->dModel, 1024);
  EXPECT_EQ(back->nLayer, 48);
  EXPECT_EQ(back->dtRank, 64);
  EXPECT_EQ(back->rmsEps, 1e-6);
  EXPECT_FALSE(back->tieWordEmbeddings);
  EXPECT_EQ(back->padVocabSizeMultiple, 4);
  EXPECT_FALSE(stockModelConfig("7b").ok());
}

TEST(ModelConfig, Errors) {
  const std::string base =
      R"("model_type":"mamba","hidden_size":16,"num_hidden_layers":2,"vocab_size":64)";
  struct Case {
    std::string json;
    const char *message;
  } cases[] = {
      {"{" + base + R"(,"flux_capacitor":1})", "unknown key 'flux_capacitor'"},
      {R"({"model_type":"mamba2","hidden_size":16})",
       "unsupported model_type string \"mamba2\" (expected \"mamba\")"},
      // Python's json writes Infinity: Mamba-2's config reaches the check
      // of its model type.
      {R"({"model_type":"mamba2","time_step_limit":[0.0,Infinity]})",
       "unsupported model_type string \"mamba2\" (expected \"mamba\")"},
      {"{" + base + R"(,"layer_norm_epsilon":NaN})",
       "key 'layer_norm_epsilon' must be a finite number, found NaN"},
      {"{" + base + R"(,"layer_norm_epsilon":-Infinity})",
       "key 'layer_norm_epsilon' must be a finite number, found -Infinity"},
      {R"({"hidden_size":16})", "missing required key 'model_type'"},
      {R"({"model_type":"mamba","num_hidden_layers":2,"vocab_size":8})",
       "missing required key 'hidden_size'"},
      {R"({"model_type":"mamba","hidden_size":16,"vocab_size":8})",
       "missing required key 'num_hidden_layers'"},
      {R"({"model_type":"mamba","hidden_size":16,"num_hidden_layers":2})",
       "missing required key 'vocab_size'"},
      {"{" + base + R"(,"intermediate_size":40})",
       "contradictory keys: 'intermediate_size' is 40 but expand * "
       "hidden_size is 32"},
      {"{" + base + R"(,"d_model":32})",
       "contradictory keys: 'hidden_size' is 16 but 'd_model' is 32"},
      {"{" + base + R"(,"n_layer":3})",
       "contradictory keys: 'num_hidden_layers' is 2 but 'n_layer' is 3"},
      {"{" + base + R"(,"state_size":"16"})",
       "key 'state_size' must be an integer, found string \"16\""},
      {"{" + base + R"(,"expand":2.5})",
       "key 'expand' must be an integer, found number 2.5"},
      {"{" + base + R"(,"use_bias":1})",
       "key 'use_bias' must be a boolean, found number 1"},
      {"{" + base + R"(,"time_step_rank":"big"})",
       "key 'time_step_rank' must be an integer or \"auto\""},
      {"{" + base + R"(,"hidden_act":"gelu"})", "unsupported hidden_act"},
      {"{" + base + R"(,"rms_norm":false})", "unsupported rms_norm"},
      {"{" + base + R"(,"ssm_cfg":{"d_state":8}})", "unsupported 'ssm_cfg'"},
      {"{" + base + R"(,"conv_kernel":0})", "conv_kernel must be positive"},
      {"{" + base + R"(,"layer_norm_epsilon":-1})",
       "layer_norm_epsilon must be positive"},
      {"[1]", "expected a JSON object, found array"},
      {"{\n  \"model_type\": \"mamba\",\n  \"hidden_size\" 16\n}",
       "config.json:3:17: expected ':'"},
  };
  for (const Case &c : cases) {
    std::string e = configError(c.json);
    EXPECT_NE(e.find(c.message), std::string::npos)
        << "json " << c.json << "\n got: " << e;
  }
}

TEST(ModelConfig, MissingFileNamesIt) {
  auto c = loadModelConfig("/nonexistent/config.json");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("/nonexistent/config.json: cannot open"),
            std::string::npos);
}

} // namespace
} // namespace mamba

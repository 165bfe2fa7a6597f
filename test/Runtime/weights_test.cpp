// Unit tests of weight binding: HF names, shape checks against the config,
// config/weights mismatches, and deterministic random weights.
#include "mamba/weights.h"
#include "test_util.h"

#include <cmath>
#include <cstring>
#include <fstream>
#include <gtest/gtest.h>

namespace mamba {
namespace {

ModelConfig tinyConfig() {
  ModelConfig c;
  c.dModel = 16;
  c.nLayer = 2;
  c.vocabSize = 100;
  c.dtRank = 1;
  return c;
}

class WeightsTest : public ::testing::Test {
protected:
  /// Writes config.json + model.safetensors and loads them back.
  Expected<ModelWeights> roundTrip(const ModelConfig &config,
                                   const std::vector<TensorData> &tensors) {
    std::ofstream(dir_.file("config.json")) << modelConfigToJson(config);
    EXPECT_TRUE(writeSafetensors(dir_.file("model.safetensors"), tensors).ok());
    return loadModelDir(dir_.file(""));
  }

  /// roundTrip that must fail; returns the message.
  std::string loadError(const ModelConfig &config,
                        const std::vector<TensorData> &tensors) {
    auto w = roundTrip(config, tensors);
    EXPECT_FALSE(w.ok());
    return w.ok() ? std::string() : w.status().message();
  }

  static void erase(std::vector<TensorData> &tensors, const std::string &name) {
    for (auto it = tensors.begin(); it != tensors.end(); ++it)
      if (it->name == name) {
        tensors.erase(it);
        return;
      }
    ADD_FAILURE() << "no tensor " << name;
  }

  static TensorData &get(std::vector<TensorData> &tensors,
                         const std::string &name) {
    for (TensorData &t : tensors)
      if (t.name == name)
        return t;
    ADD_FAILURE() << "no tensor " << name;
    return tensors.front();
  }

  test::ScratchDir dir_;
};

TEST_F(WeightsTest, LoadsGoldenModel) {
  auto w =
      loadModelDir(std::string(MAMBA_SOURCE_DIR) + "/test/golden/bf16-weights");
  ASSERT_TRUE(w.ok()) << w.status().message();
  const ModelConfig &c = w->config;
  EXPECT_EQ(w->embeddingRows, 512);
  EXPECT_EQ(w->embedding.size(), size_t(512 * 64));
  ASSERT_EQ(w->layers.size(), 2u);
  EXPECT_EQ(w->layers[1].convWeight.size(), size_t(c.dInner() * c.dConv));
  EXPECT_EQ(w->layers[0].xProj.size(),
            size_t((c.dtRank + 2 * c.dState) * c.dInner()));
  EXPECT_TRUE(w->lmHead.empty());
  EXPECT_EQ(w->lmHeadData(), w->embedding.data());
  EXPECT_TRUE(checkWeightSizes(*w).ok());
  // BF16 values widen exactly: the low 16 bits of every float are zero.
  uint32_t bits;
  std::memcpy(&bits, &w->layers[0].inProj[7], 4);
  EXPECT_EQ(bits & 0xFFFF, 0u);
  EXPECT_NE(w->layers[0].inProj[7], 0.0f);
}

TEST_F(WeightsTest, RandomWeightsRoundTripInEveryDType) {
  ModelConfig c = tinyConfig();
  c.useBias = true;
  c.tieWordEmbeddings = false;
  ModelWeights w = makeRandomWeights(c, 7);
  for (DType dtype : {DType::F32, DType::F16, DType::BF16}) {
    auto back = roundTrip(c, weightsToTensors(w, dtype));
    ASSERT_TRUE(back.ok()) << back.status().message();
    const float tol = dtype == DType::F32 ? 0.0f : 1e-2f;
    EXPECT_LE(
        test::maxAbsDiff(back->lmHead.data(), w.lmHead.data(), w.lmHead.size()),
        tol * 0.1f);
    EXPECT_LE(test::maxAbsDiff(back->layers[1].outProjBias.data(),
                               w.layers[1].outProjBias.data(), c.dModel),
              tol * 0.02f);
    EXPECT_EQ(back->layers[1].aLog.size(), w.layers[1].aLog.size());
  }
}

TEST_F(WeightsTest, RandomWeightsAreDeterministicWithSensibleScales) {
  ModelConfig c = tinyConfig();
  ModelWeights a = makeRandomWeights(c, 1), b = makeRandomWeights(c, 1),
               other = makeRandomWeights(c, 2);
  EXPECT_EQ(a.layers[1].inProj, b.layers[1].inProj);
  EXPECT_NE(a.layers[1].inProj, other.layers[1].inProj);
  EXPECT_EQ(a.embeddingRows, 104); // padded to a multiple of 8
  EXPECT_TRUE(checkWeightSizes(a).ok());
  ModelConfig untied = c;
  untied.tieWordEmbeddings = false;
  untied.useBias = true;
  ModelWeights u = makeRandomWeights(untied, 1);
  EXPECT_TRUE(checkWeightSizes(u).ok());
  u.layers[1].outProjBias.clear();
  EXPECT_NE(checkWeightSizes(u).message().find(
                "'backbone.layers.1.mixer.out_proj.bias' has 0 values"),
            std::string::npos);
  for (const LayerWeights &l : a.layers) {
    for (float bias : l.dtBias) {
      float dt = std::log1p(std::exp(bias));
      EXPECT_GE(dt, 0.99e-3f);
      EXPECT_LE(dt, 1.01e-1f);
    }
    EXPECT_FLOAT_EQ(l.aLog[3], std::log(4.0f)); // A_log[0, 3] = log(4)
    EXPECT_EQ(l.d[0], 1.0f);
  }
}

TEST_F(WeightsTest, MissingTensor) {
  ModelConfig c = tinyConfig();
  auto tensors = weightsToTensors(makeRandomWeights(c, 1));
  erase(tensors, "backbone.layers.1.mixer.A_log");
  std::string e = loadError(c, tensors);
  EXPECT_NE(e.find("model.safetensors: missing tensor "
                   "'backbone.layers.1.mixer.A_log' (expected shape [32, 16])"),
            std::string::npos)
      << e;
}

TEST_F(WeightsTest, WrongShape) {
  ModelConfig c = tinyConfig();
  auto tensors = weightsToTensors(makeRandomWeights(c, 1));
  get(tensors, "backbone.layers.0.mixer.D") = makeTensorData(
      "backbone.layers.0.mixer.D", {31}, std::vector<float>(31, 1.0f));
  std::string e = loadError(c, tensors);
  EXPECT_NE(e.find("tensor 'backbone.layers.0.mixer.D': expected shape [32] "
                   "from the config, got [31]"),
            std::string::npos)
      << e;
  // conv1d.weight must keep its middle dimension of 1.
  tensors = weightsToTensors(makeRandomWeights(c, 1));
  TensorData &conv = get(tensors, "backbone.layers.1.mixer.conv1d.weight");
  conv.shape = {32, 4};
  e = loadError(c, tensors);
  EXPECT_NE(e.find("'backbone.layers.1.mixer.conv1d.weight': expected shape "
                   "[32, 1, 4] from the config, got [32, 4]"),
            std::string::npos)
      << e;
}

TEST_F(WeightsTest, ConfigWeightsMismatch) {
  ModelConfig big = tinyConfig();
  auto tensors = weightsToTensors(makeRandomWeights(big, 1));
  ModelConfig fewer = big;
  fewer.nLayer = 1;
  std::string e = loadError(fewer, tensors);
  EXPECT_NE(e.find("tensor 'backbone.layers.1.norm.weight' is not used by "
                   "the config (1 layers"),
            std::string::npos)
      << e;

  ModelConfig moreState = big;
  moreState.dState = 8;
  e = loadError(moreState, tensors);
  EXPECT_NE(e.find("tensor 'backbone.layers.0.mixer.x_proj.weight': expected "
                   "shape [17, 32] from the config, got [33, 32]"),
            std::string::npos)
      << e;

  ModelConfig untied = big;
  untied.tieWordEmbeddings = false;
  e = loadError(untied, tensors);
  EXPECT_NE(e.find("missing tensor 'lm_head.weight'"), std::string::npos) << e;

  ModelConfig noConvBias = big;
  noConvBias.useConvBias = false;
  e = loadError(noConvBias, tensors);
  EXPECT_NE(e.find("tensor 'backbone.layers.0.mixer.conv1d.bias' is not used"),
            std::string::npos)
      << e;
}

TEST_F(WeightsTest, GoldenConfigWithAnotherModelsWeights) {
  const std::string golden = std::string(MAMBA_SOURCE_DIR) + "/test/golden/";
  auto config = loadModelConfig(golden + "tiny-tied/config.json");
  ASSERT_TRUE(config.ok()) << config.status().message();
  auto file = SafetensorsFile::open(golden + "small-untied/model.safetensors");
  ASSERT_TRUE(file.ok()) << file.status().message();
  auto w = bindWeights(*config, *file);
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find(
                "small-untied/model.safetensors: tensor "
                "'backbone.embeddings.weight': expected shape [64, 16] from "
                "the config, got [256, 32]"),
            std::string::npos)
      << w.status().message();
}

TEST_F(WeightsTest, EmbeddingNamesAndPadding) {
  ModelConfig c = tinyConfig();
  ModelWeights w = makeRandomWeights(c, 3);
  auto tensors = weightsToTensors(w);
  get(tensors, "backbone.embeddings.weight").name = "backbone.embedding.weight";
  auto legacy = roundTrip(c, tensors);
  ASSERT_TRUE(legacy.ok()) << legacy.status().message();
  EXPECT_EQ(legacy->embedding, w.embedding);

  tensors.push_back(makeTensorData("backbone.embeddings.weight",
                                   {w.embeddingRows, c.dModel}, w.embedding));
  EXPECT_NE(loadError(c, tensors)
                .find("both 'backbone.embeddings.weight' and "
                      "'backbone.embedding.weight'"),
            std::string::npos);

  // Unpadded (vocab_size rows) is fine too; anything else is not.
  tensors = weightsToTensors(w);
  std::vector<float> rows100(w.embedding.begin(),
                             w.embedding.begin() + 100 * c.dModel);
  get(tensors, "backbone.embeddings.weight") =
      makeTensorData("backbone.embeddings.weight", {100, c.dModel}, rows100);
  auto unpadded = roundTrip(c, tensors);
  ASSERT_TRUE(unpadded.ok()) << unpadded.status().message();
  EXPECT_EQ(unpadded->embeddingRows, 100);
  std::vector<float> rows103(w.embedding.begin(),
                             w.embedding.begin() + 103 * c.dModel);
  get(tensors, "backbone.embeddings.weight") =
      makeTensorData("backbone.embeddings.weight", {103, c.dModel}, rows103);
  std::string e = loadError(c, tensors);
  EXPECT_NE(e.find("tensor 'backbone.embeddings.weight': expected shape "
                   "[100, 16] or [104, 16] from the config, got [103, 16]"),
            std::string::npos)
      << e;
}

TEST_F(WeightsTest, TiedHeadMustMatchEmbedding) {
  ModelConfig c = tinyConfig();
  ModelWeights w = makeRandomWeights(c, 3);
  auto tensors = weightsToTensors(w);
  tensors.push_back(makeTensorData("lm_head.weight",
                                   {w.embeddingRows, c.dModel}, w.embedding));
  EXPECT_TRUE(roundTrip(c, tensors).ok());
  std::vector<float> changed = w.embedding;
  changed[5] += 1.0f;
  tensors.back() =
      makeTensorData("lm_head.weight", {w.embeddingRows, c.dModel}, changed);
  EXPECT_NE(loadError(c, tensors)
                .find("tensor 'lm_head.weight' differs from "
                      "the embedding"),
            std::string::npos);
}

TEST_F(WeightsTest, ErrorsFromConfigAndFileAreNamed) {
  ModelConfig c = tinyConfig();
  std::ofstream(dir_.file("config.json"))
      << R"({"model_type":"mamba","hidden_size":16,"num_hidden_layers":2,)"
         R"("vocab_size":100,"mystery":true})";
  auto w = loadModelDir(dir_.file(""));
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find("config.json: unknown key 'mystery'"),
            std::string::npos)
      << w.status().message();

  std::ofstream(dir_.file("config.json")) << modelConfigToJson(c);
  std::ofstream(dir_.file("model.safetensors")) << "junk";
  w = loadModelDir(dir_.file(""));
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find("model.safetensors: file is 4 bytes"),
            std::string::npos)
      << w.status().message();
}

} // namespace
} // namespace mamba

// Binds Hugging Face Mamba tensor names to ModelWeights, checking each shape
// against the config before converting to float32.
#include "mamba/weights.h"

#include <cmath>
#include <cstring>
#include <set>

namespace mamba {

namespace {

class Binder {
public:
  Binder(const ModelConfig &config, const SafetensorsFile &file)
      : config_(config), file_(file) {}

  Status error(const std::string &what) const {
    return Status::error(file_.path() + ": " + what);
  }

  /// Looks `name` up, requires `shape` exactly, converts to float into out.
  Status bind(const std::string &name, const std::vector<int64_t> &shape,
              std::vector<float> &out) {
    const TensorInfo *info = file_.find(name);
    if (!info)
      return error("missing tensor '" + name + "' (expected shape " +
                   formatShape(shape) + ")");
    return bindInfo(*info, shape, out);
  }

  Status bindInfo(const TensorInfo &info, const std::vector<int64_t> &shape,
                  std::vector<float> &out) {
    if (info.shape != shape)
      return error("tensor '" + info.name + "': expected shape " +
                   formatShape(shape) + " from the config, got " +
                   formatShape(info.shape));
    used_.insert(info.name);
    out = file_.readF32(info);
    return Status::success();
  }

  /// A [rows, d] vocabulary matrix: rows may be vocab_size or the padded
  /// vocabulary size.
  Status bindVocabMatrix(const TensorInfo &info, int64_t &rows,
                         std::vector<float> &out) {
    int64_t v = config_.vocabSize, vp = config_.paddedVocabSize();
    bool ok = info.shape.size() == 2 && info.shape[1] == config_.dModel &&
              (info.shape[0] == v || info.shape[0] == vp);
    if (!ok)
      return error("tensor '" + info.name + "': expected shape " +
                   formatShape({v, config_.dModel}) +
                   (vp != v ? " or " + formatShape({vp, config_.dModel}) : "") +
                   " from the config, got " + formatShape(info.shape));
    rows = info.shape[0];
    return bindInfo(info, info.shape, out);
  }

  bool isUsed(const std::string &name) const { return used_.count(name); }
  void markUsed(const std::string &name) { used_.insert(name); }

private:
  const ModelConfig &config_;
  const SafetensorsFile &file_;
  std::set<std::string> used_;
};

Status bindLayer(Binder &b, const ModelConfig &c, int64_t i, LayerWeights &l) {
  const int64_t d = c.dModel, e = c.dInner(), n = c.dState, r = c.dtRank,
                k = c.dConv;
  const std::string p = "backbone.layers." + std::to_string(i) + ".";
  const std::string m = p + "mixer.";
  MAMBA_RETURN_IF_ERROR(b.bind(p + "norm.weight", {d}, l.norm));
  MAMBA_RETURN_IF_ERROR(b.bind(m + "in_proj.weight", {2 * e, d}, l.inProj));
  if (c.useBias)
    MAMBA_RETURN_IF_ERROR(b.bind(m + "in_proj.bias", {2 * e}, l.inProjBias));
  MAMBA_RETURN_IF_ERROR(b.bind(m + "conv1d.weight", {e, 1, k}, l.convWeight));
  if (c.useConvBias)
    MAMBA_RETURN_IF_ERROR(b.bind(m + "conv1d.bias", {e}, l.convBias));
  MAMBA_RETURN_IF_ERROR(b.bind(m + "x_proj.weight", {r + 2 * n, e}, l.xProj));
  MAMBA_RETURN_IF_ERROR(b.bind(m + "dt_proj.weight", {e, r}, l.dtProj));
  MAMBA_RETURN_IF_ERROR(b.bind(m + "dt_proj.bias", {e}, l.dtBias));
  MAMBA_RETURN_IF_ERROR(b.bind(m + "A_log", {e, n}, l.aLog));
  MAMBA_RETURN_IF_ERROR(b.bind(m + "D", {e}, l.d));
  MAMBA_RETURN_IF_ERROR(b.bind(m + "out_proj.weight", {d, e}, l.outProj));
  if (c.useBias)
    MAMBA_RETURN_IF_ERROR(b.bind(m + "out_proj.bias", {d}, l.outProjBias));
  return Status::success();
}

/// SplitMix64: tiny, fast, and identical on every platform.
class Rng {
public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, 1) with 24 random bits.
  float uniform() { return static_cast<float>(next() >> 40) * 0x1.0p-24f; }
  float symmetric(float scale) { return (2.0f * uniform() - 1.0f) * scale; }

private:
  uint64_t state_;
};

std::vector<float> randomVector(Rng &rng, int64_t count, float scale) {
  std::vector<float> v(static_cast<size_t>(count));
  for (float &x : v)
    x = rng.symmetric(scale);
  return v;
}

} // namespace

Expected<ModelWeights> bindWeights(const ModelConfig &config,
                                   const SafetensorsFile &file) {
  Status valid = config.validate();
  if (!valid.ok())
    return Status::error("invalid config: " + valid.message());
  Binder b(config, file);
  ModelWeights w;
  w.config = config;

  const TensorInfo *emb = file.find("backbone.embeddings.weight");
  const TensorInfo *embLegacy = file.find("backbone.embedding.weight");
  if (emb && embLegacy)
    return b.error("both 'backbone.embeddings.weight' and "
                   "'backbone.embedding.weight' are present");
  if (!emb && !embLegacy)
    return b.error("missing tensor 'backbone.embeddings.weight' (expected "
                   "shape " +
                   formatShape({config.vocabSize, config.dModel}) + ")");
  MAMBA_RETURN_IF_ERROR(
      b.bindVocabMatrix(emb ? *emb : *embLegacy, w.embeddingRows, w.embedding));

  w.layers.resize(static_cast<size_t>(config.nLayer));
  for (int64_t i = 0; i < config.nLayer; ++i)
    MAMBA_RETURN_IF_ERROR(bindLayer(b, config, i, w.layers[i]));
  MAMBA_RETURN_IF_ERROR(
      b.bind("backbone.norm_f.weight", {config.dModel}, w.normF));

  const TensorInfo *head = file.find("lm_head.weight");
  if (!config.tieWordEmbeddings) {
    if (!head)
      return b.error("missing tensor 'lm_head.weight' (tie_word_embeddings "
                     "is false)");
    int64_t rows = 0;
    MAMBA_RETURN_IF_ERROR(b.bindVocabMatrix(*head, rows, w.lmHead));
  } else if (head) {
    // Some exporters save the tied head anyway; accept only an exact copy.
    std::vector<float> copy;
    int64_t rows = 0;
    MAMBA_RETURN_IF_ERROR(b.bindVocabMatrix(*head, rows, copy));
    if (rows != w.embeddingRows ||
        std::memcmp(copy.data(), w.embedding.data(),
                    copy.size() * sizeof(float)) != 0)
      return b.error("tensor 'lm_head.weight' differs from the embedding but "
                     "tie_word_embeddings is true");
  }

  for (const TensorInfo &t : file.tensors())
    if (!b.isUsed(t.name))
      return b.error("tensor '" + t.name + "' is not used by the config (" +
                     std::to_string(config.nLayer) + " layers, use_bias " +
                     (config.useBias ? "true" : "false") + ", use_conv_bias " +
                     (config.useConvBias ? "true" : "false") + ")");
  return w;
}

Status checkWeightSizes(const ModelWeights &w) {
  const ModelConfig &c = w.config;
  const int64_t d = c.dModel, e = c.dInner(), n = c.dState, r = c.dtRank,
                k = c.dConv;
  auto check = [](const std::vector<float> &v, int64_t expected,
                  const std::string &name) {
    if (static_cast<int64_t>(v.size()) == expected)
      return Status::success();
    return Status::error("weights: '" + name + "' has " +
                         std::to_string(v.size()) + " values, expected " +
                         std::to_string(expected));
  };
  if (static_cast<int64_t>(w.layers.size()) != c.nLayer)
    return Status::error("weights: " + std::to_string(w.layers.size()) +
                         " layers but the config has " +
                         std::to_string(c.nLayer));
  if (w.embeddingRows != c.vocabSize && w.embeddingRows != c.paddedVocabSize())
    return Status::error(
        "weights: embedding has " + std::to_string(w.embeddingRows) +
        " rows, expected vocab_size " + std::to_string(c.vocabSize) + " or " +
        std::to_string(c.paddedVocabSize()));
  MAMBA_RETURN_IF_ERROR(
      check(w.embedding, w.embeddingRows * d, "backbone.embeddings.weight"));
  for (int64_t i = 0; i < c.nLayer; ++i) {
    const LayerWeights &l = w.layers[i];
    const std::string p = "backbone.layers." + std::to_string(i) + ".";
    const std::string m = p + "mixer.";
    MAMBA_RETURN_IF_ERROR(check(l.norm, d, p + "norm.weight"));
    MAMBA_RETURN_IF_ERROR(check(l.inProj, 2 * e * d, m + "in_proj.weight"));
    MAMBA_RETURN_IF_ERROR(
        check(l.inProjBias, c.useBias ? 2 * e : 0, m + "in_proj.bias"));
    MAMBA_RETURN_IF_ERROR(check(l.convWeight, e * k, m + "conv1d.weight"));
    MAMBA_RETURN_IF_ERROR(
        check(l.convBias, c.useConvBias ? e : 0, m + "conv1d.bias"));
    MAMBA_RETURN_IF_ERROR(check(l.xProj, (r + 2 * n) * e, m + "x_proj.weight"));
    MAMBA_RETURN_IF_ERROR(check(l.dtProj, e * r, m + "dt_proj.weight"));
    MAMBA_RETURN_IF_ERROR(check(l.dtBias, e, m + "dt_proj.bias"));
    MAMBA_RETURN_IF_ERROR(check(l.aLog, e * n, m + "A_log"));
    MAMBA_RETURN_IF_ERROR(check(l.d, e, m + "D"));
    MAMBA_RETURN_IF_ERROR(check(l.outProj, d * e, m + "out_proj.weight"));
    MAMBA_RETURN_IF_ERROR(
        check(l.outProjBias, c.useBias ? d : 0, m + "out_proj.bias"));
  }
  MAMBA_RETURN_IF_ERROR(check(w.normF, d, "backbone.norm_f.weight"));
  // An untied head has vocab_size or padded rows (only vocab_size are used).
  if (!c.tieWordEmbeddings &&
      static_cast<int64_t>(w.lmHead.size()) != c.vocabSize * d)
    MAMBA_RETURN_IF_ERROR(
        check(w.lmHead, c.paddedVocabSize() * d, "lm_head.weight"));
  if (c.tieWordEmbeddings)
    MAMBA_RETURN_IF_ERROR(check(w.lmHead, 0, "lm_head.weight"));
  return Status::success();
}

Expected<ModelWeights> loadModelDir(const std::string &dir) {
  auto config = loadModelConfig(dir + "/config.json");
  if (!config.ok())
    return config.status();
  auto file = SafetensorsFile::open(dir + "/model.safetensors");
  if (!file.ok())
    return file.status();
  return bindWeights(*config, *file);
}

ModelWeights makeRandomWeights(const ModelConfig &config, uint64_t seed) {
  const int64_t d = config.dModel, e = config.dInner(), n = config.dState,
                r = config.dtRank, k = config.dConv;
  Rng rng(seed * 0x2545F4914F6CDD1Dull + 1);
  ModelWeights w;
  w.config = config;
  w.embeddingRows = config.paddedVocabSize();
  w.embedding = randomVector(rng, w.embeddingRows * d, 0.1f);
  const float inScale = 1.0f / std::sqrt(static_cast<float>(d));
  const float eScale = 1.0f / std::sqrt(static_cast<float>(e));
  for (int64_t i = 0; i < config.nLayer; ++i) {
    LayerWeights l;
    l.norm.assign(static_cast<size_t>(d), 1.0f);
    l.inProj = randomVector(rng, 2 * e * d, inScale);
    if (config.useBias)
      l.inProjBias = randomVector(rng, 2 * e, 0.02f);
    l.convWeight =
        randomVector(rng, e * k, 1.0f / std::sqrt(static_cast<float>(k)));
    if (config.useConvBias)
      l.convBias = randomVector(rng, e, 0.02f);
    l.xProj = randomVector(rng, (r + 2 * n) * e, eScale);
    l.dtProj =
        randomVector(rng, e * r, 1.0f / std::sqrt(static_cast<float>(r)));
    l.dtBias.resize(static_cast<size_t>(e));
    for (float &bias : l.dtBias) {
      // dt log-uniform in [1e-3, 1e-1]; the bias is softplus^-1(dt).
      double dt = std::exp(std::log(1e-3) + rng.uniform() * std::log(100.0));
      bias = static_cast<float>(dt + std::log(-std::expm1(-dt)));
    }
    l.aLog.resize(static_cast<size_t>(e * n));
    for (int64_t c = 0; c < e; ++c)
      for (int64_t s = 0; s < n; ++s)
        l.aLog[c * n + s] = std::log(static_cast<float>(s + 1));
    l.d.assign(static_cast<size_t>(e), 1.0f);
    l.outProj = randomVector(
        rng, d * e, eScale / std::sqrt(static_cast<float>(config.nLayer)));
    if (config.useBias)
      l.outProjBias = randomVector(rng, d, 0.02f);
    w.layers.push_back(std::move(l));
  }
  w.normF.assign(static_cast<size_t>(d), 1.0f);
  if (!config.tieWordEmbeddings)
    w.lmHead = randomVector(rng, w.embeddingRows * d, 0.1f);
  return w;
}

std::vector<TensorData> weightsToTensors(const ModelWeights &w, DType dtype) {
  const ModelConfig &c = w.config;
  const int64_t d = c.dModel, e = c.dInner(), n = c.dState, r = c.dtRank,
                k = c.dConv;
  std::vector<TensorData> out;
  auto add = [&](std::string name, std::vector<int64_t> shape,
                 const std::vector<float> &values) {
    out.push_back(
        makeTensorData(std::move(name), std::move(shape), values, dtype));
  };
  add("backbone.embeddings.weight", {w.embeddingRows, d}, w.embedding);
  for (int64_t i = 0; i < c.nLayer; ++i) {
    const LayerWeights &l = w.layers[i];
    const std::string p = "backbone.layers." + std::to_string(i) + ".";
    const std::string m = p + "mixer.";
    add(p + "norm.weight", {d}, l.norm);
    add(m + "in_proj.weight", {2 * e, d}, l.inProj);
    if (c.useBias)
      add(m + "in_proj.bias", {2 * e}, l.inProjBias);
    add(m + "conv1d.weight", {e, 1, k}, l.convWeight);
    if (c.useConvBias)
      add(m + "conv1d.bias", {e}, l.convBias);
    add(m + "x_proj.weight", {r + 2 * n, e}, l.xProj);
    add(m + "dt_proj.weight", {e, r}, l.dtProj);
    add(m + "dt_proj.bias", {e}, l.dtBias);
    add(m + "A_log", {e, n}, l.aLog);
    add(m + "D", {e}, l.d);
    add(m + "out_proj.weight", {d, e}, l.outProj);
    if (c.useBias)
      add(m + "out_proj.bias", {d}, l.outProjBias);
  }
  add("backbone.norm_f.weight", {d}, w.normF);
  if (!c.tieWordEmbeddings)
    add("lm_head.weight", {w.embeddingRows, d}, w.lmHead);
  return out;
}

} // namespace mamba

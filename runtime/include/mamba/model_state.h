// The recurrent state of a batch of sequences for a Mamba-1 model: per layer
// the last conv inputs [b, e, k] and the SSM state [b, e, n], in host memory.
#ifndef MAMBA_MODEL_STATE_H
#define MAMBA_MODEL_STATE_H

#include "mamba/model_config.h"

#include <cstdint>
#include <vector>

namespace mamba {

class ModelState {
public:
  ModelState() = default;
  /// Zero state for `batch` sequences (all memory is allocated here).
  ModelState(const ModelConfig &config, int64_t batch);

  int64_t batch() const { return batch_; }
  int64_t numLayers() const { return numLayers_; }
  /// True if this state has the layer count and sizes of `config`.
  bool matches(const ModelConfig &config) const;
  /// Tokens consumed since the last reset (the same for every sequence).
  int64_t position() const { return position_; }
  void advance(int64_t tokens) { position_ += tokens; }

  /// Layer `layer`'s conv inputs, [b, e, k], oldest first along k.
  float *convState(int64_t layer) { return conv_.data() + layer * convSize_; }
  const float *convState(int64_t layer) const {
    return conv_.data() + layer * convSize_;
  }
  /// Layer `layer`'s SSM state h, [b, e, n].
  float *ssmState(int64_t layer) { return ssm_.data() + layer * ssmSize_; }
  const float *ssmState(int64_t layer) const {
    return ssm_.data() + layer * ssmSize_;
  }

  /// Back to the empty prefix; keeps the memory.
  void reset();

private:
  int64_t batch_ = 0;
  int64_t numLayers_ = 0;
  int64_t dInner_ = 0;
  int64_t dState_ = 0;
  int64_t dConv_ = 0;
  int64_t position_ = 0;
  int64_t convSize_ = 0;
  int64_t ssmSize_ = 0;
  std::vector<float> conv_;
  std::vector<float> ssm_;
};

} // namespace mamba

#endif // MAMBA_MODEL_STATE_H

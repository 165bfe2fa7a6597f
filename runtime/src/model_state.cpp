// Allocation and reset of the per-layer recurrent state.
#include "mamba/model_state.h"

#include <algorithm>

namespace mamba {

ModelState::ModelState(const ModelConfig &config, int64_t batch)
    : batch_(batch), numLayers_(config.nLayer), dInner_(config.dInner()),
      dState_(config.dState), dConv_(config.dConv),
      convSize_(batch * config.dInner() * config.dConv),
      ssmSize_(batch * config.dInner() * config.dState),
      conv_(static_cast<size_t>(numLayers_ * convSize_), 0.0f),
      ssm_(static_cast<size_t>(numLayers_ * ssmSize_), 0.0f) {}

bool ModelState::matches(const ModelConfig &config) const {
  return numLayers_ == config.nLayer && dInner_ == config.dInner() &&
         dState_ == config.dState && dConv_ == config.dConv;
}

void ModelState::reset() {
  std::fill(conv_.begin(), conv_.end(), 0.0f);
  std::fill(ssm_.begin(), ssm_.end(), 0.0f);
  position_ = 0;
}

} // namespace mamba

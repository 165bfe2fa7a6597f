// The plan's weights on the host (plan_weights.h).
#include "plan_weights.h"

#include "plan_views.h"

#include <algorithm>
#include <cmath>

namespace mamba::planexec {
namespace {
void applyTransforms(const plan::Weight &w, std::vector<float> &values) {
  for (const std::string &t : w.transforms)
    for (float &v : values)
      v = t == "exp" ? std::exp(v) : -v;
}

/// splitmix64: a stateless hash, so each weight's values depend only on the
/// seed and its name.
uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
} // namespace

Expected<std::vector<std::vector<float>>>
readPlanWeights(const plan::Plan &plan, const SafetensorsFile &file) {
  std::vector<std::vector<float>> weights;
  for (const plan::Weight &w : plan.weights) {
    const TensorInfo *info = file.find(w.name);
    if (!info)
      return Status::error(file.path() + ": missing tensor '" + w.name +
                           "' (the plan needs it with shape " +
                           formatShape(w.shape) + ")");
    if (numel(info->shape) != numel(w.shape))
      return Status::error(file.path() + ": tensor '" + w.name +
                           "': expected shape " + formatShape(w.shape) +
                           ", got " + formatShape(info->shape));
    std::vector<float> values = file.readF32(*info);
    applyTransforms(w, values);
    weights.push_back(std::move(values));
  }
  return weights;
}

std::vector<std::vector<float>> randomPlanWeights(const plan::Plan &plan,
                                                  uint64_t seed) {
  std::vector<std::vector<float>> weights;
  for (const plan::Weight &w : plan.weights) {
    uint64_t state = mix(seed);
    for (char c : w.name)
      state = mix(state ^ static_cast<unsigned char>(c));
    const bool vector = w.shape.size() == 1;
    const float scale = vector
                            ? 0.02f
                            : 1.0f / std::sqrt(static_cast<float>(
                                         std::max<int64_t>(1, w.shape.back())));
    std::vector<float> values(static_cast<size_t>(numel(w.shape)));
    for (float &v : values) {
      state = mix(state);
      float u = static_cast<float>((state >> 40) * 0x1p-24) * 2.0f - 1.0f;
      v = (vector ? 1.0f : 0.0f) + scale * u;
    }
    applyTransforms(w, values);
    weights.push_back(std::move(values));
  }
  return weights;
}

} // namespace mamba::planexec

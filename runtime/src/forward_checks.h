// Input checks shared by the CPU and CUDA executors' forward(): the same bad
// input gets the same message whichever device runs the model.
#ifndef MAMBA_SRC_FORWARD_CHECKS_H
#define MAMBA_SRC_FORWARD_CHECKS_H

#include "mamba/cpu_model.h"
#include "mamba/status.h"

#include <cstdint>
#include <string>

namespace mamba {

/// Checks a forward() call's token block [batch, len], its logits pointer,
/// and that every id lies in [0, vocab).
inline Status checkForwardInputs(const int32_t *tokens, int64_t batch,
                                 int64_t len, int64_t vocab, LogitsMode mode,
                                 const float *logits) {
  if (len <= 0)
    return Status::error("forward needs at least one token per sequence");
  if (mode != LogitsMode::None && !logits)
    return Status::error("logits output is null");
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < len; ++t) {
      int32_t id = tokens[b * len + t];
      if (id < 0 || id >= vocab)
        return Status::error(
            "token id " + std::to_string(id) + " (sequence " +
            std::to_string(b) + ", position " + std::to_string(t) +
            ") is outside the vocabulary of " + std::to_string(vocab));
    }
  return Status::success();
}

} // namespace mamba

#endif // MAMBA_SRC_FORWARD_CHECKS_H

// Helpers shared by the runtime unit tests: scratch files and array compare.
#ifndef MAMBA_TEST_RUNTIME_TEST_UTIL_H
#define MAMBA_TEST_RUNTIME_TEST_UTIL_H

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

namespace mamba::test {

/// A fresh, empty directory under the system temp dir, removed on
/// destruction.
class ScratchDir {
public:
  ScratchDir() {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("mamba-test-" + std::to_string(::getpid()) + "-" +
             std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string &name) const {
    return (path_ / name).string();
  }

private:
  std::filesystem::path path_;
};

inline float maxAbs(const float *a, size_t n) {
  float m = 0.0f;
  for (size_t i = 0; i < n; ++i)
    m = std::max(m, std::fabs(a[i]));
  return m;
}

/// Largest |a - b|; NaN anywhere counts as infinitely different.
inline float maxAbsDiff(const float *a, const float *b, size_t n) {
  float m = 0.0f;
  for (size_t i = 0; i < n; ++i) {
    float d = std::fabs(a[i] - b[i]);
    if (std::isnan(d))
      return INFINITY;
    m = std::max(m, d);
  }
  return m;
}

inline int32_t argmax(const float *a, int64_t n) {
  return static_cast<int32_t>(std::max_element(a, a + n) - a);
}

} // namespace mamba::test

#endif // MAMBA_TEST_RUNTIME_TEST_UTIL_H

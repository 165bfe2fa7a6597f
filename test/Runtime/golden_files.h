// Reading a golden model directory's reference outputs (make_golden.py):
// the prompt, the greedy continuation and transformers' prompt logits.
#ifndef MAMBA_TEST_RUNTIME_GOLDEN_FILES_H
#define MAMBA_TEST_RUNTIME_GOLDEN_FILES_H

#include "mamba/json.h"
#include "mamba/npy.h"

#include <cctype>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <string>
#include <vector>

namespace mamba::test {

struct GoldenFiles {
  std::vector<int32_t> prompt;
  std::vector<int32_t> greedy;
  NpyArray logits; // [prompt, vocab]
};

inline std::string goldenDir(const std::string &name) {
  return std::string(MAMBA_SOURCE_DIR) + "/test/golden/" + name;
}

/// A test named after its golden model ("tiny-tied" -> "tiny_tied"): gtest
/// names take letters, digits and underscores.
inline std::string
goldenTestName(const ::testing::TestParamInfo<const char *> &info) {
  std::string name = info.param;
  for (char &c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)))
      c = '_';
  return name;
}

inline std::vector<int32_t> readIds(const JsonValue *array) {
  std::vector<int32_t> ids;
  if (array && array->isArray())
    for (const JsonValue &v : array->asArray())
      ids.push_back(static_cast<int32_t>(v.asInt()));
  return ids;
}

/// golden.json and prompt_logits.npy of `dir`; failures are test failures.
inline GoldenFiles readGoldenFiles(const std::string &dir) {
  GoldenFiles g;
  std::ifstream in(dir + "/golden.json");
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  auto json = parseJson(text);
  EXPECT_TRUE(json.ok()) << json.status().message();
  if (json.ok()) {
    g.prompt = readIds(json->find("prompt"));
    g.greedy = readIds(json->find("greedy"));
  }
  auto logits = readNpyF32(dir + "/prompt_logits.npy");
  EXPECT_TRUE(logits.ok()) << logits.status().message();
  if (logits.ok())
    g.logits = std::move(logits).value();
  return g;
}

} // namespace mamba::test

#endif // MAMBA_TEST_RUNTIME_GOLDEN_FILES_H

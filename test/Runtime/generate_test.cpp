// generate() on the CPU model: the sequences of a batch sample in parallel,
// each with its own seed (seed + index), so a batch must give every
// sequence exactly the tokens a batch-1 run with that seed gives.
#include "golden_files.h"
#include "mamba/cpu_model.h"
#include "mamba/generate.h"
#include "mamba/weights.h"

#include <gtest/gtest.h>

#include <vector>

namespace {

using namespace mamba;

std::vector<std::vector<TokenId>> run(CpuModel &model, int64_t batch,
                                      uint64_t seed) {
  GenerateOptions options;
  options.batch = batch;
  options.maxNewTokens = 12;
  options.sampling.temperature = 1.5f;
  options.sampling.topP = 0.95f;
  options.sampling.seed = seed;
  std::vector<std::vector<TokenId>> out(batch);
  const std::vector<TokenId> prompt = {18, 41, 56, 3, 21, 58, 62, 36};
  auto stats = generate(model, prompt, options,
                        [&](int64_t b, TokenId t) { out[b].push_back(t); });
  EXPECT_TRUE(stats.ok()) << stats.status().message();
  return out;
}

TEST(Generate, ParallelSamplingMatchesOneSequenceAtATime) {
  auto weights = loadModelDir(test::goldenDir("tiny-tied"));
  ASSERT_TRUE(weights.ok()) << weights.status().message();
  CpuModelOptions options;
  options.maxBatch = 5;
  auto model = CpuModel::create(*weights, options);
  ASSERT_TRUE(model.ok()) << model.status().message();
  const std::vector<std::vector<TokenId>> batched = run(**model, 5, 40);
  for (int64_t b = 0; b < 5; ++b) {
    const std::vector<std::vector<TokenId>> alone =
        run(**model, 1, 40 + static_cast<uint64_t>(b));
    EXPECT_EQ(batched[b], alone[0]) << "sequence " << b;
    EXPECT_EQ(batched[b].size(), 12u);
  }
  // The seeds differ, so the sequences do (12 draws at temperature 1.5).
  EXPECT_NE(batched[0], batched[1]);
}

} // namespace

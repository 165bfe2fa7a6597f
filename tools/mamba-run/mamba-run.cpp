// mamba-run: runs a Mamba language model on the CPU, streaming generated
// text, then reports prefill and decode throughput and peak memory.
#include "ModelSource.h"
#include "RunOptions.h"

#include "mamba/cpu_model.h"
#include "mamba/generate.h"
#include "mamba/npy.h"
#include "mamba/process_memory.h"
#include "mamba/token_stream.h"

#include <cstdio>
#include <iostream>

using namespace mamba;

namespace {
constexpr const char *kDefaultPrompt = "Once upon a time";

int fail(const Status &status) {
  std::fprintf(stderr, "mamba-run: error: %s\n", status.message().c_str());
  return 1;
}

double mib(int64_t bytes) { return static_cast<double>(bytes) / (1 << 20); }

Expected<std::vector<TokenId>> promptTokens(const run::RunOptions &options,
                                            const Tokenizer *tokenizer) {
  if (options.tokens)
    return *options.tokens;
  if (!tokenizer)
    return Status::error("this model's vocabulary has no tokenizer: give the "
                         "prompt as --tokens IDS or pass --tokenizer FILE");
  std::string text = options.prompt.value_or(kDefaultPrompt);
  if (text.empty())
    return Status::error("--prompt is empty: give at least one character");
  return tokenizer->encode(text);
}

void report(const GenerateStats &stats, const run::RunOptions &options,
            const std::string &model, int threads, int64_t startRss) {
  const double prefillTokens =
      static_cast<double>(stats.promptTokens * options.batch);
  std::fprintf(stderr, "\nmodel:   %s, %d thread%s\n", model.c_str(), threads,
               threads == 1 ? "" : "s");
  std::fprintf(stderr,
               "prefill: %lld tokens x %lld sequence%s in %.3f s = %.1f "
               "tokens/s\n",
               static_cast<long long>(stats.promptTokens),
               static_cast<long long>(options.batch),
               options.batch == 1 ? "" : "s", stats.prefillSeconds,
               prefillTokens / stats.prefillSeconds);
  if (stats.decodeSteps > 0)
    std::fprintf(stderr,
                 "decode:  %lld steps x %lld sequence%s in %.3f s = %.1f "
                 "tokens/s\n",
                 static_cast<long long>(stats.decodeSteps),
                 static_cast<long long>(options.batch),
                 options.batch == 1 ? "" : "s", stats.decodeSeconds,
                 static_cast<double>(stats.decodeSteps * options.batch) /
                     stats.decodeSeconds);
  std::fprintf(stderr, "memory:  RSS %.1f MiB at start, %.1f MiB at end, "
                       "peak %.1f MiB\n",
               mib(startRss), mib(currentRssBytes()), mib(peakRssBytes()));
}
} // namespace

int main(int argc, char **argv) {
  const int64_t startRss = currentRssBytes();
  Expected<run::RunOptions> parsed = run::parseRunOptions(argc, argv);
  if (!parsed.ok())
    return fail(parsed.status());
  const run::RunOptions &options = parsed.value();
  if (options.showHelp) {
    std::cout << run::usage();
    return 0;
  }
  if (options.showVersion) {
    std::cout << "mamba-run " MAMBA_VERSION "\n";
    return 0;
  }

  Expected<run::LoadedModel> loaded = run::loadModel(options);
  if (!loaded.ok())
    return fail(loaded.status());
  const Tokenizer *tokenizer = loaded.value().tokenizer.get();
  Expected<std::vector<TokenId>> prompt = promptTokens(options, tokenizer);
  if (!prompt.ok())
    return fail(prompt.status());
  const std::string description = loaded.value().description;

  CpuModelOptions modelOptions;
  modelOptions.numThreads = options.threads;
  modelOptions.maxBatch = options.batch;
  modelOptions.maxChunk = options.prefillChunk;
  auto model =
      CpuModel::create(std::move(loaded.value().weights), modelOptions);
  if (!model.ok())
    return fail(model.status());

  GenerateOptions generation;
  generation.maxNewTokens = options.newTokens;
  generation.batch = options.batch;
  generation.prefillChunk = options.prefillChunk;
  generation.sampling = options.sampling;
  if (tokenizer && !options.ignoreEos)
    generation.eos = tokenizer->eosId();

  // Only sequence 0 is printed; the others run for throughput.
  std::optional<TokenStreamDecoder> stream;
  if (tokenizer) {
    stream.emplace(*tokenizer, /*skipSpecial=*/true);
    std::cout << tokenizer->decode(prompt.value(), /*skipSpecial=*/true)
              << std::flush;
  }
  auto onToken = [&](int64_t sequence, TokenId token) {
    if (sequence != 0)
      return;
    if (stream)
      std::cout << stream->push(token) << std::flush;
    else
      std::cout << token << ' ' << std::flush;
  };
  std::vector<float> logits;
  Expected<GenerateStats> stats =
      generate(*model.value(), prompt.value(), generation, onToken,
               options.logitsOut ? &logits : nullptr);
  if (stream)
    std::cout << stream->flush();
  std::cout << std::endl;
  if (!stats.ok())
    return fail(stats.status());

  if (options.logitsOut) {
    const int64_t vocab = model.value()->vocabSize();
    const int64_t rows = static_cast<int64_t>(prompt.value().size());
    if (Status s = writeNpyF32(*options.logitsOut, logits.data(), {rows, vocab});
        !s.ok())
      return fail(s);
  }
  report(stats.value(), options, description, model.value()->numThreads(),
         startRss);
  return 0;
}

// mamba-run: runs a Mamba language model on the CPU or a CUDA GPU, streaming
// generated text, then reports prefill and decode throughput and peak memory.
#include "ModelSource.h"
#include "RunOptions.h"

#include "mamba/bundle.h"
#include "mamba/cpu_model.h"
#ifdef MAMBA_HAS_CUDA
#include "mamba/cuda_model.h"
#include "mamba/cuda_plan_model.h"
#endif
#include "mamba/generate.h"
#include "mamba/npy.h"
#include "mamba/plan_model.h"
#include "mamba/process_memory.h"
#include "mamba/token_stream.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
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
            const std::string &model, const std::string &where,
            int64_t startRss) {
  const double prefillTokens =
      static_cast<double>(stats.promptTokens * options.batch);
  std::fprintf(stderr, "\nmodel:   %s, %s\n", model.c_str(), where.c_str());
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
  std::fprintf(stderr,
               "memory:  RSS %.1f MiB at start, %.1f MiB at end, "
               "peak %.1f MiB\n",
               mib(startRss), mib(currentRssBytes()), mib(peakRssBytes()));
}

/// Generation with `model` (CpuModel or CudaModel): streams sequence 0's
/// text (the others' follow with --print-all), writes the prompt logits if
/// asked, then the report.
template <class Model>
int runGeneration(Model &model, const run::RunOptions &options,
                  const Tokenizer *tokenizer,
                  const std::vector<TokenId> &promptIds,
                  const std::string &description, const std::string &where,
                  int64_t startRss) {
  GenerateOptions generation;
  generation.maxNewTokens = options.newTokens;
  generation.batch = options.batch;
  generation.prefillChunk = options.prefillChunk;
  generation.sampling = options.sampling;
  if (tokenizer && !options.ignoreEos)
    generation.eos = tokenizer->eosId();

  if (Status s = checkGenerateInputs(model, promptIds, generation); !s.ok())
    return fail(s);

  // Sequence 0 streams; the others run for throughput, and with
  // --print-all are kept and printed when generation ends.
  const bool text = tokenizer && !options.printIds;
  std::optional<TokenStreamDecoder> stream;
  if (text) {
    stream.emplace(*tokenizer, /*skipSpecial=*/true);
    std::cout << tokenizer->decode(promptIds, /*skipSpecial=*/true)
              << std::flush;
  }
  std::vector<std::vector<TokenId>> others(
      options.printAll ? static_cast<size_t>(options.batch) : 0);
  auto onToken = [&](int64_t sequence, TokenId token) {
    if (sequence != 0) {
      if (options.printAll)
        others[sequence].push_back(token);
      return;
    }
    if (stream)
      std::cout << stream->push(token) << std::flush;
    else
      std::cout << token << ' ' << std::flush;
  };
  std::vector<float> logits;
  Expected<GenerateStats> stats =
      generate(model, promptIds, generation, onToken,
               options.logitsOut ? &logits : nullptr);
  if (stream)
    std::cout << stream->flush();
  std::cout << std::endl;
  if (!stats.ok())
    return fail(stats.status());
  for (size_t b = 1; b < others.size(); ++b) {
    std::cout << '[' << b << "] ";
    if (text) {
      // Decoded as sequence 0 was, so the same tokens print the same text.
      TokenStreamDecoder decoder(*tokenizer, /*skipSpecial=*/true);
      std::cout << tokenizer->decode(promptIds, /*skipSpecial=*/true);
      for (TokenId t : others[b])
        std::cout << decoder.push(t);
      std::cout << decoder.flush();
    } else {
      for (TokenId t : others[b])
        std::cout << t << ' ';
    }
    std::cout << '\n';
  }
  std::cout << std::flush;

  if (options.logitsOut) {
    const int64_t vocab = model.vocabSize();
    const int64_t rows = static_cast<int64_t>(promptIds.size());
    if (Status s =
            writeNpyF32(*options.logitsOut, logits.data(), {rows, vocab});
        !s.ok())
      return fail(s);
  }
  report(stats.value(), options, description, where, startRss);
  return 0;
}
/// A plan's model: random weights with --random-weights, else the weights
/// file the plan came with (or --weights).
template <class Model, class Options>
Expected<std::unique_ptr<Model>> createPlanModel(run::LoadedModel &loaded,
                                                 const run::RunOptions &options,
                                                 const Options &modelOptions) {
  if (options.randomWeights)
    return Model::createRandom(std::move(*loaded.plan), *options.randomWeights,
                               modelOptions);
  Expected<SafetensorsFile> file = SafetensorsFile::open(loaded.planWeights);
  if (!file.ok())
    return file.status();
  return Model::create(std::move(*loaded.plan), file.value(), modelOptions);
}

#ifdef MAMBA_HAS_CUDA
void printKernelReport(const CudaKernelReport &k) {
  std::fprintf(stderr, "kernels: %s in %.1f ms (%zu bytes of CUDA C, %s)\n",
               k.cacheHit ? "loaded from the cache" : "compiled by NVRTC",
               k.seconds * 1e3, k.sourceBytes,
               k.cachePath.empty() ? "no cache" : k.cachePath.c_str());
}

/// A package, spec or executable on the GPU: CudaPlanModel.
int runPlanOnGpu(run::LoadedModel &loaded, const run::RunOptions &options,
                 const Tokenizer *tokenizer, const std::vector<TokenId> &prompt,
                 const std::string &description, int64_t startRss) {
  if (options.dtype != "f32")
    return fail(Status::error("--dtype " + options.dtype +
                              ": packages and specs run in f32 on the GPU"));
  CudaPlanModelOptions modelOptions;
  modelOptions.maxBatch = options.batch;
  modelOptions.maxChunk = options.prefillChunk;
  auto model = createPlanModel<CudaPlanModel>(loaded, options, modelOptions);
  if (!model.ok())
    return fail(model.status());
  const CudaKernelReport &k = model.value()->kernelReport();
  printKernelReport(k);
  return runGeneration(*model.value(), options, tokenizer, prompt, description,
                       k.deviceName + " (" + k.arch + "), execution plan",
                       startRss);
}
#endif

/// A package, spec or executable: PlanModel on the CPU, CudaPlanModel on
/// the GPU.
int runPlan(run::LoadedModel &loaded, const run::RunOptions &options,
            const Tokenizer *tokenizer, const std::vector<TokenId> &prompt,
            const std::string &description, int64_t startRss) {
  if (options.device == "cuda") {
#ifdef MAMBA_HAS_CUDA
    return runPlanOnGpu(loaded, options, tokenizer, prompt, description,
                        startRss);
#else
    return fail(Status::error("--device cuda: this mamba-run was built "
                              "without CUDA (no CUDA toolkit at build time)"));
#endif
  }
  CpuModelOptions modelOptions;
  modelOptions.numThreads = options.threads;
  modelOptions.maxBatch = options.batch;
  modelOptions.maxChunk = options.prefillChunk;
  auto model = createPlanModel<PlanModel>(loaded, options, modelOptions);
  if (!model.ok())
    return fail(model.status());
  const int threads = model.value()->numThreads();
  return runGeneration(*model.value(), options, tokenizer, prompt, description,
                       std::to_string(threads) + " thread" +
                           (threads == 1 ? "" : "s") + ", execution plan",
                       startRss);
}
/// The directory an executable built by mamba-compile --emit=executable
/// extracted its package into; removed at exit.
struct EmbeddedModel {
  std::string dir;
  ~EmbeddedModel() {
    if (!dir.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  }
};
} // namespace

int main(int argc, char **argv) {
  const int64_t startRss = currentRssBytes();
  Expected<run::RunOptions> parsed = run::parseRunOptions(argc, argv);
  if (!parsed.ok())
    return fail(parsed.status());
  run::RunOptions &options = parsed.value();

  EmbeddedModel embedded;
  const char *tmp = std::getenv("TMPDIR");
  Expected<std::string> dir =
      bundle::extractPackage("/proc/self/exe", tmp && *tmp ? tmp : "/tmp");
  if (!dir.ok())
    return fail(dir.status());
  embedded.dir = dir.value();
  if (!embedded.dir.empty()) {
    if (!options.model.empty())
      return fail(Status::error("this executable runs the model built into "
                                "it; it takes no MODEL argument (got '" +
                                options.model + "')"));
    options.model = embedded.dir;
    options.embeddedModel = true;
  }
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

  if (loaded.value().plan)
    return runPlan(loaded.value(), options, tokenizer, prompt.value(),
                   description, startRss);

  if (options.device == "cuda") {
#ifdef MAMBA_HAS_CUDA
    CudaModelOptions cudaOptions;
    cudaOptions.maxBatch = options.batch;
    cudaOptions.maxChunk = options.prefillChunk;
    cudaOptions.weightType = options.dtype == "bf16" ? DType::BF16 : DType::F32;
    cudaOptions.deterministicDecode = options.deterministic;
    auto model = CudaModel::create(loaded.value().weights, cudaOptions);
    if (!model.ok())
      return fail(model.status());
    const CudaKernelReport &k = model.value()->kernelReport();
    printKernelReport(k);
    return runGeneration(
        *model.value(), options, tokenizer, prompt.value(), description,
        k.deviceName + " (" + k.arch + "), " + options.dtype + " weights",
        startRss);
#else
    return fail(Status::error("--device cuda: this mamba-run was built "
                              "without CUDA (no CUDA toolkit at build time)"));
#endif
  }
  CpuModelOptions modelOptions;
  modelOptions.numThreads = options.threads;
  modelOptions.maxBatch = options.batch;
  modelOptions.maxChunk = options.prefillChunk;
  auto model =
      CpuModel::create(std::move(loaded.value().weights), modelOptions);
  if (!model.ok())
    return fail(model.status());

  const int threads = model.value()->numThreads();
  return runGeneration(
      *model.value(), options, tokenizer, prompt.value(), description,
      std::to_string(threads) + " thread" + (threads == 1 ? "" : "s"),
      startRss);
}

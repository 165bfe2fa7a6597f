// Parses mamba-run's flags: `--flag value` and `--flag=value`, numbers
// checked in full (no trailing garbage, no overflow), ranges checked here.
#include "RunOptions.h"

#include <cerrno>
#include <cstdlib>
#include <limits>

namespace mamba::run {
namespace {
Expected<int64_t> parseInt(const std::string &flag, const std::string &text) {
  errno = 0;
  char *end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE)
    return Status::error(flag + " expects an integer, got '" + text + "'");
  return static_cast<int64_t>(v);
}

Expected<float> parseFloat(const std::string &flag, const std::string &text) {
  errno = 0;
  char *end = nullptr;
  float v = std::strtof(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno == ERANGE)
    return Status::error(flag + " expects a number, got '" + text + "'");
  return v;
}

Expected<std::vector<int32_t>> parseTokenList(const std::string &flag,
                                              const std::string &text) {
  std::vector<int32_t> ids;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    std::string item =
        text.substr(pos, comma == std::string::npos ? comma : comma - pos);
    Expected<int64_t> v = parseInt(flag, item);
    if (!v.ok())
      return Status::error(flag + " expects comma-separated token ids, got '" +
                           text + "'");
    if (v.value() < std::numeric_limits<int32_t>::min() ||
        v.value() > std::numeric_limits<int32_t>::max())
      return Status::error(flag + ": token id " + item + " is out of range");
    ids.push_back(static_cast<int32_t>(v.value()));
    if (comma == std::string::npos)
      break;
    pos = comma + 1;
  }
  return ids;
}

/// Checks `value` >= `min` for the named flag.
Status atLeast(const std::string &flag, int64_t value, int64_t min) {
  if (value >= min)
    return Status::success();
  return Status::error(flag + " must be >= " + std::to_string(min) + ", got " +
                       std::to_string(value));
}
} // namespace

std::string usage() {
  return R"(USAGE: mamba-run [MODEL] [options]

Runs a Mamba language model on the CPU or a CUDA GPU: prefill of the
prompt, then recurrent decoding, streaming the text as it is generated,
then prints prefill and decode throughput and peak memory.

MODEL is a Hugging Face model directory (config.json + model.safetensors,
and tokenizer.json if it has one; a Mamba-2 one is planned with
mamba-compile, as a spec is), a config.json file, a stock shape name
(mamba-130m, mamba-370m, mamba-790m, mamba-1.4b, mamba-2.8b) to use with
--random-weights, a model package from `mamba-compile --emit=package`
(a directory with plan.json), or a model spec (.ssm), which mamba-run
plans with mamba-compile first (found next to mamba-run, or $MAMBA_COMPILE).
Packages, specs and executables run through the execution plan, on the
CPU or (--device cuda) on the GPU. Without
MODEL, the embedded default model runs: the Mamba-1 130m shape with random
weights (seed 0) and the GPT-NeoX tokenizer.

Input (one of):
  --prompt TEXT            text to encode with the model's tokenizer
  --tokens IDS             comma-separated token ids, e.g. 510,1182,273
Generation:
  -n, --new-tokens N       tokens to generate per sequence (default 32;
                           0 runs the prompt only)
  --temperature T          0 = greedy (default 0)
  --top-k K                keep the K most likely tokens (0 = all)
  --top-p P                nucleus sampling, P in (0, 1] (default 1)
  --min-p P                drop tokens below P x the top probability
  --repetition-penalty R   > 0; 1 = off (default 1)
  --seed S                 sampling seed (default 0)
  --ignore-eos             keep generating after the end-of-text token
Model:
  --random-weights SEED    deterministic random weights of MODEL's shape
  --weights FILE           the .safetensors weights of a spec or package
  --tokenizer FILE         a Hugging Face tokenizer.json to use
Execution:
  --device cpu|cuda        where the model runs (default cpu); cuda compiles
                           its kernels with NVRTC on first use and keeps
                           them in $MAMBA_CACHE_DIR (default ~/.cache/mamba)
  --dtype f32|bf16         weights on the GPU (default f32); BF16 halves
                           weight memory and traffic, accumulating in F32
                           (plans run in f32)
  --deterministic          GPU decode sums in a fixed order, so every run
                           gives the same bits (slower at batch <= 4; the
                           CPU and plans always do)
  --threads T              worker threads (default: all cores)
  --batch B                decode B sequences of the same prompt together
  --prefill-chunk C        prompt tokens per prefill pass (default 256)
Output:
  --logits-out FILE.npy    write the prompt's logits, float32
                           [prompt tokens, vocab_size]
  --print-ids              print generated token ids, not text (the
                           default for models without a tokenizer)
  --print-all              with --batch B, also print sequences 1..B-1
                           when generation ends, each from a new line
                           that starts with "[i] " (sequence 0 streams)
  --help, --version
)";
}

Expected<RunOptions> parseRunOptions(int argc, char **argv) {
  RunOptions o;
  o.sampling.temperature = 0.0f; // greedy unless asked otherwise
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string flag = arg, value;
    bool hasInlineValue = false;
    if (arg.rfind("--", 0) == 0) {
      size_t eq = arg.find('=');
      if (eq != std::string::npos) {
        flag = arg.substr(0, eq);
        value = arg.substr(eq + 1);
        hasInlineValue = true;
      }
    }
    auto takeValue = [&]() -> Expected<std::string> {
      if (hasInlineValue)
        return value;
      if (i + 1 >= argc)
        return Status::error(flag + " expects a value");
      return std::string(argv[++i]);
    };
    auto isFlag = [&](std::initializer_list<const char *> names) {
      for (const char *n : names)
        if (flag == n)
          return true;
      return false;
    };

    if (isFlag({"--help", "-h"})) {
      o.showHelp = true;
      continue;
    }
    if (isFlag({"--version"})) {
      o.showVersion = true;
      continue;
    }
    if (isFlag({"--ignore-eos"})) {
      o.ignoreEos = true;
      continue;
    }
    if (isFlag({"--print-ids"})) {
      o.printIds = true;
      continue;
    }
    if (isFlag({"--print-all"})) {
      o.printAll = true;
      continue;
    }
    if (isFlag({"--deterministic"})) {
      o.deterministic = true;
      continue;
    }
    if (flag.size() > 1 && flag[0] == '-') {
      Expected<std::string> v = takeValue();
      if (!v.ok())
        return v.status();
      const std::string &text = v.value();
      if (isFlag({"--prompt"})) {
        o.prompt = text;
      } else if (isFlag({"--tokens"})) {
        Expected<std::vector<int32_t>> ids = parseTokenList(flag, text);
        if (!ids.ok())
          return ids.status();
        o.tokens = ids.value();
      } else if (isFlag({"--tokenizer"})) {
        o.tokenizer = text;
      } else if (isFlag({"--weights"})) {
        o.weights = text;
      } else if (isFlag({"--logits-out"})) {
        o.logitsOut = text;
      } else if (isFlag({"--device"})) {
        if (text != "cpu" && text != "cuda")
          return Status::error("--device expects cpu or cuda, got '" + text +
                               "'");
        o.device = text;
      } else if (isFlag({"--dtype"})) {
        if (text != "f32" && text != "bf16")
          return Status::error("--dtype expects f32 or bf16, got '" + text +
                               "'");
        o.dtype = text;
      } else if (isFlag({"-n", "--new-tokens", "--n-predict"}) ||
                 isFlag({"--batch", "--prefill-chunk", "--threads", "--top-k",
                         "--seed", "--random-weights"})) {
        Expected<int64_t> n = parseInt(flag, text);
        if (!n.ok())
          return n.status();
        int64_t x = n.value();
        Status range;
        if (isFlag({"-n", "--new-tokens", "--n-predict"})) {
          range = atLeast(flag, x, 0);
          o.newTokens = x;
        } else if (isFlag({"--batch"})) {
          range = atLeast(flag, x, 1);
          o.batch = x;
        } else if (isFlag({"--prefill-chunk"})) {
          range = atLeast(flag, x, 1);
          o.prefillChunk = x;
        } else if (isFlag({"--threads"})) {
          range = atLeast(flag, x, 1);
          o.threads = static_cast<int>(x);
        } else if (isFlag({"--top-k"})) {
          range = atLeast(flag, x, 0);
          o.sampling.topK = static_cast<int>(x);
        } else if (isFlag({"--seed"})) {
          range = atLeast(flag, x, 0);
          o.sampling.seed = static_cast<uint64_t>(x);
        } else {
          range = atLeast(flag, x, 0);
          o.randomWeights = static_cast<uint64_t>(x);
        }
        if (!range.ok())
          return range;
      } else if (isFlag({"--temperature", "--top-p", "--min-p",
                         "--repetition-penalty"})) {
        Expected<float> f = parseFloat(flag, text);
        if (!f.ok())
          return f.status();
        if (flag == "--temperature")
          o.sampling.temperature = f.value();
        else if (flag == "--top-p")
          o.sampling.topP = f.value();
        else if (flag == "--min-p")
          o.sampling.minP = f.value();
        else
          o.sampling.repetitionPenalty = f.value();
      } else {
        return Status::error("unknown option '" + flag +
                             "' (see mamba-run --help)");
      }
      continue;
    }
    if (!o.model.empty())
      return Status::error("more than one MODEL given: '" + o.model +
                           "' and '" + arg + "'");
    o.model = arg;
  }
  if (o.prompt && o.tokens)
    return Status::error("give either --prompt or --tokens, not both");
  if (o.dtype != "f32" && o.device != "cuda")
    return Status::error("--dtype " + o.dtype +
                         " needs --device cuda (the CPU runs in f32)");
  if (o.deterministic && o.device != "cuda")
    return Status::error("--deterministic needs --device cuda (the CPU always "
                         "sums in a fixed order)");
  if (Status s = validate(o.sampling); !s.ok())
    return s;
  return o;
}

} // namespace mamba::run

#!/usr/bin/env bash
# Long-run memory checks of mamba-run (a script, not a timed test):
#  (a) decode 100 000 tokens: the RSS at the end may exceed the RSS after the
#      first few tokens by at most DECODE_MARGIN_KIB;
#  (b) prefill a 65 536-token prompt with --prefill-chunk 512: the peak RSS
#      may exceed that of a 16-token prompt by at most PREFILL_MARGIN_KIB,
#      and is set against a one-shot prefill's peak (--prefill-chunk 65536).
# Model: d_model 256, 4 layers, vocab 512 (byte tokenizer), random weights.
# Writes bench/results/long-run-<date>.md; exits 1 if a check fails.
# Usage: scripts/long-run.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-bench}
decode_tokens=${DECODE_TOKENS:-100000}
prompt_tokens=${PROMPT_TOKENS:-65536}
decode_margin_kib=${DECODE_MARGIN_KIB:-1024}
prefill_margin_kib=${PREFILL_MARGIN_KIB:-16384}

cmake -S . -B "$build" -G Ninja -DMAMBA_BUILD_COMPILER=OFF >/dev/null
cmake --build "$build" --target mamba-run
run="$build/bin/mamba-run"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/config.json" <<'JSON'
{"model_type": "mamba", "hidden_size": 256, "num_hidden_layers": 4,
 "vocab_size": 512}
JSON
model="$work/config.json"
common=(--random-weights 1 --threads 2)

# mamba-run's report line "memory:  RSS A MiB at start, B MiB at end, peak C
# MiB": prints field $1 (start, end or peak) in KiB.
rss_kib() {
  awk -v which="$1" '/^memory:/ {
      for (i = 1; i <= NF; ++i) {
        if ($i == "start," && which == "start") v = $(i - 3)
        if ($i == "end," && which == "end") v = $(i - 3)
        if ($i == "peak" && which == "peak") v = $(i + 1)
      }
      printf "%d\n", v * 1024 }' "$2"
}

# Runs mamba-run with stdout discarded, sampling its VmRSS (KiB) every
# 0.2 s into $1.samples; the report goes to $1.
run_sampled() {
  local log=$1
  shift
  "$run" "$@" >/dev/null 2>"$log" &
  local pid=$!
  : >"$log.samples"
  while kill -0 "$pid" 2>/dev/null; do
    awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null \
      >>"$log.samples" || true
    sleep 0.2
  done
  wait "$pid"
}

status=0
result() { # name, ok (0/1), detail
  if [[ "$2" == 0 ]]; then echo "PASS: $1: $3"; else echo "FAIL: $1: $3"; status=1; fi
}

# (a) decode.
decode_cmd=("$run" "$model" "${common[@]}" --prompt "Once upon a time"
            --ignore-eos -n "$decode_tokens")
"$run" "$model" "${common[@]}" --prompt "Once upon a time" --ignore-eos \
  -n 16 >/dev/null 2>"$work/short.log"
run_sampled "$work/decode.log" "$model" "${common[@]}" \
  --prompt "Once upon a time" --ignore-eos -n "$decode_tokens"
early_kib=$(rss_kib end "$work/short.log")
end_kib=$(rss_kib end "$work/decode.log")
growth=$((end_kib - early_kib))
samples=$(awk 'NR == 1 {first = $1} {last = $1; if ($1 > max) max = $1}
  END {printf "%d samples: first %d KiB, last %d KiB, max %d KiB", NR, first, last, max}' \
  "$work/decode.log.samples")
decode_ok=$((growth > decode_margin_kib))
decode_verdict=$(result "decode $decode_tokens tokens" "$decode_ok" \
  "end RSS $end_kib KiB vs $early_kib KiB after 16 tokens: $(printf '%+d' "$growth") KiB (limit +$decode_margin_kib KiB)")

# (b) long prefill. The byte tokenizer gives one token per character.
prompt='the quick brown fox jumps over the lazy dog '
while ((${#prompt} < prompt_tokens)); do prompt+=$prompt; done
prompt=${prompt:0:prompt_tokens}
prefill_cmd=("$run" "$model" "${common[@]}" --prompt "<$prompt_tokens characters>"
             --prefill-chunk 512 -n 1)
"$run" "$model" "${common[@]}" --prompt "${prompt:0:16}" --prefill-chunk 512 \
  -n 1 >/dev/null 2>"$work/prefill-short.log"
run_sampled "$work/prefill.log" "$model" "${common[@]}" --prompt "$prompt" \
  --prefill-chunk 512 -n 1
run_sampled "$work/oneshot.log" "$model" "${common[@]}" --prompt "$prompt" \
  --prefill-chunk "$prompt_tokens" -n 1
short_peak=$(rss_kib peak "$work/prefill-short.log")
chunked_peak=$(rss_kib peak "$work/prefill.log")
oneshot_peak=$(rss_kib peak "$work/oneshot.log")
prefill_tokens=$(awk '/^prefill:/ {print $2}' "$work/prefill.log")
prefill_ok=0
if (( chunked_peak - short_peak > prefill_margin_kib )) ||
   [[ "$prefill_tokens" != "$prompt_tokens" ]]; then
  prefill_ok=1
fi
prefill_verdict=$(result "prefill $prefill_tokens tokens, chunk 512" \
  "$prefill_ok" \
  "peak RSS $chunked_peak KiB vs $short_peak KiB for 16 tokens: $(printf '%+d' $((chunked_peak - short_peak))) KiB (limit +$prefill_margin_kib KiB); one-shot prefill peaks at $oneshot_peak KiB")

mkdir -p bench/results
date=$(date +%F)
out="bench/results/long-run-$date.md"
{
  echo "# Long runs: memory over 100 000 decoded tokens and a 65 536-token prefill ($date)"
  echo
  bash scripts/bench-machine.sh
  echo "- command: \`scripts/long-run.sh $build\`; model: \`config.json\` with"
  echo "  d_model 256, 4 layers, vocab 512 (byte tokenizer), random weights seed 1"
  echo
  echo "## (a) Decode"
  echo
  echo "\`${decode_cmd[*]}\`"
  echo
  echo '```'
  cat "$work/decode.log"
  echo "VmRSS sampled every 0.2 s: $samples"
  echo "after 16 tokens (same command, -n 16): $(grep '^memory:' "$work/short.log")"
  echo "$decode_verdict"
  echo '```'
  echo
  echo "## (b) Chunked prefill"
  echo
  echo "\`${prefill_cmd[*]}\` (prompt: the pangram repeated to $prompt_tokens characters)"
  echo
  echo '```'
  cat "$work/prefill.log"
  echo "16-token prompt, same flags: $(grep '^memory:' "$work/prefill-short.log")"
  echo "one-shot (--prefill-chunk $prompt_tokens): $(grep -E '^(prefill|memory):' "$work/oneshot.log" | tr '\n' ' ')"
  echo "$prefill_verdict"
  echo '```'
} >"$out"
cat "$out"
echo "wrote $out" >&2
exit "$status"

#!/usr/bin/env bash
# Whole-model CPU benchmark: Mamba-1 130m and 370m shapes with random F32
# weights on 2 threads. Prefill 512/2048 and decode 128 tokens/s (medians),
# peak RSS, and the decode roofline against the read bandwidth measured in
# the same process; writes the table to bench/results/cpu-<date>.md.
# Usage: scripts/bench-cpu.sh [build-dir] [extra model_bench flags]
# Environment: SHAPES (default "130m 370m"), REPS (default 5), THREADS (2),
# PLAN_COMPILER (a mamba-compile: each shape also runs as an execution plan
# of its stock spec, models/mamba-SHAPE.ssm, on the plan executor).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-bench}
shift || true
shapes=${SHAPES:-130m 370m}
reps=${REPS:-5}
threads=${THREADS:-2}

cmake -S . -B "$build" -G Ninja -DMAMBA_BUILD_COMPILER=OFF >/dev/null
cmake --build "$build" --target model_bench

mkdir -p bench/results
date=$(date +%F)
out="bench/results/cpu-$date${PLAN_COMPILER:+-plan}.md"
bench="$build/bin/model_bench"
machine=$(bash scripts/bench-machine.sh)
table=$("$bench" --header)
for shape in $shapes; do
  echo "== $shape" >&2
  row=$("$bench" "$shape" --threads "$threads" --reps "$reps" "$@")
  table+=$'\n'"$row"
  if [[ -n "${PLAN_COMPILER:-}" ]]; then
    plan="$build/mamba-$shape.plan.json"
    "$PLAN_COMPILER" "models/mamba-$shape.ssm" --emit=plan -o "$plan"
    row=$("$bench" "$shape" --plan "$plan" --threads "$threads" \
      --reps "$reps" "$@")
    table+=$'\n'"$row"
  fi
done

# llama.cpp's figures from ../shared/REFERENCE.md (130m, F32, 2 threads),
# measured on another machine of this kind with ~75 GB/s read bandwidth.
llama_pp512=350
llama_pp2048=351
llama_tg128=64.5
llama_fraction=44
row130=$(grep '^| 130m ' <<<"$table" || true)
comparison=""
if [[ -n "$row130" ]]; then
  IFS='|' read -r _ _ pp512 pp2048 tg _ _ bw roof frac _ <<<"$row130"
  first() { awk '{print $1}' <<<"$1"; } # the median of "median (best)"
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
  comparison=$(cat <<EOT
| 130m, F32, 2 threads | prefill 512 tok/s | prefill 2048 tok/s | decode tok/s | of decode roofline |
|---|---|---|---|---|
| ours (this machine, ${bw// /} GB/s measured) |${pp512}|${pp2048}|${tg}|${frac% } of ${roof// /} tok/s |
| llama.cpp (REFERENCE.md; another machine, ~75 GB/s) | $llama_pp512 | $llama_pp2048 | $llama_tg128 | ${llama_fraction}% of ~145 tok/s |
| ours / llama.cpp (medians) | $(ratio "$(first "$pp512")" $llama_pp512) | $(ratio "$(first "$pp2048")" $llama_pp2048) | $(ratio "$(first "$tg")" $llama_tg128) | |
EOT
)
fi

{
  echo "# CPU whole-model benchmark ($date)"
  echo
  echo "$machine"
  echo "- command: \`SHAPES=\"$shapes\" REPS=$reps THREADS=$threads scripts/bench-cpu.sh $build $*\`"
  echo "  (per shape: \`$bench SHAPE --threads $threads --reps $reps $*\`)"
  echo "- random F32 weights (seed 0), batch 1; prefill = one forward() over"
  echo "  a random prompt from a fresh state, prefill chunk 512; decode = 128"
  echo "  greedy steps after a one-token prompt; cells are \"median (best)\""
  echo "  of $reps repetitions (best = least disturbed by other processes)"
  echo "- weights read/token: every weight matrix and vector once, the tied"
  echo "  head (vocab x d_model) in full, one embedding row, F32; decode"
  echo "  roofline = read bandwidth / that; read bandwidth = best of 10 sums"
  echo "  of a 1 GiB buffer on $threads threads, measured in the same process"
  echo "  right after the model figures (a fraction above 100% means the"
  echo "  host's bandwidth changed between the decode and the probe)"
  if [[ -n "${PLAN_COMPILER:-}" ]]; then
    echo "- \"(plan)\" rows: the stock spec planned by mamba-compile and run"
    echo "  by the plan executor (PlanModel): the runtime's kernels, except the"
    echo "  prefill convolutions, which call the Halide backend's kernel; its"
    echo "  random weights differ from the built-in executor's, which does not"
    echo "  change the work done; the command adds PLAN_COMPILER=$PLAN_COMPILER"
  fi
  echo
  echo "$table"
  if [[ -n "$comparison" ]]; then
    echo
    echo "Next to llama.cpp (figures from REFERENCE.md, measured on another"
    echo "machine of this kind with AVX-512 and ~75 GB/s read bandwidth, so"
    echo "compare the roofline fractions rather than the raw decode rate when"
    echo "the bandwidths differ):"
    echo
    echo "$comparison"
  fi
} >"$out"
cat "$out"
echo "wrote $out" >&2

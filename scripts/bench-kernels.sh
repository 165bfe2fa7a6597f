#!/usr/bin/env bash
# Builds and runs the CPU kernel benchmarks (each kernel next to its scalar
# loop), then writes the optimized/scalar table to bench/results/.
# Usage: scripts/bench-kernels.sh [build-dir] [extra cpu_kernels_bench flags]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-bench}
shift || true
reps=${REPS:-5}

cmake -S . -B "$build" -G Ninja -DMAMBA_BUILD_COMPILER=OFF >/dev/null
cmake --build "$build" --target cpu_kernels_bench

mkdir -p bench/results
date=$(date +%F)
json="$build/cpu-kernels-$date.json"
out="bench/results/kernels-$date.md"
cmd=("$build/bin/cpu_kernels_bench" --benchmark_repetitions="$reps"
     --benchmark_report_aggregates_only=true --benchmark_min_time=0.2
     --benchmark_out="$json" --benchmark_out_format=json "$@")
machine=$(bash scripts/bench-machine.sh)
"${cmd[@]}" 2> >(tee "$build/cpu-kernels-$date.verify" >&2)
worst=$(awk '/^verified/ {print $NF, $2}' "$build/cpu-kernels-$date.verify" |
        sort -g | tail -1)
{
  echo "# CPU kernels: optimized vs scalar ($date)"
  echo
  echo "$machine"
  echo "- command: \`scripts/bench-kernels.sh\` = \`${cmd[*]}\`"
  echo "- one thread; time is CPU time per call, median of $reps repetitions;"
  echo "  speedup = scalar time / optimized time on the same inputs (checked"
  echo "  equal to 1e-4 relative before timing; worst max rel err: $worst)"
  echo "- the scalar GEMM at 130m x 4096 runs one iteration; at 2.8b x 4096"
  echo "  it is extrapolated from 512 rows (est.)"
  echo
  python3 bench/kernel_ratios.py "$json"
} >"$out"
cat "$out"
echo "wrote $out" >&2

#!/usr/bin/env bash
# What needs a GPU, in one run (GPU time is scarce; one script wastes none
# of it between steps): builds the runtime with CUDA and no LLVM, runs the
# GPU tests, then the benchmarks that compare kernel variants within one
# binary (cuda_pick_bench: the sampled pick's variants; cuda_decode_bench:
# decode's kinds of output, default path). With BASE, a source tree or a
# `git archive` tarball of another commit, also mamba-run decode figures of
# both builds, alternated, greedy and sampled, batch 1 and 16.
# STEPS picks some of "tests pick decode ab" (default all; the builds always
# run, and do nothing when up to date), so that a run cut short by a time
# limit can go on where it stopped.
# Usage: scripts/gpu-check.sh [build-dir]   (BASE=..., OUT=dir, STEPS=...)
set -euo pipefail
cd "$(dirname "$0")/.."
steps=" ${STEPS:-tests pick decode ab} "
for s in $steps; do
  case $s in
  tests | pick | decode | ab) ;;
  *)
    echo "gpu-check.sh: error: STEPS: unknown step '$s' (expected some of: tests pick decode ab)" >&2
    exit 2
    ;;
  esac
done
build=${1:-build-gpu}
out=${OUT:-gpu-check-$(date +%F-%H%M)}
mkdir -p "$out"
config=(-G Ninja -DCMAKE_BUILD_TYPE=Release -DMAMBA_BUILD_COMPILER=OFF
  -DMAMBA_ENABLE_CUDA=ON -DMAMBA_BUILD_BENCHMARKS=OFF)

step() { echo "== $*" | tee -a "$out/summary.txt"; }
wanted() { [[ $steps == *" $1 "* ]]; }

step "build $build"
[ -f "$build/build.ninja" ] || cmake -S . -B "$build" "${config[@]}" >"$out/configure.log"
ninja -C "$build" >"$out/build.log" || { tail -40 "$out/build.log"; exit 1; }
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader \
  | tee -a "$out/summary.txt" || true

if wanted tests; then
  step "GPU tests"
  ctest --test-dir "$build" -R "Cuda|Golden|cuda|Plan|Sampler|LogitRows|Generate" \
    -E GridCompiles -j8 --output-on-failure >"$out/ctest.log" 2>&1 || true
  grep -E "tests passed|tests failed|\(Failed\)|\(Skipped\)" "$out/ctest.log" |
    tee -a "$out/summary.txt"
fi
if wanted pick; then
  step "cuda_pick_bench"
  "$build/test/Runtime/cuda_pick_bench" | tee "$out/pick.md"
fi
if wanted decode; then
  step "cuda_decode_bench (default path)"
  DEFAULT_ONLY=1 "$build/test/Runtime/cuda_decode_bench" 130m 1.4b |
    tee "$out/decode.md"
fi

[ -n "${BASE:-}" ] && wanted ab || exit 0
base=$BASE
if [ -f "$base" ]; then # a tarball: extract it next to the logs
  mkdir -p "$out/base" && tar -xf "$base" -C "$out/base" && base=$out/base
fi
step "build $base/$build"
[ -f "$base/$build/build.ninja" ] ||
  cmake -S "$base" -B "$base/$build" "${config[@]}" >"$out/configure-base.log"
ninja -C "$base/$build" mamba-run >"$out/build-base.log" ||
  { tail -40 "$out/build-base.log"; exit 1; }
decode() { # TREE ARGS... -> the decode line of mamba-run's report
  "$1/$build/bin/mamba-run" mamba-130m --random-weights 0 --device cuda \
    --dtype bf16 --ignore-eos --tokens 1 -n 257 --seed 1 "${@:2}" 2>&1 \
    >/dev/null | grep "^decode:"
}
step "mamba-run 130m decode, base and this tree alternated"
for args in "--batch 1" "--batch 16" "--batch 1 --temperature 0.8" \
  "--batch 1 --temperature 0.8 --top-k 50 --top-p 0.9" \
  "--batch 16 --temperature 0.8 --top-k 50 --top-p 0.9" \
  "--batch 1 --temperature 0.8 --top-p 0.9"; do
  read -ra flags <<<"$args"
  for _ in 1 2; do
    echo "base $args: $(decode "$base" "${flags[@]}")"
    echo "this $args: $(decode . "${flags[@]}")"
  done
done | tee "$out/mamba-run.md"

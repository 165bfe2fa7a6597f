#!/usr/bin/env bash
# Whole-model GPU figures, ours next to Hugging Face transformers on the same
# GPU in the same run: Mamba-1 shapes with random weights, prefill of
# batch x 2048 tokens and decode of 256 greedy steps. Needs a CUDA GPU, and
# PyTorch + transformers for the baseline (skipped with a message if absent).
# Usage: scripts/bench-gpu.sh [build-dir]   (SHAPES="130m 1.4b" DTYPE=bf16)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-gpu}
shapes=${SHAPES:-"130m 1.4b"}
dtype=${DTYPE:-bf16}
steps=256

[ -x "$build/bin/mamba-run" ] || {
  cmake -S . -B "$build" -G Ninja -DMAMBA_BUILD_COMPILER=OFF \
    -DMAMBA_BUILD_BENCHMARKS=OFF -DMAMBA_BUILD_TESTS=OFF >/dev/null
  cmake --build "$build" --target mamba-run >/dev/null
}
prompt=$(seq -s, 100 2147) # 2048 token ids

# ours SHAPE KIND BATCH ARGS... -> "ours SHAPE DTYPE KIND BATCH TOK/S"
ours() {
  local shape=$1 kind=$2 batch=$3
  shift 3
  local line
  line=$("$build/bin/mamba-run" "mamba-$shape" --random-weights 0 \
    --device cuda --dtype "$dtype" --batch "$batch" --ignore-eos "$@" \
    2>&1 >/dev/null | grep "^$kind:")
  echo "ours $shape $dtype $kind $batch $(echo "$line" | awk '{print $(NF-1)}')"
}

echo "# GPU whole model: mamba-run vs transformers ($(date +%F))"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
for shape in $shapes; do
  ours "$shape" prefill 1 --tokens "$prompt" -n 0
  ours "$shape" prefill 8 --tokens "$prompt" -n 0
  ours "$shape" decode 1 --tokens 1 -n $((steps + 1))
  ours "$shape" decode 16 --tokens 1 -n $((steps + 1))
  if python3 -c "import torch, transformers" 2>/dev/null; then
    python3 bench/hf_mamba_bench.py "$shape" --dtype "$dtype" --steps "$steps"
  else
    echo "transformers baseline skipped: python3 lacks torch or transformers"
  fi
done

#!/usr/bin/env bash
# The main job: builds the project and runs mamba-run on the embedded default
# model (Mamba-1 130m shape, random weights, GPT-NeoX tokenizer), printing the
# generated text, prefill/decode throughput and peak memory.
# Usage: scripts/demo.sh [build-dir] [mamba-run options...]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shift || true

bash scripts/install-deps.sh
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build "$build" --target mamba-run
"$build/bin/mamba-run" --prompt "Once upon a time" -n 64 --ignore-eos "$@"

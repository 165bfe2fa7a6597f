#!/usr/bin/env bash
# Builds the libFuzzer target of the spec frontend (clang, with ASan and
# UBSan) in its own build directory and runs it for a bounded time, seeded
# with the specs and configs of the repository. Fails on any crash, leak,
# timeout or sanitizer report; the input that caused it is kept in
# $build/fuzz-artifacts/.
# Usage: scripts/fuzz.sh [SECONDS]   (default 60)
# Needs (Debian 12): clang-14 libclang-rt-14-dev, and the packages of
# scripts/install-deps.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
build=${MAMBA_FUZZ_BUILD_DIR:-build-fuzz}
cc=${MAMBA_FUZZ_CC:-clang-14}
cxx=${MAMBA_FUZZ_CXX:-clang++-14}

# vptr checks would need RTTI type information for every MLIR class the
# fuzzer reaches through libMLIR.so, which is built without the sanitizers.
sanitize="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize=vptr"
sanitize+=" -fno-sanitize-recover=all -fno-omit-frame-pointer -g"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" "${launcher[@]}" \
  -DCMAKE_C_FLAGS="$sanitize" -DCMAKE_CXX_FLAGS="$sanitize" \
  -DMAMBA_BUILD_FUZZER=ON -DMAMBA_ENABLE_CUDA=OFF >/dev/null
cmake --build "$build" --target mamba-spec-fuzzer

seeds="$build/fuzz-seeds"
corpus="$build/fuzz-corpus"
artifacts="$build/fuzz-artifacts"
rm -rf "$seeds"
mkdir -p "$seeds" "$corpus" "$artifacts"
n=0
while IFS= read -r -d '' f; do
  cp "$f" "$seeds/seed-$n"
  n=$((n + 1))
done < <(find models test/Frontend \( -name '*.ssm' -o -name config.json \) -print0)

# allow_user_poisoning=0: LLVM's BumpPtrAllocator poisons the unused part of
# its slabs when compiled with ASan, but libMLIR.so is not, so a slab that our
# instrumented code poisoned is later handed out by uninstrumented MLIR code
# without unpoisoning, and ASan reports a use-after-poison that is not one.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allow_user_poisoning=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
"$build/bin/mamba-spec-fuzzer" -max_total_time="$seconds" -timeout=10 \
  -rss_limit_mb=2048 -dict=test/fuzz/ssm.dict \
  -artifact_prefix="$artifacts/" "$corpus" "$seeds"

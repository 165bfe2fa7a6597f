#!/usr/bin/env bash
# Prints the machine block of a benchmark report (markdown): CPU model, cores,
# vector ISA, memory, load and compiler.
set -euo pipefail
model=$(lscpu | sed -n 's/^Model name:[[:space:]]*//p')
cores=$(nproc)
flags=$(grep -m1 '^flags' /proc/cpuinfo)
isa=""
for f in avx2 fma avx512f avx512bw avx512vl; do
  if grep -qw "$f" <<<"$flags"; then isa+="$f "; else isa+="(no $f) "; fi
done
mem=$(free -g | awk '/^Mem:/ {print $2 " GiB"}')
echo "- machine: ${model}, ${cores} cores, ${mem}; ISA: ${isa% }"
echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared: figures are medians of repetitions)"
echo "- compiler: $(c++ --version | head -1)"

// RUN: rm -rf %t.cache
// REQUIRES: halide
// RUN: mamba-opt %s --ssm-to-halide="library=%t.cache loop-nest=false" -o /dev/null | FileCheck %s --check-prefix=FIRST
// RUN: mamba-opt %s --ssm-to-halide="library=%t.cache loop-nest=false" -o /dev/null | FileCheck %s --check-prefix=SECOND
// RUN: ls %t.cache/*/libmamba_halide.so
// The library is compiled once into the content-addressed cache; the
// second run finds it and compiles nothing.

// FIRST: // library: {{.*}}.cache/{{[0-9a-f]+}}/libmamba_halide.so
// FIRST-NEXT: // compiled in
// FIRST-NEXT: // kernel mamba_ssm_gate_0_{{[0-9a-f]+}}
// SECOND: // cache hit in
func.func @gate(%y: tensor<2x8x4xf32>, %z: tensor<2x8x4xf32>) -> tensor<2x8x4xf32> {
  %0 = ssm.gate %y, %z : tensor<2x8x4xf32>, tensor<2x8x4xf32>
  return %0 : tensor<2x8x4xf32>
}

// RUN: mamba-opt %s --split-input-file --ssm-to-halide -o /dev/null --verify-diagnostics
// REQUIRES: halide
// Ops that are not kernels, and region ops Halide cannot express, are errors.

func.func @softplus(%x: tensor<2x8x4xf32>) -> tensor<2x8x4xf32> {
  // expected-error @+1 {{has no Halide kernel of its own; run --ssm-optimize first to fuse it into 'ssm.selective_scan'}}
  %0 = ssm.softplus %x : tensor<2x8x4xf32>
  return %0 : tensor<2x8x4xf32>
}

// -----

func.func @silu(%x: tensor<2x8x4xf32>) -> tensor<2x8x4xf32> {
  // expected-error @+1 {{has no Halide kernel of its own; run --ssm-optimize first to fuse it into 'ssm.causal_conv1d' (activation = silu)}}
  %0 = ssm.silu %x : tensor<2x8x4xf32>
  return %0 : tensor<2x8x4xf32>
}

// -----

func.func @unsupported_region_op(%x: tensor<2x8x64xf32>) -> tensor<2x8x64xf32> {
  %y, %h = ssm.scan ins(%x : tensor<2x8x64xf32>)
      maps = [affine_map<(b, c, t) -> (b, c, t)>, affine_map<(b, c, t) -> (b, c, t)>]
      update {
  ^bb0(%hp: f32, %xt: f32):
    %one = arith.constant 1.0 : f32
    // expected-error @+1 {{'math.sin' op is not supported by the Halide backend in an 'ssm.scan' region}}
    %s = math.sin %xt : f32
    ssm.yield %one, %s : f32, f32
  } readout {
  ^bb0(%ht: f32, %xt: f32):
    ssm.yield %ht : f32
  } -> tensor<2x8x64xf32>, tensor<2x8xf32>
  return %y : tensor<2x8x64xf32>
}

// -----

func.func @bf16_gate(%y: tensor<2x8x4xbf16>, %z: tensor<2x8x4xbf16>) -> tensor<2x8x4xbf16> {
  // expected-error @+1 {{cannot be lowered to Halide: operand #0 has element type 'bf16'; the CPU kernels compute in f32}}
  %0 = ssm.gate %y, %z : tensor<2x8x4xbf16>, tensor<2x8x4xbf16>
  return %0 : tensor<2x8x4xbf16>
}

// -----

func.func @grouped_rmsnorm(%x: tensor<2x8x16xf32>, %w: tensor<16xf32>) -> tensor<2x8x16xf32> {
  // expected-error @+1 {{cannot be lowered to Halide: the rmsnorm kernel normalizes whole rows, not groups of 'group_size' elements (plans run grouped norms)}}
  %0 = ssm.rmsnorm %x, %w {group_size = 4} : tensor<2x8x16xf32>, tensor<16xf32> -> tensor<2x8x16xf32>
  return %0 : tensor<2x8x16xf32>
}

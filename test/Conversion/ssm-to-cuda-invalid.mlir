// RUN: mamba-opt %s --split-input-file --ssm-to-cuda -o /dev/null --verify-diagnostics
// Ops that are not kernels, and kernels the emitter cannot build, are errors.

func.func @softplus(%x: tensor<2x8x4xf32>) -> tensor<2x8x4xf32> {
  // expected-error @+1 {{has no CUDA kernel of its own; run --ssm-optimize first to fuse it into 'ssm.selective_scan'}}
  %0 = ssm.softplus %x : tensor<2x8x4xf32>
  return %0 : tensor<2x8x4xf32>
}

// -----

func.func @silu(%x: tensor<2x8x4xf32>) -> tensor<2x8x4xf32> {
  // expected-error @+1 {{has no CUDA kernel of its own; run --ssm-optimize first to fuse it into 'ssm.causal_conv1d' (activation = silu)}}
  %0 = ssm.silu %x : tensor<2x8x4xf32>
  return %0 : tensor<2x8x4xf32>
}

// -----

func.func @generic_scan(%x: tensor<2x8x64xf32>) -> tensor<2x8x64xf32> {
  // expected-error @+1 {{has no CUDA lowering yet; only scans that --ssm-optimize folds into 'ssm.selective_scan' run on the GPU}}
  %y, %h = ssm.scan ins(%x : tensor<2x8x64xf32>)
      maps = [affine_map<(b, c, t) -> (b, c, t)>, affine_map<(b, c, t) -> (b, c, t)>]
      update {
  ^bb0(%hp: f32, %xt: f32):
    %one = arith.constant 1.0 : f32
    ssm.yield %one, %xt : f32, f32
  } readout {
  ^bb0(%ht: f32, %xt: f32):
    ssm.yield %ht : f32
  } -> tensor<2x8x64xf32>, tensor<2x8xf32>
  return %y : tensor<2x8x64xf32>
}

// -----

func.func @bf16_A(%u: tensor<1x8x4xbf16>, %A: tensor<8x16xbf16>, %B: tensor<1x16x4xbf16>) -> tensor<1x8x4xbf16> {
  // expected-error @+1 {{cannot be lowered to CUDA: the kernel reads 'A' as f32, got 'bf16'}}
  %y, %h = ssm.selective_scan %u, %u, %A, %B, %B : (tensor<1x8x4xbf16>, tensor<1x8x4xbf16>, tensor<8x16xbf16>, tensor<1x16x4xbf16>, tensor<1x16x4xbf16>) -> (tensor<1x8x4xbf16>, tensor<1x8x16xf32>)
  return %y : tensor<1x8x4xbf16>
}

// -----

func.func @dynamic_state(%u: tensor<1x8x4xf32>, %A: tensor<8x?xf32>, %B: tensor<1x?x4xf32>) -> tensor<1x8x4xf32> {
  // expected-error @+1 {{cannot be lowered to CUDA: d_state must be static (it is compiled into the kernel)}}
  %y, %h = ssm.selective_scan %u, %u, %A, %B, %B : (tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<8x?xf32>, tensor<1x?x4xf32>, tensor<1x?x4xf32>) -> (tensor<1x8x4xf32>, tensor<1x8x?xf32>)
  return %y : tensor<1x8x4xf32>
}

// -----

func.func @i64_ids(%ids: tensor<2x8xi64>, %t: tensor<64x32xf32>) -> tensor<2x8x32xf32> {
  // expected-error @+1 {{cannot be lowered to CUDA: the kernel reads i32 token ids, got 'i64'}}
  %e = ssm.embedding %ids, %t : tensor<2x8xi64>, tensor<64x32xf32> -> tensor<2x8x32xf32>
  return %e : tensor<2x8x32xf32>
}


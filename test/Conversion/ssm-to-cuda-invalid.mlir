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

func.func @generic_scan_unsupported_op(%x: tensor<2x8x64xf32>) -> tensor<2x8x64xf32> {
  %y, %h = ssm.scan ins(%x : tensor<2x8x64xf32>)
      maps = [affine_map<(b, c, t) -> (b, c, t)>, affine_map<(b, c, t) -> (b, c, t)>]
      update {
  ^bb0(%hp: f32, %xt: f32):
    // expected-error @+1 {{is not supported by the CUDA backend in an 'ssm.scan' region (supported: arith.constant/addf/subf/mulf/divf/negf/maximumf/minimumf/extf/truncf, math.exp/log/sqrt/tanh/absf)}}
    %a = math.sin %xt : f32
    ssm.yield %a, %xt : f32, f32
  } readout {
  ^bb0(%ht: f32, %xt: f32):
    ssm.yield %ht : f32
  } -> tensor<2x8x64xf32>, tensor<2x8xf32>
  return %y : tensor<2x8x64xf32>
}

// -----

func.func @generic_scan_captured_value(%x: tensor<2x8x64xf32>, %s: f32) -> tensor<2x8x64xf32> {
  %y, %h = ssm.scan ins(%x : tensor<2x8x64xf32>)
      maps = [affine_map<(b, c, t) -> (b, c, t)>, affine_map<(b, c, t) -> (b, c, t)>]
      update {
  ^bb0(%hp: f32, %xt: f32):
    // expected-error @+1 {{reads a value from outside the 'ssm.scan' region that is not a float constant; the CUDA backend cannot lower it}}
    %b = arith.mulf %xt, %s : f32
    %one = arith.constant 1.0 : f32
    ssm.yield %one, %b : f32, f32
  } readout {
  ^bb0(%ht: f32, %xt: f32):
    ssm.yield %ht : f32
  } -> tensor<2x8x64xf32>, tensor<2x8xf32>
  return %y : tensor<2x8x64xf32>
}

// -----

func.func @generic_scan_bf16_state(%x: tensor<2x8x64xbf16>) -> tensor<2x8x64xbf16> {
  // expected-error @+1 {{cannot be lowered to CUDA: the kernel keeps the state in f32, got 'final_state' of element type 'bf16'}}
  %y, %h = ssm.scan ins(%x : tensor<2x8x64xbf16>)
      maps = [affine_map<(b, c, t) -> (b, c, t)>, affine_map<(b, c, t) -> (b, c, t)>]
      update {
  ^bb0(%hp: bf16, %xt: bf16):
    %one = arith.constant 1.0 : bf16
    ssm.yield %one, %xt : bf16, bf16
  } readout {
  ^bb0(%ht: bf16, %xt: bf16):
    ssm.yield %ht : bf16
  } -> tensor<2x8x64xbf16>, tensor<2x8xbf16>
  return %y : tensor<2x8x64xbf16>
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


// -----

func.func @grouped_rmsnorm(%x: tensor<2x8x16xf32>, %w: tensor<16xf32>) -> tensor<2x8x16xf32> {
  // expected-error @+1 {{cannot be lowered to CUDA: the rmsnorm kernel normalizes whole rows, not groups of 'group_size' elements (plans run grouped norms)}}
  %0 = ssm.rmsnorm %x, %w {group_size = 4} : tensor<2x8x16xf32>, tensor<16xf32> -> tensor<2x8x16xf32>
  return %0 : tensor<2x8x16xf32>
}

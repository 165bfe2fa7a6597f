// RUN: mamba-opt %s --split-input-file --verify-diagnostics
// Every verifier error of the ssm ops.

func.func @weight_name() {
  // expected-error @+1 {{expected a non-empty weight name}}
  %0 = ssm.weight "" : tensor<4xf32>
  return
}

// -----

func.func @weight_dynamic() {
  // expected-error @+1 {{expected weight 'w' to have a static shape, got [?, 4]}}
  %0 = ssm.weight "w" : tensor<?x4xf32>
  return
}

// -----

func.func @embedding_ids_rank(%ids: tensor<i32>, %t: tensor<64x16xf32>) {
  // expected-error @+1 {{expected 'ids' to have rank at least 1, got 0}}
  %0 = ssm.embedding %ids, %t : tensor<i32>, tensor<64x16xf32> -> tensor<16xf32>
  return
}

// -----

func.func @embedding_table_rank(%ids: tensor<8xi32>, %t: tensor<64xf32>) {
  // expected-error @+1 {{expected 'table' to have rank 2 [vocab, d_model], got rank 1 [64]}}
  %0 = ssm.embedding %ids, %t : tensor<8xi32>, tensor<64xf32> -> tensor<8x16xf32>
  return
}

// -----

func.func @embedding_result(%ids: tensor<2x8xi32>, %t: tensor<64x16xf32>) {
  // expected-error @+1 {{expected 'result' to have shape [dim0, dim1, d_model] = [2, 8, 16], got [2, 8, 32]}}
  %0 = ssm.embedding %ids, %t : tensor<2x8xi32>, tensor<64x16xf32> -> tensor<2x8x32xf32>
  return
}

// -----

func.func @embedding_elem(%ids: tensor<8xi32>, %t: tensor<64x16xf32>) {
  // expected-error @+1 {{expected 'result' to have element type 'f32' (that of 'table'), got 'bf16'}}
  %0 = ssm.embedding %ids, %t : tensor<8xi32>, tensor<64x16xf32> -> tensor<8x16xbf16>
  return
}

// -----

func.func @embedding_float_ids(%ids: tensor<8xf32>, %t: tensor<64x16xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit signless integer or 64-bit signless integer values}}
  %0 = ssm.embedding %ids, %t : tensor<8xf32>, tensor<64x16xf32> -> tensor<8x16xf32>
  return
}

// -----

func.func @rmsnorm_rank(%x: tensor<f32>, %w: tensor<16xf32>) {
  // expected-error @+1 {{expected 'input' to have rank at least 1, got 0}}
  %0 = ssm.rmsnorm %x, %w : tensor<f32>, tensor<16xf32> -> tensor<f32>
  return
}

// -----

func.func @rmsnorm_eps(%x: tensor<4x16xf32>, %w: tensor<16xf32>) {
  // expected-error @+1 {{expected 'eps' to be positive, got 0}}
  %0 = ssm.rmsnorm %x, %w {eps = 0.0 : f32} : tensor<4x16xf32>, tensor<16xf32> -> tensor<4x16xf32>
  return
}

// -----

func.func @rmsnorm_group(%x: tensor<4x16xf32>, %w: tensor<16xf32>) {
  // expected-error @+1 {{expected 'group_size' (6) to divide the last dimension (16)}}
  %0 = ssm.rmsnorm %x, %w {group_size = 6} : tensor<4x16xf32>, tensor<16xf32> -> tensor<4x16xf32>
  return
}

// -----

func.func @rmsnorm_group_zero(%x: tensor<4x16xf32>, %w: tensor<16xf32>) {
  // expected-error @+1 {{expected 'group_size' to be positive, got 0}}
  %0 = ssm.rmsnorm %x, %w {group_size = 0} : tensor<4x16xf32>, tensor<16xf32> -> tensor<4x16xf32>
  return
}

// -----

func.func @rmsnorm_weight(%x: tensor<4x16xf32>, %w: tensor<8xf32>) {
  // expected-error @+1 {{expected 'weight' to have shape [d] = [16], got [8]}}
  %0 = ssm.rmsnorm %x, %w : tensor<4x16xf32>, tensor<8xf32> -> tensor<4x16xf32>
  return
}

// -----

func.func @rmsnorm_result(%x: tensor<4x16xf32>, %w: tensor<16xf32>) {
  // expected-error @+1 {{expected 'result' to have shape [dim0, d] = [4, 16], got [2, 16]}}
  %0 = ssm.rmsnorm %x, %w : tensor<4x16xf32>, tensor<16xf32> -> tensor<2x16xf32>
  return
}

// -----

func.func @rmsnorm_weight_elem(%x: tensor<4x16xf32>, %w: tensor<16xf16>) {
  // expected-error @+1 {{expected 'weight' to have element type 'f32' (that of 'input'), got 'f16'}}
  %0 = ssm.rmsnorm %x, %w : tensor<4x16xf32>, tensor<16xf16> -> tensor<4x16xf32>
  return
}

// -----

func.func @rmsnorm_result_elem(%x: tensor<4x16xf16>, %w: tensor<16xf32>) {
  // expected-error @+1 {{expected 'result' to have element type 'f16' (that of 'input'), got 'f32'}}
  %0 = ssm.rmsnorm %x, %w : tensor<4x16xf16>, tensor<16xf32> -> tensor<4x16xf32>
  return
}

// -----

func.func @linear_rank(%x: tensor<f32>, %w: tensor<4x16xf32>) {
  // expected-error @+1 {{expected 'input' to have rank at least 1, got 0}}
  %0 = ssm.linear %x, %w : tensor<f32>, tensor<4x16xf32> -> tensor<4xf32>
  return
}

// -----

func.func @linear_in_features(%x: tensor<8x16xf32>, %w: tensor<4x32xf32>) {
  // expected-error @+1 {{expected 'weight' to have shape [out_features, in_features] = [4, 16], got [4, 32]}}
  %0 = ssm.linear %x, %w : tensor<8x16xf32>, tensor<4x32xf32> -> tensor<8x4xf32>
  return
}

// -----

func.func @linear_bias(%x: tensor<8x16xf32>, %w: tensor<4x16xf32>, %b: tensor<5xf32>) {
  // expected-error @+1 {{expected 'bias' to have shape [out_features] = [4], got [5]}}
  %0 = ssm.linear %x, %w, %b : tensor<8x16xf32>, tensor<4x16xf32>, tensor<5xf32> -> tensor<8x4xf32>
  return
}

// -----

func.func @linear_result(%x: tensor<8x16xf32>, %w: tensor<4x16xf32>) {
  // expected-error @+1 {{expected 'result' to have shape [dim0, out_features] = [8, 4], got [8, 16]}}
  %0 = ssm.linear %x, %w : tensor<8x16xf32>, tensor<4x16xf32> -> tensor<8x16xf32>
  return
}

// -----

func.func @linear_result_elem(%x: tensor<8x16xf32>, %w: tensor<4x16xbf16>) {
  // expected-error @+1 {{expected 'result' to have element type 'f32' (that of 'input'), got 'bf16'}}
  %0 = ssm.linear %x, %w : tensor<8x16xf32>, tensor<4x16xbf16> -> tensor<8x4xbf16>
  return
}

// -----

func.func @conv_input_rank(%x: tensor<32x8xf32>, %w: tensor<32x4xf32>) {
  // expected-error @+1 {{expected 'input' to have rank 3 [batch, channels, seqlen], got rank 2 [32, 8]}}
  %0 = ssm.causal_conv1d %x, %w : tensor<32x8xf32>, tensor<32x4xf32> -> tensor<32x8xf32>
  return
}

// -----

func.func @conv_weight(%x: tensor<2x32x8xf32>, %w: tensor<16x4xf32>) {
  // expected-error @+1 {{expected 'weight' to have shape [channels, width] = [32, 4], got [16, 4]}}
  %0 = ssm.causal_conv1d %x, %w : tensor<2x32x8xf32>, tensor<16x4xf32> -> tensor<2x32x8xf32>
  return
}

// -----

func.func @conv_bias(%x: tensor<2x32x8xf32>, %w: tensor<32x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{expected 'bias' to have shape [channels] = [32], got [4]}}
  %0 = ssm.causal_conv1d %x, %w, %b : tensor<2x32x8xf32>, tensor<32x4xf32>, tensor<4xf32> -> tensor<2x32x8xf32>
  return
}

// -----

func.func @conv_width(%x: tensor<2x32x8xf32>, %w: tensor<32x0xf32>) {
  // expected-error @+1 {{expected 'weight' to have a kernel width of at least 1, got 0}}
  %0 = ssm.causal_conv1d %x, %w : tensor<2x32x8xf32>, tensor<32x0xf32> -> tensor<2x32x8xf32>
  return
}

// -----

func.func @conv_state_shape(%x: tensor<2x32x8xf32>, %w: tensor<32x4xf32>, %s: tensor<2x32x3xf32>) {
  // expected-error @+1 {{expected 'state' to have shape [batch, channels, width] = [2, 32, 4], got [2, 32, 3]}}
  %0, %1 = ssm.causal_conv1d %x, %w state(%s : tensor<2x32x3xf32>) : tensor<2x32x8xf32>, tensor<32x4xf32> -> tensor<2x32x8xf32>, tensor<2x32x3xf32>
  return
}

// -----

func.func @conv_state_without_result(%x: tensor<2x32x8xf32>, %w: tensor<32x4xf32>, %s: tensor<2x32x4xf32>) {
  // expected-error @+1 {{expected a 'final_state' result exactly when 'state' is given}}
  %0 = ssm.causal_conv1d %x, %w state(%s : tensor<2x32x4xf32>) : tensor<2x32x8xf32>, tensor<32x4xf32> -> tensor<2x32x8xf32>
  return
}

// -----

func.func @conv_final_state_type(%x: tensor<2x32x8xf32>, %w: tensor<32x4xf32>, %s: tensor<2x32x4xf32>) {
  // expected-error @+1 {{expected 'final_state' to have shape [batch, channels, width] = [2, 32, 4], got [2, 16, 4]}}
  %0, %1 = ssm.causal_conv1d %x, %w state(%s : tensor<2x32x4xf32>) : tensor<2x32x8xf32>, tensor<32x4xf32> -> tensor<2x32x8xf32>, tensor<2x16x4xf32>
  return
}

// -----

func.func @conv_result(%x: tensor<2x32x8xf32>, %w: tensor<32x4xf32>) {
  // expected-error @+1 {{expected 'result' to have shape [batch, channels, seqlen] = [2, 32, 8], got [2, 32, 5]}}
  %0 = ssm.causal_conv1d %x, %w : tensor<2x32x8xf32>, tensor<32x4xf32> -> tensor<2x32x5xf32>
  return
}

// -----

func.func @conv_result_elem(%x: tensor<2x32x8xf32>, %w: tensor<32x4xf32>) {
  // expected-error @+1 {{expected 'result' to have element type 'f32' (that of 'input'), got 'f16'}}
  %0 = ssm.causal_conv1d %x, %w : tensor<2x32x8xf32>, tensor<32x4xf32> -> tensor<2x32x8xf16>
  return
}

// -----

func.func @softplus_type(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{requires the same type for all operands and results}}
  %0 = "ssm.softplus"(%x) : (tensor<2x8xf32>) -> tensor<2x8xf16>
  return
}

// -----

func.func @silu_int(%x: tensor<2x8xi32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values}}
  %0 = ssm.silu %x : tensor<2x8xi32>
  return
}

// -----

func.func @discretize_delta(%dt: tensor<2x8xf32>, %A: tensor<8x16xf32>, %B: tensor<2x16x64xf32>) {
  // expected-error @+1 {{expected 'delta' to have rank 3 [batch, d_inner, seqlen], got rank 2 [2, 8]}}
  %0:2 = ssm.discretize %dt, %A, %B : tensor<2x8xf32>, tensor<8x16xf32>, tensor<2x16x64xf32> -> tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>
  return
}

// -----

func.func @discretize_A(%dt: tensor<2x8x64xf32>, %A: tensor<4x16xf32>, %B: tensor<2x16x64xf32>) {
  // expected-error @+1 {{expected 'A' to have shape [d_inner, d_state] = [8, 16], got [4, 16]}}
  %0:2 = ssm.discretize %dt, %A, %B : tensor<2x8x64xf32>, tensor<4x16xf32>, tensor<2x16x64xf32> -> tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>
  return
}

// -----

func.func @discretize_B(%dt: tensor<2x8x64xf32>, %A: tensor<8x16xf32>, %B: tensor<2x8x64xf32>) {
  // expected-error @+1 {{expected 'B' to have shape [batch, d_state, seqlen] = [2, 16, 64], got [2, 8, 64]}}
  %0:2 = ssm.discretize %dt, %A, %B : tensor<2x8x64xf32>, tensor<8x16xf32>, tensor<2x8x64xf32> -> tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>
  return
}

// -----

func.func @discretize_deltaA(%dt: tensor<2x8x64xf32>, %A: tensor<8x16xf32>, %B: tensor<2x16x64xf32>) {
  // expected-error @+1 {{expected 'deltaA' to have shape [batch, d_inner, d_state, seqlen] = [2, 8, 16, 64], got [2, 8, 64, 16]}}
  %0:2 = ssm.discretize %dt, %A, %B : tensor<2x8x64xf32>, tensor<8x16xf32>, tensor<2x16x64xf32> -> tensor<2x8x64x16xf32>, tensor<2x8x16x64xf32>
  return
}

// -----

func.func @discretize_deltaB(%dt: tensor<2x8x64xf32>, %A: tensor<8x16xf32>, %B: tensor<2x16x64xf32>) {
  // expected-error @+1 {{expected 'deltaB' to have rank 4 [batch, d_inner, d_state, seqlen], got rank 3 [2, 8, 16]}}
  %0:2 = ssm.discretize %dt, %A, %B : tensor<2x8x64xf32>, tensor<8x16xf32>, tensor<2x16x64xf32> -> tensor<2x8x16x64xf32>, tensor<2x8x16xf32>
  return
}

// -----

func.func @discretize_elem(%dt: tensor<2x8x64xf16>, %A: tensor<8x16xf32>, %B: tensor<2x16x64xf32>) {
  // expected-error @+1 {{expected 'B' to have element type 'f16' (that of 'delta'), got 'f32'}}
  %0:2 = ssm.discretize %dt, %A, %B : tensor<2x8x64xf16>, tensor<8x16xf32>, tensor<2x16x64xf32> -> tensor<2x8x16x64xf16>, tensor<2x8x16x64xf16>
  return
}

// -----

func.func @discretize_A_elem(%dt: tensor<2x8x64xf16>, %A: tensor<8x16xbf16>, %B: tensor<2x16x64xf16>) {
  // expected-error @+1 {{expected 'A' to have element type 'f16' (that of 'delta'), got 'bf16'}}
  %0:2 = ssm.discretize %dt, %A, %B : tensor<2x8x64xf16>, tensor<8x16xbf16>, tensor<2x16x64xf16> -> tensor<2x8x16x64xf16>, tensor<2x8x16x64xf16>
  return
}

// -----

func.func @discretize_result_elem(%dt: tensor<2x8x64xf16>, %A: tensor<8x16xf32>, %B: tensor<2x16x64xf16>) {
  // expected-error @+1 {{expected 'deltaA' to have element type 'f16' (that of 'delta'), got 'f32'}}
  %0:2 = ssm.discretize %dt, %A, %B : tensor<2x8x64xf16>, tensor<8x16xf32>, tensor<2x16x64xf16> -> tensor<2x8x16x64xf32>, tensor<2x8x16x64xf16>
  return
}

// -----

func.func @discretize_deltaB_elem(%dt: tensor<2x8x64xf16>, %A: tensor<8x16xf32>, %B: tensor<2x16x64xf16>) {
  // expected-error @+1 {{expected 'deltaB' to have element type 'f16' (that of 'delta'), got 'f32'}}
  %0:2 = ssm.discretize %dt, %A, %B : tensor<2x8x64xf16>, tensor<8x16xf32>, tensor<2x16x64xf16> -> tensor<2x8x16x64xf16>, tensor<2x8x16x64xf32>
  return
}

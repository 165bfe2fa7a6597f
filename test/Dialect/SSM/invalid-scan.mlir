// RUN: mamba-opt %s --split-input-file --verify-diagnostics
// Verifier errors of ssm.selective_scan, ssm.skip and ssm.gate.

func.func @ss_u_rank(%u: tensor<8x64xf32>, %dt: tensor<2x8x64xf32>, %A: tensor<8x16xf32>, %B: tensor<2x16x64xf32>, %C: tensor<2x16x64xf32>) {
  // expected-error @+1 {{expected 'u' to have rank 3 [batch, d_inner, seqlen], got rank 2 [8, 64]}}
  %y, %h = ssm.selective_scan %u, %dt, %A, %B, %C : (tensor<8x64xf32>, tensor<2x8x64xf32>, tensor<8x16xf32>, tensor<2x16x64xf32>, tensor<2x16x64xf32>) -> (tensor<2x8x64xf32>, tensor<2x8x16xf32>)
  return
}

// -----

func.func @ss_delta(%u: tensor<2x8x64xf32>, %dt: tensor<2x8x32xf32>, %A: tensor<8x16xf32>, %B: tensor<2x16x64xf32>, %C: tensor<2x16x64xf32>) {
  // expected-error @+1 {{expected 'delta' to have shape [batch, d_inner, seqlen] = [2, 8, 64], got [2, 8, 32]}}
  %y, %h = ssm.selective_scan %u, %dt, %A, %B, %C : (tensor<2x8x64xf32>, tensor<2x8x32xf32>, tensor<8x16xf32>, tensor<2x16x64xf32>, tensor<2x16x64xf32>) -> (tensor<2x8x64xf32>, tensor<2x8x16xf32>)
  return
}

// -----

func.func @ss_A(%u: tensor<2x8x64xf32>, %dt: tensor<2x8x64xf32>, %A: tensor<16x16xf32>, %B: tensor<2x16x64xf32>, %C: tensor<2x16x64xf32>) {
  // expected-error @+1 {{expected 'A' to have shape [d_inner, d_state] = [8, 16], got [16, 16]}}
  %y, %h = ssm.selective_scan %u, %dt, %A, %B, %C : (tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<16x16xf32>, tensor<2x16x64xf32>, tensor<2x16x64xf32>) -> (tensor<2x8x64xf32>, tensor<2x8x16xf32>)
  return
}

// -----

func.func @ss_B(%u: tensor<2x8x64xf32>, %dt: tensor<2x8x64xf32>, %A: tensor<8x16xf32>, %B: tensor<2x8x64xf32>, %C: tensor<2x16x64xf32>) {
  // expected-error @+1 {{expected 'B' to have shape [batch, d_state, seqlen] = [2, 16, 64], got [2, 8, 64]}}
  %y, %h = ssm.selective_scan %u, %dt, %A, %B, %C : (tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<8x16xf32>, tensor<2x8x64xf32>, tensor<2x16x64xf32>) -> (tensor<2x8x64xf32>, tensor<2x8x16xf32>)
  return
}

// -----

func.func @ss_C(%u: tensor<2x8x64xf32>, %dt: tensor<2x8x64xf32>, %A: tensor<8x16xf32>, %B: tensor<2x16x64xf32>, %C: tensor<1x16x64xf32>) {
  // expected-error @+1 {{expected 'C' to have shape [batch, d_state, seqlen] = [2, 16, 64], got [1, 16, 64]}}
  %y, %h = ssm.selective_scan %u, %dt, %A, %B, %C : (tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<8x16xf32>, tensor<2x16x64xf32>, tensor<1x16x64xf32>) -> (tensor<2x8x64xf32>, tensor<2x8x16xf32>)
  return
}

// -----

func.func @ss_D(%u: tensor<2x8x64xf32>, %dt: tensor<2x8x64xf32>, %A: tensor<8x16xf32>, %B: tensor<2x16x64xf32>, %C: tensor<2x16x64xf32>, %D: tensor<16xf32>) {
  // expected-error @+1 {{expected 'D' to have shape [d_inner] = [8], got [16]}}
  %y, %h = ssm.selective_scan %u, %dt, %A, %B, %C D(%D) : (tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<8x16xf32>, tensor<2x16x64xf32>, tensor<2x16x64xf32>, tensor<16xf32>) -> (tensor<2x8x64xf32>, tensor<2x8x16xf32>)
  return
}

// -----

func.func @ss_z(%u: tensor<2x8x64xf32>, %dt: tensor<2x8x64xf32>, %A: tensor<8x16xf32>, %B: tensor<2x16x64xf32>, %C: tensor<2x16x64xf32>, %z: tensor<2x8x63xf32>) {
  // expected-error @+1 {{expected 'z' to have shape [batch, d_inner, seqlen] = [2, 8, 64], got [2, 8, 63]}}
  %y, %h = ssm.selective_scan %u, %dt, %A, %B, %C z(%z) : (tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<8x16xf32>, tensor<2x16x64xf32>, tensor<2x16x64xf32>, tensor<2x8x63xf32>) -> (tensor<2x8x64xf32>, tensor<2x8x16xf32>)
  return
}

// -----

func.func @ss_delta_bias(%u: tensor<2x8x64xf32>, %dt: tensor<2x8x64xf32>, %A: tensor<8x16xf32>, %B: tensor<2x16x64xf32>, %C: tensor<2x16x64xf32>, %db: tensor<2xf32>) {
  // expected-error @+1 {{expected 'delta_bias' to have shape [d_inner] = [8], got [2]}}
  %y, %h = ssm.selective_scan %u, %dt, %A, %B, %C delta_bias(%db) : (tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<8x16xf32>, tensor<2x16x64xf32>, tensor<2x16x64xf32>, tensor<2xf32>) -> (tensor<2x8x64xf32>, tensor<2x8x16xf32>)
  return
}

// -----

func.func @ss_initial_state(%u: tensor<2x8x64xf32>, %dt: tensor<2x8x64xf32>, %A: tensor<8x16xf32>, %B: tensor<2x16x64xf32>, %C: tensor<2x16x64xf32>, %h0: tensor<2x16x8xf32>) {
  // expected-error @+1 {{expected 'initial_state' to have shape [batch, d_inner, d_state] = [2, 8, 16], got [2, 16, 8]}}
  %y, %h = ssm.selective_scan %u, %dt, %A, %B, %C initial_state(%h0) : (tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<8x16xf32>, tensor<2x16x64xf32>, tensor<2x16x64xf32>, tensor<2x16x8xf32>) -> (tensor<2x8x64xf32>, tensor<2x8x16xf32>)
  return
}

// -----

func.func @ss_y(%u: tensor<2x8x64xf32>, %dt: tensor<2x8x64xf32>, %A: tensor<8x16xf32>, %B: tensor<2x16x64xf32>, %C: tensor<2x16x64xf32>) {
  // expected-error @+1 {{expected 'y' to have shape [batch, d_inner, seqlen] = [2, 8, 64], got [2, 64, 8]}}
  %y, %h = ssm.selective_scan %u, %dt, %A, %B, %C : (tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<8x16xf32>, tensor<2x16x64xf32>, tensor<2x16x64xf32>) -> (tensor<2x64x8xf32>, tensor<2x8x16xf32>)
  return
}

// -----

func.func @ss_final_state(%u: tensor<2x8x64xf32>, %dt: tensor<2x8x64xf32>, %A: tensor<8x16xf32>, %B: tensor<2x16x64xf32>, %C: tensor<2x16x64xf32>) {
  // expected-error @+1 {{expected 'final_state' to have shape [batch, d_inner, d_state] = [2, 8, 16], got [2, 8, 4]}}
  %y, %h = ssm.selective_scan %u, %dt, %A, %B, %C : (tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<8x16xf32>, tensor<2x16x64xf32>, tensor<2x16x64xf32>) -> (tensor<2x8x64xf32>, tensor<2x8x4xf32>)
  return
}

// -----

func.func @ss_dynamic_ok_but_B_wrong(%u: tensor<2x8x?xf32>, %dt: tensor<2x8x?xf32>, %A: tensor<8x16xf32>, %B: tensor<2x4x?xf32>, %C: tensor<2x16x?xf32>) {
  // expected-error @+1 {{expected 'B' to have shape [batch, d_state, seqlen] = [2, 16, ?], got [2, 4, ?]}}
  %y, %h = ssm.selective_scan %u, %dt, %A, %B, %C : (tensor<2x8x?xf32>, tensor<2x8x?xf32>, tensor<8x16xf32>, tensor<2x4x?xf32>, tensor<2x16x?xf32>) -> (tensor<2x8x?xf32>, tensor<2x8x16xf32>)
  return
}

// -----

func.func @ss_elem_B(%u: tensor<2x8x64xbf16>, %dt: tensor<2x8x64xbf16>, %A: tensor<8x16xf32>, %B: tensor<2x16x64xf32>, %C: tensor<2x16x64xf32>) {
  // expected-error @+1 {{expected 'B' to have element type 'bf16' (that of 'u'), got 'f32'}}
  %y, %h = ssm.selective_scan %u, %dt, %A, %B, %C : (tensor<2x8x64xbf16>, tensor<2x8x64xbf16>, tensor<8x16xf32>, tensor<2x16x64xf32>, tensor<2x16x64xf32>) -> (tensor<2x8x64xbf16>, tensor<2x8x16xf32>)
  return
}

// -----

func.func @ss_elem_y(%u: tensor<2x8x64xf32>, %dt: tensor<2x8x64xf32>, %A: tensor<8x16xf32>, %B: tensor<2x16x64xf32>, %C: tensor<2x16x64xf32>) {
  // expected-error @+1 {{expected 'y' to have element type 'f32' (that of 'u'), got 'f16'}}
  %y, %h = ssm.selective_scan %u, %dt, %A, %B, %C : (tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<8x16xf32>, tensor<2x16x64xf32>, tensor<2x16x64xf32>) -> (tensor<2x8x64xf16>, tensor<2x8x16xf32>)
  return
}

// -----

func.func @ss_elem_z(%u: tensor<2x8x64xbf16>, %dt: tensor<2x8x64xbf16>, %A: tensor<8x16xf32>, %B: tensor<2x16x64xbf16>, %C: tensor<2x16x64xbf16>, %z: tensor<2x8x64xf16>) {
  // expected-error @+1 {{expected 'z' to have element type 'bf16' (that of 'u'), got 'f16'}}
  %y, %h = ssm.selective_scan %u, %dt, %A, %B, %C z(%z) : (tensor<2x8x64xbf16>, tensor<2x8x64xbf16>, tensor<8x16xf32>, tensor<2x16x64xbf16>, tensor<2x16x64xbf16>, tensor<2x8x64xf16>) -> (tensor<2x8x64xbf16>, tensor<2x8x16xf32>)
  return
}

// -----

func.func @ss_elem_A(%u: tensor<2x8x64xbf16>, %dt: tensor<2x8x64xbf16>, %A: tensor<8x16xf16>, %B: tensor<2x16x64xbf16>, %C: tensor<2x16x64xbf16>) {
  // expected-error @+1 {{expected 'A' to have element type 'bf16' (that of 'u'), got 'f16'}}
  %y, %h = ssm.selective_scan %u, %dt, %A, %B, %C : (tensor<2x8x64xbf16>, tensor<2x8x64xbf16>, tensor<8x16xf16>, tensor<2x16x64xbf16>, tensor<2x16x64xbf16>) -> (tensor<2x8x64xbf16>, tensor<2x8x16xf32>)
  return
}

// -----

func.func @ss_elem_state(%u: tensor<2x8x64xbf16>, %dt: tensor<2x8x64xbf16>, %A: tensor<8x16xf32>, %B: tensor<2x16x64xbf16>, %C: tensor<2x16x64xbf16>) {
  // expected-error @+1 {{expected 'final_state' to have element type 'bf16' (that of 'u'), got 'f16'}}
  %y, %h = ssm.selective_scan %u, %dt, %A, %B, %C : (tensor<2x8x64xbf16>, tensor<2x8x64xbf16>, tensor<8x16xf32>, tensor<2x16x64xbf16>, tensor<2x16x64xbf16>) -> (tensor<2x8x64xbf16>, tensor<2x8x16xf16>)
  return
}

// -----

func.func @skip_u(%y: tensor<2x8x64xf32>, %u: tensor<2x8x32xf32>, %D: tensor<8xf32>) {
  // expected-error @+1 {{expected 'u' to have shape [batch, d_inner, seqlen] = [2, 8, 64], got [2, 8, 32]}}
  %0 = ssm.skip %y, %u, %D : tensor<2x8x64xf32>, tensor<2x8x32xf32>, tensor<8xf32> -> tensor<2x8x64xf32>
  return
}

// -----

func.func @skip_D(%y: tensor<2x8x64xf32>, %u: tensor<2x8x64xf32>, %D: tensor<2x8xf32>) {
  // expected-error @+1 {{expected 'D' to have rank 1 [d_inner], got rank 2 [2, 8]}}
  %0 = ssm.skip %y, %u, %D : tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<2x8xf32> -> tensor<2x8x64xf32>
  return
}

// -----

func.func @skip_result(%y: tensor<2x8x64xf32>, %u: tensor<2x8x64xf32>, %D: tensor<8xf32>) {
  // expected-error @+1 {{expected 'result' to have shape [batch, d_inner, seqlen] = [2, 8, 64], got [2, 8, 1]}}
  %0 = ssm.skip %y, %u, %D : tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<8xf32> -> tensor<2x8x1xf32>
  return
}

// -----

func.func @skip_elem(%y: tensor<2x8x64xf32>, %u: tensor<2x8x64xbf16>, %D: tensor<8xf32>) {
  // expected-error @+1 {{expected 'u' to have element type 'f32' (that of 'y'), got 'bf16'}}
  %0 = ssm.skip %y, %u, %D : tensor<2x8x64xf32>, tensor<2x8x64xbf16>, tensor<8xf32> -> tensor<2x8x64xf32>
  return
}

// -----

func.func @skip_D_elem(%y: tensor<2x8x64xf16>, %u: tensor<2x8x64xf16>, %D: tensor<8xbf16>) {
  // expected-error @+1 {{expected 'D' to have element type 'f16' (that of 'y'), got 'bf16'}}
  %0 = ssm.skip %y, %u, %D : tensor<2x8x64xf16>, tensor<2x8x64xf16>, tensor<8xbf16> -> tensor<2x8x64xf16>
  return
}

// -----

func.func @skip_result_elem(%y: tensor<2x8x64xf16>, %u: tensor<2x8x64xf16>, %D: tensor<8xf32>) {
  // expected-error @+1 {{expected 'result' to have element type 'f16' (that of 'y'), got 'f32'}}
  %0 = ssm.skip %y, %u, %D : tensor<2x8x64xf16>, tensor<2x8x64xf16>, tensor<8xf32> -> tensor<2x8x64xf32>
  return
}

// -----

func.func @gate_z(%y: tensor<2x8x64xf32>, %z: tensor<2x8x32xf32>) {
  // expected-error @+1 {{expected 'z' to have shape [2, 8, 64] (that of 'input'), got [2, 8, 32]}}
  %0 = ssm.gate %y, %z : tensor<2x8x64xf32>, tensor<2x8x32xf32>
  return
}

// -----

func.func @gate_z_elem(%y: tensor<2x8x64xf32>, %z: tensor<2x8x64xf16>) {
  // expected-error @+1 {{expected 'z' to have element type 'f32' (that of 'input'), got 'f16'}}
  %0 = ssm.gate %y, %z : tensor<2x8x64xf32>, tensor<2x8x64xf16>
  return
}

// -----

func.func @gate_result(%y: tensor<2x8x64xf32>) {
  // expected-error @+1 {{all of {input, result} have same type}}
  %0 = "ssm.gate"(%y) : (tensor<2x8x64xf32>) -> tensor<2x8x64xf16>
  return
}

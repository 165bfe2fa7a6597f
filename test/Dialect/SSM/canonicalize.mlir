// RUN: mamba-opt %s --canonicalize --split-input-file | FileCheck %s
// Canonicalization: discretize + generic scan folds into ssm.selective_scan,
// and a gate without z folds away.

#full = affine_map<(b, e, n, t) -> (b, e, n, t)>
#chan = affine_map<(b, e, n, t) -> (b, e, t)>
#state = affine_map<(b, e, n, t) -> (b, n, t)>

// CHECK-LABEL: func.func @discretized_scan
// CHECK-SAME: (%[[U:.*]]: tensor<2x8x64xf32>, %[[DT:.*]]: tensor<2x8x64xf32>, %[[A:.*]]: tensor<8x16xf32>, %[[B:.*]]: tensor<2x16x64xf32>, %[[C:.*]]: tensor<2x16x64xf32>, %[[H0:.*]]: tensor<2x8x16xf32>)
// CHECK-NEXT: %[[Y:.*]], %[[H:.*]] = ssm.selective_scan %[[U]], %[[DT]], %[[A]], %[[B]], %[[C]] initial_state(%[[H0]]) b_rule = zoh :
// CHECK-NEXT: return %[[Y]], %[[H]]
func.func @discretized_scan(%u: tensor<2x8x64xf32>, %dt: tensor<2x8x64xf32>, %A: tensor<8x16xf32>, %B: tensor<2x16x64xf32>, %C: tensor<2x16x64xf32>, %h0: tensor<2x8x16xf32>) -> (tensor<2x8x64xf32>, tensor<2x8x16xf32>) {
  %dA, %dB = ssm.discretize %dt, %A, %B b_rule = zoh : tensor<2x8x64xf32>, tensor<8x16xf32>, tensor<2x16x64xf32> -> tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>
  %y, %h = ssm.scan ins(%dA, %dB, %u, %C : tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x64xf32>, tensor<2x16x64xf32>)
      init(%h0 : tensor<2x8x16xf32>)
      maps = [#full, #full, #chan, #state, #chan] update {
  ^bb0(%hp: f32, %a: f32, %b: f32, %x: f32, %c: f32):
    %bx = arith.mulf %x, %b : f32
    ssm.yield %a, %bx : f32, f32
  } readout {
  ^bb0(%ht: f32, %a: f32, %b: f32, %x: f32, %c: f32):
    %p = arith.mulf %c, %ht : f32
    ssm.yield %p : f32
  } -> tensor<2x8x64xf32>, tensor<2x8x16xf32>
  return %y, %h : tensor<2x8x64xf32>, tensor<2x8x16xf32>
}

// -----

#full = affine_map<(b, e, n, t) -> (b, e, n, t)>
#chan = affine_map<(b, e, n, t) -> (b, e, t)>
#state = affine_map<(b, e, n, t) -> (b, n, t)>

// A readout that is not h * C is another operator: the scan stays generic.
// CHECK-LABEL: func.func @other_readout
// CHECK: ssm.discretize
// CHECK: ssm.scan
// CHECK-NOT: ssm.selective_scan
func.func @other_readout(%u: tensor<2x8x64xf32>, %dt: tensor<2x8x64xf32>, %A: tensor<8x16xf32>, %B: tensor<2x16x64xf32>, %C: tensor<2x16x64xf32>) -> tensor<2x8x64xf32> {
  %dA, %dB = ssm.discretize %dt, %A, %B : tensor<2x8x64xf32>, tensor<8x16xf32>, tensor<2x16x64xf32> -> tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>
  %y, %h = ssm.scan ins(%dA, %dB, %u, %C : tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x64xf32>, tensor<2x16x64xf32>)
      maps = [#full, #full, #chan, #state, #chan] update {
  ^bb0(%hp: f32, %a: f32, %b: f32, %x: f32, %c: f32):
    %bx = arith.mulf %x, %b : f32
    ssm.yield %a, %bx : f32, f32
  } readout {
  ^bb0(%ht: f32, %a: f32, %b: f32, %x: f32, %c: f32):
    %p = arith.addf %c, %ht : f32
    ssm.yield %p : f32
  } -> tensor<2x8x64xf32>, tensor<2x8x16xf32>
  return %y : tensor<2x8x64xf32>
}

// -----

#full = affine_map<(b, e, n, t) -> (b, e, n, t)>
#chan = affine_map<(b, e, n, t) -> (b, e, t)>
#state = affine_map<(b, e, n, t) -> (b, n, t)>

// C indexed per channel instead of per state: not the Mamba layout.
// CHECK-LABEL: func.func @other_layout
// CHECK: ssm.scan
// CHECK-NOT: ssm.selective_scan
func.func @other_layout(%u: tensor<2x8x64xf32>, %dt: tensor<2x8x64xf32>, %A: tensor<8x16xf32>, %B: tensor<2x16x64xf32>) -> tensor<2x8x64xf32> {
  %dA, %dB = ssm.discretize %dt, %A, %B : tensor<2x8x64xf32>, tensor<8x16xf32>, tensor<2x16x64xf32> -> tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>
  %y, %h = ssm.scan ins(%dA, %dB, %u, %u : tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x64xf32>, tensor<2x8x64xf32>)
      maps = [#full, #full, #chan, #chan, #chan] update {
  ^bb0(%hp: f32, %a: f32, %b: f32, %x: f32, %c: f32):
    %bx = arith.mulf %x, %b : f32
    ssm.yield %a, %bx : f32, f32
  } readout {
  ^bb0(%ht: f32, %a: f32, %b: f32, %x: f32, %c: f32):
    %p = arith.mulf %c, %ht : f32
    ssm.yield %p : f32
  } -> tensor<2x8x64xf32>, tensor<2x8x16xf32>
  return %y : tensor<2x8x64xf32>
}

// -----

// CHECK-LABEL: func.func @gate_without_z
// CHECK-SAME: (%[[Y:.*]]: tensor<2x8x64xf32>)
// CHECK-NEXT: return %[[Y]]
func.func @gate_without_z(%y: tensor<2x8x64xf32>) -> tensor<2x8x64xf32> {
  %0 = ssm.gate %y : tensor<2x8x64xf32>
  return %0 : tensor<2x8x64xf32>
}

// -----

// CHECK-LABEL: func.func @gate_with_z
// CHECK-NEXT: ssm.gate
func.func @gate_with_z(%y: tensor<2x8x64xf32>, %z: tensor<2x8x64xf32>) -> tensor<2x8x64xf32> {
  %0 = ssm.gate %y, %z : tensor<2x8x64xf32>, tensor<2x8x64xf32>
  return %0 : tensor<2x8x64xf32>
}

// -----

// Unused ssm ops are pure and disappear.
// CHECK-LABEL: func.func @dead
// CHECK-NEXT: return
func.func @dead(%x: tensor<2x32x8xf32>, %w: tensor<32x4xf32>) {
  %0 = ssm.causal_conv1d %x, %w : tensor<2x32x8xf32>, tensor<32x4xf32> -> tensor<2x32x8xf32>
  %1 = ssm.softplus %0 : tensor<2x32x8xf32>
  return
}

// RUN: mamba-opt %s --ssm-fuse --split-input-file | FileCheck %s
// RUN: mamba-opt %s --ssm-optimize --split-input-file | FileCheck %s --check-prefix=PIPE
// --ssm-fuse: softplus + discretize + scan + D skip + gate become one
// selective scan, and conv1d + silu one convolution.

#full = affine_map<(b, e, n, t) -> (b, e, n, t)>
#chan = affine_map<(b, e, n, t) -> (b, e, t)>
#state = affine_map<(b, e, n, t) -> (b, n, t)>

// Before: softplus, discretize, generic scan, skip, gate.
// CHECK-LABEL: func.func @mamba_scan
// CHECK-SAME: (%[[U:[^:]*]]: {{[^,]*}}, %[[DT:[^:]*]]: {{[^,]*}}, %[[A:[^:]*]]: {{[^,]*}}, %[[B:[^:]*]]: {{[^,]*}}, %[[C:[^:]*]]: {{[^,]*}}, %[[D:[^:]*]]: {{[^,]*}}, %[[Z:[^:]*]]: {{[^)]*}})
// CHECK-NEXT: %[[Y:.*]], %{{.*}} = ssm.selective_scan %[[U]], %[[DT]], %[[A]], %[[B]], %[[C]] D(%[[D]]) z(%[[Z]]) delta_softplus :
// CHECK-NEXT: return %[[Y]]
// PIPE-LABEL: func.func @mamba_scan
// PIPE-NEXT: ssm.selective_scan {{.*}} D({{.*}}) z({{.*}}) delta_softplus
// PIPE-NEXT: return
func.func @mamba_scan(%u: tensor<2x8x64xf32>, %dt_raw: tensor<2x8x64xf32>, %A: tensor<8x16xf32>, %B: tensor<2x16x64xf32>, %C: tensor<2x16x64xf32>, %D: tensor<8xf32>, %z: tensor<2x8x64xf32>) -> tensor<2x8x64xf32> {
  %dt = ssm.softplus %dt_raw : tensor<2x8x64xf32>
  %dA, %dB = ssm.discretize %dt, %A, %B : tensor<2x8x64xf32>, tensor<8x16xf32>, tensor<2x16x64xf32> -> tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>
  %y, %h = ssm.scan ins(%dA, %dB, %u, %C : tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x64xf32>, tensor<2x16x64xf32>)
      maps = [#full, #full, #chan, #state, #chan] update {
  ^bb0(%hp: f32, %a: f32, %b: f32, %x: f32, %c: f32):
    %bx = arith.mulf %b, %x : f32
    ssm.yield %a, %bx : f32, f32
  } readout {
  ^bb0(%ht: f32, %a: f32, %b: f32, %x: f32, %c: f32):
    %p = arith.mulf %ht, %c : f32
    ssm.yield %p : f32
  } -> tensor<2x8x64xf32>, tensor<2x8x16xf32>
  %s = ssm.skip %y, %u, %D : tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<8xf32> -> tensor<2x8x64xf32>
  %g = ssm.gate %s, %z : tensor<2x8x64xf32>, tensor<2x8x64xf32>
  return %g : tensor<2x8x64xf32>
}

// -----

// The named scan grows over its neighbours the same way.
// CHECK-LABEL: func.func @named_scan
// CHECK-NEXT: %[[Y:.*]], %[[H:.*]] = ssm.selective_scan {{.*}} D(%{{.*}}) z(%{{.*}}) delta_softplus :
// CHECK-NEXT: return %[[Y]], %[[H]]
func.func @named_scan(%u: tensor<1x8x?xf32>, %dt_raw: tensor<1x8x?xf32>, %A: tensor<8x16xf32>, %B: tensor<1x16x?xf32>, %C: tensor<1x16x?xf32>, %D: tensor<8xf32>, %z: tensor<1x8x?xf32>) -> (tensor<1x8x?xf32>, tensor<1x8x16xf32>) {
  %dt = ssm.softplus %dt_raw : tensor<1x8x?xf32>
  %y, %h = ssm.selective_scan %u, %dt, %A, %B, %C : (tensor<1x8x?xf32>, tensor<1x8x?xf32>, tensor<8x16xf32>, tensor<1x16x?xf32>, tensor<1x16x?xf32>) -> (tensor<1x8x?xf32>, tensor<1x8x16xf32>)
  %s = ssm.skip %y, %u, %D : tensor<1x8x?xf32>, tensor<1x8x?xf32>, tensor<8xf32> -> tensor<1x8x?xf32>
  %g = ssm.gate %s, %z : tensor<1x8x?xf32>, tensor<1x8x?xf32>
  return %g, %h : tensor<1x8x?xf32>, tensor<1x8x16xf32>
}

// -----

// A softplus with another user stays, and so does the scan's flag.
// CHECK-LABEL: func.func @shared_softplus
// CHECK-NEXT: %[[DT:.*]] = ssm.softplus
// CHECK-NEXT: ssm.selective_scan %{{.*}}, %[[DT]], {{.*}} :
// CHECK-NOT: delta_softplus
func.func @shared_softplus(%u: tensor<1x8x4xf32>, %dt_raw: tensor<1x8x4xf32>, %A: tensor<8x16xf32>, %B: tensor<1x16x4xf32>) -> (tensor<1x8x4xf32>, tensor<1x8x4xf32>) {
  %dt = ssm.softplus %dt_raw : tensor<1x8x4xf32>
  %y, %h = ssm.selective_scan %u, %dt, %A, %B, %B : (tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<8x16xf32>, tensor<1x16x4xf32>, tensor<1x16x4xf32>) -> (tensor<1x8x4xf32>, tensor<1x8x16xf32>)
  return %y, %dt : tensor<1x8x4xf32>, tensor<1x8x4xf32>
}

// -----

// A skip of another tensor than the scan's input is not the D skip.
// CHECK-LABEL: func.func @skip_of_other_input
// CHECK: ssm.selective_scan
// CHECK-NEXT: ssm.skip
func.func @skip_of_other_input(%u: tensor<1x8x4xf32>, %v: tensor<1x8x4xf32>, %A: tensor<8x16xf32>, %B: tensor<1x16x4xf32>, %D: tensor<8xf32>) -> tensor<1x8x4xf32> {
  %y, %h = ssm.selective_scan %u, %u, %A, %B, %B : (tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<8x16xf32>, tensor<1x16x4xf32>, tensor<1x16x4xf32>) -> (tensor<1x8x4xf32>, tensor<1x8x16xf32>)
  %s = ssm.skip %y, %v, %D : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<8xf32> -> tensor<1x8x4xf32>
  return %s : tensor<1x8x4xf32>
}

// -----

// y used twice: fusing the gate would compute the scan twice.
// CHECK-LABEL: func.func @y_used_twice
// CHECK: ssm.selective_scan
// CHECK-NEXT: ssm.gate
func.func @y_used_twice(%u: tensor<1x8x4xf32>, %A: tensor<8x16xf32>, %B: tensor<1x16x4xf32>) -> (tensor<1x8x4xf32>, tensor<1x8x4xf32>) {
  %y, %h = ssm.selective_scan %u, %u, %A, %B, %B : (tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<8x16xf32>, tensor<1x16x4xf32>, tensor<1x16x4xf32>) -> (tensor<1x8x4xf32>, tensor<1x8x16xf32>)
  %g = ssm.gate %y, %u : tensor<1x8x4xf32>, tensor<1x8x4xf32>
  return %g, %y : tensor<1x8x4xf32>, tensor<1x8x4xf32>
}

// -----

// CHECK-LABEL: func.func @conv_silu
// CHECK-NEXT: %[[C:.*]] = ssm.causal_conv1d %{{.*}}, %{{.*}}, %{{.*}} activation = silu :
// CHECK-NEXT: return %[[C]]
func.func @conv_silu(%x: tensor<2x32x8xf32>, %w: tensor<32x4xf32>, %b: tensor<32xf32>) -> tensor<2x32x8xf32> {
  %0 = ssm.causal_conv1d %x, %w, %b : tensor<2x32x8xf32>, tensor<32x4xf32>, tensor<32xf32> -> tensor<2x32x8xf32>
  %1 = ssm.silu %0 : tensor<2x32x8xf32>
  return %1 : tensor<2x32x8xf32>
}

// -----

// A convolution whose raw output is also used keeps its silu apart.
// CHECK-LABEL: func.func @conv_used_twice
// CHECK-NEXT: ssm.causal_conv1d
// CHECK-NOT: activation
// CHECK-NEXT: ssm.silu
func.func @conv_used_twice(%x: tensor<2x32x8xf32>, %w: tensor<32x4xf32>) -> (tensor<2x32x8xf32>, tensor<2x32x8xf32>) {
  %0 = ssm.causal_conv1d %x, %w : tensor<2x32x8xf32>, tensor<32x4xf32> -> tensor<2x32x8xf32>
  %1 = ssm.silu %0 : tensor<2x32x8xf32>
  return %0, %1 : tensor<2x32x8xf32>, tensor<2x32x8xf32>
}

// -----

#full4 = affine_map<(b, e, n, t) -> (b, e, n, t)>
#chan4 = affine_map<(b, e, n, t) -> (b, e, t)>
#state4 = affine_map<(b, e, n, t) -> (b, n, t)>

// A scan that is not the selective scan (its input is halved) computes the
// discretization in its regions: the 4-D tensors disappear, delta, A and B
// become inputs with their own maps, and the ZOH rule is kept.
// CHECK-DAG: #[[CHAN:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[PARAM:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d2)>
// CHECK-DAG: #[[STATE:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
// CHECK-LABEL: func.func @custom_scan
// CHECK-SAME: (%[[U:[^:]*]]: {{[^,]*}}, %[[DT:[^:]*]]: {{[^,]*}}, %[[A:[^:]*]]: {{[^,]*}}, %[[B:[^:]*]]: {{[^,]*}}, %[[C:[^:]*]]: {{[^)]*}})
// CHECK-NOT: ssm.discretize
// CHECK: ssm.scan ins(%[[U]], %[[C]], %[[DT]], %[[A]], %[[B]] :
// CHECK-SAME: maps = [#[[CHAN]], #[[STATE]], #[[CHAN]], #[[PARAM]], #[[STATE]], #[[CHAN]]] update {
// CHECK-NEXT: ^bb0(%{{.*}}: f32, %[[X:.*]]: f32, %{{.*}}: f32, %[[D:.*]]: f32, %[[AA:.*]]: f32, %[[BB:.*]]: f32):
// CHECK: %[[DTA:.*]] = arith.mulf %[[D]], %[[AA]] : f32
// CHECK-NEXT: %[[DECAY:.*]] = math.exp %[[DTA]] : f32
// CHECK-NEXT: %[[EM1:.*]] = arith.subf %[[DECAY]], %{{.*}} : f32
// CHECK-NEXT: %[[RATIO:.*]] = arith.divf %[[EM1]], %[[AA]] : f32
// CHECK-NEXT: %[[DB:.*]] = arith.mulf %[[RATIO]], %[[BB]] : f32
// CHECK: ssm.yield %[[DECAY]], %{{.*}} : f32, f32
// CHECK: } readout {
// CHECK-NOT: math.exp
// CHECK: } -> tensor<2x8x64xf32>, tensor<2x8x16xf32>
func.func @custom_scan(%u: tensor<2x8x64xf32>, %dt: tensor<2x8x64xf32>, %A: tensor<8x16xf32>, %B: tensor<2x16x64xf32>, %C: tensor<2x16x64xf32>) -> tensor<2x8x64xf32> {
  %dA, %dB = ssm.discretize %dt, %A, %B b_rule = zoh : tensor<2x8x64xf32>, tensor<8x16xf32>, tensor<2x16x64xf32> -> tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>
  %y, %h = ssm.scan ins(%dA, %dB, %u, %C : tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x64xf32>, tensor<2x16x64xf32>)
      maps = [#full4, #full4, #chan4, #state4, #chan4] update {
  ^bb0(%hp: f32, %a: f32, %b: f32, %x: f32, %c: f32):
    %half = arith.constant 0.5 : f32
    %bx = arith.mulf %b, %x : f32
    %hbx = arith.mulf %bx, %half : f32
    ssm.yield %a, %hbx : f32, f32
  } readout {
  ^bb0(%ht: f32, %a: f32, %b: f32, %x: f32, %c: f32):
    %p = arith.mulf %ht, %c : f32
    ssm.yield %p : f32
  } -> tensor<2x8x64xf32>, tensor<2x8x16xf32>
  return %y : tensor<2x8x64xf32>
}

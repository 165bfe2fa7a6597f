// RUN: mamba-opt %s | mamba-opt | FileCheck %s
// RUN: mamba-opt %s --mlir-print-op-generic | mamba-opt | FileCheck %s
// Round trip of every ssm op through its custom and its generic form.

// CHECK-LABEL: func.func @weight
// CHECK-NEXT: ssm.weight "backbone.layers.0.mixer.A_log" : tensor<32x16xf32>
func.func @weight() -> tensor<32x16xf32> {
  %0 = ssm.weight "backbone.layers.0.mixer.A_log" : tensor<32x16xf32>
  return %0 : tensor<32x16xf32>
}

// CHECK-LABEL: func.func @embedding
// CHECK-NEXT: ssm.embedding %{{.*}}, %{{.*}} : tensor<2x8xi32>, tensor<64x16xf32> -> tensor<2x8x16xf32>
func.func @embedding(%ids: tensor<2x8xi32>, %t: tensor<64x16xf32>) -> tensor<2x8x16xf32> {
  %0 = ssm.embedding %ids, %t : tensor<2x8xi32>, tensor<64x16xf32> -> tensor<2x8x16xf32>
  return %0 : tensor<2x8x16xf32>
}

// CHECK-LABEL: func.func @embedding_dynamic
// CHECK-NEXT: ssm.embedding %{{.*}}, %{{.*}} : tensor<?x?xi64>, tensor<64x16xbf16> -> tensor<?x?x16xbf16>
func.func @embedding_dynamic(%ids: tensor<?x?xi64>, %t: tensor<64x16xbf16>) -> tensor<?x?x16xbf16> {
  %0 = ssm.embedding %ids, %t : tensor<?x?xi64>, tensor<64x16xbf16> -> tensor<?x?x16xbf16>
  return %0 : tensor<?x?x16xbf16>
}

// CHECK-LABEL: func.func @rmsnorm
// CHECK-NEXT: ssm.rmsnorm %{{.*}}, %{{.*}} : tensor<2x8x16xf32>, tensor<16xf32> -> tensor<2x8x16xf32>
// CHECK-NEXT: ssm.rmsnorm %{{.*}}, %{{.*}} {eps = 9.99999997E-7 : f32} : tensor<2x8x16xf16>, tensor<16xf32> -> tensor<2x8x16xf16>
// CHECK-NEXT: ssm.rmsnorm %{{.*}}, %{{.*}} {group_size = 4 : i64} : tensor<2x8x16xf32>, tensor<16xf32> -> tensor<2x8x16xf32>
func.func @rmsnorm(%x: tensor<2x8x16xf32>, %w: tensor<16xf32>, %h: tensor<2x8x16xf16>) -> (tensor<2x8x16xf32>, tensor<2x8x16xf16>, tensor<2x8x16xf32>) {
  %0 = ssm.rmsnorm %x, %w : tensor<2x8x16xf32>, tensor<16xf32> -> tensor<2x8x16xf32>
  %1 = ssm.rmsnorm %h, %w {eps = 1.0e-6 : f32} : tensor<2x8x16xf16>, tensor<16xf32> -> tensor<2x8x16xf16>
  %2 = ssm.rmsnorm %x, %w {group_size = 4} : tensor<2x8x16xf32>, tensor<16xf32> -> tensor<2x8x16xf32>
  return %0, %1, %2 : tensor<2x8x16xf32>, tensor<2x8x16xf16>, tensor<2x8x16xf32>
}

// CHECK-LABEL: func.func @linear
// CHECK-NEXT: ssm.linear %{{.*}}, %{{.*}} : tensor<2x8x16xf32>, tensor<64x16xf32> -> tensor<2x8x64xf32>
// CHECK-NEXT: ssm.linear %{{.*}}, %{{.*}}, %{{.*}} : tensor<8x16xf32>, tensor<4x16xbf16>, tensor<4xf32> -> tensor<8x4xf32>
func.func @linear(%x: tensor<2x8x16xf32>, %w: tensor<64x16xf32>, %x2: tensor<8x16xf32>, %w2: tensor<4x16xbf16>, %b: tensor<4xf32>) -> (tensor<2x8x64xf32>, tensor<8x4xf32>) {
  %0 = ssm.linear %x, %w : tensor<2x8x16xf32>, tensor<64x16xf32> -> tensor<2x8x64xf32>
  %1 = ssm.linear %x2, %w2, %b : tensor<8x16xf32>, tensor<4x16xbf16>, tensor<4xf32> -> tensor<8x4xf32>
  return %0, %1 : tensor<2x8x64xf32>, tensor<8x4xf32>
}

// CHECK-LABEL: func.func @causal_conv1d
// CHECK-NEXT: ssm.causal_conv1d %{{.*}}, %{{.*}} : tensor<2x32x8xf32>, tensor<32x4xf32> -> tensor<2x32x8xf32>
// CHECK-NEXT: ssm.causal_conv1d %{{.*}}, %{{.*}}, %{{.*}} activation = silu : tensor<2x32x8xf32>, tensor<32x4xf32>, tensor<32xf32> -> tensor<2x32x8xf32>
func.func @causal_conv1d(%x: tensor<2x32x8xf32>, %w: tensor<32x4xf32>, %b: tensor<32xf32>) -> (tensor<2x32x8xf32>, tensor<2x32x8xf32>) {
  %0 = ssm.causal_conv1d %x, %w : tensor<2x32x8xf32>, tensor<32x4xf32> -> tensor<2x32x8xf32>
  %1 = ssm.causal_conv1d %x, %w, %b activation = silu : tensor<2x32x8xf32>, tensor<32x4xf32>, tensor<32xf32> -> tensor<2x32x8xf32>
  return %0, %1 : tensor<2x32x8xf32>, tensor<2x32x8xf32>
}

// CHECK-LABEL: func.func @causal_conv1d_state
// CHECK-NEXT: ssm.causal_conv1d %{{.*}}, %{{.*}} state(%{{.*}} : tensor<2x32x4xf32>) : tensor<2x32x1xf32>, tensor<32x4xf32> -> tensor<2x32x1xf32>, tensor<2x32x4xf32>
// CHECK-NEXT: ssm.causal_conv1d %{{.*}}, %{{.*}}, %{{.*}} state(%{{.*}} : tensor<?x32x4xf32>) activation = silu : tensor<?x32x?xf32>, tensor<32x4xf32>, tensor<32xf32> -> tensor<?x32x?xf32>, tensor<?x32x4xf32>
func.func @causal_conv1d_state(%x: tensor<2x32x1xf32>, %w: tensor<32x4xf32>, %b: tensor<32xf32>, %s: tensor<2x32x4xf32>, %xd: tensor<?x32x?xf32>, %sd: tensor<?x32x4xf32>) {
  %0, %1 = ssm.causal_conv1d %x, %w state(%s : tensor<2x32x4xf32>) : tensor<2x32x1xf32>, tensor<32x4xf32> -> tensor<2x32x1xf32>, tensor<2x32x4xf32>
  %2, %3 = ssm.causal_conv1d %xd, %w, %b state(%sd : tensor<?x32x4xf32>) activation = silu : tensor<?x32x?xf32>, tensor<32x4xf32>, tensor<32xf32> -> tensor<?x32x?xf32>, tensor<?x32x4xf32>
  return
}

// CHECK-LABEL: func.func @elementwise
// CHECK-NEXT: ssm.softplus %{{.*}} : tensor<2x32x8xf32>
// CHECK-NEXT: ssm.silu %{{.*}} : tensor<2x32x8xf32>
func.func @elementwise(%x: tensor<2x32x8xf32>) -> tensor<2x32x8xf32> {
  %0 = ssm.softplus %x : tensor<2x32x8xf32>
  %1 = ssm.silu %0 : tensor<2x32x8xf32>
  return %1 : tensor<2x32x8xf32>
}

// CHECK-LABEL: func.func @discretize
// CHECK-NEXT: ssm.discretize %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x8x64xf32>, tensor<8x16xf32>, tensor<2x16x64xf32> -> tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>
// CHECK-NEXT: ssm.discretize %{{.*}}, %{{.*}}, %{{.*}} b_rule = zoh : tensor<2x8x64xf32>
func.func @discretize(%dt: tensor<2x8x64xf32>, %A: tensor<8x16xf32>, %B: tensor<2x16x64xf32>) -> (tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>) {
  %0:2 = ssm.discretize %dt, %A, %B : tensor<2x8x64xf32>, tensor<8x16xf32>, tensor<2x16x64xf32> -> tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>
  %1:2 = ssm.discretize %dt, %A, %B a_rule = zoh b_rule = zoh : tensor<2x8x64xf32>, tensor<8x16xf32>, tensor<2x16x64xf32> -> tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>
  return %0#0, %1#1 : tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>
}

// CHECK-LABEL: func.func @selective_scan
// CHECK-NEXT: ssm.selective_scan %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<8x16xf32>, tensor<2x16x64xf32>, tensor<2x16x64xf32>) -> (tensor<2x8x64xf32>, tensor<2x8x16xf32>)
// CHECK-NEXT: ssm.selective_scan %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} D(%{{.*}}) z(%{{.*}}) delta_bias(%{{.*}}) initial_state(%{{.*}}) delta_softplus b_rule = zoh :
func.func @selective_scan(%u: tensor<2x8x64xf32>, %dt: tensor<2x8x64xf32>, %A: tensor<8x16xf32>, %B: tensor<2x16x64xf32>, %C: tensor<2x16x64xf32>, %D: tensor<8xf32>, %z: tensor<2x8x64xf32>, %h0: tensor<2x8x16xf32>) -> (tensor<2x8x64xf32>, tensor<2x8x16xf32>) {
  %y, %h = ssm.selective_scan %u, %dt, %A, %B, %C : (tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<8x16xf32>, tensor<2x16x64xf32>, tensor<2x16x64xf32>) -> (tensor<2x8x64xf32>, tensor<2x8x16xf32>)
  %y2, %h2 = ssm.selective_scan %u, %dt, %A, %B, %C D(%D) z(%z) delta_bias(%D) initial_state(%h0) delta_softplus b_rule = zoh : (tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<8x16xf32>, tensor<2x16x64xf32>, tensor<2x16x64xf32>, tensor<8xf32>, tensor<2x8x64xf32>, tensor<8xf32>, tensor<2x8x16xf32>) -> (tensor<2x8x64xf32>, tensor<2x8x16xf32>)
  return %y2, %h : tensor<2x8x64xf32>, tensor<2x8x16xf32>
}

// CHECK-LABEL: func.func @selective_scan_bf16
// CHECK-NEXT: ssm.selective_scan {{.*}} z(%{{.*}}) delta_softplus : (tensor<1x8x?xbf16>, tensor<1x8x?xbf16>, tensor<8x16xf32>, tensor<1x16x?xbf16>, tensor<1x16x?xbf16>, tensor<8xf32>, tensor<1x8x?xbf16>) -> (tensor<1x8x?xbf16>, tensor<1x8x16xf32>)
func.func @selective_scan_bf16(%u: tensor<1x8x?xbf16>, %B: tensor<1x16x?xbf16>, %A: tensor<8x16xf32>, %D: tensor<8xf32>) -> tensor<1x8x?xbf16> {
  %y, %h = ssm.selective_scan %u, %u, %A, %B, %B D(%D) z(%u) delta_softplus : (tensor<1x8x?xbf16>, tensor<1x8x?xbf16>, tensor<8x16xf32>, tensor<1x16x?xbf16>, tensor<1x16x?xbf16>, tensor<8xf32>, tensor<1x8x?xbf16>) -> (tensor<1x8x?xbf16>, tensor<1x8x16xf32>)
  return %y : tensor<1x8x?xbf16>
}

// CHECK-LABEL: func.func @skip_and_gate
// CHECK-NEXT: ssm.skip %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<8xf32> -> tensor<2x8x64xf32>
// CHECK-NEXT: ssm.gate %{{.*}}, %{{.*}} : tensor<2x8x64xf32>, tensor<2x8x64xf32>
// CHECK-NEXT: ssm.gate %{{.*}} : tensor<2x8x64xf32>
func.func @skip_and_gate(%y: tensor<2x8x64xf32>, %u: tensor<2x8x64xf32>, %D: tensor<8xf32>) -> tensor<2x8x64xf32> {
  %0 = ssm.skip %y, %u, %D : tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<8xf32> -> tensor<2x8x64xf32>
  %1 = ssm.gate %0, %u : tensor<2x8x64xf32>, tensor<2x8x64xf32>
  %2 = ssm.gate %1 : tensor<2x8x64xf32>
  return %2 : tensor<2x8x64xf32>
}

// A cumulative sum: a_t = 1, b_t = x_t, y_t = h_t.
// CHECK-LABEL: func.func @scan_cumsum
// CHECK: ssm.scan ins(%{{.*}} : tensor<2x8x64xf32>) maps = [#map, #map] update {
// CHECK-NEXT: ^bb0(%{{.*}}: f32, %{{.*}}: f32):
// CHECK: ssm.yield %{{.*}}, %{{.*}} : f32, f32
// CHECK-NEXT: } readout {
// CHECK: } -> tensor<2x8x64xf32>, tensor<2x8xf32>
func.func @scan_cumsum(%x: tensor<2x8x64xf32>) -> tensor<2x8x64xf32> {
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

// Linear attention with decay (RetNet): h[b, k, v] = g * h + k_t[k] * v_t[v],
// y_t[v] = sum_k q_t[k] * h[k, v]; init given.
// CHECK-LABEL: func.func @scan_retention
// CHECK: ssm.scan ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<2x4x32xf32>, tensor<2x4x32xf32>, tensor<2x8x32xf32>) init(%{{.*}} : tensor<2x4x8xf32>)
func.func @scan_retention(%q: tensor<2x4x32xf32>, %k: tensor<2x4x32xf32>, %v: tensor<2x8x32xf32>, %h0: tensor<2x4x8xf32>) -> (tensor<2x8x32xf32>, tensor<2x4x8xf32>) {
  %y, %h = ssm.scan ins(%q, %k, %v : tensor<2x4x32xf32>, tensor<2x4x32xf32>, tensor<2x8x32xf32>)
      init(%h0 : tensor<2x4x8xf32>)
      maps = [affine_map<(b, i, j, t) -> (b, i, t)>, affine_map<(b, i, j, t) -> (b, i, t)>,
              affine_map<(b, i, j, t) -> (b, j, t)>, affine_map<(b, i, j, t) -> (b, j, t)>]
      update {
  ^bb0(%hp: f32, %qt: f32, %kt: f32, %vt: f32):
    %g = arith.constant 0.96875 : f32
    %kv = arith.mulf %kt, %vt : f32
    ssm.yield %g, %kv : f32, f32
  } readout {
  ^bb0(%ht: f32, %qt: f32, %kt: f32, %vt: f32):
    %p = arith.mulf %qt, %ht : f32
    ssm.yield %p : f32
  } -> tensor<2x8x32xf32>, tensor<2x4x8xf32>
  return %y, %h : tensor<2x8x32xf32>, tensor<2x4x8xf32>
}

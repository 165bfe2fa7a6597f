// RUN: mamba-opt %s --ssm-specialize-decode --split-input-file -verify-diagnostics | FileCheck %s
// --ssm-specialize-decode: @prefill and @decode_step carry every recurrent
// state (conv windows, scan states) as an argument and a result.

// CHECK-LABEL: func.func @forward(%{{.*}}: tensor<?x?xi32>) -> tensor<?x?x8xf32>
// CHECK-NOT: state(
// CHECK: return

// CHECK-LABEL: func.func @prefill(
// CHECK-SAME: %[[TOK:.*]]: tensor<?x?xi32>,
// CHECK-SAME: %[[CONV:.*]]: tensor<?x8x4xf32> {ssm.state = "conv"},
// CHECK-SAME: %[[SSM:.*]]: tensor<?x8x16xf32> {ssm.state = "ssm"},
// CHECK-SAME: %[[CUM:.*]]: tensor<?x8xf32> {ssm.state = "ssm"})
// CHECK-SAME: -> (tensor<?x?x8xf32>, tensor<?x8x4xf32> {ssm.state = "conv"}, tensor<?x8x16xf32> {ssm.state = "ssm"}, tensor<?x8xf32> {ssm.state = "ssm"})
// CHECK: %[[X:.*]], %[[CONV1:.*]] = ssm.causal_conv1d %{{.*}}, %{{.*}} state(%[[CONV]] : tensor<?x8x4xf32>) activation = silu
// CHECK: %[[Y:.*]], %[[SSM1:.*]] = ssm.selective_scan %[[X]], {{.*}} initial_state(%[[SSM]])
// CHECK: %[[C:.*]], %[[CUM1:.*]] = ssm.scan ins(%[[Y]] : tensor<?x8x?xf32>) init(%[[CUM]] : tensor<?x8xf32>)
// CHECK: return %{{.*}}, %[[CONV1]], %[[SSM1]], %[[CUM1]]

// CHECK-LABEL: func.func @decode_step(
// CHECK-SAME: %[[TOK:.*]]: tensor<?x1xi32>,
// CHECK-SAME: tensor<?x8x4xf32> {ssm.state = "conv"}
// CHECK: tensor.cast %[[TOK]] : tensor<?x1xi32> to tensor<?x?xi32>
// CHECK: ssm.causal_conv1d {{.*}} state(
// CHECK: ssm.selective_scan {{.*}} initial_state(
// CHECK: ssm.scan {{.*}} init(
func.func @forward(%tokens: tensor<?x?xi32>) -> tensor<?x?x8xf32> {
  %emb = ssm.weight "emb" : tensor<32x8xf32>
  %w = ssm.weight "conv.weight" : tensor<8x4xf32>
  %a = ssm.weight "A" : tensor<8x16xf32>
  %h = ssm.embedding %tokens, %emb : tensor<?x?xi32>, tensor<32x8xf32> -> tensor<?x?x8xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %b = tensor.dim %h, %c0 : tensor<?x?x8xf32>
  %l = tensor.dim %h, %c1 : tensor<?x?x8xf32>
  %e = tensor.empty(%b, %l) : tensor<?x8x?xf32>
  %u = linalg.transpose ins(%h : tensor<?x?x8xf32>) outs(%e : tensor<?x8x?xf32>) permutation = [0, 2, 1]
  %x = ssm.causal_conv1d %u, %w activation = silu : tensor<?x8x?xf32>, tensor<8x4xf32> -> tensor<?x8x?xf32>
  %e2 = tensor.empty(%b, %l) : tensor<?x16x?xf32>
  %bc = linalg.transpose ins(%h : tensor<?x?x8xf32>) outs(%e : tensor<?x8x?xf32>) permutation = [0, 2, 1]
  %bb = tensor.concat dim(1) %bc, %bc : (tensor<?x8x?xf32>, tensor<?x8x?xf32>) -> tensor<?x16x?xf32>
  %y, %hs = ssm.selective_scan %x, %x, %a, %bb, %bb delta_softplus : (tensor<?x8x?xf32>, tensor<?x8x?xf32>, tensor<8x16xf32>, tensor<?x16x?xf32>, tensor<?x16x?xf32>) -> (tensor<?x8x?xf32>, tensor<?x8x16xf32>)
  %cum, %ch = ssm.scan ins(%y : tensor<?x8x?xf32>)
      maps = [affine_map<(b, c, t) -> (b, c, t)>, affine_map<(b, c, t) -> (b, c, t)>]
      update {
  ^bb0(%hp: f32, %xt: f32):
    %one = arith.constant 1.0 : f32
    ssm.yield %one, %xt : f32, f32
  } readout {
  ^bb0(%ht: f32, %xt: f32):
    ssm.yield %ht : f32
  } -> tensor<?x8x?xf32>, tensor<?x8xf32>
  %e3 = tensor.empty(%b, %l) : tensor<?x?x8xf32>
  %out = linalg.transpose ins(%cum : tensor<?x8x?xf32>) outs(%e3 : tensor<?x?x8xf32>) permutation = [0, 2, 1]
  return %out : tensor<?x?x8xf32>
}

// -----

// expected-error @+1 {{no function @forward with a body to specialize}}
module {
  func.func @model(%tokens: tensor<?x?xi32>) {
    return
  }
}

// -----

module {
  // expected-error @+1 {{cannot specialize a fixed seqlen of 64 to 1}}
  func.func @forward(%tokens: tensor<2x64xi32>) {
    return
  }
}

// -----

func.func @forward(%tokens: tensor<?x?xi32>, %x: tensor<?x?x?xf32>, %w: tensor<?x4xf32>) -> tensor<?x?x?xf32> {
  // expected-error @+1 {{cannot carry a conv state: the channel count and kernel width must be static}}
  %y = ssm.causal_conv1d %x, %w : tensor<?x?x?xf32>, tensor<?x4xf32> -> tensor<?x?x?xf32>
  return %y : tensor<?x?x?xf32>
}

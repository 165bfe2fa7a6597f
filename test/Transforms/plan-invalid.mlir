// RUN: mamba-opt %s --split-input-file --verify-diagnostics --ssm-plan=output=%t.json -o /dev/null
// The planner's errors point at the op or function it cannot plan.

// expected-error @+1 {{no function @prefill to plan (run --ssm-specialize-decode first)}}
module {
  func.func @forward(%tokens: tensor<?x?xi32>) {
    return
  }
}

// -----

// expected-error @+1 {{expected argument 1 to be a state [batch, ...] marked {ssm.state = ...}}}
func.func @prefill(%tokens: tensor<?x?xi32>, %x: tensor<?x4x?xf32>) -> tensor<?x4x?xf32> {
  return %x : tensor<?x4x?xf32>
}

// -----

func.func @prefill(%tokens: tensor<?x?xi32>) -> tensor<?x?x8xf32> {
  %emb = ssm.weight "emb" : tensor<32x8xf32>
  %h = ssm.embedding %tokens, %emb : tensor<?x?xi32>, tensor<32x8xf32> -> tensor<?x?x8xf32>
  // expected-error @+1 {{'tensor.concat' op cannot be planned: no CPU runtime kernel implements it}}
  %c = tensor.concat dim(2) %h, %h : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x16xf32>
  %s = tensor.extract_slice %c[0, 0, 0] [2, 2, 8] [1, 1, 1] : tensor<?x?x16xf32> to tensor<2x2x8xf32>
  %r = tensor.cast %s : tensor<2x2x8xf32> to tensor<?x?x8xf32>
  return %r : tensor<?x?x8xf32>
}

// -----

func.func @prefill(%tokens: tensor<?x?xi32>) -> tensor<?x?x8xf16> {
  // expected-error @+1 {{cannot be planned: weights must have a static shape and f32 type}}
  %w = ssm.weight "w" : tensor<8x8xf16>
  %h = ssm.weight "h" : tensor<2x3x8xf16>
  %y = ssm.linear %h, %w : tensor<2x3x8xf16>, tensor<8x8xf16> -> tensor<2x3x8xf16>
  %c = tensor.cast %y : tensor<2x3x8xf16> to tensor<?x?x8xf16>
  return %c : tensor<?x?x8xf16>
}

// -----

#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#last = affine_map<(d0, d1, d2) -> (d2)>
func.func @prefill(%tokens: tensor<?x?xi32>) -> tensor<?x?x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %emb = ssm.weight "emb" : tensor<32x8xf32>
  %w = ssm.weight "w" : tensor<8xf32>
  %h = ssm.embedding %tokens, %emb : tensor<?x?xi32>, tensor<32x8xf32> -> tensor<?x?x8xf32>
  %b = tensor.dim %h, %c0 : tensor<?x?x8xf32>
  %l = tensor.dim %h, %c1 : tensor<?x?x8xf32>
  %e = tensor.empty(%b, %l) : tensor<?x?x8xf32>
  // A body no runtime kernel implements (a division).
  // expected-error @+1 {{'linalg.generic' op cannot be planned: no runtime kernel implements this body or these maps (planned: add, sub, mul, neg or exp of operands indexed by the loops, broadcast along the ones they lack)}}
  %d = linalg.generic {indexing_maps = [#id, #last, #id], iterator_types = ["parallel", "parallel", "parallel"]} ins(%h, %w : tensor<?x?x8xf32>, tensor<8xf32>) outs(%e : tensor<?x?x8xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %q = arith.divf %x, %y : f32
    linalg.yield %q : f32
  } -> tensor<?x?x8xf32>
  return %d : tensor<?x?x8xf32>
}

// -----

#in = affine_map<(d0, d1, d2) -> (d2)>
#out = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @prefill(%tokens: tensor<?x?xi32>) -> tensor<2x3x8xf32> {
  %w = ssm.weight "w" : tensor<8xf32>
  %e = tensor.empty() : tensor<2x3x8xf32>
  // Only the output has the first two loop dimensions.
  // expected-error @+1 {{'linalg.generic' op cannot be planned: loop dimension 0 has no input that gives its size}}
  %d = linalg.generic {indexing_maps = [#in, #out], iterator_types = ["parallel", "parallel", "parallel"]} ins(%w : tensor<8xf32>) outs(%e : tensor<2x3x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %n = arith.negf %x : f32
    linalg.yield %n : f32
  } -> tensor<2x3x8xf32>
  return %d : tensor<2x3x8xf32>
}

// -----

func.func @prefill(%tokens: tensor<?x?xi32>) -> tensor<32xf32> {
  %w = ssm.weight "w" : tensor<4x8xf32>
  %t = ssm.weight "t" : tensor<8x4xf32>
  %e = tensor.empty() : tensor<8x4xf32>
  %wt = linalg.transpose ins(%w : tensor<4x8xf32>) outs(%e : tensor<8x4xf32>) permutation = [1, 0]
  // expected-error @+1 {{'tensor.collapse_shape' op cannot be planned: collapses dimensions of a weight that are not contiguous}}
  %c = tensor.collapse_shape %wt [[0, 1]] : tensor<8x4xf32> into tensor<32xf32>
  return %c : tensor<32xf32>
}

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

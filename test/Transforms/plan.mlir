// RUN: mamba-opt %s --ssm-specialize-decode --ssm-plan=output=%t.json -o /dev/null
// RUN: FileCheck %s < %t.json
// The planner: weights with load-time transforms, states, buffers reused by
// liveness, layout ops as strided views, and one kernel call per op.

// CHECK: "format": "mamba-plan",
// CHECK-NEXT: "version": 1,
// CHECK: "vocab_size": 32,
// CHECK: "weights": [
// CHECK-NEXT: {"name": "emb", "shape": [32, 8]},
// CHECK-NEXT: {"name": "norm", "shape": [8]},
// CHECK-NEXT: {"name": "in_proj", "shape": [16, 8]},
// CHECK-NEXT: {"name": "conv.weight", "shape": [8, 1, 4]},
// CHECK-NEXT: {"name": "x_proj", "shape": [16, 8]},
// CHECK-NEXT: {"name": "D", "shape": [8]},
// CHECK-NEXT: {"name": "A_log", "shape": [8, 4], "transforms": ["exp", "neg"]}
// CHECK-NEXT: ],
// CHECK-NEXT: "states": [
// CHECK-NEXT: {"kind": "conv", "shape": [8, 4]},
// CHECK-NEXT: {"kind": "ssm", "shape": [8, 4]}
// CHECK-NEXT: ],
// Five scratch buffers for @prefill's eleven values; @decode_step's are
// sized by the batch alone.
// CHECK-NEXT: "buffers": [
// CHECK-NEXT: {"size": "32*batch*seqlen"},
// CHECK-NEXT: {"size": "8*batch*seqlen"},
// CHECK-NEXT: {"size": "16*batch*seqlen"},
// CHECK-NEXT: {"size": "16*batch*seqlen"},
// CHECK-NEXT: {"size": "8*batch*seqlen"},
// CHECK-NEXT: {"size": "32*batch"},

// CHECK: {"name": "prefill",
// CHECK: {"kernel": "embedding", "origin": "ssm.embedding",
// CHECK: "tokens": {"tokens": 0, "offset": 0, "shape": ["batch", "seqlen"], "strides": ["seqlen", 1]},
// CHECK: {"kernel": "rmsnorm", "origin": "ssm.rmsnorm",
// CHECK-NEXT: "attrs": {"eps": 1e-05},
// The conv reads the first half of in_proj's rows as [batch, 8, seqlen]:
// a transposed view, no copy; its output is token-major.
// CHECK: {"kernel": "causal_conv1d", "origin": "ssm.causal_conv1d",
// CHECK-NEXT: "attrs": {"activation": "silu"},
// CHECK-NEXT: "args": {
// CHECK-NEXT: "x": {"buffer": 2, "offset": 0, "shape": ["batch", 8, "seqlen"], "strides": ["16*seqlen", 1, 16]},
// CHECK-NEXT: "weight": {"weight": 3, "offset": 0, "shape": [8, 4], "strides": [4, 1]},
// CHECK-NEXT: "state": {"state": 0, "offset": 0, "shape": ["batch", 8, 4], "strides": [32, 4, 1]},
// CHECK-NEXT: "out": {"buffer": 1, "offset": 0, "shape": ["batch", 8, "seqlen"], "strides": ["8*seqlen", 1, 8]}}},
// B and C are column slices of x_proj's output; z the second half of in_proj.
// CHECK: {"kernel": "selective_scan", "origin": "ssm.selective_scan",
// CHECK-NEXT: "attrs": {"b_rule": "simplified", "delta_is_scratch": 0, "delta_softplus": 1},
// CHECK: "B": {"buffer": 3, "offset": 8, "shape": ["batch", 4, "seqlen"], "strides": ["16*seqlen", 1, 16]},
// CHECK-NEXT: "C": {"buffer": 3, "offset": 12, "shape": ["batch", 4, "seqlen"], "strides": ["16*seqlen", 1, 16]},
// CHECK-NEXT: "D": {"weight": 5,
// CHECK-NEXT: "z": {"buffer": 2, "offset": 8, "shape": ["batch", 8, "seqlen"], "strides": ["16*seqlen", 1, 16]},
// CHECK-NEXT: "state": {"state": 1,
// The lm head only feeds the logits: the runtime may run it for the last
// token only.
// CHECK: {"kernel": "linear", "origin": "ssm.linear",
// CHECK-NEXT: "attrs": {"logits_tail": 1},

// CHECK: {"name": "decode_step",
// CHECK: "tokens": {"tokens": 0, "offset": 0, "shape": ["batch", 1], "strides": [1, 1]},
// CHECK: "x": {"buffer": {{[0-9]+}}, "offset": 0, "shape": ["batch", 8, 1], "strides": [16, 1, 16]},
func.func @forward(%tokens: tensor<?x?xi32>) -> tensor<?x?x32xf32> {
  %emb = ssm.weight "emb" : tensor<32x8xf32>
  %wn = ssm.weight "norm" : tensor<8xf32>
  %win = ssm.weight "in_proj" : tensor<16x8xf32>
  %wc = ssm.weight "conv.weight" : tensor<8x1x4xf32>
  %wx = ssm.weight "x_proj" : tensor<16x8xf32>
  %d = ssm.weight "D" : tensor<8xf32>
  %alog = ssm.weight "A_log" : tensor<8x4xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %h = ssm.embedding %tokens, %emb : tensor<?x?xi32>, tensor<32x8xf32> -> tensor<?x?x8xf32>
  %n = ssm.rmsnorm %h, %wn {eps = 1.0e-5 : f32} : tensor<?x?x8xf32>, tensor<8xf32> -> tensor<?x?x8xf32>
  %xz = ssm.linear %n, %win : tensor<?x?x8xf32>, tensor<16x8xf32> -> tensor<?x?x16xf32>
  %b = tensor.dim %xz, %c0 : tensor<?x?x16xf32>
  %l = tensor.dim %xz, %c1 : tensor<?x?x16xf32>
  %x = tensor.extract_slice %xz[0, 0, 0] [%b, %l, 8] [1, 1, 1] : tensor<?x?x16xf32> to tensor<?x?x8xf32>
  %z = tensor.extract_slice %xz[0, 0, 8] [%b, %l, 8] [1, 1, 1] : tensor<?x?x16xf32> to tensor<?x?x8xf32>
  %e8 = tensor.empty(%b, %l) : tensor<?x8x?xf32>
  %e3 = tensor.empty(%b, %l) : tensor<?x?x8xf32>
  %xt = linalg.transpose ins(%x : tensor<?x?x8xf32>) outs(%e8 : tensor<?x8x?xf32>) permutation = [0, 2, 1]
  %zt = linalg.transpose ins(%z : tensor<?x?x8xf32>) outs(%e8 : tensor<?x8x?xf32>) permutation = [0, 2, 1]
  %w2 = tensor.collapse_shape %wc [[0], [1, 2]] : tensor<8x1x4xf32> into tensor<8x4xf32>
  %u = ssm.causal_conv1d %xt, %w2 activation = silu : tensor<?x8x?xf32>, tensor<8x4xf32> -> tensor<?x8x?xf32>
  %ut = linalg.transpose ins(%u : tensor<?x8x?xf32>) outs(%e3 : tensor<?x?x8xf32>) permutation = [0, 2, 1]
  %dbc = ssm.linear %ut, %wx : tensor<?x?x8xf32>, tensor<16x8xf32> -> tensor<?x?x16xf32>
  %delta = tensor.extract_slice %dbc[0, 0, 0] [%b, %l, 8] [1, 1, 1] : tensor<?x?x16xf32> to tensor<?x?x8xf32>
  %bm = tensor.extract_slice %dbc[0, 0, 8] [%b, %l, 4] [1, 1, 1] : tensor<?x?x16xf32> to tensor<?x?x4xf32>
  %cm = tensor.extract_slice %dbc[0, 0, 12] [%b, %l, 4] [1, 1, 1] : tensor<?x?x16xf32> to tensor<?x?x4xf32>
  %e4 = tensor.empty(%b, %l) : tensor<?x4x?xf32>
  %dt = linalg.transpose ins(%delta : tensor<?x?x8xf32>) outs(%e8 : tensor<?x8x?xf32>) permutation = [0, 2, 1]
  %bt = linalg.transpose ins(%bm : tensor<?x?x4xf32>) outs(%e4 : tensor<?x4x?xf32>) permutation = [0, 2, 1]
  %ct = linalg.transpose ins(%cm : tensor<?x?x4xf32>) outs(%e4 : tensor<?x4x?xf32>) permutation = [0, 2, 1]
  %ea = math.exp %alog : tensor<8x4xf32>
  %a = arith.negf %ea : tensor<8x4xf32>
  %y, %hs = ssm.selective_scan %u, %dt, %a, %bt, %ct D(%d) z(%zt) delta_softplus : (tensor<?x8x?xf32>, tensor<?x8x?xf32>, tensor<8x4xf32>, tensor<?x4x?xf32>, tensor<?x4x?xf32>, tensor<8xf32>, tensor<?x8x?xf32>) -> (tensor<?x8x?xf32>, tensor<?x8x4xf32>)
  %yt = linalg.transpose ins(%y : tensor<?x8x?xf32>) outs(%e3 : tensor<?x?x8xf32>) permutation = [0, 2, 1]
  %r = arith.addf %h, %yt : tensor<?x?x8xf32>
  %logits = ssm.linear %r, %emb : tensor<?x?x8xf32>, tensor<32x8xf32> -> tensor<?x?x32xf32>
  // Reads delta after the scan, so the scan must not overwrite it.
  %keep = arith.addf %delta, %delta : tensor<?x?x8xf32>
  return %logits : tensor<?x?x32xf32>
}

// REQUIRES: nvrtc
// The generic-scan kernels that --ssm-to-cuda prints for cumsum, retention
// and the S6-shaped scan compile with NVRTC (no GPU needed).
// RUN: mamba-opt %S/ssm-to-cuda-generic-scan.mlir --split-input-file --ssm-to-cuda=output=%t.cu -o /dev/null
// RUN: nvrtc-compile %t.cu sm_90 | FileCheck %s
// RUN: mamba-opt %s --ssm-to-cuda=output=%t.wide.cu -o /dev/null
// RUN: nvrtc-compile %t.wide.cu sm_80 | FileCheck %s --check-prefix=WIDE

// With --split-input-file the last chunk's module is the one written.
// CHECK: entry ssm_scan_0
// WIDE: entry ssm_scan_0
// WIDE: entry ssm_scan_1

// 128 summed slots (32 lanes x 4), F16 y, and every supported op.
func.func @wide(%x: tensor<2x128x40xf16>, %w: tensor<128xf32>, %h0: tensor<2x128x8xf32>)
    -> (tensor<2x8x40xf16>, tensor<2x128x8xf32>, tensor<128xf32>, tensor<2xf32>) {
  %y, %h = ssm.scan ins(%x, %w : tensor<2x128x40xf16>, tensor<128xf32>)
      init(%h0 : tensor<2x128x8xf32>)
      maps = [affine_map<(b, i, j, t) -> (b, i, t)>, affine_map<(b, i, j, t) -> (i)>,
              affine_map<(b, i, j, t) -> (b, j, t)>]
      update {
  ^bb0(%hp: f32, %xt: f16, %wi: f32):
    %xf = arith.extf %xt : f16 to f32
    %ax = math.absf %xf : f32
    %n = arith.negf %ax : f32
    %e = math.exp %n : f32
    %one = arith.constant 1.0 : f32
    %aw = math.absf %wi : f32
    %den = arith.addf %one, %aw : f32
    %a = arith.divf %e, %den : f32
    %th = math.tanh %xf : f32
    %s1 = arith.addf %ax, %one : f32
    %sq = math.sqrt %s1 : f32
    %two = arith.constant 2.0 : f32
    %l1 = arith.addf %aw, %two : f32
    %lg = math.log %l1 : f32
    %p = arith.addf %th, %sq : f32
    %b = arith.subf %p, %lg : f32
    ssm.yield %a, %b : f32, f32
  } readout {
  ^bb0(%ht: f32, %xt: f16, %wi: f32):
    %c = arith.constant -5.000000e-01 : f32
    %m = arith.maximumf %ht, %c : f32
    %n = arith.minimumf %m, %wi : f32
    %r = arith.truncf %n : f32 to f16
    ssm.yield %r : f16
  } -> tensor<2x8x40xf16>, tensor<2x128x8xf32>
  // Rank-1 state summed away entirely: y keeps only time.
  %y2, %h2 = ssm.scan ins(%w : tensor<128xf32>)
      maps = [affine_map<(b, t) -> (t)>, affine_map<(b, t) -> (t)>]
      update {
  ^bb0(%hp: f32, %wt: f32):
    %a = arith.constant 0.5 : f32
    ssm.yield %a, %wt : f32, f32
  } readout {
  ^bb0(%ht: f32, %wt: f32):
    ssm.yield %ht : f32
  } -> tensor<128xf32>, tensor<2xf32>
  return %y, %h, %y2, %h2 : tensor<2x8x40xf16>, tensor<2x128x8xf32>, tensor<128xf32>, tensor<2xf32>
}

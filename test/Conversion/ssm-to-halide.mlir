// RUN: mamba-opt %s --ssm-to-halide | FileCheck %s
// REQUIRES: halide
// RUN: mamba-opt %s --ssm-to-halide="vector-width=4 channel-tile=12 parallel=false loop-nest=false" | FileCheck %s --check-prefix=SCHED
// Every kernel-level op becomes one Halide pipeline; the IR is unchanged.

// CHECK-LABEL: ssm.selective_scan -> halide pipeline 'ssm_selective_scan_0'
// CHECK-NEXT: selective_scan 'ssm_selective_scan_0' d_state=16 delta_softplus b_rule=simplified D z delta_bias
// The default vector width is the host's (16 floats with AVX-512, 8 with
// AVX, else 4); the channel tile is two vectors.
// CHECK-SAME: schedule: vector_width=[[#VW:]]
// CHECK-SAME: channel_tile=[[#mul(VW,2)]] parallel=on time_chunk=0
// CHECK-SAME: args: u[3d] delta[3d] A[2d] B[3d] C[3d] D[1d] z[3d] delta_bias[1d] out y[3d] out final_state[3d]
// CHECK: produce ssm_selective_scan_0_y:
// CHECK: parallel
// CHECK: vectorized
// SCHED: selective_scan 'ssm_selective_scan_0'
// SCHED-SAME: schedule: vector_width=4 channel_tile=12 parallel=off time_chunk=0
// SCHED-NOT: produce
func.func @mixer(%u: tensor<2x24x64xf32>, %dt: tensor<2x24x64xf32>,
                 %A: tensor<24x16xf32>, %B: tensor<2x16x64xf32>,
                 %C: tensor<2x16x64xf32>, %D: tensor<24xf32>,
                 %z: tensor<2x24x64xf32>, %bias: tensor<24xf32>)
    -> (tensor<2x24x64xf32>, tensor<2x24x16xf32>) {
  %y, %h = ssm.selective_scan %u, %dt, %A, %B, %C D(%D) z(%z)
      delta_bias(%bias) delta_softplus
      : (tensor<2x24x64xf32>, tensor<2x24x64xf32>, tensor<24x16xf32>,
         tensor<2x16x64xf32>, tensor<2x16x64xf32>, tensor<24xf32>,
         tensor<2x24x64xf32>, tensor<24xf32>)
      -> (tensor<2x24x64xf32>, tensor<2x24x16xf32>)
  return %y, %h : tensor<2x24x64xf32>, tensor<2x24x16xf32>
}

// CHECK-LABEL: ssm.causal_conv1d -> halide pipeline 'ssm_causal_conv1d_1'
// CHECK-NEXT: causal_conv1d 'ssm_causal_conv1d_1' width=4 bias silu;
// CHECK-SAME: args: x[3d] weight[2d] bias[1d] out out[3d]
// CHECK-LABEL: ssm.rmsnorm -> halide pipeline 'ssm_rmsnorm_2'
// CHECK-NEXT: rmsnorm 'ssm_rmsnorm_2' eps=1e-05;
// CHECK-LABEL: ssm.gate -> halide pipeline 'ssm_gate_3'
// CHECK-NOT: ssm.gate ->
func.func @block(%x: tensor<2x24x64xf32>, %w: tensor<24x4xf32>,
                 %b: tensor<24xf32>, %n: tensor<2x64x24xf32>,
                 %nw: tensor<24xf32>, %z: tensor<2x24x64xf32>)
    -> (tensor<2x24x64xf32>, tensor<2x64x24xf32>, tensor<2x24x64xf32>,
        tensor<2x24x64xf32>) {
  %c = ssm.causal_conv1d %x, %w, %b activation = silu
      : tensor<2x24x64xf32>, tensor<24x4xf32>, tensor<24xf32>
      -> tensor<2x24x64xf32>
  %r = ssm.rmsnorm %n, %nw : tensor<2x64x24xf32>, tensor<24xf32>
      -> tensor<2x64x24xf32>
  %g = ssm.gate %c, %z : tensor<2x24x64xf32>, tensor<2x24x64xf32>
  // Without z the gate is the identity: no kernel.
  %i = ssm.gate %c : tensor<2x24x64xf32>
  return %c, %r, %g, %i : tensor<2x24x64xf32>, tensor<2x64x24xf32>,
      tensor<2x24x64xf32>, tensor<2x24x64xf32>
}

// A generic scan (retention) gets a kernel from its regions.
// CHECK-LABEL: ssm.scan -> halide pipeline 'ssm_scan_4'
// CHECK-NEXT: scan 'ssm_scan_4' state_rank=3 inputs=3 nodes=11 init;
// CHECK-SAME: args: input0[3d] input1[3d] input2[3d] init[3d] out y[3d] out final_state[3d]
// CHECK: produce ssm_scan_4_y:
func.func @retention(%q: tensor<2x4x32xf32>, %k: tensor<2x4x32xf32>,
                     %v: tensor<2x8x32xf32>, %h0: tensor<2x4x8xf32>)
    -> (tensor<2x8x32xf32>, tensor<2x4x8xf32>) {
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

// REQUIRES: nvrtc
// The CUDA C that --ssm-to-cuda prints for a whole Mamba model compiles with
// NVRTC (no GPU needed), one entry point per fused kernel.
// RUN: mamba-compile %mamba_src_root/models/mamba-tiny.ssm --emit=mlir | mamba-opt --ssm-optimize | mamba-opt --ssm-to-cuda=output=%t.cu -o /dev/null
// RUN: nvrtc-compile %t.cu sm_90 | FileCheck %s
// RUN: mamba-opt %s --ssm-to-cuda=output=%t.bf16.cu -o /dev/null
// RUN: nvrtc-compile %t.bf16.cu sm_80 | FileCheck %s --check-prefix=BF16

// CHECK-DAG: entry ssm_embedding_0
// CHECK-DAG: entry ssm_rmsnorm_1
// CHECK-DAG: entry ssm_causal_conv1d_2
// CHECK-DAG: entry ssm_linear_3
// CHECK-DAG: entry ssm_selective_scan_4
// CHECK-DAG: entry ssm_selective_scan_8
// CHECK-DAG: entry ssm_rmsnorm_9
// BF16: entry ssm_selective_scan_0
func.func @scan(%u: tensor<2x64x128xbf16>, %A: tensor<64x16xf32>, %B: tensor<2x16x128xbf16>, %D: tensor<64xf32>) -> tensor<2x64x128xbf16> {
  %y, %h = ssm.selective_scan %u, %u, %A, %B, %B D(%D) z(%u) delta_softplus : (tensor<2x64x128xbf16>, tensor<2x64x128xbf16>, tensor<64x16xf32>, tensor<2x16x128xbf16>, tensor<2x16x128xbf16>, tensor<64xf32>, tensor<2x64x128xbf16>) -> (tensor<2x64x128xbf16>, tensor<2x64x16xf32>)
  return %y : tensor<2x64x128xbf16>
}

// RUN: mamba-opt %s --ssm-to-cuda="threads-per-block=256 chunk-len=64" -o /dev/null --verify-diagnostics
// A schedule the emitter cannot build is an error that says why.

func.func @too_much_shared_memory(%u: tensor<2x64x128xbf16>, %A: tensor<64x16xf32>, %B: tensor<2x16x128xbf16>) -> tensor<2x64x128xbf16> {
  // expected-error @+1 {{cannot be lowered to CUDA: ssm_selective_scan_0: the schedule needs 74752 bytes of shared memory, more than the 48 KiB static limit}}
  %y, %h = ssm.selective_scan %u, %u, %A, %B, %B z(%u) delta_softplus : (tensor<2x64x128xbf16>, tensor<2x64x128xbf16>, tensor<64x16xf32>, tensor<2x16x128xbf16>, tensor<2x16x128xbf16>, tensor<2x64x128xbf16>) -> (tensor<2x64x128xbf16>, tensor<2x64x16xf32>)
  return %y : tensor<2x64x128xbf16>
}

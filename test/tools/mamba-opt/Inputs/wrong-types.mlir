// B has d_state 8 where A says 16.
func.func @f(%u: tensor<2x8x64xf32>, %A: tensor<8x16xf32>, %B: tensor<2x8x64xf32>,
             %C: tensor<2x16x64xf32>) {
  %y, %h = ssm.selective_scan %u, %u, %A, %B, %C : (tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<8x16xf32>, tensor<2x8x64xf32>, tensor<2x16x64xf32>) -> (tensor<2x8x64xf32>, tensor<2x8x16xf32>)
  return
}

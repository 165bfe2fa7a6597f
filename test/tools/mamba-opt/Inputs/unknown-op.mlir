// An op the ssm dialect does not have.
func.func @f(%x: tensor<2xf32>) {
  %0 = ssm.fly %x : tensor<2xf32>
  return
}

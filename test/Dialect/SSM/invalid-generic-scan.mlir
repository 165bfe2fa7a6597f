// RUN: mamba-opt %s --split-input-file --verify-diagnostics
// Verifier errors of the generic ssm.scan, including the linearity proof.

#id = affine_map<(b, c, t) -> (b, c, t)>
func.func @map_count(%x: tensor<2x8x64xf32>) {
  // expected-error @+1 {{expected 2 indexing maps (one per input and one for 'y'), got 1}}
  %y, %h = ssm.scan ins(%x : tensor<2x8x64xf32>) maps = [#id] update {
  ^bb0(%hp: f32, %xt: f32):
    %one = arith.constant 1.0 : f32
    ssm.yield %one, %xt : f32, f32
  } readout {
  ^bb0(%ht: f32, %xt: f32):
    ssm.yield %ht : f32
  } -> tensor<2x8x64xf32>, tensor<2x8xf32>
  return
}

// -----

#id = affine_map<(b, c, t) -> (b, c, t)>
func.func @map_dims(%x: tensor<2x8x64xf32>) {
  // expected-error @+1 {{expected the indexing map of input #0 to have 3 dimensions (the state's 2 and time) and no symbols, got affine_map<(d0, d1) -> (d0, d1)>}}
  %y, %h = ssm.scan ins(%x : tensor<2x8x64xf32>) maps = [affine_map<(a, b) -> (a, b)>, #id] update {
  ^bb0(%hp: f32, %xt: f32):
    %one = arith.constant 1.0 : f32
    ssm.yield %one, %xt : f32, f32
  } readout {
  ^bb0(%ht: f32, %xt: f32):
    ssm.yield %ht : f32
  } -> tensor<2x8x64xf32>, tensor<2x8xf32>
  return
}

// -----

#id = affine_map<(b, c, t) -> (b, c, t)>
func.func @map_not_projection(%x: tensor<2x8x64xf32>) {
  // expected-error @+1 {{expected the indexing map of input #0 to select distinct iteration dimensions, got affine_map<(d0, d1, d2) -> (d0, d0, d2)>}}
  %y, %h = ssm.scan ins(%x : tensor<2x8x64xf32>) maps = [affine_map<(b, c, t) -> (b, b, t)>, #id] update {
  ^bb0(%hp: f32, %xt: f32):
    %one = arith.constant 1.0 : f32
    ssm.yield %one, %xt : f32, f32
  } readout {
  ^bb0(%ht: f32, %xt: f32):
    ssm.yield %ht : f32
  } -> tensor<2x8x64xf32>, tensor<2x8xf32>
  return
}

// -----

#id = affine_map<(b, c, t) -> (b, c, t)>
func.func @map_y_time(%x: tensor<2x8x64xf32>) {
  // expected-error @+1 {{expected the indexing map of 'y' to keep the time dimension, got affine_map<(d0, d1, d2) -> (d0, d1)>}}
  %y, %h = ssm.scan ins(%x : tensor<2x8x64xf32>) maps = [#id, affine_map<(b, c, t) -> (b, c)>] update {
  ^bb0(%hp: f32, %xt: f32):
    %one = arith.constant 1.0 : f32
    ssm.yield %one, %xt : f32, f32
  } readout {
  ^bb0(%ht: f32, %xt: f32):
    ssm.yield %ht : f32
  } -> tensor<2x8xf32>, tensor<2x8xf32>
  return
}

// -----

#id = affine_map<(b, c, t) -> (b, c, t)>
func.func @input_shape(%x: tensor<2x8x64xf32>) {
  // expected-error @+1 {{expected 'input #0' to have shape [s0, s1, t] = [2, 4, 64], got [2, 8, 64]}}
  %y, %h = ssm.scan ins(%x : tensor<2x8x64xf32>) maps = [#id, #id] update {
  ^bb0(%hp: f32, %xt: f32):
    %one = arith.constant 1.0 : f32
    ssm.yield %one, %xt : f32, f32
  } readout {
  ^bb0(%ht: f32, %xt: f32):
    ssm.yield %ht : f32
  } -> tensor<2x8x64xf32>, tensor<2x4xf32>
  return
}

// -----

#id = affine_map<(b, c, t) -> (b, c, t)>
func.func @y_shape(%x: tensor<2x8x64xf32>) {
  // expected-error @+1 {{expected 'y' to have shape [s0, s1, t] = [2, 8, 64], got [2, 8, 32]}}
  %y, %h = ssm.scan ins(%x : tensor<2x8x64xf32>) maps = [#id, #id] update {
  ^bb0(%hp: f32, %xt: f32):
    %one = arith.constant 1.0 : f32
    ssm.yield %one, %xt : f32, f32
  } readout {
  ^bb0(%ht: f32, %xt: f32):
    ssm.yield %ht : f32
  } -> tensor<2x8x32xf32>, tensor<2x8xf32>
  return
}

// -----

#id = affine_map<(b, c, t) -> (b, c, t)>
func.func @init_shape(%x: tensor<2x8x64xf32>, %h0: tensor<8x2xf32>) {
  // expected-error @+1 {{expected 'init' to have shape [s0, s1] = [2, 8], got [8, 2]}}
  %y, %h = ssm.scan ins(%x : tensor<2x8x64xf32>) init(%h0 : tensor<8x2xf32>) maps = [#id, #id] update {
  ^bb0(%hp: f32, %xt: f32):
    %one = arith.constant 1.0 : f32
    ssm.yield %one, %xt : f32, f32
  } readout {
  ^bb0(%ht: f32, %xt: f32):
    ssm.yield %ht : f32
  } -> tensor<2x8x64xf32>, tensor<2x8xf32>
  return
}

// -----

#id = affine_map<(b, c, t) -> (b, c, t)>
func.func @init_elem(%x: tensor<2x8x64xf32>, %h0: tensor<2x8xf16>) {
  // expected-error @+1 {{expected 'init' to have element type 'f32' (that of 'final_state'), got 'f16'}}
  %y, %h = ssm.scan ins(%x : tensor<2x8x64xf32>) init(%h0 : tensor<2x8xf16>) maps = [#id, #id] update {
  ^bb0(%hp: f32, %xt: f32):
    %one = arith.constant 1.0 : f32
    ssm.yield %one, %xt : f32, f32
  } readout {
  ^bb0(%ht: f32, %xt: f32):
    ssm.yield %ht : f32
  } -> tensor<2x8x64xf32>, tensor<2x8xf32>
  return
}

// -----

#id = affine_map<(b, c, t) -> (b, c, t)>
func.func @region_arg_count(%x: tensor<2x8x64xf32>) {
  // expected-error @+1 {{expected the 'update' region to take 2 arguments (the state element, then one element per input), got 1}}
  %y, %h = ssm.scan ins(%x : tensor<2x8x64xf32>) maps = [#id, #id] update {
  ^bb0(%hp: f32):
    ssm.yield %hp, %hp : f32, f32
  } readout {
  ^bb0(%ht: f32, %xt: f32):
    ssm.yield %ht : f32
  } -> tensor<2x8x64xf32>, tensor<2x8xf32>
  return
}

// -----

#id = affine_map<(b, c, t) -> (b, c, t)>
func.func @region_state_type(%x: tensor<2x8x64xf32>) {
  // expected-error @+1 {{expected argument #0 of the 'readout' region (the state) to have type 'f32', got 'f16'}}
  %y, %h = ssm.scan ins(%x : tensor<2x8x64xf32>) maps = [#id, #id] update {
  ^bb0(%hp: f32, %xt: f32):
    %one = arith.constant 1.0 : f32
    ssm.yield %one, %xt : f32, f32
  } readout {
  ^bb0(%ht: f16, %xt: f32):
    ssm.yield %xt : f32
  } -> tensor<2x8x64xf32>, tensor<2x8xf32>
  return
}

// -----

#id = affine_map<(b, c, t) -> (b, c, t)>
func.func @region_input_type(%x: tensor<2x8x64xf32>) {
  // expected-error @+1 {{expected argument #1 of the 'update' region to have the element type of input #0 'f32', got 'bf16'}}
  %y, %h = ssm.scan ins(%x : tensor<2x8x64xf32>) maps = [#id, #id] update {
  ^bb0(%hp: f32, %xt: bf16):
    %one = arith.constant 1.0 : f32
    ssm.yield %one, %one : f32, f32
  } readout {
  ^bb0(%ht: f32, %xt: f32):
    ssm.yield %ht : f32
  } -> tensor<2x8x64xf32>, tensor<2x8xf32>
  return
}

// -----

#id = affine_map<(b, c, t) -> (b, c, t)>
func.func @yield_count(%x: tensor<2x8x64xf32>) {
  %y, %h = ssm.scan ins(%x : tensor<2x8x64xf32>) maps = [#id, #id] update {
  ^bb0(%hp: f32, %xt: f32):
    // expected-error @+1 {{expected 2 values in the 'update' region (the decay a_t and the input b_t), got 1}}
    ssm.yield %xt : f32
  } readout {
  ^bb0(%ht: f32, %xt: f32):
    ssm.yield %ht : f32
  } -> tensor<2x8x64xf32>, tensor<2x8xf32>
  return
}

// -----

#id = affine_map<(b, c, t) -> (b, c, t)>
func.func @yield_type(%x: tensor<2x8x64xf32>) {
  %y, %h = ssm.scan ins(%x : tensor<2x8x64xf32>) maps = [#id, #id] update {
  ^bb0(%hp: f32, %xt: f32):
    %one = arith.constant 1.0 : f16
    // expected-error @+1 {{expected the decay a_t to have the state's element type 'f32', got 'f16'}}
    ssm.yield %one, %xt : f16, f32
  } readout {
  ^bb0(%ht: f32, %xt: f32):
    ssm.yield %ht : f32
  } -> tensor<2x8x64xf32>, tensor<2x8xf32>
  return
}

// -----

#id = affine_map<(b, c, t) -> (b, c, t)>
func.func @readout_type(%x: tensor<2x8x64xf32>) {
  %y, %h = ssm.scan ins(%x : tensor<2x8x64xf32>) maps = [#id, #id] update {
  ^bb0(%hp: f32, %xt: f32):
    %one = arith.constant 1.0 : f32
    ssm.yield %one, %xt : f32, f32
  } readout {
  ^bb0(%ht: f32, %xt: f32):
    %r = arith.truncf %ht : f32 to f16
    // expected-error @+1 {{expected the readout to have the element type of 'y' 'f32', got 'f16'}}
    ssm.yield %r : f16
  } -> tensor<2x8x64xf32>, tensor<2x8xf32>
  return
}

// -----

#id = affine_map<(b, c, t) -> (b, c, t)>
func.func @side_effect(%x: tensor<2x8x64xf32>) {
  %y, %h = ssm.scan ins(%x : tensor<2x8x64xf32>) maps = [#id, #id] update {
  ^bb0(%hp: f32, %xt: f32):
    // expected-error @+1 {{has side effects, which the 'update' region of 'ssm.scan' does not allow}}
    %m = memref.alloc() : memref<f32>
    ssm.yield %xt, %xt : f32, f32
  } readout {
  ^bb0(%ht: f32, %xt: f32):
    ssm.yield %ht : f32
  } -> tensor<2x8x64xf32>, tensor<2x8xf32>
  return
}

// -----

#id = affine_map<(b, c, t) -> (b, c, t)>
func.func @decay_depends(%x: tensor<2x8x64xf32>) {
  // expected-error @+1 {{update is not linear in the state: the decay a_t depends on the state h_{t-1} through 'math.exp'}}
  %y, %h = ssm.scan ins(%x : tensor<2x8x64xf32>) maps = [#id, #id] update {
  ^bb0(%hp: f32, %xt: f32):
    // expected-note @+1 {{state-dependent operation here}}
    %e = math.exp %hp : f32
    ssm.yield %e, %xt : f32, f32
  } readout {
  ^bb0(%ht: f32, %xt: f32):
    ssm.yield %ht : f32
  } -> tensor<2x8x64xf32>, tensor<2x8xf32>
  return
}

// -----

#id = affine_map<(b, c, t) -> (b, c, t)>
func.func @decay_is_state(%x: tensor<2x8x64xf32>) {
  // expected-error @+1 {{update is not linear in the state: the decay a_t is the state h_{t-1} itself}}
  %y, %h = ssm.scan ins(%x : tensor<2x8x64xf32>) maps = [#id, #id] update {
  ^bb0(%hp: f32, %xt: f32):
    ssm.yield %hp, %xt : f32, f32
  } readout {
  ^bb0(%ht: f32, %xt: f32):
    ssm.yield %ht : f32
  } -> tensor<2x8x64xf32>, tensor<2x8xf32>
  return
}

// -----

#id = affine_map<(b, c, t) -> (b, c, t)>
func.func @input_quadratic(%x: tensor<2x8x64xf32>) {
  // expected-error @+1 {{update is not linear in the state: the input b_t depends on the state h_{t-1} through 'arith.mulf'}}
  %y, %h = ssm.scan ins(%x : tensor<2x8x64xf32>) maps = [#id, #id] update {
  ^bb0(%hp: f32, %xt: f32):
    %one = arith.constant 1.0 : f32
    %l = arith.addf %hp, %xt : f32
    // expected-note @+1 {{state-dependent operation here}}
    %q = arith.mulf %l, %hp : f32
    ssm.yield %one, %q : f32, f32
  } readout {
  ^bb0(%ht: f32, %xt: f32):
    ssm.yield %ht : f32
  } -> tensor<2x8x64xf32>, tensor<2x8xf32>
  return
}

// -----

#id = affine_map<(b, c, t) -> (b, c, t)>
func.func @input_nonlinear_fn(%x: tensor<2x8x64xf32>) {
  // expected-error @+1 {{update is not linear in the state: the input b_t depends on the state h_{t-1} through 'math.tanh'}}
  %y, %h = ssm.scan ins(%x : tensor<2x8x64xf32>) maps = [#id, #id] update {
  ^bb0(%hp: f32, %xt: f32):
    %one = arith.constant 1.0 : f32
    %s = arith.mulf %hp, %xt : f32
    // expected-note @+1 {{state-dependent operation here}}
    %t = math.tanh %s : f32
    ssm.yield %one, %t : f32, f32
  } readout {
  ^bb0(%ht: f32, %xt: f32):
    ssm.yield %ht : f32
  } -> tensor<2x8x64xf32>, tensor<2x8xf32>
  return
}

// -----

#id = affine_map<(b, c, t) -> (b, c, t)>
func.func @input_linear_in_state(%x: tensor<2x8x64xf32>) {
  // expected-error @+1 {{update is not of the form h_t = a_t * h_{t-1} + b_t (fold the state term into a_t): the input b_t depends on the state h_{t-1} through 'arith.mulf'}}
  %y, %h = ssm.scan ins(%x : tensor<2x8x64xf32>) maps = [#id, #id] update {
  ^bb0(%hp: f32, %xt: f32):
    %one = arith.constant 1.0 : f32
    // expected-note @+1 {{state-dependent operation here}}
    %s = arith.mulf %xt, %hp : f32
    ssm.yield %one, %s : f32, f32
  } readout {
  ^bb0(%ht: f32, %xt: f32):
    ssm.yield %ht : f32
  } -> tensor<2x8x64xf32>, tensor<2x8xf32>
  return
}

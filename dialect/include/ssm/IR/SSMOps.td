//===- SSMOps.td - ssm dialect operations --------------------*- tablegen -*-===//
//
// Tensor-level operations of a Mamba block, and the generic linear scan.
//
//===----------------------------------------------------------------------===//

#ifndef SSM_OPS_TD
#define SSM_OPS_TD

include "ssm/IR/SSMDialect.td"
include "ssm/IR/SSMAttrs.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"

def SSM_FloatTensor : RankedTensorOf<[F32, F16, BF16]>;
def SSM_TokenTensor : RankedTensorOf<[I32, I64]>;

//===----------------------------------------------------------------------===//
// Model plumbing: embedding, normalization, projections, activations.
//===----------------------------------------------------------------------===//

def SSM_WeightOp : SSM_Op<"weight", [Pure]> {
  let summary = "a model parameter, bound by name at load time";
  let description = [{
    Names a parameter tensor of the model, e.g. a Hugging Face tensor name.
    The runtime binds it to the weights file by this name and checks the
    shape; the element type is the compute type, whatever the file stores.

    ```mlir
    %w = ssm.weight "backbone.layers.0.mixer.in_proj.weight" : tensor<3072x768xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name);
  let results = (outs SSM_FloatTensor:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def SSM_EmbeddingOp : SSM_Op<"embedding", [Pure]> {
  let summary = "token embedding lookup";
  let description = [{
    Gathers rows of `table` ([vocab, d_model]) for every token id:
    `result[..., :] = table[ids[...], :]`. The result has the shape of `ids`
    with `d_model` appended. Ids outside `[0, vocab)` are a run-time error.

    ```mlir
    %h = ssm.embedding %ids, %table
        : tensor<2x64xi32>, tensor<1024x768xf32> -> tensor<2x64x768xf32>
    ```
  }];
  let arguments = (ins SSM_TokenTensor:$ids, SSM_FloatTensor:$table);
  let results = (outs SSM_FloatTensor:$result);
  let assemblyFormat = [{
    $ids `,` $table attr-dict `:` type($ids) `,` type($table) `->` type($result)
  }];
  let hasVerifier = 1;
}

def SSM_RMSNormOp : SSM_Op<"rmsnorm", [Pure]> {
  let summary = "root-mean-square normalization over the last dimension";
  let description = [{
    `result = input / sqrt(mean(input^2, last dim) + eps) * weight`, with
    `weight` of shape [d] where d is the last dimension of `input`. With
    `group_size` g (a divisor of d), each run of g consecutive elements of
    the last dimension is normalized by its own mean square (Mamba-2's
    gated norm with n_groups > 1); the weight still spans all d.

    ```mlir
    %n = ssm.rmsnorm %h, %w {eps = 1.0e-05 : f32}
        : tensor<2x64x768xf32>, tensor<768xf32> -> tensor<2x64x768xf32>
    ```
  }];
  let arguments = (ins SSM_FloatTensor:$input, SSM_FloatTensor:$weight,
                       DefaultValuedAttr<F32Attr, "1.0e-5">:$eps,
                       OptionalAttr<I64Attr>:$group_size);
  let results = (outs SSM_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` type($input) `,` type($weight) `->`
    type($result)
  }];
  let hasVerifier = 1;
}

def SSM_LinearOp : SSM_Op<"linear", [Pure]> {
  let summary = "affine projection over the last dimension";
  let description = [{
    `result[..., o] = sum_i input[..., i] * weight[o, i] (+ bias[o])`, with
    `weight` of shape [out_features, in_features] as PyTorch stores it.

    ```mlir
    %xz = ssm.linear %n, %w_in
        : tensor<2x64x768xf32>, tensor<3072x768xf32> -> tensor<2x64x3072xf32>
    ```
  }];
  let arguments = (ins SSM_FloatTensor:$input, SSM_FloatTensor:$weight,
                       Optional<SSM_FloatTensor>:$bias);
  let results = (outs SSM_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` type($input) `,`
    type($weight) (`,` type($bias)^)? `->` type($result)
  }];
  let hasVerifier = 1;
}

def SSM_CausalConv1dOp : SSM_Op<"causal_conv1d",
    [Pure, AttrSizedOperandSegments]> {
  let summary = "causal depthwise 1-D convolution over time";
  let description = [{
    For input [batch, channels, seqlen] and weight [channels, width]:
    `result[b, c, t] = act(sum_{j<width} weight[c, j] * input[b, c, t - width + 1 + j] + bias[c])`,
    with zeros before the first step. The kernel width comes from the weight.
    `activation` fuses an activation into the output (`none` or `silu`).

    With `state(%s)` (the conv state [batch, channels, width]: the last
    `width` inputs seen, oldest first) the steps before `t = 0` read the state
    instead of zeros, and the op also returns the new state: the last `width`
    inputs of the state followed by `input`. This is how a long prompt is
    processed in chunks and how the one-token decode step carries its window.

    ```mlir
    %c = ssm.causal_conv1d %x, %w, %b activation = silu
        : tensor<2x1536x64xf32>, tensor<1536x4xf32>, tensor<1536xf32>
        -> tensor<2x1536x64xf32>
    %y, %s1 = ssm.causal_conv1d %x1, %w, %b
        state(%s0 : tensor<2x1536x4xf32>) activation = silu
        : tensor<2x1536x1xf32>, tensor<1536x4xf32>, tensor<1536xf32>
        -> tensor<2x1536x1xf32>, tensor<2x1536x4xf32>
    ```
  }];
  let arguments = (ins SSM_FloatTensor:$input, SSM_FloatTensor:$weight,
                       Optional<SSM_FloatTensor>:$bias,
                       Optional<SSM_FloatTensor>:$initial_state,
                       DefaultValuedAttr<SSM_ActivationAttr,
                                         "::mlir::ssm::Activation::none">:$activation);
  let results = (outs SSM_FloatTensor:$result,
                      Optional<SSM_FloatTensor>:$final_state);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)?
    (`state` `(` $initial_state^ `:` type($initial_state) `)`)?
    (`activation` `=` `` $activation^)? attr-dict
    `:` type($input) `,` type($weight) (`,` type($bias)^)?
    `->` type($result) (`,` type($final_state)^)?
  }];
  let hasVerifier = 1;
}

class SSM_UnaryOp<string mnemonic, string formula>
    : SSM_Op<mnemonic, [Pure, Elementwise, SameOperandsAndResultType]> {
  let summary = "elementwise " # mnemonic;
  let description = "Elementwise `" # formula # "` on a float tensor.";
  let arguments = (ins SSM_FloatTensor:$input);
  let results = (outs SSM_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def SSM_SoftplusOp : SSM_UnaryOp<"softplus", "log(1 + exp(x))">;
def SSM_SiluOp : SSM_UnaryOp<"silu", "x * sigmoid(x)">;

//===----------------------------------------------------------------------===//
// The selective state-space model.
//===----------------------------------------------------------------------===//

def SSM_DiscretizeOp : SSM_Op<"discretize", [Pure]> {
  let summary = "discretize the continuous parameters (A, B) with step delta";
  let description = [{
    For delta [batch, d_inner, seqlen], A [d_inner, d_state] and
    B [batch, d_state, seqlen] produces, per step, the decay and the input
    matrix, both [batch, d_inner, d_state, seqlen]:

    - `a_rule = zoh` (zero-order hold): `deltaA = exp(delta * A)`;
    - `b_rule = simplified` (the reference Mamba rule, default):
      `deltaB = delta * B`; `b_rule = zoh`: `deltaB = (exp(delta * A) - 1) / A * B`.

    ```mlir
    %dA, %dB = ssm.discretize %delta, %A, %B b_rule = zoh
        : tensor<2x8x64xf32>, tensor<8x16xf32>, tensor<2x16x64xf32>
        -> tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>
    ```
  }];
  let arguments = (ins SSM_FloatTensor:$delta, SSM_FloatTensor:$A,
                       SSM_FloatTensor:$B,
                       DefaultValuedAttr<SSM_ARuleAttr,
                                         "::mlir::ssm::ARule::zoh">:$a_rule,
                       DefaultValuedAttr<SSM_BRuleAttr,
                                         "::mlir::ssm::BRule::simplified">:$b_rule);
  let results = (outs SSM_FloatTensor:$deltaA, SSM_FloatTensor:$deltaB);
  let assemblyFormat = [{
    $delta `,` $A `,` $B (`a_rule` `=` `` $a_rule^)? (`b_rule` `=` `` $b_rule^)?
    attr-dict `:` type($delta) `,` type($A) `,` type($B) `->` type($deltaA)
    `,` type($deltaB)
  }];
  let hasVerifier = 1;
}

def SSM_SelectiveScanOp : SSM_Op<"selective_scan",
    [Pure, AttrSizedOperandSegments]> {
  let summary = "the selective scan of Mamba (S6)";
  let description = [{
    With u, delta, z [batch, d_inner, seqlen], A [d_inner, d_state],
    B, C [batch, d_state, seqlen], D and delta_bias [d_inner] and the state
    h [batch, d_inner, d_state]:

    ```
    dt  = delta + delta_bias                    (if delta_bias is given)
    dt  = softplus(dt)                          (if delta_softplus is set)
    h_t = exp(dt_t * A) * h_{t-1} + dB_t * u_t   dB by b_rule (see ssm.discretize)
    y_t = sum_n h_t[:, :, n] * C_t[n] + D * u_t  (if D is given)
    y_t = y_t * silu(z_t)                       (if z is given)
    ```

    `h_0` is `initial_state` or zero. Returns y [batch, d_inner, seqlen] and
    the state after the last step. This op is also the fused form that
    `--ssm-fuse` builds from softplus + discretize + scan + skip + gate.

    ```mlir
    %y, %h = ssm.selective_scan %u, %dt, %A, %B, %C D(%D) z(%z) delta_softplus
        : (tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<8x16xf32>,
           tensor<2x16x64xf32>, tensor<2x16x64xf32>, tensor<8xf32>,
           tensor<2x8x64xf32>) -> (tensor<2x8x64xf32>, tensor<2x8x16xf32>)
    ```
  }];
  let arguments = (ins SSM_FloatTensor:$u, SSM_FloatTensor:$delta,
                       SSM_FloatTensor:$A, SSM_FloatTensor:$B,
                       SSM_FloatTensor:$C,
                       Optional<SSM_FloatTensor>:$D,
                       Optional<SSM_FloatTensor>:$z,
                       Optional<SSM_FloatTensor>:$delta_bias,
                       Optional<SSM_FloatTensor>:$initial_state,
                       UnitAttr:$delta_softplus,
                       DefaultValuedAttr<SSM_BRuleAttr,
                                         "::mlir::ssm::BRule::simplified">:$b_rule);
  let results = (outs SSM_FloatTensor:$y, SSM_FloatTensor:$final_state);
  let assemblyFormat = [{
    $u `,` $delta `,` $A `,` $B `,` $C (`D` `(` $D^ `)`)? (`z` `(` $z^ `)`)?
    (`delta_bias` `(` $delta_bias^ `)`)?
    (`initial_state` `(` $initial_state^ `)`)?
    (`delta_softplus` $delta_softplus^)? (`b_rule` `=` `` $b_rule^)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def SSM_SkipOp : SSM_Op<"skip", [Pure]> {
  let summary = "the D skip connection of a selective scan";
  let description = [{
    `result = y + D * u` with y, u [batch, d_inner, seqlen] and D [d_inner]
    broadcast over batch and time.

    ```mlir
    %r = ssm.skip %y, %u, %D
        : tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<8xf32> -> tensor<2x8x64xf32>
    ```
  }];
  let arguments = (ins SSM_FloatTensor:$y, SSM_FloatTensor:$u,
                       SSM_FloatTensor:$D);
  let results = (outs SSM_FloatTensor:$result);
  let assemblyFormat = [{
    $y `,` $u `,` $D attr-dict `:` type($y) `,` type($u) `,` type($D) `->`
    type($result)
  }];
  let hasVerifier = 1;
}

def SSM_GateOp : SSM_Op<"gate", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "gated output: y * silu(z)";
  let description = [{
    `result = input * silu(z)` elementwise; without `z` the op is the
    identity and folds away.

    ```mlir
    %g = ssm.gate %y, %z : tensor<2x8x64xf32>, tensor<2x8x64xf32>
    ```
  }];
  let arguments = (ins SSM_FloatTensor:$input, Optional<SSM_FloatTensor>:$z);
  let results = (outs SSM_FloatTensor:$result);
  let assemblyFormat = [{
    $input (`,` $z^)? attr-dict `:` type($input) (`,` type($z)^)?
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// The generic first-order linear recurrence.
//===----------------------------------------------------------------------===//

def SSM_ScanOp : SSM_Op<"scan", [
    RecursiveMemoryEffects, AttrSizedOperandSegments]> {
  let summary = "generic first-order linear recurrence over time";
  let description = [{
    A scan over an iteration space made of the state dimensions (those of
    `final_state`, rank R) followed by the time dimension `t`. Each input has
    an indexing map from `(s_0, ..., s_{R-1}, t)` to its own indices, like
    `linalg.generic`; the last map is the map of the output `y`.

    For every state element and every step, the `update` region receives
    the previous state element `h_{t-1}` and the input elements at that point
    and yields the decay `a_t` and the input `b_t`:
    `h_t = a_t * h_{t-1} + b_t`. The `readout` region receives `h_t` and the
    same input elements and yields a contribution to `y`; state dimensions
    that the output map drops are summed over.

    The verifier proves that the update is linear in the state (neither
    `a_t` nor `b_t` depends on `h_{t-1}`), which is what makes chunked and
    parallel evaluation legal; a region that is not is rejected. `h_0` is
    `init` or zero.

    ```mlir
    // Cumulative sum over time of x [2, 8, 64].
    %y, %h = ssm.scan ins(%x : tensor<2x8x64xf32>)
        maps = [affine_map<(b, c, t) -> (b, c, t)>,
                affine_map<(b, c, t) -> (b, c, t)>]
        update {
        ^bb0(%h_prev: f32, %xt: f32):
          %one = arith.constant 1.0 : f32
          ssm.yield %one, %xt : f32, f32
        } readout {
        ^bb0(%ht: f32, %xt: f32):
          ssm.yield %ht : f32
        } -> tensor<2x8x64xf32>, tensor<2x8xf32>
    ```
  }];
  let arguments = (ins Variadic<SSM_FloatTensor>:$inputs,
                       Optional<SSM_FloatTensor>:$init,
                       AffineMapArrayAttr:$maps);
  let results = (outs SSM_FloatTensor:$y, SSM_FloatTensor:$final_state);
  let regions = (region SizedRegion<1>:$update, SizedRegion<1>:$readout);
  let assemblyFormat = [{
    `ins` `(` ($inputs^ `:` type($inputs))? `)`
    (`init` `(` $init^ `:` type($init) `)`)?
    `maps` `=` $maps attr-dict-with-keyword
    `update` $update `readout` $readout `->` type($y) `,` type($final_state)
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let hasCanonicalizer = 1;
  let extraClassDeclaration = [{
    /// Rank of the state; the iteration space has one more (time) dimension.
    unsigned getStateRank() { return getFinalState().getType().getRank(); }
    /// The indexing map of input `i`, and of the output.
    ::mlir::AffineMap getInputMap(unsigned i) {
      return ::llvm::cast<::mlir::AffineMapAttr>(getMaps()[i]).getValue();
    }
    ::mlir::AffineMap getOutputMap() {
      return ::llvm::cast<::mlir::AffineMapAttr>(getMaps()[getInputs().size()])
          .getValue();
    }
  }];
}

def SSM_YieldOp : SSM_Op<"yield", [Pure, Terminator, ReturnLike,
                                   HasParent<"ScanOp">]> {
  let summary = "yields values from an ssm.scan region";
  let description = [{
    Ends the `update` region with the decay and the input `(a_t, b_t)`, and
    the `readout` region with the contribution to `y`.
  }];
  let arguments = (ins Variadic<AnyType>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
}

#endif // SSM_OPS_TD

//===- SSMDialect.td - the ssm dialect definition ------------*- tablegen -*-===//
//
// The `ssm` dialect: tensor-level operations of state-space models.
//
//===----------------------------------------------------------------------===//

#ifndef SSM_DIALECT_TD
#define SSM_DIALECT_TD

include "mlir/IR/OpBase.td"

def SSM_Dialect : Dialect {
  let name = "ssm";
  let cppNamespace = "::mlir::ssm";
  let summary = "Tensor-level operations of state-space models (Mamba and kin)";
  let description = [{
    The `ssm` dialect carries the semantics of a state-space-model block step
    by step: embedding, RMSNorm, linear projections, causal depthwise
    convolution, discretization, the selective scan and the gate. Besides the
    named ops it has a generic `ssm.scan`, whose region describes any
    first-order linear recurrence `h_t = a_t * h_{t-1} + b_t` with a readout;
    backends generate code from the generic form, so a new scan operator gets
    kernels without new backend code.

    Layout conventions follow the reference Mamba kernels: per-channel
    sequences are channel-major, `[batch, channels, seqlen]`, and per-step
    state inputs are `[batch, d_state, seqlen]`. Projections (`ssm.linear`)
    and `ssm.rmsnorm` act on the last dimension.
  }];
  let useDefaultAttributePrinterParser = 1;
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

class SSM_Op<string mnemonic, list<Trait> traits = []>
    : Op<SSM_Dialect, mnemonic, traits>;

#endif // SSM_DIALECT_TD

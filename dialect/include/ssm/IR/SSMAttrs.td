//===- SSMAttrs.td - ssm dialect attributes ------------------*- tablegen -*-===//
//
// Enumerated attributes: discretization rules and fused activations.
//
//===----------------------------------------------------------------------===//

#ifndef SSM_ATTRS_TD
#define SSM_ATTRS_TD

include "ssm/IR/SSMDialect.td"
include "mlir/IR/EnumAttr.td"

def SSM_ARule_ZOH : I32EnumAttrCase<"zoh", 0>;
def SSM_ARuleEnum : I32EnumAttr<"ARule",
    "discretization rule for the decay A", [SSM_ARule_ZOH]> {
  let cppNamespace = "::mlir::ssm";
  let genSpecializedAttr = 0;
}
def SSM_ARuleAttr : EnumAttr<SSM_Dialect, SSM_ARuleEnum, "a_rule"> {
  let summary = "discretization rule for A: `zoh` (exp(delta * A))";
}

def SSM_BRule_Simplified : I32EnumAttrCase<"simplified", 0>;
def SSM_BRule_ZOH : I32EnumAttrCase<"zoh", 1>;
def SSM_BRuleEnum : I32EnumAttr<"BRule",
    "discretization rule for the input matrix B",
    [SSM_BRule_Simplified, SSM_BRule_ZOH]> {
  let cppNamespace = "::mlir::ssm";
  let genSpecializedAttr = 0;
}
def SSM_BRuleAttr : EnumAttr<SSM_Dialect, SSM_BRuleEnum, "b_rule"> {
  let summary = "discretization rule for B: `simplified` (delta * B, the "
                "reference Mamba rule) or `zoh` ((exp(delta * A) - 1) / A * B)";
}

def SSM_Activation_None : I32EnumAttrCase<"none", 0>;
def SSM_Activation_SiLU : I32EnumAttrCase<"silu", 1>;
def SSM_ActivationEnum : I32EnumAttr<"Activation",
    "activation fused into an op's output",
    [SSM_Activation_None, SSM_Activation_SiLU]> {
  let cppNamespace = "::mlir::ssm";
  let genSpecializedAttr = 0;
}
def SSM_ActivationAttr : EnumAttr<SSM_Dialect, SSM_ActivationEnum,
                                  "activation"> {
  let summary = "activation applied to an op's output: `none` or `silu`";
}

#endif // SSM_ATTRS_TD

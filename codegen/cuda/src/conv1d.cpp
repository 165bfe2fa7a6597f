// Emits ssm.causal_conv1d (+ fused SiLU): the prefill kernel with its state
// update, and the one-token decode step.
#include "emit_util.h"

namespace mamba::codegen::cuda {

using detail::cType;
using detail::subst;
using detail::Vars;

namespace {

std::string validate(const CausalConv1dDesc &d) {
  if (!detail::isIdentifier(d.name))
    return "causal_conv1d: kernel name '" + d.name + "' is not an identifier";
  if (std::string e = detail::checkSchedule(d.name, d.schedule); !e.empty())
    return e;
  if (d.width < 1 || d.width > 64)
    return d.name + ": width must be in [1, 64], got " +
           std::to_string(d.width);
  return "";
}

Vars vars(const CausalConv1dDesc &d, const char *what) {
  return {{"NAME", d.name},
          {"WHAT", what},
          {"THREADS", std::to_string(d.schedule.threadsPerBlock)},
          {"ITEMS", std::to_string(d.schedule.itemsPerThread)},
          {"W", std::to_string(d.width)},
          {"XT", cType(d.xType)},
          {"OT", cType(d.outType)},
          {"XN", elemTypeName(d.xType)},
          {"ON", elemTypeName(d.outType)},
          {"ACT", d.silu ? "silu" : "none"},
          {"BIAS", d.hasBias ? "bias[c]" : "0.0f"},
          {"APPLY", d.silu ? "mamba_silu(acc)" : "acc"}};
}

const char *kHeader =
    R"(// ssm.causal_conv1d activation = $ACT ($WHAT): width $W, x: $XN, out: $ON,
// F32 weights and accumulation; $THREADS channels per block$TOKENS.
)";

} // namespace

Emitted emitCausalConv1d(const CausalConv1dDesc &d) {
  if (std::string e = validate(d); !e.empty())
    return {"", e};
  Vars v = vars(d, "prefill");
  v.push_back({"TOKENS", ", " + std::to_string(d.schedule.itemsPerThread) +
                             " tokens per thread"});
  v.push_back({"BEFORE", d.hasState
                             ? "conv_state[((long long)b * dim + c) * kWidth "
                               "+ kWidth + s]"
                             : "0.0f"});
  std::string src = kHeader;
  src += R"(extern "C" __global__ void __launch_bounds__($THREADS)
$NAME(const $XT *__restrict__ x, const float *__restrict__ weight,
      const float *__restrict__ bias, const float *__restrict__ conv_state,
      $OT *__restrict__ out, int batch, int dim, int seqlen, long long x_sb,
      long long x_sc, long long x_st, long long o_sb, long long o_sc,
      long long o_st) {
  constexpr int kWidth = $W, kItems = $ITEMS;
  const int c = blockIdx.x * $THREADS + threadIdx.x;
  const int t0 = blockIdx.y * kItems;
  const int b = blockIdx.z;
  if (c >= dim)
    return;
  float w[kWidth];
#pragma unroll
  for (int j = 0; j < kWidth; ++j)
    w[j] = weight[(long long)c * kWidth + j];
  // The inputs t0 - (width - 1) .. t0 + items - 1; before t = 0 they come
  // from the carried state (the last width inputs, oldest first).
  float win[kWidth - 1 + kItems];
#pragma unroll
  for (int j = 0; j < kWidth - 1 + kItems; ++j) {
    const int s = t0 - (kWidth - 1) + j;
    win[j] = s < 0 ? $BEFORE
           : s < seqlen ? mamba_to_float(x[b * x_sb + c * x_sc + (long long)s * x_st])
                        : 0.0f;
  }
  const float b0 = $BIAS;
#pragma unroll
  for (int i = 0; i < kItems; ++i) {
    if (t0 + i >= seqlen)
      break;
    float acc = b0;
#pragma unroll
    for (int j = 0; j < kWidth; ++j)
      acc = fmaf(w[j], win[i + j], acc);
    mamba_store(&out[b * o_sb + c * o_sc + (long long)(t0 + i) * o_st], $APPLY);
  }
}
)";
  if (d.hasState)
    // A second kernel: the prefill kernel's blocks read the old state, so it
    // may only be overwritten once they have all finished.
    src += R"(
// State update of $NAME: the last width inputs (old state ++ x), oldest first.
extern "C" __global__ void __launch_bounds__($THREADS)
$NAME_state(const $XT *__restrict__ x, float *__restrict__ conv_state,
      int batch, int dim, int seqlen, long long x_sb, long long x_sc,
      long long x_st) {
  constexpr int kWidth = $W;
  const int c = blockIdx.x * $THREADS + threadIdx.x;
  const int b = blockIdx.y;
  if (c >= dim)
    return;
  float *st = conv_state + ((long long)b * dim + c) * kWidth;
  float win[kWidth];
#pragma unroll
  for (int j = 0; j < kWidth; ++j) {
    const int s = seqlen - kWidth + j;
    win[j] = s >= 0 ? mamba_to_float(x[b * x_sb + c * x_sc + (long long)s * x_st])
                    : st[kWidth + s];
  }
#pragma unroll
  for (int j = 0; j < kWidth; ++j)
    st[j] = win[j];
}
)";
  return {subst(src, v), ""};
}

Emitted emitCausalConv1dStep(const CausalConv1dDesc &d) {
  if (std::string e = validate(d); !e.empty())
    return {"", e};
  if (std::string e = detail::checkConvStep(d.name, d); !e.empty())
    return {"", e};
  Vars v = vars(d, "decode step");
  v.push_back({"TOKENS", ""});
  std::string src = kHeader;
  src += R"(extern "C" __global__ void __launch_bounds__($THREADS)
$NAME(const $XT *__restrict__ x, const float *__restrict__ weight,
      const float *__restrict__ bias, float *__restrict__ conv_state,
      $OT *__restrict__ out, int batch, int dim, long long x_sb,
      long long x_sc, long long o_sb, long long o_sc) {
  constexpr int kWidth = $W;
  const int c = blockIdx.x * $THREADS + threadIdx.x;
  const int b = blockIdx.y;
  if (c >= dim)
    return;
  float *st = conv_state + ((long long)b * dim + c) * kWidth;
  // Shift the window by one token: the new input enters at the end.
  float win[kWidth];
#pragma unroll
  for (int j = 0; j + 1 < kWidth; ++j)
    win[j] = st[j + 1];
  win[kWidth - 1] = mamba_to_float(x[b * x_sb + c * x_sc]);
  float acc = $BIAS;
#pragma unroll
  for (int j = 0; j < kWidth; ++j) {
    acc = fmaf(weight[(long long)c * kWidth + j], win[j], acc);
    st[j] = win[j];
  }
  mamba_store(&out[b * o_sb + c * o_sc], $APPLY);
}
)";
  return {subst(src, v), ""};
}

} // namespace mamba::codegen::cuda

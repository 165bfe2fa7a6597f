// Emits the decode step's in_proj GEMV fused with what consumes its x rows:
// the conv step (+ SiLU) and the split-K x_proj. One kernel, and so one
// grid-wide dependency, where the GEMV and the conv step + x_proj kernel
// have two.
#include "gemv_emit.h"

namespace mamba::codegen::cuda {

using detail::cType;
using detail::subst;
using detail::Vars;

namespace {

int blockRows(const GemvConvStepLinearDesc &d) {
  return d.gemv.schedule.threadsPerBlock / 32 * d.gemv.schedule.itemsPerThread;
}

std::string validate(const GemvConvStepLinearDesc &d) {
  if (!detail::isIdentifier(d.name))
    return "gemv_conv_step_linear: kernel name '" + d.name +
           "' is not an identifier";
  GemvDesc gemv = d.gemv;
  gemv.name = d.name;
  if (std::string e = detail::validateGemv(gemv); !e.empty())
    return e;
  if (d.gemv.accumulate)
    return d.name + ": the GEMV must store its output (no residual add)";
  if (d.gemv.batch > 16)
    return d.name + ": batch must be in [1, 16], got " +
           std::to_string(d.gemv.batch);
  if (std::string e = detail::checkConvStep(d.name, d.conv); !e.empty())
    return e;
  if (d.rows < 1 || d.dim < 1)
    return d.name + ": rows and dim must be >= 1, got " +
           std::to_string(d.rows) + " and " + std::to_string(d.dim);
  const int rows = blockRows(d);
  return detail::checkSlicePieces(d.name,
                                  "the GEMV's rows per block (" +
                                      std::to_string(rows) +
                                      ", the linear's K slice)",
                                  rows, d.wType);
}

} // namespace

Emitted emitGemvConvStepLinear(const GemvConvStepLinearDesc &d) {
  if (std::string e = validate(d); !e.empty())
    return {"", e};
  GemvDesc gemv = d.gemv;
  gemv.name = d.name;
  const CausalConv1dDesc &c = d.conv;
  Vars v = {{"THREADS", std::to_string(gemv.schedule.threadsPerBlock)},
            {"LROWS", std::to_string(d.rows)},
            {"DIM", std::to_string(d.dim)},
            {"WIDTH", std::to_string(c.width)},
            {"OT", cType(c.outType)},
            {"ON", elemTypeName(c.outType)},
            {"W2T", cType(d.wType)},
            {"W2N", elemTypeName(d.wType)},
            {"ACT", c.silu ? "silu" : "none"},
            {"CBIAS", c.hasBias ? "conv_bias[ch]" : "0.0f"},
            {"APPLY", c.silu ? "mamba_silu(cacc)" : "cacc"},
            {"EARLY", d.stateBeforeWait ? "true" : "false"}};
  detail::GemvEpilogue epi;
  epi.params = subst(R"(,
      const float *__restrict__ conv_weight,
      const float *__restrict__ conv_bias, float *__restrict__ conv_state,
      $OT *__restrict__ conv_out, long long ld_out,
      const $W2T *__restrict__ w2, float *__restrict__ y2, long long ld_y2)",
                     v);
  epi.preload =
      subst(R"(  // Fused: rows below kDim (x) then go through ssm.causal_conv1d
  // activation = $ACT (decode step, width $WIDTH, out $ON) in the block that
  // computed them, and the block's K slice of the ssm.linear that reads them
  // (W $W2N [$LROWS, $DIM]) is added into y2 (zeroed beforehand) with atomic
  // adds: their order, and so the last bits of y2, vary from run to run.
  constexpr int kBlockRows = kWarps * kRows;
  constexpr int kLinRows = $LROWS, kDim = $DIM, kWidth = $WIDTH;
  constexpr int kVec2 = 16 / sizeof($W2T);
  constexpr int kSegs2 = kBlockRows / kVec2; // lanes per row of the slice
  constexpr int kGroups2 = $THREADS / kSegs2;
  constexpr int kPasses2 = (kLinRows + kGroups2 - 1) / kGroups2;
  constexpr int kPre2 = kPasses2 < 8 ? kPasses2 : 8;
  __shared__ __align__(16) float s_x[kBatch][kBlockRows];
  __shared__ __align__(16) float s_c[kBatch][kBlockRows];
  const int ch0 = blockIdx.x * kBlockRows;
  const int seg2 = threadIdx.x % kSegs2, group2 = threadIdx.x / kSegs2;
  const bool vec2 = kDim % kVec2 == 0 && (unsigned long long)w2 % 16 == 0;
  auto load_w2 = [&](int p) {
    const int row = p * kGroups2 + group2;
    return row < kLinRows ? mamba_load16(w2 + (long long)row * kDim,
                                         ch0 + seg2 * kVec2, kDim, vec2)
                          : mamba_u4{0u, 0u, 0u, 0u};
  };
  // The slice's first kPre2 passes, before the wait: they are weights.
  mamba_u4 w2v[kPre2];
#pragma unroll
  for (int p = 0; p < kPre2; ++p)
    w2v[p] = ch0 < kDim ? load_w2(p) : mamba_u4{0u, 0u, 0u, 0u};
  // A thread's conv step operands: its channel's state, weights and bias.
  float cprev[kWidth], cw[kWidth], cb = 0.0f;
  auto load_conv = [&](int i) {
    const int b = i / kBlockRows, ch = ch0 + i % kBlockRows;
    const bool in = b < batch && ch < kDim;
#pragma unroll
    for (int j = 0; j < kWidth; ++j) {
      cprev[j] = in ? conv_state[((long long)b * kDim + ch) * kWidth + j]
                    : 0.0f;
      cw[j] = in ? conv_weight[(long long)ch * kWidth + j] : 0.0f;
    }
    cb = in ? $CBIAS : 0.0f;
  };
  // stateBeforeWait: the first ones before the wait as well. Only this
  // kernel writes the state, one step earlier, and a step's kernels start
  // after the previous step has ended.
  constexpr bool kStateEarly = $EARLY;
  if (kStateEarly)
    load_conv(threadIdx.x);
)",
            v);
  epi.store = "        if (row < kDim)\n          s_x[b][row - ch0] = v;\n";
  epi.body = subst(
      R"(  // The conv step of this block's x channels, then their share of the
  // linear.
  if (ch0 >= kDim)
    return;
  __syncthreads();
  for (int i = threadIdx.x; i < batch * kBlockRows; i += $THREADS) {
    const int b = i / kBlockRows, cc = i % kBlockRows, ch = ch0 + cc;
    if (!kStateEarly || i != threadIdx.x)
      load_conv(i);
    float cv = 0.0f;
    if (ch < kDim) {
      const float cacc = mamba_conv_step_from<kWidth>(
          cprev, conv_state + ((long long)b * kDim + ch) * kWidth, cw, cb,
          s_x[b][cc]);
      cv = $APPLY;
      mamba_store(&conv_out[b * ld_out + ch], cv);
    }
    s_c[b][cc] = cv;
  }
  __syncthreads();
#pragma unroll
  for (int p = 0; p < kPasses2; ++p) {
    const int row = p * kGroups2 + group2;
    float wf[kVec2];
    mamba_unpack(w2, p < kPre2 ? w2v[p < kPre2 ? p : 0] : load_w2(p), wf);
#pragma unroll
    for (int b = 0; b < kBatch; ++b) {
      if (b >= batch)
        break;
      float xs[kVec2];
      mamba_lds<kVec2>(&s_c[b][seg2 * kVec2], xs);
      float sum = 0.0f;
#pragma unroll
      for (int j = 0; j < kVec2; ++j)
        sum = fmaf(wf[j], xs[j], sum);
#pragma unroll
      for (int off = kSegs2 / 2; off > 0; off >>= 1)
        sum += __shfl_xor_sync(0xffffffffu, sum, off);
      if (seg2 == 0 && row < kLinRows)
        atomicAdd(&y2[b * ld_y2 + row], sum);
    }
  }
)",
      v);
  return {detail::gemvKernel(gemv, epi), ""};
}

} // namespace mamba::codegen::cuda

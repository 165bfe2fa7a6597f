// Emits the fused selective scan of ssm.selective_scan: the prefill kernel
// (time in shared-memory chunks, state in registers) and the decode step.
#include "emit_util.h"

namespace mamba::codegen::cuda {

using detail::cType;
using detail::subst;
using detail::Vars;

int SelectiveScanDesc::channelsPerBlock() const {
  return dState > 0
             ? schedule.threadsPerBlock * schedule.itemsPerThread / dState
             : 0;
}

namespace {

std::string validate(const SelectiveScanDesc &d, bool step) {
  if (!detail::isIdentifier(d.name))
    return "selective_scan: kernel name '" + d.name + "' is not an identifier";
  if (std::string e = detail::checkSchedule(d.name, d.schedule); !e.empty())
    return e;
  const int items = d.schedule.itemsPerThread;
  if (d.dState < 1 || d.dState > 256 || d.dState % items != 0)
    return d.name + ": itemsPerThread (" + std::to_string(items) +
           ") must divide d_state (" + std::to_string(d.dState) + ")";
  const int lanes = d.dState / items;
  // The lanes of one channel reduce with warp shuffles: a power of two <= 32.
  if (lanes > 32 || (lanes & (lanes - 1)) != 0)
    return d.name + ": d_state / itemsPerThread = " + std::to_string(lanes) +
           " must be a power of two <= 32";
  if (step)
    return "";
  if (d.schedule.chunkLen < 1 || d.schedule.chunkLen > 1024)
    return d.name + ": chunkLen must be in [1, 1024], got " +
           std::to_string(d.schedule.chunkLen);
  const long long channels = d.channelsPerBlock();
  const long long bytes =
      4LL * (2LL * d.schedule.chunkLen * d.dState +
             (d.hasZ ? 4 : 3) * channels * (d.schedule.chunkLen + 1));
  if (bytes > 48 * 1024)
    return d.name + ": the schedule needs " + std::to_string(bytes) +
           " bytes of shared memory, more than the 48 KiB static limit";
  return "";
}

std::string header(const SelectiveScanDesc &d, bool prefill) {
  const std::string fused = (d.hasDeltaBias ? "delta_bias, " : "") +
                            std::string(d.deltaSoftplus ? "softplus, " : "") +
                            "scan" + (d.hasD ? ", D skip" : "") +
                            (d.hasZ ? ", silu(z) gate" : "");
  return subst(
      R"(// ssm.selective_scan ($WHAT): $FUSED; b_rule = $BRULE.
// u: $UT, delta: $DT, z: $ZT, B/C: $BCT, y: $YT; F32 accumulation; d_state $N.
// Schedule: $THREADS threads = $CPB channels x $LANES lanes of $ITEMS states$CHUNK.
)",
      {{"WHAT", prefill ? "prefill" : "decode step"},
       {"FUSED", fused},
       {"BRULE", d.zohB ? "zoh" : "simplified"},
       {"UT", elemTypeName(d.uType)},
       {"DT", elemTypeName(d.deltaType)},
       {"ZT", elemTypeName(d.zType)},
       {"BCT", elemTypeName(d.bcType)},
       {"YT", elemTypeName(d.yType)},
       {"N", std::to_string(d.dState)},
       {"THREADS", std::to_string(d.schedule.threadsPerBlock)},
       {"CPB", std::to_string(d.channelsPerBlock())},
       {"LANES", std::to_string(d.dState / d.schedule.itemsPerThread)},
       {"ITEMS", std::to_string(d.schedule.itemsPerThread)},
       {"CHUNK",
        prefill ? ", time in chunks of " + std::to_string(d.schedule.chunkLen)
                : ""}});
}

/// The recurrence and readout of one token for the thread's kItems states,
/// then the reduction over the kLanes lanes of the channel into `acc`.
std::string stepBody(const SelectiveScanDesc &d, const std::string &bAt,
                     const std::string &cAt) {
  std::string update =
      d.zohB
          // dB = (exp(dt A) - 1) / A * B; a holds A * log2(e).
          ? "h[i] = fmaf(dA, h[i], (dA - 1.0f) / (a[i] * 0.69314718056f) * "
            "$BAT * uv);"
          : "h[i] = fmaf(dA, h[i], du * $BAT);";
  return subst(R"(    const float du = dt * uv;
    float acc = 0.0f;
#pragma unroll
    for (int i = 0; i < kItems; ++i) {
      const float dA = exp2f(dt * a[i]);
      )" + update + R"(
      acc = fmaf(h[i], $CAT, acc);
    }
#pragma unroll
    for (int off = kLanes / 2; off > 0; off >>= 1)
      acc += __shfl_xor_sync(0xffffffffu, acc, off);
)",
               {{"BAT", bAt}, {"CAT", cAt}});
}

std::string commonVars(const SelectiveScanDesc &d, Vars &vars) {
  vars.insert(
      vars.end(),
      {{"NAME", d.name},
       {"THREADS", std::to_string(d.schedule.threadsPerBlock)},
       {"UT", cType(d.uType)},
       {"DT", cType(d.deltaType)},
       {"ZT", cType(d.zType)},
       {"BCT", cType(d.bcType)},
       {"YT", cType(d.yType)},
       {"N", std::to_string(d.dState)},
       {"ITEMS", std::to_string(d.schedule.itemsPerThread)},
       {"LANES", std::to_string(d.dState / d.schedule.itemsPerThread)},
       {"CPB", std::to_string(d.channelsPerBlock())},
       {"CHUNK", std::to_string(d.schedule.chunkLen)},
       {"INITH",
        d.hasInitialState ? "valid ? state[sbase + n0 + i] : 0.0f" : "0.0f"},
       {"DSKIP", d.hasD ? "valid ? D[c] : 0.0f" : "0.0f"}});
  // The prologue shared by both kernels: A (scaled to exp2) and h in
  // registers.
  return R"(  const int b = blockIdx.y;
  const int local = threadIdx.x / kLanes;
  const int lane = threadIdx.x % kLanes;
  const int c = blockIdx.x * kChannels + local;
  const bool valid = c < dim;
  const int n0 = lane * kItems;
  const long long sbase = ((long long)b * dim + c) * kState;
  float a[kItems], h[kItems];
#pragma unroll
  for (int i = 0; i < kItems; ++i) {
    // exp(dt * A) = exp2(dt * A * log2(e))
    a[i] = valid ? A[(long long)c * kState + n0 + i] * 1.44269504089f : 0.0f;
    h[i] = $INITH;
  }
  const float dskip = $DSKIP;
)";
}

const char *kSignature =
    R"(extern "C" __global__ void __launch_bounds__($THREADS)
$NAME(const $UT *__restrict__ u, const $DT *__restrict__ delta,
      const float *__restrict__ A, const $BCT *__restrict__ B,
      const $BCT *__restrict__ C, const float *__restrict__ D,
      const $ZT *__restrict__ z, const float *__restrict__ delta_bias,
      float *__restrict__ state, $YT *__restrict__ y, int batch, int dim,
      int seqlen, long long u_sb, long long u_sc, long long u_st,
      long long delta_sb, long long delta_sc, long long delta_st,
      long long z_sb, long long z_sc, long long z_st, long long y_sb,
      long long y_sc, long long y_st, long long B_sb, long long B_sn,
      long long B_st, long long C_sb, long long C_sn, long long C_st) {
  constexpr int kState = $N, kItems = $ITEMS, kLanes = $LANES;
  constexpr int kChannels = $CPB;
)";

std::string dtExpr(const SelectiveScanDesc &d, const std::string &raw,
                   const std::string &channel) {
  std::string e = "mamba_to_float(" + raw + ")";
  if (d.hasDeltaBias)
    e += " + delta_bias[" + channel + "]";
  return d.deltaSoftplus ? "mamba_softplus(" + e + ")" : e;
}

} // namespace

Emitted emitSelectiveScan(const SelectiveScanDesc &d) {
  if (std::string e = validate(d, false); !e.empty())
    return {"", e};
  Vars vars;
  std::string prologue = commonVars(d, vars);
  const bool tokenMajor = d.layout == Layout::TokenMajor;
  // Consecutive threads take consecutive channels (token-major) or
  // consecutive tokens (channel-major): whichever stride is 1.
  const std::string tileIndex =
      tokenMajor ? "const int ch = i % kChannels, t = i / kChannels;"
                 : "const int t = i % kChunk, ch = i / kChunk;";
  std::string src = header(d, true) + kSignature;
  src += "  constexpr int kChunk = $CHUNK;\n";
  src += R"(  __shared__ float s_B[kChunk][kState], s_C[kChunk][kState];
  // +1 column: the lanes of a warp read one token of different channels.
  __shared__ float s_u[kChannels][kChunk + 1], s_dt[kChannels][kChunk + 1];
  __shared__ float s_y[kChannels][kChunk + 1];
)";
  if (d.hasZ)
    src += "  __shared__ float s_z[kChannels][kChunk + 1];\n";
  src += prologue;
  src += R"(  const int c0 = blockIdx.x * kChannels;
  for (int t0 = 0; t0 < seqlen; t0 += kChunk) {
    const int len = min(kChunk, seqlen - t0);
    __syncthreads(); // the previous chunk's s_y has been stored
    // B and C of the chunk, loaded once and shared by all channels.
    for (int i = threadIdx.x; i < kChunk * kState; i += $THREADS) {
      const int t = i / kState, n = i % kState;
      const bool in = t < len;
      s_B[t][n] = in ? mamba_to_float(B[b * B_sb + n * B_sn + (t0 + t) * B_st]) : 0.0f;
      s_C[t][n] = in ? mamba_to_float(C[b * C_sb + n * C_sn + (t0 + t) * C_st]) : 0.0f;
    }
    // u, dt and z of the block's channels; dt = softplus(delta + bias) once
    // per (channel, token) rather than once per lane.
    for (int i = threadIdx.x; i < kChannels * kChunk; i += $THREADS) {
      $TILE
      const int cc = c0 + ch;
      const long long tt = t0 + t;
      const bool in = t < len && cc < dim;
      s_u[ch][t] = in ? mamba_to_float(u[b * u_sb + cc * u_sc + tt * u_st]) : 0.0f;
      s_dt[ch][t] = in ? $DTEXPR : 0.0f;
)";
  if (d.hasZ)
    src += "      s_z[ch][t] = in ? mamba_to_float(z[b * z_sb + cc * z_sc + tt "
           "* z_st]) : 0.0f;\n";
  src += R"(    }
    __syncthreads();
    for (int t = 0; t < len; ++t) {
      const float dt = s_dt[local][t], uv = s_u[local][t];
)";
  src += stepBody(d, "s_B[t][n0 + i]", "s_C[t][n0 + i]");
  src += "      if (lane == 0)\n        s_y[local][t] = ";
  std::string yv = d.hasD ? "fmaf(dskip, uv, acc)" : "acc";
  if (d.hasZ)
    yv = "(" + yv + ") * mamba_silu(s_z[local][t])";
  src += yv + ";\n";
  src += R"(    }
    __syncthreads();
    for (int i = threadIdx.x; i < kChannels * kChunk; i += $THREADS) {
      $TILE
      const int cc = c0 + ch;
      if (t < len && cc < dim)
        mamba_store(&y[b * y_sb + cc * y_sc + (long long)(t0 + t) * y_st], s_y[ch][t]);
    }
  }
  if (valid) {
#pragma unroll
    for (int i = 0; i < kItems; ++i)
      state[sbase + n0 + i] = h[i];
  }
}
)";
  vars.push_back({"TILE", tileIndex});
  vars.push_back({"DTEXPR", dtExpr(d,
                                   "delta[b * delta_sb + cc * delta_sc + "
                                   "tt * delta_st]",
                                   "cc")});
  return {subst(src, vars), ""};
}

Emitted emitSelectiveScanStep(const SelectiveScanDesc &d) {
  if (std::string e = validate(d, true); !e.empty())
    return {"", e};
  Vars vars;
  std::string prologue = commonVars(d, vars);
  // Same signature as the prefill kernel (seqlen must be 1), so one launcher
  // serves both; the time strides go unused.
  std::string src = header(d, false) + kSignature + prologue;
  src += R"(  float dt = 0.0f, uv = 0.0f;
  if (valid) {
    dt = $DTEXPR;
    uv = mamba_to_float(u[b * u_sb + c * u_sc]);
  }
  float bv[kItems], cv[kItems];
#pragma unroll
  for (int i = 0; i < kItems; ++i) {
    bv[i] = mamba_to_float(B[b * B_sb + (n0 + i) * B_sn]);
    cv[i] = mamba_to_float(C[b * C_sb + (n0 + i) * C_sn]);
  }
)";
  src += stepBody(d, "bv[i]", "cv[i]");
  src +=
      "  if (valid) {\n    if (lane == 0)\n      mamba_store(&y[b * y_sb + c "
      "* y_sc], ";
  std::string yv = d.hasD ? "fmaf(dskip, uv, acc)" : "acc";
  if (d.hasZ)
    yv = "(" + yv + ") * mamba_silu(mamba_to_float(z[b * z_sb + c * z_sc]))";
  src += yv + ");\n";
  src += R"(#pragma unroll
    for (int i = 0; i < kItems; ++i)
      state[sbase + n0 + i] = h[i];
  }
}
)";
  vars.push_back(
      {"DTEXPR", dtExpr(d, "delta[b * delta_sb + c * delta_sc]", "c")});
  return {subst(src, vars), ""};
}

} // namespace mamba::codegen::cuda

// Emits the fused selective scan of ssm.selective_scan: the prefill kernel
// (time in shared-memory chunks, state in registers) and the decode step,
// and the pieces the time-parallel variant (selective_scan_chunked.cpp)
// shares with them.
#include "scan_emit.h"

#include <cmath>

namespace mamba::codegen::cuda {

using detail::cType;
using detail::subst;
using detail::Vars;

int SelectiveScanDesc::channelsPerBlock() const {
  return dState > 0
             ? schedule.threadsPerBlock * schedule.itemsPerThread / dState
             : 0;
}

namespace detail {

std::string validateScan(const SelectiveScanDesc &d, bool step) {
  if (!detail::isIdentifier(d.name))
    return "selective_scan: kernel name '" + d.name + "' is not an identifier";
  if (std::string e = detail::checkSchedule(d.name, d.schedule); !e.empty())
    return e;
  const int items = d.schedule.itemsPerThread;
  if (d.dState < 1 || d.dState > 256)
    return d.name + ": d_state (" + std::to_string(d.dState) +
           ") must be in [1, 256]";
  if (d.dState % items != 0)
    return d.name + ": itemsPerThread (" + std::to_string(items) +
           ") must divide d_state (" + std::to_string(d.dState) + ")";
  const int lanes = d.dState / items;
  // The lanes of one channel reduce with warp shuffles: a power of two <= 32.
  if (lanes > 32 || (lanes & (lanes - 1)) != 0)
    return d.name + ": d_state / itemsPerThread = " + std::to_string(lanes) +
           " must be a power of two <= 32";
  if (!(d.schedule.fmaExpFraction >= 0.0 && d.schedule.fmaExpFraction <= 1.0))
    return d.name + ": fmaExpFraction must be in [0, 1], got " +
           std::to_string(d.schedule.fmaExpFraction);
  if (std::string e = detail::checkMinBlocks(d.name, d.schedule); !e.empty())
    return e;
  if (d.dtRank < 0 || d.dtRank > 1024)
    return d.name + ": dtRank must be in [0, 1024], got " +
           std::to_string(d.dtRank);
  if (step)
    return "";
  if (d.dtRank > 0)
    return d.name + ": dtRank (dt_proj folded in) is a decode-step option";
  if (d.schedule.chunkLen < 1 || d.schedule.chunkLen > 1024)
    return d.name + ": chunkLen must be in [1, 1024], got " +
           std::to_string(d.schedule.chunkLen);
  if (scanLoadsDirect(d) && d.schedule.chunkLen > 64)
    return d.name +
           ": chunkLen must be <= 64 with directLoads (each thread "
           "holds a chunk of u, delta and z in registers), got " +
           std::to_string(d.schedule.chunkLen);
  if (scanLoadsDirect(d) && d.schedule.chunkLen % lanes != 0)
    return d.name + ": chunkLen (" + std::to_string(d.schedule.chunkLen) +
           ") must be a multiple of d_state / itemsPerThread (" +
           std::to_string(lanes) +
           ") with directLoads (the lanes of a channel share out its tokens)";
  if (d.schedule.timeChunkLen < 0)
    return d.name + ": timeChunkLen must be >= 0 (0 = chosen at run time)";
  const long long channels = scanLoadsDirect(d) ? 0 : d.channelsPerBlock();
  const long long bytes =
      4LL * (2LL * d.schedule.chunkLen * d.dState +
             (d.hasZ ? 4 : 3) * channels * (d.schedule.chunkLen + 1));
  if (bytes > 48 * 1024)
    return d.name + ": the schedule needs " + std::to_string(bytes) +
           " bytes of shared memory, more than the 48 KiB static limit";
  return "";
}

std::string scanHeader(const SelectiveScanDesc &d, const std::string &what,
                       bool timeLoop) {
  const std::string fused = (d.hasDeltaBias ? "delta_bias, " : "") +
                            std::string(d.deltaSoftplus ? "softplus, " : "") +
                            "scan" + (d.hasD ? ", D skip" : "") +
                            (d.hasZ ? ", silu(z) gate" : "");
  std::string exps;
  if (d.schedule.fmaExpFraction > 0)
    exps = "; " + std::to_string(d.schedule.fmaExpFraction).substr(0, 4) +
           " of the exponentials on the FMA units";
  return subst(
      R"(// ssm.selective_scan ($WHAT): $FUSED; b_rule = $BRULE.
// u: $UT, delta: $DT, z: $ZT, B/C: $BCT, y: $YT; F32 accumulation; d_state $N.
// Schedule: $THREADS threads = $CPB channels x $LANES lanes of $ITEMS states$CHUNK$EXPS.
)",
      {{"WHAT", what},
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
        timeLoop ? ", time in chunks of " + std::to_string(d.schedule.chunkLen)
                 : ""},
       {"EXPS", exps}});
}

std::string scanStepBody(const SelectiveScanDesc &d, const std::string &bAt,
                         const std::string &cAt, bool readout) {
  std::string update =
      d.zohB
          // dB = (exp(dt A) - 1) / A * B; a holds A * log2(e).
          ? "h[i] = fmaf(dA, h[i], (dA - 1.0f) / (a[i] * 0.69314718056f) * "
            "$BAT * uv);"
          : "h[i] = fmaf(dA, h[i], du * $BAT);";
  // Items below kPolyExp take the FMA-unit polynomial; the loop is unrolled,
  // so the choice is made at compile time. C.h goes into 4 partial sums: 4
  // short dependency chains instead of one kItems long.
  std::string src =
      R"(    const float du = dt * uv;
)" +
      std::string(readout ? "    float part[4] = {0.0f, 0.0f, 0.0f, 0.0f};\n"
                          : "") +
      R"(#pragma unroll
    for (int i = 0; i < kItems; ++i) {
      const float dA = i < kPolyExp ? mamba_exp2_poly(dt * a[i])
                                    : mamba_exp2(dt * a[i]);
      )" +
      update + "\n";
  if (readout)
    src += R"(      part[i % 4] = fmaf(h[i], $CAT, part[i % 4]);
    }
    float acc = (part[0] + part[1]) + (part[2] + part[3]);
#pragma unroll
    for (int off = kLanes / 2; off > 0; off >>= 1)
      acc += __shfl_xor_sync(0xffffffffu, acc, off);
)";
  else
    src += "    }\n";
  return subst(src, {{"BAT", bAt}, {"CAT", cAt}});
}

std::string scanPrologue(const SelectiveScanDesc &d, Vars &vars,
                         const std::string &batchIndex,
                         const std::string &initH, bool stateIo, bool readout) {
  const int items = d.schedule.itemsPerThread;
  const int poly =
      static_cast<int>(std::lround(d.schedule.fmaExpFraction * items));
  vars.insert(vars.end(),
              {{"NAME", d.name},
               {"THREADS", std::to_string(d.schedule.threadsPerBlock)},
               {"UT", cType(d.uType)},
               {"DT", cType(d.deltaType)},
               {"ZT", cType(d.zType)},
               {"BCT", cType(d.bcType)},
               {"YT", cType(d.yType)},
               {"N", std::to_string(d.dState)},
               {"ITEMS", std::to_string(items)},
               {"LANES", std::to_string(d.dState / items)},
               {"CPB", std::to_string(d.channelsPerBlock())},
               {"CHUNK", std::to_string(d.schedule.chunkLen)},
               {"POLYEXP", std::to_string(poly)},
               {"DSKIP", d.hasD ? "valid ? D[c] : 0.0f" : "0.0f"},
               {"MINBLOCKS", detail::minBlocksBound(d.schedule)}});
  return subst(
      R"(  constexpr int kPolyExp = $POLYEXP;
  const int b = $BATCH;
  const int local = threadIdx.x / kLanes;
  const int lane = threadIdx.x % kLanes;
  const int c = blockIdx.x * kChannels + local;
  const bool valid = c < dim;
  const int n0 = lane * kItems;
$SBASE  float a[kItems], h[kItems];
#pragma unroll
  for (int i = 0; i < kItems; ++i) {
    // exp(dt * A) = exp2(dt * A * log2(e))
    a[i] = valid ? A[(long long)c * kState + n0 + i] * 1.44269504089f : 0.0f;
    h[i] = $INITH;
  }
$DSKIPDECL)",
      {{"BATCH", batchIndex},
       {"INITH", initH},
       {"SBASE", stateIo ? "  const long long sbase = ((long long)b "
                           "* dim + c) * kState;\n"
                         : ""},
       {"DSKIPDECL", readout ? "  const float dskip = $DSKIP;\n" : ""}});
}

std::string scanSignature(const std::string &extra) {
  return R"(extern "C" __global__ void __launch_bounds__($THREADS$MINBLOCKS)
$NAME(const $UT *__restrict__ u, const $DT *__restrict__ delta,
      const float *__restrict__ A, const $BCT *__restrict__ B,
      const $BCT *__restrict__ C, const float *__restrict__ D,
      const $ZT *__restrict__ z, const float *__restrict__ delta_bias,
      float *__restrict__ state, $YT *__restrict__ y, int batch, int dim,
      int seqlen, long long u_sb, long long u_sc, long long u_st,
      long long delta_sb, long long delta_sc, long long delta_st,
      long long z_sb, long long z_sc, long long z_st, long long y_sb,
      long long y_sc, long long y_st, long long B_sb, long long B_sn,
      long long B_st, long long C_sb, long long C_sn, long long C_st)" +
         extra + R"() {
  constexpr int kState = $N, kItems = $ITEMS, kLanes = $LANES;
  constexpr int kChannels = $CPB;
)";
}

std::string scanDtProjPreload() {
  // Each lane reads its part of the row with 16-byte loads, all issued
  // before the first FMA (the row is the step's largest read: a
  // lane-strided scalar loop left it latency-bound).
  return R"(  constexpr int kVecs = kRank / (4 * kLanes);
  const float *wrow = dt_proj + (long long)c * kRank;
  const bool vecRow = valid && kRank % (4 * kLanes) == 0 &&
                      (unsigned long long)dt_proj % 16 == 0;
  mamba_f4 dtw[kVecs > 0 ? kVecs : 1];
  if (vecRow) {
#pragma unroll
    for (int i = 0; i < kVecs; ++i)
      dtw[i] = reinterpret_cast<const mamba_f4 *>(wrow)[i * kLanes + lane];
  }
)";
}

std::string scanDtProjDot(const std::string &in, const std::string &active) {
  return subst(R"(  float dlow = 0.0f;
  if ($ACTIVE && vecRow) {
#pragma unroll
    for (int i = 0; i < kVecs; ++i) {
      const int r = (i * kLanes + lane) * 4;
      const float w4[4] = {dtw[i].x, dtw[i].y, dtw[i].z, dtw[i].w};
#pragma unroll
      for (int j = 0; j < 4; ++j)
        dlow = fmaf(w4[j], mamba_to_float($INVEC), dlow);
    }
  } else if ($ACTIVE) {
#pragma unroll 8
    for (int r = lane; r < kRank; r += kLanes)
      dlow = fmaf(wrow[r], mamba_to_float($INSCALAR), dlow);
  }
#pragma unroll
  for (int off = kLanes / 2; off > 0; off >>= 1)
    dlow += __shfl_xor_sync(0xffffffffu, dlow, off);
)",
               {{"ACTIVE", active},
                {"INVEC", subst(in, {{"R", "r + j"}})},
                {"INSCALAR", subst(in, {{"R", "r"}})}});
}

std::string scanDtExpr(const SelectiveScanDesc &d, const std::string &raw,
                       const std::string &bias) {
  std::string e = "mamba_to_float(" + raw + ")";
  if (d.hasDeltaBias)
    e += " + " + bias;
  return d.deltaSoftplus ? "mamba_softplus(" + e + ")" : e;
}

std::string scanBcFetch(const SelectiveScanDesc &d, bool readout) {
  // Token-major tiles (and B/C when the block size is a multiple of
  // d_state) give each thread one channel (state) and tokens kTStep apart:
  // one pointer per tensor, advanced by a constant, instead of an address
  // per load (which the compiler would keep live across the time loop).
  std::string src;
  const bool bcStrided = d.schedule.threadsPerBlock % d.dState == 0;
  if (bcStrided) {
    src += R"(    {
      constexpr int kTStep = $THREADS / kState;
      const int n = threadIdx.x % kState, tq = threadIdx.x / kState;
      const $BCT *pb = B + b * B_sb + n * B_sn + (long long)(t0 + tq) * B_st;
)";
    if (readout)
      src += "      const $BCT *pc = C + b * C_sb + n * C_sn + (long long)(t0 "
             "+ tq) * C_st;\n";
    src += R"(#pragma unroll
      for (int j = 0; j < kBLoads; ++j) {
        const bool in = tq + j * kTStep < len;
        r_B[j] = in ? *pb : $BCT{};
        pb += kTStep * B_st;
)";
    if (readout)
      src += "        r_C[j] = in ? *pc : $BCT{};\n        pc += kTStep * "
             "C_st;\n";
    src += "      }\n    }\n";
  } else {
    src += R"(#pragma unroll
    for (int j = 0; j < kBLoads; ++j) {
      const int i = threadIdx.x + j * $THREADS;
      const int t = i / kState, n = i % kState;
      const bool in = i < kChunk * kState && t < len;
      r_B[j] = in ? B[b * B_sb + n * B_sn + (long long)(t0 + t) * B_st] : $BCT{};
)";
    if (readout)
      src += "      r_C[j] = in ? C[b * C_sb + n * C_sn + (long long)(t0 + t) "
             "* C_st] : $BCT{};\n";
    src += "    }\n";
  }
  return src;
}

std::string scanBcStage(bool readout) {
  std::string src = R"(#pragma unroll
    for (int j = 0; j < kBLoads; ++j) {
      const int i = threadIdx.x + j * $THREADS;
      if (i < kChunk * kState) {
        const int t = i / kState, n = i % kState;
        s_B[t][n] = mamba_to_float(r_B[j]);
)";
  if (readout)
    src += "        s_C[t][n] = mamba_to_float(r_C[j]);\n";
  return src + "      }\n    }\n";
}

std::string scanTokenStep(const SelectiveScanDesc &d, bool readout) {
  std::string src =
      "      float bv[kItems];\n      mamba_lds<kItems>(&s_B[t][n0], bv);\n";
  if (readout)
    src += "      float cv[kItems];\n      mamba_lds<kItems>(&s_C[t][n0], "
           "cv);\n";
  return src + scanStepBody(d, "bv[i]", "cv[i]", readout);
}

std::string scanYExpr(const SelectiveScanDesc &d, const std::string &gate) {
  const std::string y = d.hasD ? "fmaf(dskip, uv, acc)" : "acc";
  return d.hasZ ? "(" + y + ") * " + gate : y;
}

bool scanLoadsDirect(const SelectiveScanDesc &d) {
  return d.layout == Layout::TokenMajor && d.schedule.directLoads;
}

std::string scanTimeLoop(const SelectiveScanDesc &d, bool readout) {
  if (scanLoadsDirect(d))
    return scanTimeLoopDirect(d, readout);
  const bool z = readout && d.hasZ;
  // Consecutive threads take consecutive channels (token-major) or
  // consecutive tokens (channel-major): whichever stride is 1.
  const std::string tileIndex =
      d.layout == Layout::TokenMajor
          ? "const int ch = i % kChannels, t = i / kChannels;"
          : "const int t = i % kChunk, ch = i / kChunk;";
  std::string src = "  constexpr int kChunk = $CHUNK;\n";
  src += readout ? "  __shared__ __align__(16) float s_B[kChunk][kState], "
                   "s_C[kChunk][kState];\n"
                 : "  __shared__ __align__(16) float s_B[kChunk][kState];\n";
  src +=
      R"(  // +1 column: the lanes of a warp read one token of different channels.
  __shared__ float s_u[kChannels][kChunk + 1], s_dt[kChannels][kChunk + 1];
)";
  if (readout)
    src += "  __shared__ float s_y[kChannels][kChunk + 1];\n";
  if (z)
    src += "  __shared__ float s_z[kChannels][kChunk + 1]; // silu(z)\n";
  if (!readout)
    src += "  float dtsum = 0.0f;\n";
  // A chunk's inputs go global -> registers (fetch, raw element types, so
  // no instruction waits on the loads) -> shared memory (stage, converted,
  // dt = softplus(delta + bias) and silu(z) once per (channel, token)).
  // With prefetch, the next chunk's fetch is issued before this chunk's
  // recurrence and its loads are in flight while it runs.
  src += R"(  const int c0 = blockIdx.x * kChannels;
  constexpr int kBLoads = (kChunk * kState + $THREADS - 1) / $THREADS;
  constexpr int kULoads = (kChannels * kChunk + $THREADS - 1) / $THREADS;
  $BCT r_B[kBLoads];
)";
  if (readout)
    src += "  $BCT r_C[kBLoads];\n";
  src += "  $UT r_u[kULoads];\n  $DT r_dt[kULoads];\n";
  if (z)
    src += "  $ZT r_z[kULoads];\n";
  // Token-major u/delta/z tiles: see scanBcFetch.
  src += "  auto fetch = [&](int t0) {\n"
         "    const int len = min(kChunk, t_end - t0);\n";
  src += scanBcFetch(d, readout);
  if (d.layout == Layout::TokenMajor) {
    src += R"(    {
      constexpr int kTStep = $THREADS / kChannels;
      const int cc = c0 + threadIdx.x % kChannels, tq = threadIdx.x / kChannels;
      const long long t0q = t0 + tq;
      const $UT *pu = u + b * u_sb + cc * u_sc + t0q * u_st;
      const $DT *pd = delta + b * delta_sb + cc * delta_sc + t0q * delta_st;
)";
    if (z)
      src += "      const $ZT *pz = z + b * z_sb + cc * z_sc + t0q * z_st;\n";
    src += R"(#pragma unroll
      for (int j = 0; j < kULoads; ++j) {
        const bool in = tq + j * kTStep < len && cc < dim;
        r_u[j] = in ? *pu : $UT{};
        r_dt[j] = in ? *pd : $DT{};
        pu += kTStep * u_st;
        pd += kTStep * delta_st;
)";
    if (z)
      src += "        r_z[j] = in ? *pz : $ZT{};\n        pz += kTStep * "
             "z_st;\n";
    src += "      }\n    }\n  };\n";
  } else {
    src += R"(#pragma unroll
    for (int j = 0; j < kULoads; ++j) {
      const int i = threadIdx.x + j * $THREADS;
      $TILE
      const int cc = c0 + ch;
      const long long tt = t0 + t;
      const bool in = i < kChannels * kChunk && t < len && cc < dim;
      r_u[j] = in ? u[b * u_sb + cc * u_sc + tt * u_st] : $UT{};
      r_dt[j] = in ? delta[b * delta_sb + cc * delta_sc + tt * delta_st] : $DT{};
)";
    if (z)
      src +=
          "      r_z[j] = in ? z[b * z_sb + cc * z_sc + tt * z_st] : $ZT{};\n";
    src += "    }\n  };\n";
  }
  src += R"(  auto stage = [&](int t0) {
    const int len = min(kChunk, t_end - t0);
)" + scanBcStage(readout) +
         R"(#pragma unroll
    for (int j = 0; j < kULoads; ++j) {
      const int i = threadIdx.x + j * $THREADS;
      if (i < kChannels * kChunk) {
        $TILE
        s_u[ch][t] = mamba_to_float(r_u[j]);
        s_dt[ch][t] = mamba_to_float(r_dt[j]);
)";
  if (z)
    src += "        s_z[ch][t] = mamba_to_float(r_z[j]);\n";
  // softplus and silu in a loop of their own that is not unrolled: unrolled
  // with the copies above, their temporaries set the kernel's register count
  // (and so its occupancy). Each thread rewrites the elements it wrote.
  src += R"(      }
    }
#pragma unroll 1
    for (int j = 0; j < kULoads; ++j) {
      const int i = threadIdx.x + j * $THREADS;
      if (i < kChannels * kChunk) {
        $TILE
        const int cc = c0 + ch;
        const bool in = t < len && cc < dim;
        s_dt[ch][t] = in ? $DTEXPR : 0.0f;
)";
  if (z)
    src += "        s_z[ch][t] = mamba_silu(s_z[ch][t]);\n";
  src += R"(      }
    }
  };
)";
  src += d.schedule.prefetch
             ? R"(  if (t_begin < t_end)
    fetch(t_begin);
  for (int t0 = t_begin; t0 < t_end; t0 += kChunk) {
    const int len = min(kChunk, t_end - t0);
    __syncthreads(); // the previous chunk's shared tiles are consumed
    stage(t0);
    __syncthreads();
    if (t0 + kChunk < t_end)
      fetch(t0 + kChunk);
)"
             : R"(  for (int t0 = t_begin; t0 < t_end; t0 += kChunk) {
    const int len = min(kChunk, t_end - t0);
    __syncthreads(); // the previous chunk's shared tiles are consumed
    fetch(t0);
    stage(t0);
    __syncthreads();
)";
  src += R"(#pragma unroll 4
    for (int t = 0; t < len; ++t) {
      const float dt = s_dt[local][t], uv = s_u[local][t];
)";
  src += scanTokenStep(d, readout);
  if (readout) {
    src += "      if (lane == 0)\n        s_y[local][t] = " +
           scanYExpr(d, "s_z[local][t]") + ";\n";
    src += R"(    }
    __syncthreads();
    for (int i = threadIdx.x; i < kChannels * kChunk; i += $THREADS) {
      $TILE
      const int cc = c0 + ch;
      if (t < len && cc < dim)
        mamba_store(&y[b * y_sb + cc * y_sc + (long long)(t0 + t) * y_st], s_y[ch][t]);
    }
  }
)";
  } else {
    src += "      dtsum += dt;\n    }\n  }\n";
  }
  return subst(src,
               {{"TILE", tileIndex},
                {"DTEXPR", scanDtExpr(d, "s_dt[ch][t]", "delta_bias[cc]")}});
}

} // namespace detail

Emitted emitSelectiveScan(const SelectiveScanDesc &d) {
  if (std::string e = detail::validateScan(d, false); !e.empty())
    return {"", e};
  Vars vars;
  std::string src =
      detail::scanHeader(d, "prefill", true) + detail::scanSignature("");
  src += detail::scanPrologue(
      d, vars, "blockIdx.y",
      d.hasInitialState ? "valid ? state[sbase + n0 + i] : 0.0f" : "0.0f", true,
      true);
  src += "  const int t_begin = 0, t_end = seqlen;\n";
  src += detail::scanTimeLoop(d, true);
  src += R"(  if (valid) {
#pragma unroll
    for (int i = 0; i < kItems; ++i)
      state[sbase + n0 + i] = h[i];
  }
}
)";
  return {subst(src, vars), ""};
}

Emitted emitSelectiveScanStep(const SelectiveScanDesc &d) {
  if (std::string e = detail::validateScan(d, true); !e.empty())
    return {"", e};
  Vars vars;
  // Same signature as the prefill kernel (seqlen must be 1), so one launcher
  // serves both; the time strides go unused.
  const bool dtProj = d.dtRank > 0;
  std::string src =
      detail::scanHeader(d,
                         dtProj ? "decode step, dt_proj of rank " +
                                      std::to_string(d.dtRank) + " fused"
                                : "decode step",
                         false) +
      detail::scanSignature(
          dtProj ? ",\n      const float *__restrict__ dt_proj" : "");
  // The state is read after the wait (a programmatic launch may start
  // before the previous kernel ends); A, D and dt_proj are weights.
  src += detail::scanPrologue(d, vars, "blockIdx.y", "0.0f", true, true);
  std::string loadState = "  mamba_grid_wait();\n"
                          "  mamba_grid_launch_dependents();\n";
  if (d.hasInitialState)
    loadState += R"(#pragma unroll
  for (int i = 0; i < kItems; ++i)
    h[i] = valid ? state[sbase + n0 + i] : 0.0f;
)";
  src += "  float dt = 0.0f, uv = 0.0f;\n";
  if (!dtProj)
    src += loadState;
  else
    // The lanes of a channel split dt_proj's dot product; its weight row is
    // requested before the wait.
    src +=
        "  constexpr int kRank = $RANK;\n" + detail::scanDtProjPreload() +
        loadState +
        detail::scanDtProjDot("delta[b * delta_sb + ($R) * delta_sc]", "valid");
  src += R"(  if (valid) {
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
  src += detail::scanStepBody(d, "bv[i]", "cv[i]", true);
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
      {"DTEXPR", detail::scanDtExpr(
                     d, dtProj ? "dlow" : "delta[b * delta_sb + c * delta_sc]",
                     "delta_bias[c]")});
  vars.push_back({"RANK", std::to_string(d.dtRank)});
  return {subst(src, vars), ""};
}

} // namespace mamba::codegen::cuda

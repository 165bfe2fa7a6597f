// Emits the decode step of the selective scan (dt_proj folded in) fused with
// the split-K out_proj and residual add that consume its output: one kernel,
// and so one grid-wide dependency, where the unfused step has two.
#include "scan_emit.h"

#include <cmath>

namespace mamba::codegen::cuda {

using detail::cType;
using detail::subst;
using detail::Vars;

namespace {

int scanLanes(const SelectiveScanStepLinearDesc &d) {
  return d.scan.dState / d.scan.schedule.itemsPerThread;
}

std::string validate(const SelectiveScanStepLinearDesc &d) {
  if (!detail::isIdentifier(d.name))
    return "scan_step_linear: kernel name '" + d.name +
           "' is not an identifier";
  SelectiveScanDesc scan = d.scan;
  scan.name = d.name;
  if (std::string e = detail::validateScan(scan, true); !e.empty())
    return e;
  if (d.scan.dtRank < 1)
    return d.name + ": the scan must fold dt_proj in (dtRank >= 1)";
  if (std::string e = detail::checkSchedule(d.name, d.schedule); !e.empty())
    return e;
  if (d.rows < 1 || d.dim < 1 || d.batch < 1 || d.batch > 16)
    return d.name + ": rows and dim must be >= 1 and batch in [1, 16], got " +
           std::to_string(d.rows) + ", " + std::to_string(d.dim) + " and " +
           std::to_string(d.batch);
  const int slice = d.schedule.kSlice;
  if (std::string e = detail::checkSlicePieces(
          d.name, "kSlice (" + std::to_string(slice) + ")", slice, d.wType);
      !e.empty())
    return e;
  const int scanThreads = slice * scanLanes(d);
  if (d.schedule.threadsPerBlock % scanThreads != 0)
    return d.name + ": threadsPerBlock (" +
           std::to_string(d.schedule.threadsPerBlock) +
           ") must be a multiple of kSlice x the lanes of a channel (" +
           std::to_string(scanThreads) + ")";
  if (d.schedule.loadsInFlight < 1 || d.schedule.loadsInFlight > 8)
    return d.name + ": loadsInFlight must be in [1, 8], got " +
           std::to_string(d.schedule.loadsInFlight);
  return detail::checkMinBlocks(d.name, d.schedule);
}

} // namespace

Emitted emitSelectiveScanStepLinear(const SelectiveScanStepLinearDesc &d) {
  if (std::string e = validate(d); !e.empty())
    return {"", e};
  const SelectiveScanDesc &s = d.scan;
  const int items = s.schedule.itemsPerThread;
  Vars v = {
      {"NAME", d.name},
      {"THREADS", std::to_string(d.schedule.threadsPerBlock)},
      {"MINBLOCKS", detail::minBlocksBound(d.schedule)},
      {"N", std::to_string(s.dState)},
      {"ITEMS", std::to_string(items)},
      {"LANES", std::to_string(scanLanes(d))},
      {"POLYEXP", std::to_string(static_cast<int>(
                      std::lround(s.schedule.fmaExpFraction * items)))},
      {"RANK", std::to_string(s.dtRank)},
      {"ROWS", std::to_string(d.rows)},
      {"DIM", std::to_string(d.dim)},
      {"SLICE", std::to_string(d.schedule.kSlice)},
      {"BATCH", std::to_string(d.batch)},
      {"LOADS", std::to_string(d.schedule.loadsInFlight)},
      {"UT", cType(s.uType)},
      {"DT", cType(s.deltaType)},
      {"ZT", cType(s.zType)},
      {"BCT", cType(s.bcType)},
      {"WT", cType(d.wType)},
      {"WN", elemTypeName(d.wType)},
      {"BIASTEXT", d.hasBias ? ", its bias" : ""},
      {"DSKIP", s.hasD ? "valid ? D[c] : 0.0f" : "0.0f"},
      {"INITH", s.hasInitialState ? "state[sbase + n0 + i]" : "0.0f"},
      {"DTEXPR", detail::scanDtExpr(s, "dlow", "delta_bias[c]")},
      {"DTPRELOAD", detail::scanDtProjPreload()},
      {"DTDOT", detail::indent(
                    detail::scanDtProjDot("delta[b * dbc_sb + $R]", "act"), 2)},
      {"YEXPR",
       detail::scanYExpr(s, "mamba_silu(mamba_to_float(z[b * z_sb + c]))")},
      {"BIAS", d.hasBias ? R"(          if (blockIdx.x == 0)
#pragma unroll
            for (int r = 0; r < 4; ++r)
              sum[r][b] += row0 + r < kRows ? bias[row0 + r] : 0.0f;
)"
                         : ""}};
  v.push_back(
      {"EARLY", d.stateBeforeWait && s.hasInitialState ? "true" : "false"});
  std::string src = detail::scanHeader(
      s,
      "decode step, dt_proj of rank " + std::to_string(s.dtRank) +
          " fused, then the ssm.linear of its output",
      false);
  src +=
      R"(// The linear: W $WN [$ROWS, $DIM]$BIASTEXT and the residual add y[b] +=
// W . scan_y[b], F32 accumulation. Schedule: $THREADS threads, $SLICE channels
// per block (the linear's K slice), $LOADS row passes of weights in flight.
// Each block adds its partial products to y with atomic adds: their order,
// and so the last bits of y, vary from run to run.
extern "C" __global__ void __launch_bounds__($THREADS$MINBLOCKS)
$NAME(const $UT *__restrict__ u, long long u_sb,
      const $DT *__restrict__ delta, const $BCT *__restrict__ B,
      const $BCT *__restrict__ C, long long dbc_sb, const float *__restrict__ A,
      const float *__restrict__ D, const $ZT *__restrict__ z, long long z_sb,
      const float *__restrict__ delta_bias, const float *__restrict__ dt_proj,
      float *__restrict__ state, const $WT *__restrict__ w,
      const float *__restrict__ bias, float *__restrict__ y, long long ld_y,
      int batch) {
  constexpr int kState = $N, kItems = $ITEMS, kLanes = $LANES;
  constexpr int kPolyExp = $POLYEXP, kRank = $RANK;
  constexpr int kRows = $ROWS, dim = $DIM, kSlice = $SLICE;
  constexpr int kBatch = $BATCH, kLoads = $LOADS;
  // Scan: kLanes lanes per channel, kBatchPerPass batch rows at a time.
  constexpr int kBatchPerPass = $THREADS / (kSlice * kLanes);
  // Linear: kSegs lanes share a group of 4 rows, one 16-byte piece of the
  // slice each; a pass covers kGroups groups.
  constexpr int kVec = 16 / sizeof($WT);
  constexpr int kSegs = kSlice / kVec;
  constexpr int kGroups = $THREADS / kSegs;
  constexpr int kPasses = (kRows + 4 * kGroups - 1) / (4 * kGroups);
  __shared__ __align__(16) float s_y[kBatch][kSlice];
  const int c0 = blockIdx.x * kSlice;
  const int local = threadIdx.x / kLanes % kSlice;
  const int lane = threadIdx.x % kLanes;
  const int bq = threadIdx.x / (kSlice * kLanes);
  const int c = c0 + local;
  const bool valid = c < dim;
  const int n0 = lane * kItems;
  const int seg = threadIdx.x % kSegs, group = threadIdx.x / kSegs;
  const bool vec = dim % kVec == 0 && (unsigned long long)w % 16 == 0;
  // Weights only before the wait: this block's slice of W (the first kLoads
  // passes: the kernel's largest read), A, D and the dt_proj row.
  mamba_u4 wv[kLoads][4];
  auto load_w = [&](int p0) {
#pragma unroll
    for (int l = 0; l < kLoads; ++l)
#pragma unroll
      for (int r = 0; r < 4; ++r) {
        const int row = ((p0 + l) * kGroups + group) * 4 + r;
        wv[l][r] = row < kRows ? mamba_load16(w + (long long)row * dim,
                                              c0 + seg * kVec, dim, vec)
                               : mamba_u4{0u, 0u, 0u, 0u};
      }
  };
  load_w(0);
  float a[kItems];
#pragma unroll
  for (int i = 0; i < kItems; ++i)
    // exp(dt * A) = exp2(dt * A * log2(e))
    a[i] = valid ? A[(long long)c * kState + n0 + i] * 1.44269504089f : 0.0f;
  const float dskip = $DSKIP;
$DTPRELOAD  // stateBeforeWait: the first batch pass's state before the wait as
  // well. Only this kernel writes it, one step earlier, and a step's
  // kernels start after the previous step has ended.
  constexpr bool kStateEarly = $EARLY;
  float h0[kItems];
  if (kStateEarly) {
    const bool act = valid && bq < batch;
    const long long sbase = ((long long)bq * dim + c) * kState;
#pragma unroll
    for (int i = 0; i < kItems; ++i)
      h0[i] = act ? state[sbase + n0 + i] : 0.0f;
  }
  mamba_grid_wait();
  mamba_grid_launch_dependents();
  // The scan step of every batch row; y of the slice goes to shared memory.
  // The loop bound is uniform, so whole warps reach the shuffles.
  for (int b0 = 0; b0 < batch; b0 += kBatchPerPass) {
    const int b = b0 + bq;
    const bool act = valid && b < batch;
    const long long sbase = ((long long)b * dim + c) * kState;
$DTDOT    float dt = 0.0f, uv = 0.0f, h[kItems], bv[kItems], cv[kItems];
    if (act) {
      dt = $DTEXPR;
      uv = mamba_to_float(u[b * u_sb + c]);
    }
#pragma unroll
    for (int i = 0; i < kItems; ++i) {
      h[i] = kStateEarly && b0 == 0 ? h0[i] : act ? $INITH : 0.0f;
      bv[i] = b < batch ? mamba_to_float(B[b * dbc_sb + n0 + i]) : 0.0f;
      cv[i] = b < batch ? mamba_to_float(C[b * dbc_sb + n0 + i]) : 0.0f;
    }
)";
  src += detail::scanStepBody(s, "bv[i]", "cv[i]", true);
  src += R"(    if (act) {
#pragma unroll
      for (int i = 0; i < kItems; ++i)
        state[sbase + n0 + i] = h[i];
    }
    if (lane == 0 && b < batch)
      s_y[b][local] = act ? $YEXPR : 0.0f;
  }
  __syncthreads();
  // The linear: 4 rows x kBatch partial sums per lane over its kVec
  // channels, summed over the kSegs lanes of the group, added to y.
  const bool vecOut = ld_y % 4 == 0 && (unsigned long long)y % 16 == 0;
  for (int p0 = 0; p0 < kPasses; p0 += kLoads) {
    if (p0 > 0)
      load_w(p0);
#pragma unroll
    for (int l = 0; l < kLoads; ++l) {
      const int row0 = ((p0 + l) * kGroups + group) * 4;
      if (p0 + l >= kPasses)
        break;
      float wf[4][kVec];
#pragma unroll
      for (int r = 0; r < 4; ++r)
        mamba_unpack(w, wv[l][r], wf[r]);
      float sum[4][kBatch];
#pragma unroll
      for (int b = 0; b < kBatch; ++b) {
        float xs[kVec];
        mamba_lds<kVec>(&s_y[b][seg * kVec], xs);
#pragma unroll
        for (int r = 0; r < 4; ++r) {
          sum[r][b] = 0.0f;
#pragma unroll
          for (int j = 0; j < kVec; ++j)
            sum[r][b] = fmaf(wf[r][j], b < batch ? xs[j] : 0.0f, sum[r][b]);
#pragma unroll
          for (int off = kSegs / 2; off > 0; off >>= 1)
            sum[r][b] += __shfl_xor_sync(0xffffffffu, sum[r][b], off);
        }
      }
      if (seg == 0 && row0 < kRows) {
#pragma unroll
        for (int b = 0; b < kBatch; ++b) {
          if (b >= batch)
            break;
$BIAS          float *out = y + b * ld_y + row0;
          if (vecOut && row0 + 3 < kRows) {
            mamba_red_add4(out, sum[0][b], sum[1][b], sum[2][b], sum[3][b]);
          } else {
#pragma unroll
            for (int r = 0; r < 4; ++r)
              if (row0 + r < kRows)
                atomicAdd(out + r, sum[r][b]);
          }
        }
      }
    }
  }
}
)";
  return {subst(src, v), ""};
}

} // namespace mamba::codegen::cuda

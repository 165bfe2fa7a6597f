// Emits the decode-step projections: a batch-1..B GEMV (optionally with the
// rmsnorm of its input, a bias and the residual add fused) and the conv step
// fused with the split-K x_proj that consumes it.
#include "gemv_emit.h"

namespace mamba::codegen::cuda {

using detail::cType;
using detail::subst;
using detail::Vars;

namespace {

std::string checkGemvSchedule(const std::string &name, const Schedule &s) {
  if (std::string e = detail::checkSchedule(name, s); !e.empty())
    return e;
  if (s.itemsPerThread > 16)
    return name + ": itemsPerThread (rows per warp) must be in [1, 16], got " +
           std::to_string(s.itemsPerThread);
  if (s.loadsInFlight < 1 || s.loadsInFlight > 8)
    return name + ": loadsInFlight must be in [1, 8], got " +
           std::to_string(s.loadsInFlight);
  return detail::checkMinBlocks(name, s);
}

} // namespace

namespace detail {

std::string validateGemv(const GemvDesc &d) {
  if (!detail::isIdentifier(d.name))
    return "gemv: kernel name '" + d.name + "' is not an identifier";
  if (std::string e = checkGemvSchedule(d.name, d.schedule); !e.empty())
    return e;
  if (d.batch < 1 || d.batch > 64)
    return d.name + ": batch must be in [1, 64], got " +
           std::to_string(d.batch);
  return "";
}

std::string gemvKernel(const GemvDesc &d, const GemvEpilogue &epi) {
  const Schedule &s = d.schedule;
  const bool inLoop = d.normInput && d.normSumInLoop;
  std::string what;
  if (d.normInput)
    what += ", input rmsnorm";
  if (d.hasBias)
    what += ", bias";
  if (d.accumulate)
    what += ", residual add";
  Vars v = {
      {"NAME", d.name},
      {"THREADS", std::to_string(s.threadsPerBlock)},
      {"ROWS", std::to_string(s.itemsPerThread)},
      {"LOADS", std::to_string(s.loadsInFlight)},
      {"BOUNDTEXT", s.minBlocksPerSM > 0
                        ? ", registers for " +
                              std::to_string(s.minBlocksPerSM) +
                              " blocks per SM"
                        : ""},
      {"MINBLOCKS", detail::minBlocksBound(s)},
      {"BATCH", std::to_string(d.batch)},
      {"XT", cType(d.xType)},
      {"WT", cType(d.wType)},
      {"XN", elemTypeName(d.xType)},
      {"WN", elemTypeName(d.wType)},
      {"WHAT", what.empty() ? "" : " (fused:" + what.substr(1) + ")"},
      {"OP", d.accumulate ? "+=" : "="},
      {"NORMX", !d.normInput ? ""
                : inLoop     ? "\n              ss[b] = fmaf(xv[j], xv[j], "
                               "ss[b]);\n              xv[j] *= nw[j];"
                             : "\n            xv[j] *= nw[j];"},
      {"SQUARES", inLoop ? "\n          ss[b] = fmaf(xr, xr, ss[b]);" : ""},
      {"NORMS", d.normInput ? " * nw" : ""}};
  std::string src =
      R"(// ssm.linear, decode GEMV$WHAT: y[b, row] $OP W[row] . x[b]; x $XN,
// W $WN row-major, F32 accumulation and y; up to $BATCH batch rows per read
// of the weights. Schedule: $THREADS threads, $ROWS rows per warp, $LOADS
// 16-byte weight loads in flight per row and lane$BOUNDTEXT.
extern "C" __global__ void __launch_bounds__($THREADS$MINBLOCKS)
$NAME(const $XT *__restrict__ x, long long ld_x, const $WT *__restrict__ w,
      const float *__restrict__ bias, const float *__restrict__ norm_weight,
      float eps, float *__restrict__ y, long long ld_y, int batch, int rows,
      int k$EXTRAPARAMS) {
  constexpr int kBatch = $BATCH, kRows = $ROWS, kLoads = $LOADS;
  constexpr int kWarps = $THREADS / 32;
  constexpr int kVec = 16 / sizeof($WT);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int row0 = (blockIdx.x * kWarps + warp) * kRows;
  // 16-byte loads need 16-byte aligned rows (of W and of x).
  const bool vec = k % kVec == 0 && (unsigned long long)w % 16 == 0 &&
                   (unsigned long long)x % 16 == 0 &&
                   ld_x * sizeof($XT) % 16 == 0;
  mamba_u4 wv[kLoads][kRows];
  auto load_w = [&](int k0) {
#pragma unroll
    for (int l = 0; l < kLoads; ++l) {
      const int kk = k0 + l * 32 * kVec;
#pragma unroll
      for (int r = 0; r < kRows; ++r)
        wv[l][r] = kk < k && row0 + r < rows
                       ? mamba_load_stream(reinterpret_cast<const mamba_u4 *>(
                             w + (long long)(row0 + r) * k + kk))
                       : mamba_u4{0u, 0u, 0u, 0u};
    }
  };
  // The first k-step's weights are requested before waiting for the kernel
  // that writes x: under a programmatic launch they stream in while it ends.
  if (vec)
    load_w(lane * kVec);
$PRELOAD  mamba_grid_wait();
  mamba_grid_launch_dependents();
  float scale[kBatch];
#pragma unroll
  for (int b = 0; b < kBatch; ++b)
    scale[b] = 1.0f;
)";
  if (d.normInput && !inLoop)
    src += R"(  {
    // rmsnorm's scale of each batch row; the weight is applied per element.
    __shared__ float s_part[kWarps][kBatch];
    float ss[kBatch];
#pragma unroll
    for (int b = 0; b < kBatch; ++b)
      ss[b] = 0.0f;
    for (int i = threadIdx.x; i < k; i += $THREADS)
#pragma unroll
      for (int b = 0; b < kBatch; ++b)
        if (b < batch) {
          const float xv = mamba_to_float(x[b * ld_x + i]);
          ss[b] = fmaf(xv, xv, ss[b]);
        }
#pragma unroll
    for (int b = 0; b < kBatch; ++b) {
#pragma unroll
      for (int off = 16; off > 0; off >>= 1)
        ss[b] += __shfl_xor_sync(0xffffffffu, ss[b], off);
      if (lane == 0)
        s_part[warp][b] = ss[b];
    }
    __syncthreads();
#pragma unroll
    for (int b = 0; b < kBatch; ++b) {
      float t = 0.0f;
#pragma unroll
      for (int i = 0; i < kWarps; ++i)
        t += s_part[i][b];
      scale[b] = rsqrtf(t / k + eps);
    }
  }
)";
  // With an epilogue, warps past the last row stay for its barriers (their
  // weights load as zeros and nothing is stored).
  if (epi.body.empty())
    src += "  if (row0 >= rows)\n    return;\n";
  // rmsnorm in the loop: each warp's lanes read all of x[b] for the
  // products, so the warp sums its squares there and needs neither a pass
  // of its own over x nor a block barrier before the first product.
  if (inLoop)
    src += R"(  float ss[kBatch];
#pragma unroll
  for (int b = 0; b < kBatch; ++b)
    ss[b] = 0.0f;
)";
  src += R"(  float acc[kRows][kBatch];
#pragma unroll
  for (int r = 0; r < kRows; ++r)
#pragma unroll
    for (int b = 0; b < kBatch; ++b)
      acc[r][b] = 0.0f;
  if (vec) {
    for (int k0 = lane * kVec; k0 < k; k0 += 32 * kVec * kLoads) {
      if (k0 != lane * kVec)
        load_w(k0);
#pragma unroll
      for (int l = 0; l < kLoads; ++l) {
        const int kk = k0 + l * 32 * kVec;
        if (kk >= k)
          break;
        float wf[kRows][kVec];
#pragma unroll
        for (int r = 0; r < kRows; ++r)
          mamba_unpack(w, wv[l][r], wf[r]);
)";
  if (d.normInput)
    src += R"(        float nw[kVec];
        mamba_load_vec<kVec>(norm_weight + kk, nw);
)";
  src += R"(#pragma unroll
        for (int b = 0; b < kBatch; ++b)
          if (b < batch) {
            float xv[kVec];
            mamba_load_vec<kVec>(x + b * ld_x + kk, xv);
#pragma unroll
            for (int j = 0; j < kVec; ++j) {$NORMX
#pragma unroll
              for (int r = 0; r < kRows; ++r)
                acc[r][b] = fmaf(wf[r][j], xv[j], acc[r][b]);
            }
          }
      }
    }
  } else {
    for (int kk = lane; kk < k; kk += 32) {
)";
  if (d.normInput)
    src += "      const float nw = norm_weight[kk];\n";
  src += R"(      float wf[kRows];
#pragma unroll
      for (int r = 0; r < kRows; ++r)
        wf[r] = row0 + r < rows ? mamba_to_float(w[(long long)(row0 + r) * k + kk])
                                : 0.0f;
#pragma unroll
      for (int b = 0; b < kBatch; ++b)
        if (b < batch) {
          const float xr = mamba_to_float(x[b * ld_x + kk]);$SQUARES
          const float xv = xr$NORMS;
#pragma unroll
          for (int r = 0; r < kRows; ++r)
            acc[r][b] = fmaf(wf[r], xv, acc[r][b]);
        }
    }
  }
)";
  if (inLoop)
    src += R"(#pragma unroll
  for (int b = 0; b < kBatch; ++b) {
#pragma unroll
    for (int off = 16; off > 0; off >>= 1)
      ss[b] += __shfl_xor_sync(0xffffffffu, ss[b], off);
    scale[b] = rsqrtf(ss[b] / k + eps);
  }
)";
  src +=
      R"(  // Every lane ends with the sums; lane (r * kBatch + b) % 32 stores (r, b).
#pragma unroll
  for (int r = 0; r < kRows; ++r)
#pragma unroll
    for (int b = 0; b < kBatch; ++b) {
#pragma unroll
      for (int off = 16; off > 0; off >>= 1)
        acc[r][b] += __shfl_xor_sync(0xffffffffu, acc[r][b], off);
      const int row = row0 + r;
      if (lane == (r * kBatch + b) % 32 && row < rows && b < batch) {
)";
  src += d.hasBias
             ? "        const float v = fmaf(acc[r][b], scale[b], bias[row]);\n"
             : "        const float v = acc[r][b] * scale[b];\n";
  src += d.accumulate ? "        y[b * ld_y + row] += v;\n"
                      : "        y[b * ld_y + row] = v;\n";
  src += epi.store + "      }\n    }\n" + epi.body + "}\n";
  v.push_back({"EXTRAPARAMS", epi.params});
  v.push_back({"PRELOAD", epi.preload});
  return subst(src, v);
}

} // namespace detail

Emitted emitGemv(const GemvDesc &d) {
  if (std::string e = detail::validateGemv(d); !e.empty())
    return {"", e};
  return {detail::gemvKernel(d, {}), ""};
}

Emitted emitCausalConv1dStepLinear(const CausalConv1dStepLinearDesc &d) {
  const CausalConv1dDesc &c = d.conv;
  if (!detail::isIdentifier(d.name))
    return {"", "conv1d_step_linear: kernel name '" + d.name +
                    "' is not an identifier"};
  if (std::string e = detail::checkSchedule(d.name, d.schedule); !e.empty())
    return {"", e};
  if (std::string e = detail::checkConvStep(d.name, c); !e.empty())
    return {"", e};
  if (d.rows < 1 || d.dim < 1 || d.batch < 1 || d.batch > 64)
    return {"", d.name +
                    ": rows and dim must be >= 1 and batch in [1, 64], "
                    "got " +
                    std::to_string(d.rows) + ", " + std::to_string(d.dim) +
                    " and " + std::to_string(d.batch)};
  const int vec = 16 / detail::elemBytes(d.wType);
  const int slice = d.schedule.kSlice;
  const int segs = slice / vec;
  if (slice < vec || slice % vec != 0 ||
      (segs < 32 ? (segs & (segs - 1)) != 0 : segs % 32 != 0))
    return {"", d.name + ": kSlice (" + std::to_string(slice) + ") must be " +
                    std::to_string(vec) +
                    " x a power of two <= 32, or a multiple of " +
                    std::to_string(32 * vec)};
  const long long shared = 4LL * d.batch * slice;
  if (shared > 48 * 1024)
    return {"", d.name + ": batch x kSlice needs " + std::to_string(shared) +
                    " bytes of shared memory, more than the 48 KiB limit"};
  Vars v = {{"NAME", d.name},
            {"THREADS", std::to_string(d.schedule.threadsPerBlock)},
            {"SLICE", std::to_string(slice)},
            {"ROWS", std::to_string(d.rows)},
            {"DIM", std::to_string(d.dim)},
            {"BATCH", std::to_string(d.batch)},
            {"W", std::to_string(c.width)},
            {"XT", cType(c.xType)},
            {"OT", cType(c.outType)},
            {"WT", cType(d.wType)},
            {"XN", elemTypeName(c.xType)},
            {"ON", elemTypeName(c.outType)},
            {"WN", elemTypeName(d.wType)},
            {"ACT", c.silu ? "silu" : "none"},
            {"BIAS", c.hasBias ? "conv_bias[ch]" : "0.0f"},
            {"APPLY", c.silu ? "mamba_silu(acc)" : "acc"}};
  return {
      subst(
          R"(// ssm.causal_conv1d activation = $ACT (decode step) fused with the
// ssm.linear that reads its output: width $W, x $XN, out $ON, W $WN with
// $ROWS output and $DIM input features; F32 accumulation. Schedule: $THREADS threads,
// $SLICE input channels per block (split K); the last block to finish sums
// the blocks' partial products in block order.
extern "C" __global__ void __launch_bounds__($THREADS)
$NAME(const $XT *__restrict__ x, long long x_sb,
      const float *__restrict__ conv_weight, const float *__restrict__ conv_bias,
      float *__restrict__ conv_state, $OT *__restrict__ out, long long o_sb,
      const $WT *__restrict__ w, float *__restrict__ partial,
      unsigned *__restrict__ counter, float *__restrict__ y, long long ld_y,
      int batch) {
  constexpr int kWidth = $W, kRows = $ROWS, kSlice = $SLICE, dim = $DIM;
  constexpr int kSplits = (dim + kSlice - 1) / kSlice; // = gridDim.x
  constexpr int kVec = 16 / sizeof($WT);
  constexpr int kSegs = kSlice / kVec; // 16-byte pieces of a row's slice
  constexpr int kLanes = kSegs < 32 ? kSegs : 32; // lanes per row
  constexpr int kPer = kSegs / kLanes; // pieces per lane
  constexpr int kRowsPerPass = $THREADS / 32 * (32 / kLanes);
  constexpr int kPasses = (kRows + kRowsPerPass - 1) / kRowsPerPass;
  __shared__ float s_x[$BATCH][kSlice];
  __shared__ bool s_last;
  const int c0 = blockIdx.x * kSlice;
  const int lane = threadIdx.x % 32;
  const int seg = lane % kLanes;
  const int rowIn = threadIdx.x / 32 * (32 / kLanes) + lane / kLanes;
  const bool vec = dim % kVec == 0 && (unsigned long long)w % 16 == 0;
  // The weight slice first: its loads do not wait for the convolution.
  mamba_u4 wv[kPasses][kPer];
#pragma unroll
  for (int p = 0; p < kPasses; ++p)
#pragma unroll
    for (int q = 0; q < kPer; ++q) {
      const int row = p * kRowsPerPass + rowIn;
      const int kk = c0 + (q * kLanes + seg) * kVec;
      wv[p][q] = vec && row < kRows && kk < dim
                     ? mamba_load_stream(reinterpret_cast<const mamba_u4 *>(
                           w + (long long)row * dim + kk))
                     : mamba_u4{0u, 0u, 0u, 0u};
    }
  mamba_grid_wait();
  mamba_grid_launch_dependents();
  for (int i = threadIdx.x; i < batch * kSlice; i += $THREADS) {
    const int b = i / kSlice, cc = i % kSlice, ch = c0 + cc;
    float v = 0.0f;
    if (ch < dim) {
      const float acc = mamba_conv_step<kWidth>(
          conv_state + ((long long)b * dim + ch) * kWidth,
          conv_weight + (long long)ch * kWidth, $BIAS,
          mamba_to_float(x[b * x_sb + ch]));
      v = $APPLY;
      mamba_store(&out[b * o_sb + ch], v);
    }
    s_x[b][cc] = v;
  }
  __syncthreads();
#pragma unroll
  for (int p = 0; p < kPasses; ++p) {
    const int row = p * kRowsPerPass + rowIn;
    float wf[kPer][kVec];
#pragma unroll
    for (int q = 0; q < kPer; ++q) {
      if (vec) {
        mamba_unpack(w, wv[p][q], wf[q]);
      } else {
        const int kk = c0 + (q * kLanes + seg) * kVec;
#pragma unroll
        for (int j = 0; j < kVec; ++j)
          wf[q][j] = row < kRows && kk + j < dim
                         ? mamba_to_float(w[(long long)row * dim + kk + j])
                         : 0.0f;
      }
    }
    for (int b = 0; b < batch; ++b) {
      float acc = 0.0f;
#pragma unroll
      for (int q = 0; q < kPer; ++q)
#pragma unroll
        for (int j = 0; j < kVec; ++j)
          acc = fmaf(wf[q][j], s_x[b][(q * kLanes + seg) * kVec + j], acc);
#pragma unroll
      for (int off = kLanes / 2; off > 0; off >>= 1)
        acc += __shfl_xor_sync(0xffffffffu, acc, off);
      if (seg == 0 && row < kRows)
        partial[((long long)blockIdx.x * batch + b) * kRows + row] = acc;
    }
  }
  // The last block to arrive sums the partial products (threadfence
  // reduction; all of an output's loads in flight at once), then rearms
  // the counter for the next launch.
  __threadfence();
  __syncthreads();
  if (threadIdx.x == 0)
    s_last = atomicAdd(counter, 1u) == gridDim.x - 1;
  __syncthreads();
  if (!s_last)
    return;
  __threadfence();
  for (int i = threadIdx.x; i < batch * kRows; i += $THREADS) {
    float part[kSplits];
#pragma unroll
    for (int blk = 0; blk < kSplits; ++blk)
      part[blk] = __ldcg(&partial[(long long)blk * batch * kRows + i]);
    float sum = 0.0f;
#pragma unroll
    for (int blk = 0; blk < kSplits; ++blk)
      sum += part[blk];
    y[(i / kRows) * ld_y + i % kRows] = sum;
  }
  if (threadIdx.x == 0)
    *counter = 0u;
}
)",
          v),
      ""};
}

} // namespace mamba::codegen::cuda

// Emits the row-wise and elementwise kernels of a Mamba block: ssm.rmsnorm
// (+ residual add), ssm.gate, ssm.embedding and the bias of ssm.linear.
#include "emit_util.h"

namespace mamba::codegen::cuda {

using detail::cType;
using detail::subst;
using detail::Vars;

namespace {

std::string validate(const std::string &op, const std::string &name,
                     const Schedule &s) {
  if (!detail::isIdentifier(name))
    return op + ": kernel name '" + name + "' is not an identifier";
  return detail::checkSchedule(name, s);
}

Vars scheduleVars(const std::string &name, const Schedule &s) {
  return {{"NAME", name},
          {"THREADS", std::to_string(s.threadsPerBlock)},
          {"ITEMS", std::to_string(s.itemsPerThread)}};
}

} // namespace

Emitted emitRmsNorm(const RmsNormDesc &d) {
  if (std::string e = validate("rmsnorm", d.name, d.schedule); !e.empty())
    return {"", e};
  Vars v = scheduleVars(d.name, d.schedule);
  v.insert(v.end(), {{"HT", cType(d.hiddenType)},
                     {"RT", cType(d.residualType)},
                     {"WT", cType(d.weightType)},
                     {"OT", cType(d.outType)},
                     {"HN", elemTypeName(d.hiddenType)},
                     {"WN", elemTypeName(d.weightType)},
                     {"ON", elemTypeName(d.outType)},
                     {"WHAT", d.residualAdd ? " with the residual add fused "
                                              "(hidden += residual first)"
                                            : ""}});
  std::string src = R"(// ssm.rmsnorm$WHAT: hidden $HN, weight $WN, out $ON;
// F32 sums; one row per block of $THREADS threads, loop unrolled by $ITEMS.
extern "C" __global__ void __launch_bounds__($THREADS)
$NAME($HT *__restrict__ hidden, long long ld_hidden,
      const $RT *__restrict__ residual, long long ld_residual,
      const $WT *__restrict__ weight, $OT *__restrict__ out, long long ld_out,
      int rows, int dim, float eps) {
  __shared__ float s_warp[32];
  const long long row = blockIdx.x;
  $HT *h = hidden + row * ld_hidden;
  float sum = 0.0f;
#pragma unroll $ITEMS
  for (int i = threadIdx.x; i < dim; i += $THREADS) {
)";
  if (d.residualAdd)
    src += R"(    const float v = mamba_to_float(h[i]) +
                    mamba_to_float(residual[row * ld_residual + i]);
    mamba_store(&h[i], v);
)";
  else
    src += "    const float v = mamba_to_float(h[i]);\n";
  src += R"(    sum = fmaf(v, v, sum);
  }
#pragma unroll
  for (int off = 16; off > 0; off >>= 1)
    sum += __shfl_xor_sync(0xffffffffu, sum, off);
  if (threadIdx.x % 32 == 0)
    s_warp[threadIdx.x / 32] = sum;
  __syncthreads();
  if (threadIdx.x < 32) {
    sum = threadIdx.x < $THREADS / 32 ? s_warp[threadIdx.x] : 0.0f;
#pragma unroll
    for (int off = 16; off > 0; off >>= 1)
      sum += __shfl_xor_sync(0xffffffffu, sum, off);
    if (threadIdx.x == 0)
      s_warp[0] = sum;
  }
  __syncthreads();
  const float scale = rsqrtf(s_warp[0] / dim + eps);
#pragma unroll $ITEMS
  for (int i = threadIdx.x; i < dim; i += $THREADS)
    mamba_store(&out[row * ld_out + i],
                mamba_to_float(h[i]) * scale * mamba_to_float(weight[i]));
}
)";
  return {subst(src, v), ""};
}

Emitted emitGate(const GateDesc &d) {
  if (std::string e = validate("gate", d.name, d.schedule); !e.empty())
    return {"", e};
  Vars v = scheduleVars(d.name, d.schedule);
  v.insert(v.end(), {{"YT", cType(d.yType)},
                     {"ZT", cType(d.zType)},
                     {"OT", cType(d.outType)},
                     {"YN", elemTypeName(d.yType)},
                     {"ZN", elemTypeName(d.zType)},
                     {"ON", elemTypeName(d.outType)}});
  return {subst(R"(// ssm.gate: out = y * silu(z); y $YN, z $ZN, out $ON.
// Rows of a 2-D view; $THREADS threads stride a row, unrolled by $ITEMS.
extern "C" __global__ void __launch_bounds__($THREADS)
$NAME(const $YT *__restrict__ y, long long ld_y, const $ZT *__restrict__ z,
      long long ld_z, $OT *__restrict__ out, long long ld_out, int rows,
      int cols) {
  const long long row = blockIdx.x;
#pragma unroll $ITEMS
  for (int i = threadIdx.x; i < cols; i += $THREADS)
    mamba_store(&out[row * ld_out + i],
                mamba_to_float(y[row * ld_y + i]) *
                    mamba_silu(mamba_to_float(z[row * ld_z + i])));
}
)",
                v),
          ""};
}

Emitted emitEmbedding(const EmbeddingDesc &d) {
  if (std::string e = validate("embedding", d.name, d.schedule); !e.empty())
    return {"", e};
  Vars v = scheduleVars(d.name, d.schedule);
  v.insert(v.end(), {{"TT", cType(d.tableType)},
                     {"OT", cType(d.outType)},
                     {"TN", elemTypeName(d.tableType)},
                     {"ON", elemTypeName(d.outType)}});
  return {
      subst(R"(// ssm.embedding: out[row] = table[ids[row]]; table $TN, out $ON.
// One row per block of $THREADS threads, unrolled by $ITEMS. The host checks
// the ids; an id outside [0, vocab) still reads nothing and writes zeros.
extern "C" __global__ void __launch_bounds__($THREADS)
$NAME(const int *__restrict__ ids, const $TT *__restrict__ table,
      $OT *__restrict__ out, long long ld_out, int rows, int dim, int vocab) {
  const long long row = blockIdx.x;
  const int id = ids[row];
  const bool in = id >= 0 && id < vocab;
#pragma unroll $ITEMS
  for (int i = threadIdx.x; i < dim; i += $THREADS)
    mamba_store(&out[row * ld_out + i],
                in ? mamba_to_float(table[(long long)id * dim + i]) : 0.0f);
}
)",
            v),
      ""};
}

Emitted emitBiasAdd(const BiasAddDesc &d) {
  if (std::string e = validate("bias_add", d.name, d.schedule); !e.empty())
    return {"", e};
  Vars v = scheduleVars(d.name, d.schedule);
  v.insert(v.end(), {{"YT", cType(d.yType)},
                     {"BT", cType(d.biasType)},
                     {"YN", elemTypeName(d.yType)},
                     {"BN", elemTypeName(d.biasType)}});
  return {
      subst(
          R"(// ssm.linear bias: y[row] += bias after the GEMM; y $YN, bias $BN.
extern "C" __global__ void __launch_bounds__($THREADS)
$NAME($YT *__restrict__ y, long long ld_y, const $BT *__restrict__ bias,
      int rows, int cols) {
  const long long row = blockIdx.x;
#pragma unroll $ITEMS
  for (int i = threadIdx.x; i < cols; i += $THREADS)
    mamba_store(&y[row * ld_y + i],
                mamba_to_float(y[row * ld_y + i]) + mamba_to_float(bias[i]));
}
)",
          v),
      ""};
}

} // namespace mamba::codegen::cuda

// Emits the time-parallel selective scan: the time axis split into chunks
// run by different blocks (pass 1: chunk end states from zero; pass 2: a
// short sequential combine over the chunks; pass 3: each chunk rerun from
// its true initial state), which linearity of the recurrence allows.
#include "scan_emit.h"

namespace mamba::codegen::cuda {

using detail::subst;
using detail::Vars;

namespace {

/// chunk_state [batch, chunks, dim, d_state] and chunk_dtsum [batch, chunks,
/// dim]; chunk_len tokens per time chunk, gridDim.y = chunks.
const char *kChunkArgs = R"(,
      float *__restrict__ chunk_state, float *__restrict__ chunk_dtsum,
      int chunk_len)";

const char *kChunkRange = R"(  const int k = blockIdx.y;
  const int t_begin = k * chunk_len, t_end = min(seqlen, t_begin + chunk_len);
)";

std::string chunkState(const SelectiveScanDesc &d) {
  SelectiveScanDesc p = d;
  p.name = d.name + "_chunk_state";
  Vars vars;
  std::string src =
      detail::scanHeader(p, "time-parallel pass 1: chunk end states", true) +
      detail::scanSignature(kChunkArgs);
  src += detail::scanPrologue(p, vars, "blockIdx.z", "0.0f", false, false);
  src += kChunkRange;
  src += detail::scanTimeLoop(p, false);
  src += R"(  if (valid) {
    const long long cbase = (((long long)b * gridDim.y + k) * dim + c) * kState;
#pragma unroll
    for (int i = 0; i < kItems; ++i)
      chunk_state[cbase + n0 + i] = h[i];
    if (lane == 0)
      chunk_dtsum[((long long)b * gridDim.y + k) * dim + c] = dtsum;
  }
}
)";
  return subst(src, vars);
}

std::string combine(const SelectiveScanDesc &d) {
  return subst(
      R"(// ssm.selective_scan (time-parallel pass 2): chunk initial states.
// Per (sequence, channel, state): h = initial state; for each chunk, its
// initial state is h, then h = exp(A * sum dt) * h + its zero-start end state.
extern "C" __global__ void __launch_bounds__($THREADS)
$NAME_combine(const float *__restrict__ A, float *__restrict__ state,
              float *__restrict__ chunk_state,
              const float *__restrict__ chunk_dtsum, int batch, int dim,
              int chunks) {
  constexpr int kState = $N;
  const long long i = (long long)blockIdx.x * $THREADS + threadIdx.x;
  if (i >= (long long)batch * dim * kState)
    return;
  const long long bc = i / kState; // b * dim + c
  const int c = bc % dim;
  const long long b = bc / dim;
  const float a = A[(long long)c * kState + i % kState] * 1.44269504089f;
  float h = $INITH;
  for (int k = 0; k < chunks; ++k) {
    const long long j = ((b * chunks + k) * dim + c) * kState + i % kState;
    const float end = chunk_state[j];
    chunk_state[j] = h;
    h = fmaf(mamba_exp2(a * chunk_dtsum[(b * chunks + k) * dim + c]), h, end);
  }
  state[i] = h;
}
)",
      {{"NAME", d.name},
       {"THREADS", std::to_string(d.schedule.threadsPerBlock)},
       {"N", std::to_string(d.dState)},
       {"INITH", d.hasInitialState ? "state[i]" : "0.0f"}});
}

std::string chunkScan(const SelectiveScanDesc &d) {
  SelectiveScanDesc p = d;
  p.name = d.name + "_chunk_scan";
  Vars vars;
  std::string src =
      detail::scanHeader(p, "time-parallel pass 3: y from chunk initial states",
                         true) +
      detail::scanSignature(kChunkArgs);
  src += detail::scanPrologue(
      p, vars, "blockIdx.z",
      "valid ? chunk_state[(((long long)b * gridDim.y + blockIdx.y) * dim + "
      "c) * kState + n0 + i] : 0.0f",
      false, true);
  src += kChunkRange;
  src += detail::scanTimeLoop(p, true);
  src += "}\n";
  return subst(src, vars);
}

} // namespace

Emitted emitSelectiveScanChunked(const SelectiveScanDesc &d) {
  if (std::string e = detail::validateScan(d, false); !e.empty())
    return {"", e};
  return {chunkState(d) + "\n" + combine(d) + "\n" + chunkScan(d), ""};
}

} // namespace mamba::codegen::cuda

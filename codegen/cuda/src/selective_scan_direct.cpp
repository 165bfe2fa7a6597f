// The selective scan's time loop for token-major operands: consecutive
// threads own consecutive channels, so each thread's loads of u, delta and z
// and its store of y are coalesced across the warp without a shared-memory
// tile. Only B and C, which every channel of a block reads, are staged in
// shared memory. The loads of the next chunk are in registers before the
// current chunk's recurrence starts.
#include "scan_emit.h"

namespace mamba::codegen::cuda::detail {

std::string scanTimeLoopDirect(const SelectiveScanDesc &d, bool readout) {
  const bool z = readout && d.hasZ;
  std::string src = R"(  constexpr int kChunk = $CHUNK;
  constexpr int kBLoads = (kChunk * kState + $THREADS - 1) / $THREADS;
  __shared__ __align__(16) float s_B[kChunk][kState];
  $BCT r_B[kBLoads];
)";
  if (readout)
    src += "  __shared__ __align__(16) float s_C[kChunk][kState];\n"
           "  $BCT r_C[kBLoads];\n";
  // Padding threads (c >= dim) load channel 0 and store nothing: no
  // branch around the loads.
  src += R"(  const long long cc = valid ? c : 0;
  const float dbias = $DBIAS;
  $UT r_u[kChunk];
  $DT r_dt[kChunk];
  const $UT *pu = u + b * u_sb + cc * u_sc + (long long)t_begin * u_st;
  const $DT *pd = delta + b * delta_sb + cc * delta_sc + (long long)t_begin * delta_st;
)";
  if (z)
    src += "  $ZT r_z[kChunk];\n  const $ZT *pz = z + b * z_sb + cc * z_sc + "
           "(long long)t_begin * z_st;\n";
  if (readout)
    src +=
        "  $YT *py = y + b * y_sb + cc * y_sc + (long long)t_begin * y_st;\n";
  else
    src += "  float dtsum = 0.0f;\n";
  src += R"(  auto fetch = [&](int t0) {
    const int len = min(kChunk, t_end - t0);
)" + scanBcFetch(d, readout) +
         R"(#pragma unroll
    for (int j = 0; j < kChunk; ++j) {
      const bool in = j < len;
      r_u[j] = in ? *pu : $UT{};
      r_dt[j] = in ? *pd : $DT{};
      pu += u_st;
      pd += delta_st;
)";
  if (z)
    src += "      r_z[j] = in ? *pz : $ZT{};\n      pz += z_st;\n";
  src += "    }\n  };\n";

  // The chunk's dt = softplus(delta + bias) and silu(z), converted before
  // its recurrence: they are independent across tokens (many in flight at
  // once), and with prefetch r_* then take the next chunk's loads. All
  // indices are compile-time: registers.
  std::string take = R"(    float x_u[kChunk], x_dt[kChunk];
)";
  if (z)
    take += "    float x_z[kChunk];\n";
  take += R"(#pragma unroll
    for (int j = 0; j < kChunk; ++j) {
      x_u[j] = mamba_to_float(r_u[j]);
      x_dt[j] = $DTEXPR;
)";
  if (z)
    take += "      x_z[j] = mamba_silu(mamba_to_float(r_z[j]));\n";
  take += "    }\n";

  src += d.schedule.prefetch
             ? R"(  if (t_begin < t_end)
    fetch(t_begin);
  for (int t0 = t_begin; t0 < t_end; t0 += kChunk) {
    const int len = min(kChunk, t_end - t0);
    __syncthreads(); // the previous chunk's B/C are consumed
)"
             : R"(  for (int t0 = t_begin; t0 < t_end; t0 += kChunk) {
    const int len = min(kChunk, t_end - t0);
    __syncthreads(); // the previous chunk's B/C are consumed
    fetch(t0);
)";
  src += scanBcStage(readout) + take + "    __syncthreads();\n";
  if (d.schedule.prefetch)
    src += "    if (t0 + kChunk < t_end)\n      fetch(t0 + kChunk);\n";

  src += R"(#pragma unroll
    for (int t = 0; t < kChunk; ++t) {
      if (t >= len)
        break;
      const float dt = x_dt[t], uv = x_u[t];
)";
  src += scanTokenStep(d, readout);
  if (readout) {
    src += "      if (valid && lane == 0)\n        mamba_store(py, " +
           scanYExpr(d, "x_z[t]") + ");\n      py += y_st;\n";
  } else {
    src += "      dtsum += dt;\n";
  }
  src += "    }\n  }\n";
  return subst(src, {{"DTEXPR", scanDtExpr(d, "r_dt[j]", "dbias")},
                     {"DBIAS", d.hasDeltaBias ? "delta_bias[cc]" : "0.0f"}});
}

} // namespace mamba::codegen::cuda::detail

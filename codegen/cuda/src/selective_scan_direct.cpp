// The selective scan's time loop for token-major operands: consecutive
// threads own consecutive channels, so each thread's loads of u, delta and z
// and its store of y are coalesced across the warp without a shared-memory
// tile. Only B and C, which every channel of a block reads, are staged in
// shared memory. The loads of the next chunk are in registers before the
// current chunk's recurrence starts.
//
// Where kLanes threads share a channel (each with kItems of its states), the
// per-token work that does not depend on the state (the loads of u, delta
// and z, softplus, silu and the store of y) is split between them rather
// than repeated: lane l owns the tokens l, l + kLanes, ... of each chunk and
// hands dt and u to the other lanes with a shuffle. Softplus and silu are
// special-function work, the unit the state exponentials already saturate.
//
// The kernel is issue-bound (every instruction of the token loop counts,
// see bench/results/cuda-2026-12-07c.md), so the token loop has no branch
// and no address arithmetic: the tokens past the end of the last chunk get
// dt = 0, u = 0, B = 0, which leaves the state exactly as it is
// (exp2(0) = 1, h = 1 * h + 0), and the owner of a token keeps its y in a
// register until the chunk's y are stored together, like its loads. The
// zero dt is a product, not a select: the compiler turns a select into a
// branch around each softplus, and the chunk's softplus chains then run
// one after another instead of interleaved.
#include "scan_emit.h"

namespace mamba::codegen::cuda::detail {

std::string scanTimeLoopDirect(const SelectiveScanDesc &d, bool readout) {
  const bool z = readout && d.hasZ;
  // kOwn: tokens of a chunk one lane loads (validateScan makes kChunk a
  // multiple of kLanes).
  std::string src = R"(  constexpr int kChunk = $CHUNK, kOwn = kChunk / kLanes;
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
  $UT r_u[kOwn];
  $DT r_dt[kOwn];
  const long long t_lane = (long long)t_begin + lane;
  const $UT *pu = u + b * u_sb + cc * u_sc + t_lane * u_st;
  const $DT *pd = delta + b * delta_sb + cc * delta_sc + t_lane * delta_st;
)";
  if (z)
    src += "  $ZT r_z[kOwn];\n  const $ZT *pz = z + b * z_sb + cc * z_sc + "
           "t_lane * z_st;\n";
  if (readout)
    src += "  $YT *py = y + b * y_sb + cc * y_sc + t_lane * y_st;\n";
  else
    src += "  float dtsum = 0.0f;\n";
  src += R"(  auto fetch = [&](int t0) {
    const int len = min(kChunk, t_end - t0);
)" + scanBcFetch(d, readout) +
         R"(#pragma unroll
    for (int j = 0; j < kOwn; ++j) {
      const bool in = j * kLanes + lane < len;
      r_u[j] = in ? *pu : $UT{};
      r_dt[j] = in ? *pd : $DT{};
      pu += kLanes * u_st;
      pd += kLanes * delta_st;
)";
  if (z)
    src += "      r_z[j] = in ? *pz : $ZT{};\n      pz += kLanes * z_st;\n";
  src += "    }\n  };\n";

  // The chunk's dt = softplus(delta + bias) and silu(z) of the lane's own
  // tokens, converted before the recurrence: they are independent across
  // tokens (many in flight at once), and with prefetch r_* then take the
  // next chunk's loads. All indices are compile-time: registers.
  std::string take = R"(    float x_u[kOwn], x_dt[kOwn];
)";
  if (z)
    take += "    float x_z[kOwn];\n";
  if (readout)
    take += "    float x_acc[kOwn];\n";
  take += R"(#pragma unroll
    for (int j = 0; j < kOwn; ++j) {
      x_u[j] = mamba_to_float(r_u[j]);
      x_dt[j] = $DTEXPR * (j * kLanes + lane < len ? 1.0f : 0.0f);
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

  // Token t belongs to lane t % kLanes, slot t / kLanes; the shuffle's
  // source lane is relative to the channel's kLanes-wide segment.
  src += R"(#pragma unroll
    for (int t = 0; t < kChunk; ++t) {
      const int own = t / kLanes;
      float dt = x_dt[own], uv = x_u[own];
      if (kLanes > 1) {
        dt = __shfl_sync(0xffffffffu, dt, t % kLanes, kLanes);
        uv = __shfl_sync(0xffffffffu, uv, t % kLanes, kLanes);
      }
)";
  src += scanTokenStep(d, readout);
  if (readout) {
    src += R"(      if (lane == t % kLanes)
        x_acc[own] = acc;
    }
#pragma unroll
    for (int j = 0; j < kOwn; ++j) {
      const float uv = x_u[j], acc = x_acc[j];
      if (valid && j * kLanes + lane < len)
        mamba_store(py, )" +
           scanYExpr(d, "x_z[j]") + R"();
      py += kLanes * y_st;
    }
  }
)";
  } else {
    src += "      dtsum += dt;\n    }\n  }\n";
  }
  return subst(src, {{"DTEXPR", scanDtExpr(d, "r_dt[j]", "dbias")},
                     {"DBIAS", d.hasDeltaBias ? "delta_bias[cc]" : "0.0f"}});
}

} // namespace mamba::codegen::cuda::detail

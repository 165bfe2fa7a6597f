// Pieces of the selective-scan kernels shared by the sequential prefill, the
// decode step and the time-parallel (chunked) prefill emitters.
#ifndef MAMBA_CODEGEN_CUDA_SCAN_EMIT_H
#define MAMBA_CODEGEN_CUDA_SCAN_EMIT_H

#include "emit_util.h"

#include <string>

namespace mamba::codegen::cuda::detail {

/// Empty if `d` can be emitted; `step` skips the time-loop checks.
std::string validateScan(const SelectiveScanDesc &d, bool step);

/// The first comment of a scan kernel: op, fused options, types, schedule.
std::string scanHeader(const SelectiveScanDesc &d, const std::string &what,
                       bool timeLoop);

/// Adds the placeholders every scan kernel uses to `vars` and returns the
/// prologue: indices (batch from `batchIndex`), A scaled for exp2 and the
/// state `h` in registers, initialised by `initH` (uses c, n0, i, valid).
/// `stateIo`: the kernel reads or writes `state` (declares its offset
/// `sbase`); `readout`: it writes y (declares the D skip `dskip`).
std::string scanPrologue(const SelectiveScanDesc &d, Vars &vars,
                         const std::string &batchIndex,
                         const std::string &initH, bool stateIo, bool readout);

/// The scan signature; `extra` is appended to the argument list.
std::string scanSignature(const std::string &extra);

/// The recurrence of one token for the thread's kItems states; with
/// `readout`, also C.h reduced over the kLanes lanes of the channel into
/// `acc`.
std::string scanStepBody(const SelectiveScanDesc &d, const std::string &bAt,
                         const std::string &cAt, bool readout);

/// The time loop over [t_begin, t_end) in chunks of kChunk staged in shared
/// memory. With `readout` it writes y (D skip, gate); without it only
/// advances h and sums dt into `dtsum` (the chunked scan's first pass).
std::string scanTimeLoop(const SelectiveScanDesc &d, bool readout);

/// B (and with `readout` C) of one chunk: global -> registers r_B/r_C, the
/// body of the `fetch` lambda; and registers -> shared s_B/s_C, of `stage`.
std::string scanBcFetch(const SelectiveScanDesc &d, bool readout);
std::string scanBcStage(bool readout);

/// One token of a time loop, from B/C staged in s_B[t]/s_C[t] and dt, uv in
/// scope: the recurrence and, with `readout`, C.h into `acc`.
std::string scanTokenStep(const SelectiveScanDesc &d, bool readout);
/// The token's output from `acc` and uv: D skip, times `gate` with z.
std::string scanYExpr(const SelectiveScanDesc &d, const std::string &gate);

/// Whether the time loop of `d` is scanTimeLoopDirect's.
bool scanLoadsDirect(const SelectiveScanDesc &d);

/// scanTimeLoop for token-major operands with Schedule::directLoads: u,
/// delta, z and y go between global memory and registers, B/C through
/// shared memory.
std::string scanTimeLoopDirect(const SelectiveScanDesc &d, bool readout);

/// dt_proj folded into a decode step, before the wait (weights only): the
/// channel's dt_proj row `wrow`, in registers `dtw` with 16-byte loads where
/// the rank allows (`vecRow`). Uses kRank, kLanes, c, lane, valid, dt_proj.
std::string scanDtProjPreload();
/// After the wait: `dlow` = the dt_proj row . its input, reduced over the
/// kLanes lanes of the channel (every lane of the warp must reach it). `in`
/// is the input element at index `$R`; `active` guards the loads.
std::string scanDtProjDot(const std::string &in, const std::string &active);
/// softplus(delta + bias) as the description asks, of `raw` with `bias` the
/// expression of the channel's delta_bias.
std::string scanDtExpr(const SelectiveScanDesc &d, const std::string &raw,
                       const std::string &bias);

} // namespace mamba::codegen::cuda::detail

#endif // MAMBA_CODEGEN_CUDA_SCAN_EMIT_H

// Writes the selective scan kernels as the runtime generates them (its
// default schedules) and in the variants cuda_kernels_test runs on a GPU,
// prelude included, for scan_emulated_test to compile for the host:
// DIR/scans.inc. Sequential prefill: scan_f32 (token-major), scan_bf16
// (BF16 u and y), scan_f32_channel_major, scan_f32_staged (token-major
// through shared-memory tiles), scan_f32_fma_exps (half the exponentials on
// the FMA units), scan_f32_1_lane (16 states per thread, a quarter on the
// FMA units), scan_bf16_4_lanes (4 states per thread); decode step:
// step_f32, step_bf16, step_f32_fma_exps; the time-parallel scan
// tp_f32, tp_f32_zero_start, tp_f32_channel_major, tp_bf16, tp_f32_1_lane
// (each NAME_chunk_state, NAME_combine, NAME_chunk_scan); the decode step
// with dt_proj folded in, step_dt_rank5 and step_dt_rank32; and the step
// with split-K out_proj, scan_linear_<case> in cuda_decode_kernels_test's
// cases (f32_b1, bf16_b3_bias, bf16_b4_slice32, bf16_odd_dim, f32_b16).
#include "../../runtime/src/cuda/kernels.h"
#include "emit_kernels_file.h"
#include "mamba/codegen/cuda_emitter.h"

#include <cstdio>
#include <string>
#include <vector>

namespace {

namespace cg = mamba::codegen::cuda;
namespace cuda = mamba::cuda;

struct Variant {
  const char *name;
  cg::ElemType io = cg::ElemType::F32; ///< u and y
  cg::Layout layout = cg::Layout::TokenMajor;
  double fmaExps = 0.0;
  int items = 0; ///< states per thread, 0: the schedule's
  bool directLoads = true;
  bool initialState = true;
};

cg::SelectiveScanDesc descOf(const Variant &v, cg::Schedule schedule) {
  cg::SelectiveScanDesc d;
  d.name = v.name;
  d.uType = d.yType = v.io;
  d.layout = v.layout;
  d.hasInitialState = v.initialState;
  d.schedule = schedule;
  d.schedule.fmaExpFraction = v.fmaExps;
  d.schedule.directLoads = v.directLoads;
  if (v.items > 0)
    d.schedule.itemsPerThread = v.items;
  return d;
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: emit_emulated_scans DIR\n");
    return 2;
  }
  constexpr int kState = 16;
  const cg::Schedule prefill = cuda::defaultScanSchedule(kState);
  const cg::Schedule step = cuda::defaultScanStepSchedule(kState);
  // cuda_kernels_test's channel-major time-parallel schedule: staged tiles
  // at the step's lanes fit 48 KiB.
  cg::Schedule staged = step;
  staged.chunkLen = 32;
  const auto F32 = cg::ElemType::F32, BF16 = cg::ElemType::BF16;
  const auto CM = cg::Layout::ChannelMajor, TM = cg::Layout::TokenMajor;

  std::vector<cg::Emitted> kernels;
  for (const Variant &v : {Variant{"scan_f32"}, Variant{"scan_bf16", BF16},
                           Variant{"scan_f32_channel_major", F32, CM},
                           Variant{"scan_f32_staged", F32, TM, 0.0, 0, false},
                           Variant{"scan_f32_fma_exps", F32, TM, 0.5},
                           Variant{"scan_f32_1_lane", F32, TM, 0.25, 16},
                           Variant{"scan_bf16_4_lanes", BF16, TM, 0.0, 4}})
    kernels.push_back(cg::emitSelectiveScan(descOf(v, prefill)));
  for (const Variant &v : {Variant{"step_f32"}, Variant{"step_bf16", BF16},
                           Variant{"step_f32_fma_exps", F32, TM, 1.0}})
    kernels.push_back(cg::emitSelectiveScanStep(descOf(v, step)));
  for (const Variant &v :
       {Variant{"tp_f32"}, Variant{"tp_bf16", BF16},
        Variant{"tp_f32_zero_start", F32, TM, 0.0, 0, true, false},
        Variant{"tp_f32_1_lane", F32, TM, 0.0, 16}})
    kernels.push_back(cg::emitSelectiveScanChunked(
        cuda::chunkedScanDesc(descOf(v, prefill), v.name)));
  kernels.push_back(cg::emitSelectiveScanChunked(
      descOf(Variant{"tp_f32_channel_major", F32, CM}, staged)));
  for (int rank : {5, 32}) { // the scalar and the 16-byte dt_proj row loads
    cg::SelectiveScanDesc d = descOf(Variant{""}, step);
    d.name = "step_dt_rank" + std::to_string(rank);
    d.dtRank = rank;
    kernels.push_back(cg::emitSelectiveScanStep(d));
  }
  struct Linear {
    const char *name;
    cg::ElemType w; ///< also u's type
    int bucket, rows, dim, rank, slice;
    bool bias, stateBeforeWait;
  };
  for (const Linear &l :
       {Linear{"f32_b1", F32, 1, 771, 100, 5, 16, false, true},
        Linear{"bf16_b3_bias", BF16, 4, 771, 100, 32, 16, true, false},
        Linear{"bf16_b4_slice32", BF16, 4, 512, 256, 16, 32, false, true},
        Linear{"bf16_odd_dim", BF16, 4, 64, 99, 8, 16, true, false},
        Linear{"f32_b16", F32, 16, 130, 64, 32, 8, true, true}}) {
    cg::SelectiveScanStepLinearDesc d;
    d.name = std::string("scan_linear_") + l.name;
    d.scan.uType = l.w;
    d.scan.dtRank = l.rank;
    d.scan.schedule = step;
    d.wType = l.w;
    d.rows = l.rows;
    d.dim = l.dim;
    d.batch = l.bucket;
    d.hasBias = l.bias;
    d.stateBeforeWait = l.stateBeforeWait;
    d.schedule.threadsPerBlock = 256;
    d.schedule.kSlice = l.slice;
    d.schedule.loadsInFlight = 2;
    kernels.push_back(cg::emitSelectiveScanStepLinear(d));
  }

  return mamba::test::writeKernels("emit_emulated_scans",
                                   std::string(argv[1]) + "/scans.inc", kernels,
                                   true);
}

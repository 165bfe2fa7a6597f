// Writes the sampled pick's variants, as the runtime would compile them,
// for sample_pick_emulated_test to compile for the host: DIR/sample_picks.inc
// has each variant at 64 and 1024 threads, named
// sample_pick_<variant>_<threads>, and greedy_pick at 64 threads, named
// greedy_pick_64; DIR/sample_picks_sm75.inc the warp-run
// one at 64 threads named sample_pick_warp_runs_64_sm75, for a translation
// unit that emulates an sm_75 (no __reduce_add_sync).
#include "emit_kernels_file.h"
#include "mamba/codegen/cuda_emitter.h"

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

int main(int argc, char **argv) {
  namespace cg = mamba::codegen::cuda;
  if (argc != 2) {
    std::fprintf(stderr, "usage: emit_sample_picks DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  using Path = cg::SamplePickPath;
  auto variant = [](Path path, int threads, const char *suffix) {
    cg::SamplePickDesc d;
    d.path = path;
    d.schedule.threadsPerBlock = threads;
    // A bound the test's rows reach on both sides (most of their top-ks
    // keep fewer tokens than the default's 512).
    d.warpRunsMaxTopK = 20;
    d.name = std::string("sample_pick_") +
             (path == Path::ThreadRuns ? "thread_runs_"
              : path == Path::WarpRuns ? "warp_runs_"
                                       : "by_top_k_") +
             std::to_string(threads) + suffix;
    return cg::emitSamplePick(d);
  };
  auto greedy = [](int threads) {
    cg::GreedyPickDesc d;
    d.schedule.threadsPerBlock = threads;
    d.name = "greedy_pick_" + std::to_string(threads);
    return cg::emitGreedyPick(d);
  };
  const std::vector<std::pair<std::string, std::vector<cg::Emitted>>> files = {
      {"sample_picks.inc",
       {variant(Path::ThreadRuns, 64, ""), variant(Path::ThreadRuns, 1024, ""),
        variant(Path::WarpRuns, 64, ""), variant(Path::WarpRuns, 1024, ""),
        variant(Path::ByTopK, 64, ""), greedy(64)}},
      {"sample_picks_sm75.inc", {variant(Path::WarpRuns, 64, "_sm75")}}};
  for (const auto &[name, kernels] : files)
    if (int rc = mamba::test::writeKernels("emit_sample_picks",
                                           dir + "/" + name, kernels, false))
      return rc;
  return 0;
}

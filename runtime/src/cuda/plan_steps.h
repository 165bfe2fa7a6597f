// The CUDA plan executor's kernel table: the generated kernels a plan's
// steps call (one module), and each step checked (plan_checks.h, then the
// GPU kernels' own limits) and, unless only checking, launched.
#ifndef MAMBA_CUDA_PLAN_STEPS_H
#define MAMBA_CUDA_PLAN_STEPS_H

#include "../plan/plan_checks.h"
#include "blas.h"
#include "device.h"
#include "kernels.h"
#include "mamba/plan.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mamba::cuda {

/// The descriptions of the kernels a plan calls and, once its module is
/// loaded, their functions.
struct PlanKernels {
  /// Describes a kernel for every step of `plan`'s functions that needs
  /// one; errors name the function, step and kernel.
  static Expected<std::unique_ptr<PlanKernels>> describe(const plan::Plan &plan,
                                                         int64_t maxBatch);
  /// One module with every kernel.
  Expected<std::string> source() const;
  /// Looks up every kernel in `module`.
  Status bind(const Module &module);

  struct Conv {
    cg::CausalConv1dDesc prefill, step;
    CUfunction f = nullptr, state = nullptr, fStep = nullptr;
  };
  struct Scan {
    /// `chunked`: the time-parallel prefill, for grids too small to fill
    /// the GPU (batch 1), as CudaModel runs it.
    cg::SelectiveScanDesc prefill, step, chunked;
    CUfunction f = nullptr, fStep = nullptr;
    ScanChunkedKernels fChunked;
  };
  struct Generic {
    cg::GenericScanDesc desc;
    CUfunction f = nullptr;
  };
  struct Map {
    cg::StridedMapDesc desc;
    CUfunction f = nullptr;
  };
  cg::EmbeddingDesc embedding;
  cg::RmsNormDesc rmsnorm;
  cg::BiasAddDesc bias;
  CUfunction embeddingF = nullptr, rmsnormF = nullptr, biasF = nullptr;
  std::vector<Conv> convs;
  std::vector<Scan> scans;
  std::vector<Generic> generics;
  /// One per elementwise op, indexed by cg::StridedOp.
  std::vector<Map> maps;
  /// Per step: its index in convs, scans or generics.
  std::map<const plan::Step *, size_t> kernelOf;
};

/// What the steps share: the device, cuBLAS, the kernels, the host copy
/// of the device token ids (to check them against the embedding table), and
/// the time-parallel scan's chunk states: the checks raise
/// `scanWorkspaceNeed` (bytes) to the largest need of the shapes they see,
/// and a scan runs time-parallel only where `scanWorkspace` holds its need.
struct StepContext {
  Device &dev;
  Blas &blas;
  const PlanKernels &kernels;
  const int32_t *deviceIds = nullptr;
  const int32_t *hostIds = nullptr;
  const DeviceBuffer &scanWorkspace;
  size_t &scanWorkspaceNeed;
};

/// Checks `step` against its GPU kernel and, when `execute`, launches it on
/// the device's stream. Errors name the kernel, the argument and what was
/// expected.
Status runStep(const plan::Step &step, const planexec::StepArgs &args,
               StepContext &ctx, bool execute);

} // namespace mamba::cuda

#endif // MAMBA_CUDA_PLAN_STEPS_H

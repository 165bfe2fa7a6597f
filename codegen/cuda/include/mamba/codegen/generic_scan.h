// The CUDA C emitter of the generic ssm.scan: a description of its iteration
// space, indexing maps and region expressions, and the kernel printed for it.
#ifndef MAMBA_CODEGEN_GENERIC_SCAN_H
#define MAMBA_CODEGEN_GENERIC_SCAN_H

#include "mamba/codegen/cuda_emitter.h"
#include "mamba/codegen/scan_expr.h"

#include <string>
#include <vector>

namespace mamba::codegen::cuda {

using codegen::ScanExprNode;
using codegen::ScanExprOp;
using codegen::scanExprOpName;

/// Launch shape: each kept point of y (a point of the state dimensions y
/// keeps) is owned by `lanes` consecutive threads of one warp, each holding
/// `itemsPerThread` of the point's summed state slots in registers; points
/// with more slots than lanes * itemsPerThread run the time loop once per
/// group of slots, adding to y.
struct GenericScanSchedule {
  int threadsPerBlock = 128;
  int lanes = 1; ///< a power of two <= 32
  int itemsPerThread = 1;
};

/// ssm.scan over the iteration space (s_0, ..., s_{R-1}, t): for every state
/// element h[s] and step t, h_t = a_t * h_{t-1} + b_t with h_{-1} = init (or
/// 0), and y[kept dims, t] = sum over the other state dims of readout(h_t).
struct GenericScanDesc {
  std::string name = "generic_scan";
  /// R: iteration dimensions 0..R-1 are the state's, R is time.
  int stateRank = 0;
  /// Per input, the iteration dimension of each of its tensor dimensions
  /// (its indexing map).
  std::vector<std::vector<int>> inputDims;
  /// Per input, its element type; empty means all F32.
  std::vector<ElemType> inputTypes;
  /// The iteration dimension of each dimension of y; includes R (time).
  std::vector<int> outputDims;
  ElemType yType = ElemType::F32;
  /// Read h_{-1} from `init` (F32, like final_state) instead of zeros.
  bool hasInit = false;
  /// Both regions' expressions; an op reads only nodes before it.
  std::vector<ScanExprNode> nodes;
  /// Roots in `nodes`: the decay a_t and the input b_t (update region: arg 0
  /// is h_{t-1}, which neither may read) and the readout (arg 0 is h_t).
  int decay = -1, input = -1, readout = -1;
  GenericScanSchedule schedule;
};

/// lanes and itemsPerThread for `slots` summed state slots per kept point of
/// y (the product of the sizes of the state dimensions y drops).
GenericScanSchedule defaultGenericScanSchedule(long long slots);

/// Kernel `name`, or why `desc` is invalid. Arguments, in order: the inputs,
/// init (null without hasInit), y, final_state, the sizes n_0..n_{R-1} and
/// seqlen (int), then the element strides (long long) of every dimension of
/// each input, of init and final_state (s_0..s_{R-1}) and of y, each in its
/// own dimension order: in0..., init..., y..., final_state.... init and
/// final_state may alias. Grid: genericScanBlocks, block threadsPerBlock.
Emitted emitGenericScan(const GenericScanDesc &desc);

/// Blocks to launch for state sizes `stateSizes` (n_0..n_{R-1}).
long long genericScanBlocks(const GenericScanDesc &desc,
                            const std::vector<long long> &stateSizes);

} // namespace mamba::codegen::cuda

#endif // MAMBA_CODEGEN_GENERIC_SCAN_H

//===- HalideKernels.h - CPU kernel descriptions for Halide -----*- C++ -*-===//
//
// What the Halide backend compiles, described without MLIR: one KernelDesc
// per kernel (op kind, flags, schedule), the argument order of its compiled
// function, and compileKernelLibrary, which AOT-compiles a set of them into
// one shared library kept in a content-addressed on-disk cache.
//
//===----------------------------------------------------------------------===//

#ifndef MAMBA_CONVERSION_SSMTOHALIDE_HALIDEKERNELS_H
#define MAMBA_CONVERSION_SSMTOHALIDE_HALIDEKERNELS_H

#include "mamba/codegen/scan_expr.h"
#include "mamba/status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mamba::halide {

/// How a pipeline is scheduled; never part of the algorithm. Zero means
/// "the default for the target".
struct HalideSchedule {
  /// Lanes of the channel loop: 8 on AVX2, 16 on AVX-512 by default.
  int vectorWidth = 0;
  /// Channels one task handles (a multiple of vectorWidth; 0: 2 vectors).
  int channelTile = 0;
  /// Run the tasks (channel tiles; conv time chunks; rmsnorm rows) on
  /// threads.
  bool parallel = true;
  /// Time steps per conv task on sequences that long (0: 64); shorter ones
  /// are split by wideTile channels. The scans do not use it: their time
  /// loop is one recurrence per channel tile.
  int timeChunk = 0;
  /// Channels per conv task on sequences shorter than timeChunk, e.g.
  /// decode (a multiple of vectorWidth; 0: 8 vectors): fewer, larger tasks.
  int wideTile = 0;
};

enum class KernelKind { SelectiveScan, CausalConv1d, RMSNorm, Gate, Scan };

using codegen::ScanExprNode;
using codegen::ScanExprOp;

/// A generic `ssm.scan`: iteration space (s_0 .. s_{R-1}, t); each input
/// and y list, per tensor dimension, the iteration dimension it indexes
/// (R stands for t).
struct GenericScanDesc {
  int stateRank = 0;
  std::vector<std::vector<int>> inputDims;
  std::vector<int> outputDims;
  bool hasInit = false;
  std::vector<ScanExprNode> nodes;
  /// Roots in `nodes`: the decay a_t, the input b_t, the readout.
  int decay = -1, input = -1, readout = -1;
};

/// One kernel. Tensors are F32 views in the op's logical dimension order.
struct KernelDesc {
  KernelKind kind = KernelKind::SelectiveScan;
  /// Symbol stem; the library exports it with a content hash appended.
  std::string name;
  HalideSchedule schedule;

  // SelectiveScan.
  int dState = 0; // 0: taken from A at run time
  bool deltaSoftplus = false;
  bool zohB = false;
  bool hasD = false, hasZ = false, hasDeltaBias = false,
       hasInitialState = false;
  // CausalConv1d.
  int width = 0;
  bool hasBias = false, silu = false, hasState = false;
  // RMSNorm.
  float eps = 1e-5f;
  bool hasResidual = false;
  // Scan.
  GenericScanDesc scan;
};

/// One argument of a compiled kernel: a tensor of `rank` dimensions in
/// logical order (halide_buffer_t dim i is logical dimension i).
struct KernelArg {
  std::string name;
  int rank = 0;
  bool output = false;
};

/// The arguments of `desc`'s function, in call order: inputs, then outputs.
std::vector<KernelArg> kernelArguments(const KernelDesc &desc);

/// Everything about `desc` that changes its compiled code (all but its
/// name): descriptions with equal keys compile to the same kernel.
std::string kernelKey(const KernelDesc &desc);

/// A readable one-line summary of the algorithm and the resolved schedule.
std::string describeKernel(const KernelDesc &desc);

/// Halide's loop nest of `desc`'s pipeline (Pipeline::print_loop_nest), or
/// the reason it cannot be built.
Expected<std::string> kernelLoopNest(const KernelDesc &desc);

/// Checks that the backend can lower `desc` (supported ops, consistent
/// maps); the message says what is not.
Status validateKernel(const KernelDesc &desc);

struct CompiledKernel {
  std::string symbol; // call as int symbol_argv(void **) or symbol(buffers...)
  std::vector<KernelArg> args;
};

struct KernelLibrary {
  std::string path;                    // the .so
  std::vector<CompiledKernel> kernels; // one per description, same order
  bool cacheHit = false;
  double seconds = 0; // wall time of the call
};

/// The default cache: $XDG_CACHE_HOME/mamba/halide, else
/// ~/.cache/mamba/halide.
std::string defaultCacheDir();

/// AOT-compiles every description for the host and links them, with one
/// Halide runtime, into `<cacheDir>/<hash>/libmamba_halide.so`; `hash` covers
/// the descriptions, the schedules, the target and the Halide version, so a
/// second call with the same inputs compiles nothing. Concurrent callers
/// are safe (build in a private directory, then rename). An empty cacheDir
/// means defaultCacheDir().
Expected<KernelLibrary>
compileKernelLibrary(const std::vector<KernelDesc> &descs,
                     const std::string &cacheDir = "");

} // namespace mamba::halide

#endif // MAMBA_CONVERSION_SSMTOHALIDE_HALIDEKERNELS_H

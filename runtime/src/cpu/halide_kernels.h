// Loads a kernel library that the Halide backend compiled ahead of time
// (lib/Conversion/SSMToHalide) and calls its kernels on raw float views.
// Needs neither Halide nor LLVM: the library is dlopened and each call
// wraps the views into the C struct halide_buffer_t.
#ifndef MAMBA_CPU_HALIDE_KERNELS_H
#define MAMBA_CPU_HALIDE_KERNELS_H

#include "mamba/status.h"

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace mamba::cpu {

/// A float tensor: a pointer, and per logical dimension its extent and its
/// stride in elements (dimension 0 outermost, as the op's tensor type).
struct TensorView {
  static constexpr int kMaxRank = 8;
  float *data = nullptr;
  int rank = 0;
  int64_t shape[kMaxRank] = {};
  int64_t strides[kMaxRank] = {};
};

/// A view with explicit strides.
TensorView makeView(float *data, std::initializer_list<int64_t> shape,
                    std::initializer_list<int64_t> strides);
/// A row-major (last dimension contiguous) view.
TensorView contiguousView(float *data, std::initializer_list<int64_t> shape);

/// One kernel of a loaded library.
class HalideKernel {
public:
  HalideKernel() = default;
  const std::string &symbol() const { return symbol_; }
  /// Runs the kernel; `args` in the order of the kernel's arguments (its
  /// inputs, then its outputs). The error carries Halide's message.
  Status run(const std::vector<TensorView> &args) const;

private:
  friend class HalideKernelLibrary;
  using ArgvFn = int (*)(void **);
  std::string symbol_;
  ArgvFn fn_ = nullptr;
};

/// A dlopened kernel library; closing it invalidates its kernels.
class HalideKernelLibrary {
public:
  static Expected<HalideKernelLibrary> open(const std::string &path);
  HalideKernelLibrary(HalideKernelLibrary &&other) noexcept;
  HalideKernelLibrary &operator=(HalideKernelLibrary &&other) noexcept;
  HalideKernelLibrary(const HalideKernelLibrary &) = delete;
  HalideKernelLibrary &operator=(const HalideKernelLibrary &) = delete;
  ~HalideKernelLibrary();

  /// The kernel exported as `symbol` (compileKernelLibrary's symbol name).
  Expected<HalideKernel> kernel(const std::string &symbol) const;
  /// Threads of the library's own Halide thread pool (0: one per core).
  void setThreads(int threads) const;

private:
  HalideKernelLibrary() = default;
  void *handle_ = nullptr;
  std::string path_;
};

} // namespace mamba::cpu

#endif // MAMBA_CPU_HALIDE_KERNELS_H

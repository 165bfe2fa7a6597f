// What every executor of a plan checks of a step's views before it runs:
// ranks, shapes and the layouts the kernels of both backends take, with
// errors that name the kernel, the argument and what was expected.
#ifndef MAMBA_SRC_PLAN_CHECKS_H
#define MAMBA_SRC_PLAN_CHECKS_H

#include "mamba/plan.h"
#include "mamba/status.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mamba::planexec {

constexpr int kMaxRank = 5;

/// A view evaluated for one batch size and sequence length. `data` is a
/// host or a device address, depending on the executor.
struct Tensor {
  float *data = nullptr;
  const int32_t *ids = nullptr; // for the tokens
  int rank = 0;
  int64_t shape[kMaxRank] = {};
  int64_t stride[kMaxRank] = {};
  int64_t numel() const;
};

/// The arguments of one step, evaluated; `weightIndex` gives the plan
/// weight index of each weight argument (for prepared layouts).
struct StepArgs {
  std::vector<std::pair<std::string, Tensor>> tensors;
  std::vector<std::pair<std::string, int64_t>> weightIndex;
  const Tensor *get(const char *name) const;
  int64_t weight(const char *name) const;
};

std::string shapeStr(const Tensor &t);

/// Checks for one step; the first failure is kept in `status`.
class Checker {
public:
  Checker(const plan::Step &step, const StepArgs &args)
      : step_(step), args_(args) {}

  const Tensor *arg(const char *name, int rank, bool optional = false);
  void dim(const Tensor *t, const char *name, int d, int64_t expected,
           const char *what);
  void sameShape(const Tensor *a, const char *an, const Tensor *b,
                 const char *bn);
  void unitStride(const Tensor *t, const char *name, int d);
  void contiguous(const Tensor *t, const char *name);
  void require(bool cond, const std::string &what);

  bool ok() const { return status_.ok(); }
  Status status() const { return status_; }
  const plan::Step &step() const { return step_; }
  const StepArgs &args() const { return args_; }

private:
  void fail(const std::string &what);

  const plan::Step &step_;
  const StepArgs &args_;
  Status status_ = Status::success();
};

/// The leading dimensions (all but the last) of a view as one strided row
/// index, when they are evenly strided once size-1 dimensions are ignored:
/// a [b, l, k] view with stride(b) = l * stride(l) is one [b*l, k] matrix.
bool collapseRows(const Tensor &t, int64_t &rows, int64_t &ld);

/// Calls fn(offsetX, offsetY, rows, ldx, ldy) for row matrices covering two
/// views with the same leading shape: one call when both collapse, else one
/// per index of the dimensions before the last two.
template <class F> void forRowMatrices(const Tensor &x, const Tensor &y, F fn) {
  int64_t rowsX = 0, rowsY = 0, ldx = 0, ldy = 0;
  if (collapseRows(x, rowsX, ldx) && collapseRows(y, rowsY, ldy)) {
    fn(int64_t{0}, int64_t{0}, rowsX, ldx, ldy);
    return;
  }
  const int r = x.rank;
  int64_t outer = 1;
  for (int d = 0; d + 2 < r; ++d)
    outer *= x.shape[d];
  for (int64_t o = 0; o < outer; ++o) {
    int64_t ox = 0, oy = 0, rem = o;
    for (int d = r - 3; d >= 0; --d) {
      ox += (rem % x.shape[d]) * x.stride[d];
      oy += (rem % x.shape[d]) * y.stride[d];
      rem /= x.shape[d];
    }
    fn(ox, oy, x.shape[r - 2], x.stride[r - 2], y.stride[r - 2]);
  }
}

/// The checks of each kernel that hold for every backend; a backend adds
/// its own limits after them. Each leaves the first failure in `c`.
void checkEmbedding(Checker &c);
void checkRmsnorm(Checker &c);
/// The rmsnorm step's group size: its 'group_size' (checked by
/// checkRmsnorm), else the whole normalized width.
int64_t rmsnormGroupSize(const plan::Step &step, int64_t width);
void checkLinear(Checker &c);
/// Also requires activation = silu (both backends fuse it).
void checkCausalConv1d(Checker &c);
void checkSelectiveScan(Checker &c);
void checkSkip(Checker &c);
/// `binary`: a, b -> out; else x -> out.
void checkElementwise(Checker &c, bool binary);

/// The elementwise kernels of a plan and whether each takes two operands.
struct ElementwiseKernel {
  const char *name;
  bool binary;
};
extern const ElementwiseKernel kElementwiseKernels[9];
/// The entry of `kernel`, or null.
const ElementwiseKernel *findElementwise(const std::string &kernel);

} // namespace mamba::planexec

#endif // MAMBA_SRC_PLAN_CHECKS_H

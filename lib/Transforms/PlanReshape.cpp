//===- PlanReshape.cpp - tensor reshapes as views of planned storage ------===//
//
// expand_shape is always a view (a dimension split in place). collapse_shape
// is a view where each group of dimensions is contiguous in the operand's
// layout; where it is not (Mamba-2's per-head y, channel-innermost, merged
// back over heads), a copy step first writes the operand row-major.
//
//===----------------------------------------------------------------------===//

#include "Transforms/FunctionPlanner.h"

#include <numeric>

namespace mlir::ssm::planner {

namespace {

/// `in` with each reassociation group merged into one dimension, or none
/// where a group's dimensions are not laid out one inside the other.
std::optional<mp::View> collapsed(const mp::View &in,
                                  ArrayRef<ReassociationIndices> groups) {
  mp::View r = in;
  r.shape.clear();
  r.strides.clear();
  for (const ReassociationIndices &group : groups) {
    Expr size(1);
    for (size_t k = 0; k < group.size(); ++k) {
      int64_t d = group[k];
      size = size * in.shape[d];
      if (k + 1 < group.size() &&
          in.strides[d] != in.strides[group[k + 1]] * in.shape[group[k + 1]])
        return std::nullopt;
    }
    r.shape.push_back(size);
    r.strides.push_back(in.strides[group.back()]);
  }
  return r;
}

} // namespace

LogicalResult FunctionPlanner::collapseShape(tensor::CollapseShapeOp c) {
  FailureOr<Tensor *> in = lookup(c, c.getSrc());
  if (failed(in))
    return failure();
  SmallVector<ReassociationIndices> groups = c.getReassociationIndices();
  if (std::optional<mp::View> v = collapsed((*in)->view, groups)) {
    Tensor r = **in;
    r.view = std::move(*v);
    alias(c.getResult(), std::move(r));
    return success();
  }
  if ((*in)->view.space == mp::Space::Weight)
    return c.emitOpError() << "cannot be planned: collapses dimensions of a "
                              "weight that are not contiguous";
  newStep(c, "copy");
  if (failed(use(c, "x", c.getSrc())))
    return failure();
  // Each group row-major, the groups in the operand's order (larger
  // strides outside, as defineLike keeps it), so that the copy changes the
  // layout no more than the collapse needs: Mamba-2's y stays
  // channel-innermost for the gate and rmsnorm after it.
  const mp::View src = tensors_[c.getSrc()].view;
  SmallVector<size_t> byStride(groups.size());
  std::iota(byStride.begin(), byStride.end(), 0);
  std::stable_sort(byStride.begin(), byStride.end(), [&](size_t a, size_t b) {
    const Expr &sa = src.strides[groups[a].back()],
               &sb = src.strides[groups[b].back()];
    if (sa.isConstant() != sb.isConstant())
      return !sa.isConstant();
    return sa.isConstant() && sa.constant() > sb.constant();
  });
  SmallVector<int64_t> order;
  for (size_t g : byStride)
    order.append(groups[g].begin(), groups[g].end());
  define("out", c.getResult(), src.shape, order);
  Tensor r = tensors_[c.getResult()];
  r.view = *collapsed(r.view, groups); // every group is contiguous
  alias(c.getResult(), std::move(r));
  return success();
}

LogicalResult FunctionPlanner::expandShape(tensor::ExpandShapeOp e) {
  // Splitting a dimension is a view of any strided layout: the last part
  // keeps the dimension's stride, each one before it steps over the parts
  // after it.
  FailureOr<Tensor *> in = lookup(e, e.getSrc());
  if (failed(in))
    return failure();
  SmallVector<OpFoldResult> sizes = e.getMixedOutputShape();
  std::vector<Expr> shape(sizes.size()), strides(sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (auto a = dyn_cast<Attribute>(sizes[i])) {
      shape[i] = Expr(cast<IntegerAttr>(a).getInt());
      continue;
    }
    FailureOr<Expr> size = index(e, cast<Value>(sizes[i]));
    if (failed(size))
      return failure();
    shape[i] = *size;
  }
  Tensor r = **in;
  for (auto [d, group] : llvm::enumerate(e.getReassociationIndices())) {
    Expr stride = r.view.strides[d];
    for (auto it = group.rbegin(); it != group.rend(); ++it) {
      strides[*it] = stride;
      stride = stride * shape[*it];
    }
  }
  r.view.shape = std::move(shape);
  r.view.strides = std::move(strides);
  alias(e.getResult(), std::move(r));
  return success();
}

} // namespace mlir::ssm::planner

//===- TensorOps.cpp - the tensor builtins of the spec language -----------===//
//
// Model ops become ssm ops; layout changes become linalg.transpose and
// tensor.extract_slice / collapse_shape / expand_shape; arithmetic becomes
// arith/math ops on tensors, or a linalg.generic when it broadcasts.
//
//===----------------------------------------------------------------------===//

#include "TensorOps.h"

#include "ssm/IR/SSMOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mamba::frontend;
using mlir::failure;
using mlir::FailureOr;
using mlir::LogicalResult;
using mlir::success;

namespace {
const char *ordinal(unsigned i) {
  static const char *names[] = {"first", "second", "third", "fourth"};
  return i < 4 ? names[i] : "an";
}

mlir::Type elementTypeOf(const Val &v) {
  return llvm::cast<mlir::RankedTensorType>(v.value.getType()).getElementType();
}
} // namespace

mlir::RankedTensorType TensorOps::tensorType(llvm::ArrayRef<Dim> dims,
                                             mlir::Type elementType) const {
  llvm::SmallVector<int64_t> shape;
  for (const Dim &d : dims)
    shape.push_back(d.isStatic() ? d.size : mlir::ShapedType::kDynamic);
  return mlir::RankedTensorType::get(shape, elementType);
}

mlir::OpFoldResult TensorOps::sizeOf(const Dim &dim,
                                     llvm::ArrayRef<const Val *> sources) {
  if (dim.isStatic())
    return b.getIndexAttr(dim.size);
  for (const Val *s : sources)
    for (size_t i = 0; i < s->dims.size(); ++i)
      if (s->dims[i] == dim) {
        mlir::Value &cached = dimCache[{s->value, static_cast<int64_t>(i)}];
        if (!cached)
          cached = mlir::tensor::DimOp::create(b, s->value.getLoc(), s->value,
                                               static_cast<int64_t>(i));
        return cached;
      }
  // Callers pass a source for every dynamic dimension they produce.
  llvm::report_fatal_error(llvm::Twine("no source for dynamic dimension ") +
                           dim.sym);
}

mlir::Value TensorOps::empty(llvm::ArrayRef<Dim> dims, mlir::Type elementType,
                             llvm::ArrayRef<const Val *> sources,
                             mlir::Location loc) {
  llvm::SmallVector<mlir::OpFoldResult> sizes;
  for (const Dim &d : dims)
    sizes.push_back(sizeOf(d, sources));
  return mlir::tensor::EmptyOp::create(b, loc, sizes, elementType);
}

LogicalResult TensorOps::expectTensor(const CallExpr &c, llvm::ArrayRef<Val> a,
                                      unsigned i, llvm::StringRef role,
                                      int rank, bool allowNone, bool isInt) {
  const Val &v = a[i];
  if (allowNone && v.kind == Val::Kind::None)
    return success();
  if (!v.isTensor()) {
    mlir::emitError(c.args[i]->loc)
        << "the " << ordinal(i) << " argument of '" << c.callee << "' (" << role
        << ") must be a tensor, got " << describe(v);
    return failure();
  }
  mlir::Type elem = elementTypeOf(v);
  if (isInt != elem.isInteger()) {
    mlir::emitError(c.args[i]->loc)
        << "the " << ordinal(i) << " argument of '" << c.callee << "' (" << role
        << ") must be " << (isInt ? "an i32" : "an f32") << " tensor, got "
        << (elem.isInteger() ? "i32" : "f32");
    return failure();
  }
  if (rank >= 0 && v.dims.size() != static_cast<size_t>(rank)) {
    mlir::emitError(c.args[i]->loc)
        << "the " << ordinal(i) << " argument of '" << c.callee << "' (" << role
        << ") must have rank " << rank << ", got shape " << formatDims(v.dims);
    return failure();
  }
  if (rank < 0 && v.dims.empty()) {
    mlir::emitError(c.args[i]->loc)
        << "the " << ordinal(i) << " argument of '" << c.callee << "' (" << role
        << ") must have rank 1 or more";
    return failure();
  }
  return success();
}

FailureOr<int64_t> TensorOps::expectInt(const CallExpr &c,
                                        llvm::ArrayRef<Val> a, unsigned i,
                                        llvm::StringRef role) {
  if (a[i].kind != Val::Kind::Int) {
    mlir::emitError(c.args[i]->loc)
        << "the " << ordinal(i) << " argument of '" << c.callee << "' (" << role
        << ") must be an int, got " << describe(a[i]);
    return failure();
  }
  return a[i].i;
}

FailureOr<std::vector<int64_t>> TensorOps::expectIntList(const CallExpr &c,
                                                         llvm::ArrayRef<Val> a,
                                                         unsigned i,
                                                         llvm::StringRef role) {
  const Val &v = a[i];
  std::vector<int64_t> out;
  bool ok = v.kind == Val::Kind::List;
  for (size_t k = 0; ok && k < v.elems.size(); ++k) {
    ok = v.elems[k].kind == Val::Kind::Int;
    if (ok)
      out.push_back(v.elems[k].i);
  }
  if (!ok) {
    mlir::emitError(c.args[i]->loc)
        << "the " << ordinal(i) << " argument of '" << c.callee << "' (" << role
        << ") must be a list of ints, got " << describe(v);
    return failure();
  }
  return out;
}

FailureOr<unsigned> TensorOps::axis(const CallExpr &c, unsigned argIndex,
                                    int64_t value, size_t rank) {
  int64_t r = static_cast<int64_t>(rank);
  if (value < -r || value >= r) {
    mlir::emitError(c.args[argIndex]->loc)
        << "axis " << value << " of '" << c.callee
        << "' is out of range for a tensor of rank " << rank;
    return failure();
  }
  return static_cast<unsigned>(value < 0 ? value + r : value);
}

LogicalResult TensorOps::shapeError(const CallExpr &c, unsigned i,
                                    llvm::StringRef role,
                                    llvm::StringRef expected,
                                    llvm::ArrayRef<Dim> got) {
  mlir::emitError(c.args[i]->loc)
      << "'" << c.callee << "' expects " << role << " of shape " << expected
      << ", got " << formatDims(got);
  return failure();
}

FailureOr<Val> TensorOps::call(const CallExpr &c, llvm::ArrayRef<Val> a) {
  llvm::StringRef n = c.callee;
  if (n == "embedding")
    return embedding(c, a);
  if (n == "rmsnorm")
    return rmsnorm(c, a);
  if (n == "linear")
    return linear(c, a);
  if (n == "conv1d")
    return conv1d(c, a);
  if (n == "softplus" || n == "silu" || n == "exp")
    return elementwise(c, a);
  if (n == "transpose")
    return transpose(c, a);
  if (n == "split")
    return split(c, a);
  if (n == "flatten")
    return flatten(c, a);
  if (n == "unflatten")
    return unflatten(c, a);
  if (n == "skip")
    return skip(c, a);
  if (n == "gate")
    return gate(c, a);
  mlir::emitError(c.loc) << "unknown function '" << n << "'";
  return failure();
}

FailureOr<Val> TensorOps::embedding(const CallExpr &c, llvm::ArrayRef<Val> a) {
  if (failed(expectTensor(c, a, 0, "token ids", -1, false, /*isInt=*/true)) ||
      failed(expectTensor(c, a, 1, "table", 2)))
    return failure();
  llvm::SmallVector<Dim> dims(a[0].dims.begin(), a[0].dims.end());
  dims.push_back(a[1].dims[1]);
  mlir::Type f32 = elementTypeOf(a[1]);
  auto op = mlir::ssm::EmbeddingOp::create(b, c.loc, tensorType(dims, f32),
                                           a[0].value, a[1].value);
  return Val::makeTensor(op, dims);
}

FailureOr<Val> TensorOps::rmsnorm(const CallExpr &c, llvm::ArrayRef<Val> a) {
  if (failed(expectTensor(c, a, 0, "input", -1)) ||
      failed(expectTensor(c, a, 1, "weight", 1)))
    return failure();
  if (a[1].dims[0] != a[0].dims.back())
    return shapeError(c, 1, "a weight", formatDims({a[0].dims.back()}),
                      a[1].dims);
  if (!a[2].isNumber() || !std::isfinite(a[2].asDouble()) ||
      a[2].asDouble() <= 0 || a[2].asDouble() > 1.0e30) {
    mlir::emitError(c.args[2]->loc)
        << "the third argument of 'rmsnorm' (eps) must be a positive "
           "number, got "
        << describe(a[2]);
    return failure();
  }
  // The optional group size: each run of that many elements is normalized
  // on its own (Mamba-2's gated norm over n_groups groups); the whole
  // width is the plain norm.
  mlir::IntegerAttr group;
  if (a.size() > 3) {
    const Dim &width = a[0].dims.back();
    if (a[3].kind != Val::Kind::Int || a[3].i <= 0 || !width.isStatic() ||
        width.size % a[3].i != 0) {
      mlir::emitError(c.args[3]->loc)
          << "the fourth argument of 'rmsnorm' (group size) must be a "
             "positive int that divides the normalized width "
          << formatDim(width) << ", got " << describe(a[3]);
      return failure();
    }
    if (a[3].i != width.size)
      group = b.getI64IntegerAttr(a[3].i);
  }
  auto op = mlir::ssm::RMSNormOp::create(
      b, c.loc, a[0].value.getType(), a[0].value, a[1].value,
      b.getF32FloatAttr(static_cast<float>(a[2].asDouble())), group);
  return Val::makeTensor(op, a[0].dims);
}

FailureOr<Val> TensorOps::linear(const CallExpr &c, llvm::ArrayRef<Val> a) {
  if (failed(expectTensor(c, a, 0, "input", -1)) ||
      failed(expectTensor(c, a, 1, "weight", 2)) ||
      (a.size() > 2 && failed(expectTensor(c, a, 2, "bias", 1, true))))
    return failure();
  const Dim &in = a[0].dims.back();
  if (a[1].dims[1] != in)
    return shapeError(c, 1, "a weight [out_features, in_features]",
                      "[?, " + formatDim(in) + "]", a[1].dims);
  mlir::Value bias;
  if (a.size() > 2 && a[2].isTensor()) {
    if (a[2].dims[0] != a[1].dims[0])
      return shapeError(c, 2, "a bias", formatDims({a[1].dims[0]}), a[2].dims);
    bias = a[2].value;
  }
  llvm::SmallVector<Dim> dims(a[0].dims.begin(), a[0].dims.end());
  dims.back() = a[1].dims[0];
  auto op = mlir::ssm::LinearOp::create(b, c.loc,
                                        tensorType(dims, elementTypeOf(a[0])),
                                        a[0].value, a[1].value, bias);
  return Val::makeTensor(op, dims);
}

FailureOr<Val> TensorOps::conv1d(const CallExpr &c, llvm::ArrayRef<Val> a) {
  if (failed(expectTensor(c, a, 0, "input [batch, channels, seqlen]", 3)) ||
      failed(expectTensor(c, a, 1, "weight [channels, width]", 2)) ||
      (a.size() > 2 && failed(expectTensor(c, a, 2, "bias", 1, true))))
    return failure();
  const Dim &channels = a[0].dims[1];
  if (a[1].dims[0] != channels)
    return shapeError(c, 1, "a weight [channels, width]",
                      "[" + formatDim(channels) + ", ?]", a[1].dims);
  if (!a[1].dims[1].isStatic() || a[1].dims[1].size < 1)
    return shapeError(c, 1, "a weight with a kernel width of at least 1",
                      "[channels, width]", a[1].dims);
  mlir::Value bias;
  if (a.size() > 2 && a[2].isTensor()) {
    if (a[2].dims[0] != channels)
      return shapeError(c, 2, "a bias", formatDims({channels}), a[2].dims);
    bias = a[2].value;
  }
  auto op = mlir::ssm::CausalConv1dOp::create(
      b, c.loc, a[0].value.getType(), /*final_state=*/mlir::Type(), a[0].value,
      a[1].value, bias, /*initial_state=*/mlir::Value());
  return Val::makeTensor(op.getResult(), a[0].dims);
}

FailureOr<Val> TensorOps::elementwise(const CallExpr &c,
                                      llvm::ArrayRef<Val> a) {
  if (failed(expectTensor(c, a, 0, "input", -1)))
    return failure();
  mlir::Value x = a[0].value, r;
  if (c.callee == "softplus")
    r = mlir::ssm::SoftplusOp::create(b, c.loc, x);
  else if (c.callee == "silu")
    r = mlir::ssm::SiluOp::create(b, c.loc, x);
  else
    r = mlir::math::ExpOp::create(b, c.loc, x);
  return Val::makeTensor(r, a[0].dims);
}

FailureOr<Val> TensorOps::transpose(const CallExpr &c, llvm::ArrayRef<Val> a) {
  if (failed(expectTensor(c, a, 0, "input", -1)))
    return failure();
  FailureOr<std::vector<int64_t>> perm = expectIntList(c, a, 1, "permutation");
  if (failed(perm))
    return failure();
  size_t rank = a[0].dims.size();
  std::vector<bool> seen(rank, false);
  bool ok = perm->size() == rank;
  for (size_t i = 0; ok && i < rank; ++i) {
    int64_t p = (*perm)[i];
    ok = p >= 0 && p < static_cast<int64_t>(rank) && !seen[p];
    if (ok)
      seen[p] = true;
  }
  if (!ok) {
    mlir::emitError(c.args[1]->loc)
        << "the permutation of 'transpose' must list each of the " << rank
        << " dimensions of its input exactly once";
    return failure();
  }
  llvm::SmallVector<Dim> dims;
  for (int64_t p : *perm)
    dims.push_back(a[0].dims[p]);
  mlir::Value init = empty(dims, elementTypeOf(a[0]), {&a[0]}, c.loc);
  auto op = mlir::linalg::TransposeOp::create(b, c.loc, a[0].value, init,
                                              llvm::ArrayRef<int64_t>(*perm));
  return Val::makeTensor(op->getResult(0), dims);
}

/// The (input tensor, axis, sizes) arguments of split and unflatten.
FailureOr<TensorOps::AxisSizes> TensorOps::axisAndSizes(const CallExpr &c,
                                                        llvm::ArrayRef<Val> a) {
  if (failed(expectTensor(c, a, 0, "input", -1)))
    return failure();
  FailureOr<int64_t> ax = expectInt(c, a, 1, "axis");
  FailureOr<std::vector<int64_t>> sizes =
      failed(ax) ? FailureOr<std::vector<int64_t>>(failure())
                 : expectIntList(c, a, 2, "sizes");
  if (failed(sizes))
    return failure();
  FailureOr<unsigned> axisIdx = axis(c, 1, *ax, a[0].dims.size());
  if (failed(axisIdx))
    return failure();
  return AxisSizes{*axisIdx, std::move(*sizes)};
}

FailureOr<Val> TensorOps::split(const CallExpr &c, llvm::ArrayRef<Val> a) {
  FailureOr<AxisSizes> args = axisAndSizes(c, a);
  if (failed(args))
    return failure();
  const std::vector<int64_t> &sizes = args->sizes;
  const unsigned axisIdx = args->axis;
  const Dim &whole = a[0].dims[axisIdx];
  int64_t total = 0;
  for (int64_t s : sizes) {
    if (s <= 0 || __builtin_add_overflow(total, s, &total)) {
      mlir::emitError(c.args[2]->loc)
          << "the sizes of 'split' must be positive, got " << s;
      return failure();
    }
  }
  if (!whole.isStatic() || whole.size != total) {
    mlir::emitError(c.loc) << "'split' of dimension " << axisIdx << " of size "
                           << formatDim(whole) << " into parts that add up to "
                           << total;
    return failure();
  }
  Val tuple;
  tuple.kind = Val::Kind::Tuple;
  int64_t offset = 0;
  size_t rank = a[0].dims.size();
  for (int64_t s : sizes) {
    llvm::SmallVector<mlir::OpFoldResult> offsets, lens, strides;
    llvm::SmallVector<Dim> dims(a[0].dims.begin(), a[0].dims.end());
    dims[axisIdx] = Dim::fixed(s);
    for (size_t d = 0; d < rank; ++d) {
      offsets.push_back(b.getIndexAttr(d == axisIdx ? offset : 0));
      lens.push_back(sizeOf(dims[d], {&a[0]}));
      strides.push_back(b.getIndexAttr(1));
    }
    auto op = mlir::tensor::ExtractSliceOp::create(
        b, c.loc, tensorType(dims, elementTypeOf(a[0])), a[0].value, offsets,
        lens, strides);
    tuple.elems.push_back(Val::makeTensor(op, dims));
    offset += s;
  }
  return tuple;
}

FailureOr<Val> TensorOps::flatten(const CallExpr &c, llvm::ArrayRef<Val> a) {
  if (failed(expectTensor(c, a, 0, "input", -1)))
    return failure();
  FailureOr<int64_t> s = expectInt(c, a, 1, "first dimension");
  FailureOr<int64_t> e = failed(s) ? FailureOr<int64_t>(failure())
                                   : expectInt(c, a, 2, "last dimension");
  if (failed(e))
    return failure();
  size_t rank = a[0].dims.size();
  FailureOr<unsigned> start = axis(c, 1, *s, rank);
  FailureOr<unsigned> end =
      failed(start) ? FailureOr<unsigned>(failure()) : axis(c, 2, *e, rank);
  if (failed(end))
    return failure();
  if (*start > *end) {
    mlir::emitError(c.loc) << "'flatten' from dimension " << *start
                           << " to the earlier dimension " << *end;
    return failure();
  }
  int64_t product = 1;
  for (unsigned d = *start; d <= *end; ++d) {
    const Dim &dim = a[0].dims[d];
    if (!dim.isStatic()) {
      mlir::emitError(c.loc) << "'flatten' over the dynamic dimension '"
                             << dim.sym << "' is not supported";
      return failure();
    }
    if (__builtin_mul_overflow(product, dim.size, &product)) {
      mlir::emitError(c.loc) << "'flatten' gives a dimension that is too large";
      return failure();
    }
  }
  llvm::SmallVector<Dim> dims;
  llvm::SmallVector<mlir::ReassociationIndices> groups;
  for (unsigned d = 0; d < rank; ++d) {
    if (d > *start && d <= *end) {
      groups.back().push_back(d);
      continue;
    }
    groups.push_back({static_cast<int64_t>(d)});
    dims.push_back(d == *start ? Dim::fixed(product) : a[0].dims[d]);
  }
  auto op = mlir::tensor::CollapseShapeOp::create(
      b, c.loc, tensorType(dims, elementTypeOf(a[0])), a[0].value, groups);
  return Val::makeTensor(op, dims);
}

FailureOr<Val> TensorOps::unflatten(const CallExpr &c, llvm::ArrayRef<Val> a) {
  FailureOr<AxisSizes> args = axisAndSizes(c, a);
  if (failed(args))
    return failure();
  const std::vector<int64_t> &sizes = args->sizes;
  const unsigned axisIdx = args->axis;
  int64_t product = 1;
  for (int64_t s : sizes)
    if (s <= 0 || __builtin_mul_overflow(product, s, &product)) {
      mlir::emitError(c.args[2]->loc)
          << "the sizes of 'unflatten' must be positive, got " << s;
      return failure();
    }
  const Dim &whole = a[0].dims[axisIdx];
  if (sizes.empty() || !whole.isStatic() || whole.size != product) {
    mlir::emitError(c.loc) << "'unflatten' of dimension " << axisIdx
                           << " of size " << formatDim(whole)
                           << " into parts whose product is " << product;
    return failure();
  }
  llvm::SmallVector<Dim> dims;
  llvm::SmallVector<mlir::ReassociationIndices> groups;
  for (unsigned d = 0; d < a[0].dims.size(); ++d) {
    mlir::ReassociationIndices group;
    if (d == axisIdx) {
      for (int64_t s : sizes) {
        group.push_back(static_cast<int64_t>(dims.size()));
        dims.push_back(Dim::fixed(s));
      }
    } else {
      group.push_back(static_cast<int64_t>(dims.size()));
      dims.push_back(a[0].dims[d]);
    }
    groups.push_back(group);
  }
  llvm::SmallVector<mlir::OpFoldResult> outputShape;
  for (const Dim &d : dims)
    outputShape.push_back(sizeOf(d, {&a[0]}));
  auto op = mlir::tensor::ExpandShapeOp::create(
      b, c.loc, tensorType(dims, elementTypeOf(a[0])), a[0].value, groups,
      outputShape);
  return Val::makeTensor(op, dims);
}

FailureOr<Val> TensorOps::skip(const CallExpr &c, llvm::ArrayRef<Val> a) {
  if (failed(expectTensor(c, a, 0, "y [batch, channels, seqlen]", 3)) ||
      failed(expectTensor(c, a, 1, "u [batch, channels, seqlen]", 3)) ||
      failed(expectTensor(c, a, 2, "D [channels]", 1)))
    return failure();
  if (a[1].dims != a[0].dims)
    return shapeError(c, 1, "u", formatDims(a[0].dims), a[1].dims);
  if (a[2].dims[0] != a[0].dims[1])
    return shapeError(c, 2, "D", formatDims({a[0].dims[1]}), a[2].dims);
  auto op = mlir::ssm::SkipOp::create(b, c.loc, a[0].value.getType(),
                                      a[0].value, a[1].value, a[2].value);
  return Val::makeTensor(op, a[0].dims);
}

FailureOr<Val> TensorOps::gate(const CallExpr &c, llvm::ArrayRef<Val> a) {
  if (failed(expectTensor(c, a, 0, "input", -1)) ||
      failed(expectTensor(c, a, 1, "z", -1)))
    return failure();
  if (a[1].dims != a[0].dims)
    return shapeError(c, 1, "z", formatDims(a[0].dims), a[1].dims);
  auto op = mlir::ssm::GateOp::create(b, c.loc, a[0].value, a[1].value);
  return Val::makeTensor(op, a[0].dims);
}

FailureOr<Val> TensorOps::negate(const UnaryExpr &e, const Val &x) {
  if (e.op != '-' || elementTypeOf(x).isInteger()) {
    mlir::emitError(e.loc) << "operator '" << e.op << "' is not defined on "
                           << (e.op == '-' ? "i32 tensors" : "tensors");
    return failure();
  }
  auto op = mlir::arith::NegFOp::create(b, e.loc, x.value);
  return Val::makeTensor(op, x.dims);
}

FailureOr<Val> TensorOps::arith(const BinaryExpr &e, const Val &x,
                                const Val &y) {
  if (e.op != BinOp::Add && e.op != BinOp::Sub && e.op != BinOp::Mul &&
      e.op != BinOp::Div) {
    mlir::emitError(e.loc) << "operator '" << binOpSpelling(e.op)
                           << "' is not defined on tensors (only + - * /)";
    return failure();
  }
  for (const Val *v : {&x, &y}) {
    if (v->isTensor() ? elementTypeOf(*v).isInteger() : !v->isNumber()) {
      mlir::emitError(e.loc)
          << "operator '" << binOpSpelling(e.op)
          << "' needs f32 tensors or numbers, got "
          << (v->isTensor() ? "an i32 tensor" : describe(*v));
      return failure();
    }
  }
  auto build = [&](mlir::OpBuilder &ob, mlir::Location loc, mlir::Value l,
                   mlir::Value r) -> mlir::Value {
    switch (e.op) {
    case BinOp::Add:
      return mlir::arith::AddFOp::create(ob, loc, l, r);
    case BinOp::Sub:
      return mlir::arith::SubFOp::create(ob, loc, l, r);
    case BinOp::Mul:
      return mlir::arith::MulFOp::create(ob, loc, l, r);
    default:
      return mlir::arith::DivFOp::create(ob, loc, l, r);
    }
  };
  if (x.isTensor() && y.isTensor() && x.dims == y.dims)
    return Val::makeTensor(build(b, e.loc, x.value, y.value), x.dims);

  // Broadcast: align trailing dimensions; a size-1 dimension stretches.
  size_t rank = std::max(x.isTensor() ? x.dims.size() : 0,
                         y.isTensor() ? y.dims.size() : 0);
  llvm::SmallVector<Dim> dims(rank, Dim::fixed(1));
  for (const Val *v : {&x, &y}) {
    if (!v->isTensor())
      continue;
    size_t off = rank - v->dims.size();
    for (size_t i = 0; i < v->dims.size(); ++i) {
      const Dim &d = v->dims[i];
      Dim &r = dims[off + i];
      if (d == r || (d.isStatic() && d.size == 1))
        continue;
      if (r.isStatic() && r.size == 1) {
        r = d;
        continue;
      }
      mlir::emitError(e.loc)
          << "cannot broadcast shapes " << formatDims(x.dims) << " and "
          << formatDims(y.dims) << " in '" << binOpSpelling(e.op) << "'";
      return failure();
    }
  }
  mlir::MLIRContext *ctx = b.getContext();
  mlir::Type f32 = b.getF32Type();
  llvm::SmallVector<mlir::Value> inputs;
  llvm::SmallVector<mlir::AffineMap> maps;
  llvm::SmallVector<const Val *> sources;
  for (const Val *v : {&x, &y}) {
    if (!v->isTensor())
      continue;
    sources.push_back(v);
    size_t off = rank - v->dims.size();
    llvm::SmallVector<mlir::AffineExpr> exprs;
    for (size_t i = 0; i < v->dims.size(); ++i) {
      bool stretched = v->dims[i] != dims[off + i];
      exprs.push_back(stretched ? mlir::getAffineConstantExpr(0, ctx)
                                : mlir::getAffineDimExpr(off + i, ctx));
    }
    inputs.push_back(v->value);
    maps.push_back(mlir::AffineMap::get(rank, 0, exprs, ctx));
  }
  maps.push_back(b.getMultiDimIdentityMap(rank));
  mlir::Value init = empty(dims, f32, sources, e.loc);
  llvm::SmallVector<mlir::utils::IteratorType> iterators(
      rank, mlir::utils::IteratorType::parallel);
  auto generic = mlir::linalg::GenericOp::create(
      b, e.loc, mlir::TypeRange{init.getType()}, inputs, mlir::ValueRange{init},
      maps, iterators,
      [&](mlir::OpBuilder &ob, mlir::Location loc, mlir::ValueRange args) {
        unsigned next = 0;
        auto operand = [&](const Val &v) -> mlir::Value {
          if (v.isTensor())
            return args[next++];
          return mlir::arith::ConstantOp::create(
              ob, loc, ob.getF32FloatAttr(static_cast<float>(v.asDouble())));
        };
        mlir::Value l = operand(x);
        mlir::Value r = operand(y);
        mlir::linalg::YieldOp::create(ob, loc, build(ob, loc, l, r));
      });
  return Val::makeTensor(generic->getResult(0), dims);
}

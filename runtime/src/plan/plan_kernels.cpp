// The plan executor's kernels: views checked against the CPU kernels'
// layouts (runtime/src/cpu/kernels.h), then the kernels run over the pool.
#include "plan_kernels.h"

#include "../cpu/fast_math.h"
#include "../cpu/kernels.h"

#include <cmath>
#include <cstring>
#include <string>

namespace mamba::planexec {

int64_t Tensor::numel() const {
  int64_t n = 1;
  for (int i = 0; i < rank; ++i)
    n *= shape[i];
  return n;
}

const Tensor *StepArgs::get(const char *name) const {
  for (const auto &[n, t] : tensors)
    if (n == name)
      return &t;
  return nullptr;
}

int64_t StepArgs::weight(const char *name) const {
  for (const auto &[n, w] : weightIndex)
    if (n == name)
      return w;
  return -1;
}

namespace {
/// Channels per parallel range: two AVX2 vectors, as the scan blocks them.
constexpr int64_t kChannelAlign = 16;

std::string shapeStr(const Tensor &t) {
  std::string s = "[";
  for (int i = 0; i < t.rank; ++i)
    s += (i ? ", " : "") + std::to_string(t.shape[i]);
  return s + "]";
}

/// Checks for one step; the first failure is kept in `status`.
class Checker {
public:
  Checker(const plan::Step &step, const StepArgs &args)
      : step_(step), args_(args) {}

  const Tensor *arg(const char *name, int rank, bool optional = false) {
    const Tensor *t = args_.get(name);
    if (!t) {
      if (!optional)
        fail("missing argument '" + std::string(name) + "'");
      return nullptr;
    }
    if (t->rank != rank)
      fail("argument '" + std::string(name) + "' must have rank " +
           std::to_string(rank) + ", got " + shapeStr(*t));
    return ok() ? t : nullptr;
  }

  void dim(const Tensor *t, const char *name, int d, int64_t expected,
           const char *what) {
    if (t && ok() && t->shape[d] != expected)
      fail("argument '" + std::string(name) + "' " + shapeStr(*t) +
           ": expected " + what + " = " + std::to_string(expected) +
           " in dimension " + std::to_string(d));
  }

  void sameShape(const Tensor *a, const char *an, const Tensor *b,
                 const char *bn) {
    if (!a || !b || !ok())
      return;
    bool same = a->rank == b->rank;
    for (int i = 0; same && i < a->rank; ++i)
      same = a->shape[i] == b->shape[i];
    if (!same)
      fail("arguments '" + std::string(an) + "' " + shapeStr(*a) + " and '" +
           bn + "' " + shapeStr(*b) + " must have the same shape");
  }

  void unitStride(const Tensor *t, const char *name, int d) {
    if (t && ok() && t->shape[d] > 1 && t->stride[d] != 1)
      fail("argument '" + std::string(name) +
           "' must be contiguous in "
           "dimension " +
           std::to_string(d) + " (stride 1), got stride " +
           std::to_string(t->stride[d]));
  }

  void contiguous(const Tensor *t, const char *name) {
    if (!t || !ok())
      return;
    int64_t expect = 1;
    for (int d = t->rank - 1; d >= 0; --d) {
      if (t->shape[d] > 1 && t->stride[d] != expect) {
        fail("argument '" + std::string(name) + "' must be dense row-major");
        return;
      }
      expect *= t->shape[d];
    }
  }

  void require(bool cond, const std::string &what) {
    if (ok() && !cond)
      fail(what);
  }

  bool ok() const { return status_.ok(); }
  Status status() const { return status_; }

private:
  void fail(const std::string &what) {
    status_ = Status::error("kernel '" + step_.kernel + "' (from " +
                            step_.origin + "): " + what);
  }

  const plan::Step &step_;
  const StepArgs &args_;
  Status status_ = Status::success();
};

/// The leading dimensions (all but the last) of a view as one strided row
/// index, when they are evenly strided once size-1 dimensions are ignored:
/// a [b, l, k] view with stride(b) = l * stride(l) is one [b*l, k] matrix.
bool collapseRows(const Tensor &t, int64_t &rows, int64_t &ld) {
  rows = 1;
  ld = t.rank >= 2 ? t.stride[t.rank - 2] : 0;
  int inner = -1; // the innermost leading dimension of size > 1 so far
  for (int d = t.rank - 2; d >= 0; --d) {
    if (t.shape[d] == 1)
      continue;
    if (inner < 0)
      ld = t.stride[d];
    else if (t.stride[d] != t.shape[inner] * t.stride[inner])
      return false;
    inner = d;
    rows *= t.shape[d];
  }
  return true;
}

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

Status embedding(const plan::Step &step, const StepArgs &args, Context &ctx,
                 bool execute) {
  Checker c(step, args);
  const Tensor *ids = c.arg("tokens", 2), *table = c.arg("table", 2),
               *out = c.arg("out", 3);
  if (!c.ok())
    return c.status();
  c.dim(out, "out", 0, ids->shape[0], "the batch");
  c.dim(out, "out", 1, ids->shape[1], "the sequence length");
  c.dim(out, "out", 2, table->shape[1], "the embedding width");
  c.contiguous(table, "table");
  c.unitStride(out, "out", 2);
  if (!c.ok() || !execute)
    return c.status();
  const int64_t len = ids->shape[1], width = table->shape[1];
  for (int64_t b = 0; b < ids->shape[0]; ++b)
    for (int64_t t = 0; t < len; ++t) {
      int32_t id = ids->ids[b * ids->stride[0] + t * ids->stride[1]];
      if (id < 0 || id >= table->shape[0])
        return Status::error("token id " + std::to_string(id) +
                             " is outside the embedding table of " +
                             std::to_string(table->shape[0]) + " rows");
    }
  ctx.pool.parallelFor(ids->shape[0] * len, 1, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      int64_t b = r / len, t = r % len;
      int32_t id = ids->ids[b * ids->stride[0] + t * ids->stride[1]];
      std::memcpy(out->data + b * out->stride[0] + t * out->stride[1],
                  table->data + id * width, width * sizeof(float));
    }
  });
  return Status::success();
}

Status rmsnorm(const plan::Step &step, const StepArgs &args, Context &ctx,
               bool execute) {
  Checker c(step, args);
  const Tensor *x = args.get("x");
  const int rank = x ? x->rank : 3;
  x = c.arg("x", rank);
  const Tensor *w = c.arg("weight", 1), *out = c.arg("out", rank);
  const plan::Attr *eps = step.attr("eps");
  c.require(eps && !eps->isString, "missing numeric attribute 'eps'");
  c.require(rank >= 2 && rank <= kMaxRank, "argument 'x' must have rank 2-4");
  if (!c.ok())
    return c.status();
  c.sameShape(x, "x", out, "out");
  c.dim(w, "weight", 0, x->shape[rank - 1], "the normalized width");
  c.unitStride(x, "x", rank - 1);
  c.unitStride(out, "out", rank - 1);
  c.contiguous(w, "weight");
  if (!c.ok() || !execute)
    return c.status();
  const int64_t dim = x->shape[rank - 1];
  const float e = static_cast<float>(eps->number);
  forRowMatrices(
      *x, *out,
      [&](int64_t ox, int64_t oy, int64_t rows, int64_t ldx, int64_t ldy) {
        ctx.pool.parallelFor(rows, 1, [&](int64_t begin, int64_t end) {
          cpu::rmsnorm(x->data + ox, ldx, w->data, e, dim, out->data + oy, ldy,
                       begin, end);
        });
      });
  return Status::success();
}

Status linear(const plan::Step &step, const StepArgs &args, Context &ctx,
              bool execute) {
  Checker c(step, args);
  const Tensor *x = args.get("x");
  const int rank = x ? x->rank : 3;
  x = c.arg("x", rank);
  const Tensor *w = c.arg("weight", 2), *bias = c.arg("bias", 1, true),
               *out = c.arg("out", rank);
  c.require(rank >= 2 && rank <= kMaxRank, "argument 'x' must have rank 2-4");
  if (!c.ok())
    return c.status();
  for (int d = 0; d + 1 < rank; ++d)
    c.dim(out, "out", d, x->shape[d], "the input's leading size");
  c.dim(w, "weight", 1, x->shape[rank - 1], "the input width");
  c.dim(out, "out", rank - 1, w->shape[0], "the output width");
  if (bias)
    c.dim(bias, "bias", 0, w->shape[0], "the output width");
  c.unitStride(x, "x", rank - 1);
  c.unitStride(out, "out", rank - 1);
  c.contiguous(w, "weight");
  c.contiguous(bias, "bias");
  if (!c.ok() || !execute)
    return c.status();
  const int64_t n = w->shape[0], k = w->shape[1];
  forRowMatrices(
      *x, *out,
      [&](int64_t ox, int64_t oy, int64_t rows, int64_t ldx, int64_t ldy) {
        cpu::linear(ctx.pool, x->data + ox, ldx, w->data,
                    bias ? bias->data : nullptr, out->data + oy, ldy, rows, n,
                    k, false);
      });
  return Status::success();
}

Status causalConv1d(const plan::Step &step, const StepArgs &args, Context &ctx,
                    bool execute) {
  Checker c(step, args);
  const Tensor *x = c.arg("x", 3), *w = c.arg("weight", 2),
               *bias = c.arg("bias", 1, true), *state = c.arg("state", 3),
               *out = c.arg("out", 3);
  const plan::Attr *act = step.attr("activation");
  c.require(act && act->isString && act->text == "silu",
            "the CPU convolution fuses SiLU: expected activation = silu");
  if (!c.ok())
    return c.status();
  const int64_t e = x->shape[1], k = w->shape[1];
  c.sameShape(x, "x", out, "out");
  c.dim(w, "weight", 0, e, "the channel count");
  if (bias)
    c.dim(bias, "bias", 0, e, "the channel count");
  c.dim(state, "state", 0, x->shape[0], "the batch");
  c.dim(state, "state", 1, e, "the channel count");
  c.dim(state, "state", 2, k, "the kernel width");
  c.require(k <= cpu::kMaxConvKernel, "kernel width " + std::to_string(k) +
                                          " exceeds the CPU limit " +
                                          std::to_string(cpu::kMaxConvKernel));
  c.unitStride(x, "x", 1);
  c.unitStride(out, "out", 1);
  c.contiguous(state, "state");
  c.contiguous(bias, "bias");
  c.require(ctx.convWeightT.count(args.weight("weight")) != 0,
            "argument 'weight' must be a weight of the model");
  if (!c.ok() || !execute)
    return c.status();
  const float *wT = ctx.convWeightT.at(args.weight("weight")).data();
  const int64_t len = x->shape[2];
  ctx.pool.parallelFor(e, kChannelAlign, [&](int64_t begin, int64_t end) {
    for (int64_t b = 0; b < x->shape[0]; ++b)
      cpu::causalConv1dSilu(
          x->data + b * x->stride[0], x->stride[2], len, wT,
          bias ? bias->data : nullptr, e, k, state->data + b * state->stride[0],
          out->data + b * out->stride[0], out->stride[2], begin, end);
  });
  return Status::success();
}

Status selectiveScan(const plan::Step &step, const StepArgs &args, Context &ctx,
                     bool execute) {
  Checker c(step, args);
  const Tensor *u = c.arg("u", 3), *delta = c.arg("delta", 3),
               *a = c.arg("A", 2), *bm = c.arg("B", 3), *cm = c.arg("C", 3),
               *d = c.arg("D", 1, true), *z = c.arg("z", 3, true),
               *db = c.arg("delta_bias", 1, true), *state = c.arg("state", 3),
               *y = c.arg("y", 3);
  const plan::Attr *softplus = step.attr("delta_softplus"),
                   *rule = step.attr("b_rule"),
                   *scratch = step.attr("delta_is_scratch");
  c.require(softplus && !softplus->isString && softplus->number == 1,
            "the CPU scan applies softplus to delta: expected delta_softplus");
  c.require(rule && rule->isString && rule->text == "simplified",
            "the CPU scan implements b_rule = simplified only");
  c.require(z != nullptr, "the CPU scan fuses the silu(z) gate: expected 'z'");
  if (!c.ok())
    return c.status();
  const int64_t batch = u->shape[0], e = u->shape[1], len = u->shape[2],
                n = a->shape[1];
  c.sameShape(u, "u", delta, "delta");
  c.sameShape(u, "u", z, "z");
  c.sameShape(u, "u", y, "y");
  c.sameShape(bm, "B", cm, "C");
  c.dim(a, "A", 0, e, "d_inner");
  c.dim(bm, "B", 0, batch, "the batch");
  c.dim(bm, "B", 1, n, "d_state");
  c.dim(bm, "B", 2, len, "the sequence length");
  if (d)
    c.dim(d, "D", 0, e, "d_inner");
  if (db)
    c.dim(db, "delta_bias", 0, e, "d_inner");
  c.dim(state, "state", 0, batch, "the batch");
  c.dim(state, "state", 1, e, "d_inner");
  c.dim(state, "state", 2, n, "d_state");
  c.require(n <= cpu::kMaxScanState, "d_state " + std::to_string(n) +
                                         " exceeds the CPU limit " +
                                         std::to_string(cpu::kMaxScanState));
  for (auto [t, name] : {std::pair{u, "u"},
                         {delta, "delta"},
                         {z, "z"},
                         {y, "y"},
                         {bm, "B"},
                         {cm, "C"}})
    c.unitStride(t, name, 1);
  c.require(len == 1 || bm->stride[2] == cm->stride[2],
            "arguments 'B' and 'C' must share their time stride");
  c.require(len == 1 || batch == 1 || bm->stride[0] == cm->stride[0],
            "arguments 'B' and 'C' must share their batch stride");
  c.contiguous(a, "A");
  c.contiguous(state, "state");
  c.require(ctx.zerosSize >= e, "internal: zero vector too short");
  bool inPlace = scratch && !scratch->isString && scratch->number == 1;
  c.require(inPlace || batch * len * e <= ctx.deltaScratchSize,
            "internal: dt scratch too small");
  if (!c.ok() || !execute)
    return c.status();

  float *dt = delta->data;
  int64_t dtBatch = delta->stride[0], dtLd = delta->stride[2];
  if (!inPlace) {
    // The plan still reads delta later: compute dt in our own scratch.
    dt = ctx.deltaScratch;
    dtBatch = len * e;
    dtLd = e;
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t t = 0; t < len; ++t)
        std::memcpy(dt + b * dtBatch + t * dtLd,
                    delta->data + b * delta->stride[0] + t * delta->stride[2],
                    e * sizeof(float));
  }
  ctx.pool.parallelFor(e, kChannelAlign, [&](int64_t begin, int64_t end) {
    for (int64_t b = 0; b < batch; ++b) {
      cpu::ScanArgs p;
      p.x = u->data + b * u->stride[0];
      p.delta = dt + b * dtBatch;
      p.z = z->data + b * z->stride[0];
      p.b = bm->data + b * bm->stride[0];
      p.c = cm->data + b * cm->stride[0];
      p.a = a->data;
      p.d = d ? d->data : ctx.zeros;
      p.dtBias = db ? db->data : ctx.zeros;
      p.state = state->data + b * state->stride[0];
      p.y = y->data + b * y->stride[0];
      p.ldx = u->stride[2];
      p.ldDelta = dtLd;
      p.ldz = z->stride[2];
      p.ldBC = bm->stride[2];
      p.ldy = y->stride[2];
      p.len = len;
      p.dState = n;
      cpu::selectiveScan(p, begin, end);
    }
  });
  return Status::success();
}

/// out = y + D * u, D broadcast over the channel dimension 1 of [b, e, l].
Status skip(const plan::Step &step, const StepArgs &args, Context &ctx,
            bool execute) {
  Checker c(step, args);
  const Tensor *y = c.arg("y", 3), *u = c.arg("u", 3), *d = c.arg("D", 1),
               *out = c.arg("out", 3);
  if (!c.ok())
    return c.status();
  c.sameShape(y, "y", u, "u");
  c.sameShape(y, "y", out, "out");
  c.dim(d, "D", 0, y->shape[1], "the channel count");
  if (!c.ok() || !execute)
    return c.status();
  const int64_t e = y->shape[1], len = y->shape[2];
  ctx.pool.parallelFor(y->shape[0] * len, 1, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t b = r / len, t = r % len;
      const float *py = y->data + b * y->stride[0] + t * y->stride[2];
      const float *pu = u->data + b * u->stride[0] + t * u->stride[2];
      float *po = out->data + b * out->stride[0] + t * out->stride[2];
      for (int64_t ch = 0; ch < e; ++ch)
        po[ch * out->stride[1]] =
            py[ch * y->stride[1]] +
            d->data[ch * d->stride[0]] * pu[ch * u->stride[1]];
    }
  });
  return Status::success();
}

enum class Op { Add, Sub, Mul, Gate, Exp, Neg, Softplus, Silu };

float apply(Op op, float a, float b) {
  switch (op) {
  case Op::Add:
    return a + b;
  case Op::Sub:
    return a - b;
  case Op::Mul:
    return a * b;
  case Op::Gate:
    return a * (b / (1.0f + std::exp(-b)));
  case Op::Exp:
    return std::exp(a);
  case Op::Neg:
    return -a;
  case Op::Softplus:
    return a > 20.0f ? a : std::log1p(std::exp(a));
  case Op::Silu:
    return a / (1.0f + std::exp(-a));
  }
  return a;
}

Status elementwise(const plan::Step &step, const StepArgs &args, Context &ctx,
                   bool execute, Op op, bool binary) {
  Checker c(step, args);
  const Tensor *a = args.get(binary ? "a" : "x");
  const int rank = a ? a->rank : 1;
  a = c.arg(binary ? "a" : "x", rank);
  const Tensor *b = binary ? c.arg("b", rank) : nullptr;
  const Tensor *out = c.arg("out", rank);
  c.require(rank >= 1 && rank <= kMaxRank, "arguments must have rank 1-4");
  if (!c.ok())
    return c.status();
  c.sameShape(a, binary ? "a" : "x", out, "out");
  if (binary)
    c.sameShape(a, "a", b, "b");
  if (!c.ok() || !execute)
    return c.status();
  // Rows over all dimensions but the last, each row over the last one.
  const int64_t inner = a->shape[rank - 1];
  int64_t rows = 1;
  for (int d = 0; d + 1 < rank; ++d)
    rows *= a->shape[d];
  auto offset = [&](const Tensor &t, int64_t row) {
    int64_t off = 0;
    for (int d = rank - 2; d >= 0; --d) {
      off += (row % t.shape[d]) * t.stride[d];
      row /= t.shape[d];
    }
    return off;
  };
  ctx.pool.parallelFor(rows, 1, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float *pa = a->data + offset(*a, r);
      const float *pb = b ? b->data + offset(*b, r) : nullptr;
      float *po = out->data + offset(*out, r);
      const int64_t sa = a->stride[rank - 1], so = out->stride[rank - 1],
                    sb = b ? b->stride[rank - 1] : 0;
      for (int64_t i = 0; i < inner; ++i)
        po[i * so] = apply(op, pa[i * sa], pb ? pb[i * sb] : 0.0f);
    }
  });
  return Status::success();
}
} // namespace

Status runStep(const plan::Step &step, const StepArgs &args, Context &ctx,
               bool execute) {
  const std::string &k = step.kernel;
  if (k == "embedding")
    return embedding(step, args, ctx, execute);
  if (k == "rmsnorm")
    return rmsnorm(step, args, ctx, execute);
  if (k == "linear")
    return linear(step, args, ctx, execute);
  if (k == "causal_conv1d")
    return causalConv1d(step, args, ctx, execute);
  if (k == "selective_scan")
    return selectiveScan(step, args, ctx, execute);
  if (k == "skip")
    return skip(step, args, ctx, execute);
  static const std::pair<const char *, std::pair<Op, bool>> kElementwise[] = {
      {"add", {Op::Add, true}},
      {"sub", {Op::Sub, true}},
      {"mul", {Op::Mul, true}},
      {"gate", {Op::Gate, true}},
      {"exp", {Op::Exp, false}},
      {"neg", {Op::Neg, false}},
      {"softplus", {Op::Softplus, false}},
      {"silu", {Op::Silu, false}}};
  for (const auto &[name, opBinary] : kElementwise)
    if (k == name)
      return elementwise(step, args, ctx, execute, opBinary.first,
                         opBinary.second);
  return Status::error("kernel '" + k + "' (from " + step.origin +
                       "): the CPU runtime has no such kernel");
}

} // namespace mamba::planexec

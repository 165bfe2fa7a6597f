// The plan executor's kernels: views checked against the CPU kernels'
// layouts (runtime/src/cpu/kernels.h), then the kernels run over the pool.
#include "plan_kernels.h"

#include "../cpu/fast_math.h"
#include "../cpu/kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iterator>
#include <string>

namespace mamba::planexec {

namespace {
/// Channels per parallel range: two AVX2 vectors, as the scan blocks them.
constexpr int64_t kChannelAlign = 16;

Status embedding(const plan::Step &step, const StepArgs &args, Context &ctx,
                 bool execute) {
  Checker c(step, args);
  checkEmbedding(c);
  if (!c.ok() || !execute)
    return c.status();
  const Tensor *ids = args.get("tokens"), *table = args.get("table"),
               *out = args.get("out");
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
  checkRmsnorm(c);
  if (!c.ok() || !execute)
    return c.status();
  const Tensor *x = args.get("x"), *w = args.get("weight"),
               *out = args.get("out");
  const int rank = x->rank;
  const plan::Attr *eps = step.attr("eps");
  const int64_t width = x->shape[rank - 1];
  const int64_t group = rmsnormGroupSize(step, width);
  const float e = static_cast<float>(eps->number);
  // A grouped norm normalizes each group of a row on its own: the rows'
  // g-th groups are a matrix of their own, with its part of the weight.
  forRowMatrices(
      *x, *out,
      [&](int64_t ox, int64_t oy, int64_t rows, int64_t ldx, int64_t ldy) {
        for (int64_t g = 0; g < width; g += group)
          ctx.pool.parallelFor(rows, 1, [&](int64_t begin, int64_t end) {
            cpu::rmsnorm(x->data + ox + g, ldx, w->data + g, e, group,
                         out->data + oy + g, ldy, begin, end);
          });
      });
  return Status::success();
}

Status linear(const plan::Step &step, const StepArgs &args, Context &ctx,
              bool execute) {
  Checker c(step, args);
  checkLinear(c);
  if (!c.ok() || !execute)
    return c.status();
  const Tensor *x = args.get("x"), *w = args.get("weight"),
               *bias = args.get("bias"), *out = args.get("out");
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
  checkCausalConv1d(c);
  if (!c.ok())
    return c.status();
  const Tensor *x = args.get("x"), *w = args.get("weight"),
               *bias = args.get("bias"), *state = args.get("state"),
               *out = args.get("out");
  const int64_t e = x->shape[1], k = w->shape[1];
  c.require(k <= cpu::kMaxConvKernel, "kernel width " + std::to_string(k) +
                                          " exceeds the CPU limit " +
                                          std::to_string(cpu::kMaxConvKernel));
  c.unitStride(x, "x", 1);
  c.unitStride(out, "out", 1);
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
  checkSelectiveScan(c);
  const Tensor *u = args.get("u"), *delta = args.get("delta"),
               *a = args.get("A"), *bm = args.get("B"), *cm = args.get("C"),
               *d = args.get("D"), *z = args.get("z"),
               *db = args.get("delta_bias"), *state = args.get("state"),
               *y = args.get("y");
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
  checkSkip(c);
  if (!c.ok() || !execute)
    return c.status();
  const Tensor *y = args.get("y"), *u = args.get("u"), *d = args.get("D"),
               *out = args.get("out");
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

enum class Op { Add, Sub, Mul, Gate, Exp, Neg, Softplus, Silu, Copy };

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
  case Op::Copy:
    return a;
  }
  return a;
}

/// One row of an elementwise op: `op` a template parameter, so that a row
/// whose views are all contiguous compiles to a vector loop.
template <Op op>
void elementwiseRow(const float *pa, int64_t sa, const float *pb, int64_t sb,
                    float *po, int64_t so, int64_t n) {
  if (sa == 1 && so == 1 && (!pb || sb == 1)) {
    for (int64_t i = 0; i < n; ++i)
      po[i] = apply(op, pa[i], pb ? pb[i] : 0.0f);
    return;
  }
  for (int64_t i = 0; i < n; ++i)
    po[i * so] = apply(op, pa[i * sa], pb ? pb[i * sb] : 0.0f);
}

using RowFn = void (*)(const float *, int64_t, const float *, int64_t, float *,
                       int64_t, int64_t);

/// The row function of each of kElementwiseKernels, in its order.
constexpr RowFn kRowFns[] = {
    elementwiseRow<Op::Add>,      elementwiseRow<Op::Sub>,
    elementwiseRow<Op::Mul>,      elementwiseRow<Op::Gate>,
    elementwiseRow<Op::Exp>,      elementwiseRow<Op::Neg>,
    elementwiseRow<Op::Softplus>, elementwiseRow<Op::Silu>,
    elementwiseRow<Op::Copy>};
static_assert(std::size(kRowFns) == std::size(kElementwiseKernels));

/// Below this many elements an elementwise step runs on the calling thread:
/// waking the pool costs more (decode steps are a few thousand elements).
constexpr int64_t kElementwiseSerial = 1 << 15;

Status elementwise(const plan::Step &step, const StepArgs &args, Context &ctx,
                   bool execute, RowFn rowFn, bool binary) {
  Checker c(step, args);
  checkElementwise(c, binary);
  if (!c.ok() || !execute)
    return c.status();
  const Tensor *a = args.get(binary ? "a" : "x");
  const Tensor *b = binary ? args.get("b") : nullptr;
  const Tensor *out = args.get("out");
  const int rank = a->rank;
  // The loops follow out's layout, its smallest stride innermost: rows of
  // contiguous elements where out is contiguous, whatever order the
  // dimensions have in the IR (Mamba-2's per-head tensors are
  // [b, heads, headdim, seqlen] with headdim innermost in memory).
  int order[kMaxRank];
  for (int d = 0; d < rank; ++d)
    order[d] = d;
  std::stable_sort(order, order + rank, [&](int x, int y) {
    // Dimensions of size 1 outside: their stride says nothing.
    if ((out->shape[x] == 1) != (out->shape[y] == 1))
      return out->shape[x] == 1;
    return out->stride[x] > out->stride[y];
  });
  const int innerDim = order[rank - 1];
  const int64_t inner = a->shape[innerDim];
  int64_t rows = 1;
  for (int k = 0; k + 1 < rank; ++k)
    rows *= a->shape[order[k]];
  auto offset = [&](const Tensor &t, int64_t row) {
    int64_t off = 0;
    for (int k = rank - 2; k >= 0; --k) {
      const int d = order[k];
      off += (row % t.shape[d]) * t.stride[d];
      row /= t.shape[d];
    }
    return off;
  };
  auto range = [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r)
      rowFn(a->data + offset(*a, r), a->stride[innerDim],
            b ? b->data + offset(*b, r) : nullptr, b ? b->stride[innerDim] : 0,
            out->data + offset(*out, r), out->stride[innerDim], inner);
  };
  if (rows * inner < kElementwiseSerial)
    range(0, rows);
  else
    ctx.pool.parallelFor(rows, 1, range);
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
  if (const ElementwiseKernel *e = findElementwise(k))
    return elementwise(step, args, ctx, execute,
                       kRowFns[e - kElementwiseKernels], e->binary);
  return Status::error("kernel '" + k + "' (from " + step.origin +
                       "): the CPU runtime has no such kernel");
}

} // namespace mamba::planexec

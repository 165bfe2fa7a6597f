// The backend-independent checks of a plan's steps (plan_checks.h): what
// the CPU and the CUDA executor both require of each kernel's views.
#include "plan_checks.h"

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

std::string shapeStr(const Tensor &t) {
  std::string s = "[";
  for (int i = 0; i < t.rank; ++i)
    s += (i ? ", " : "") + std::to_string(t.shape[i]);
  return s + "]";
}

const Tensor *Checker::arg(const char *name, int rank, bool optional) {
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

void Checker::dim(const Tensor *t, const char *name, int d, int64_t expected,
                  const char *what) {
  if (t && ok() && t->shape[d] != expected)
    fail("argument '" + std::string(name) + "' " + shapeStr(*t) +
         ": expected " + what + " = " + std::to_string(expected) +
         " in dimension " + std::to_string(d));
}

void Checker::sameShape(const Tensor *a, const char *an, const Tensor *b,
                        const char *bn) {
  if (!a || !b || !ok())
    return;
  bool same = a->rank == b->rank;
  for (int i = 0; same && i < a->rank; ++i)
    same = a->shape[i] == b->shape[i];
  if (!same)
    fail("arguments '" + std::string(an) + "' " + shapeStr(*a) + " and '" + bn +
         "' " + shapeStr(*b) + " must have the same shape");
}

void Checker::unitStride(const Tensor *t, const char *name, int d) {
  if (t && ok() && t->shape[d] > 1 && t->stride[d] != 1)
    fail("argument '" + std::string(name) + "' must be contiguous in " +
         "dimension " + std::to_string(d) + " (stride 1), got stride " +
         std::to_string(t->stride[d]));
}

void Checker::contiguous(const Tensor *t, const char *name) {
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

void Checker::require(bool cond, const std::string &what) {
  if (ok() && !cond)
    fail(what);
}

void Checker::fail(const std::string &what) {
  status_ = Status::error("kernel '" + step_.kernel + "' (from " +
                          step_.origin + "): " + what);
}

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

void checkEmbedding(Checker &c) {
  const Tensor *ids = c.arg("tokens", 2), *table = c.arg("table", 2),
               *out = c.arg("out", 3);
  if (!c.ok())
    return;
  c.dim(out, "out", 0, ids->shape[0], "the batch");
  c.dim(out, "out", 1, ids->shape[1], "the sequence length");
  c.dim(out, "out", 2, table->shape[1], "the embedding width");
  c.contiguous(table, "table");
  c.unitStride(out, "out", 2);
}

void checkRmsnorm(Checker &c) {
  const Tensor *x = c.args().get("x");
  const int rank = x ? x->rank : 3;
  x = c.arg("x", rank);
  const Tensor *w = c.arg("weight", 1), *out = c.arg("out", rank);
  const plan::Attr *eps = c.step().attr("eps");
  c.require(eps && !eps->isString, "missing numeric attribute 'eps'");
  c.require(rank >= 2 && rank <= kMaxRank,
            "argument 'x' must have rank 2-" + std::to_string(kMaxRank));
  if (!c.ok())
    return;
  c.sameShape(x, "x", out, "out");
  c.dim(w, "weight", 0, x->shape[rank - 1], "the normalized width");
  c.unitStride(x, "x", rank - 1);
  c.unitStride(out, "out", rank - 1);
  c.contiguous(w, "weight");
  if (const plan::Attr *g = c.step().attr("group_size")) {
    const int64_t width = x->shape[rank - 1];
    c.require(!g->isString && g->number >= 1 && g->number <= width &&
                  g->number ==
                      static_cast<double>(static_cast<int64_t>(g->number)) &&
                  width % static_cast<int64_t>(g->number) == 0,
              "attribute 'group_size' must be a positive divisor of the "
              "normalized width " +
                  std::to_string(width));
  }
}

int64_t rmsnormGroupSize(const plan::Step &step, int64_t width) {
  const plan::Attr *g = step.attr("group_size");
  return g ? static_cast<int64_t>(g->number) : width;
}

void checkLinear(Checker &c) {
  const Tensor *x = c.args().get("x");
  const int rank = x ? x->rank : 3;
  x = c.arg("x", rank);
  const Tensor *w = c.arg("weight", 2), *bias = c.arg("bias", 1, true),
               *out = c.arg("out", rank);
  c.require(rank >= 2 && rank <= kMaxRank,
            "argument 'x' must have rank 2-" + std::to_string(kMaxRank));
  if (!c.ok())
    return;
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
}

void checkCausalConv1d(Checker &c) {
  const Tensor *x = c.arg("x", 3), *w = c.arg("weight", 2),
               *bias = c.arg("bias", 1, true), *state = c.arg("state", 3),
               *out = c.arg("out", 3);
  const plan::Attr *act = c.step().attr("activation");
  c.require(act && act->isString && act->text == "silu",
            "the convolution kernels fuse SiLU: expected activation = silu");
  if (!c.ok())
    return;
  const int64_t e = x->shape[1], k = w->shape[1];
  c.sameShape(x, "x", out, "out");
  c.dim(w, "weight", 0, e, "the channel count");
  if (bias)
    c.dim(bias, "bias", 0, e, "the channel count");
  c.dim(state, "state", 0, x->shape[0], "the batch");
  c.dim(state, "state", 1, e, "the channel count");
  c.dim(state, "state", 2, k, "the kernel width");
  c.contiguous(state, "state");
  c.contiguous(bias, "bias");
}

void checkSelectiveScan(Checker &c) {
  const Tensor *u = c.arg("u", 3), *delta = c.arg("delta", 3),
               *a = c.arg("A", 2), *bm = c.arg("B", 3), *cm = c.arg("C", 3),
               *d = c.arg("D", 1, true), *z = c.arg("z", 3, true),
               *db = c.arg("delta_bias", 1, true), *state = c.arg("state", 3),
               *y = c.arg("y", 3);
  const plan::Attr *rule = c.step().attr("b_rule");
  c.require(!rule || (rule->isString &&
                      (rule->text == "simplified" || rule->text == "zoh")),
            "attribute 'b_rule' must be \"simplified\" or \"zoh\"");
  if (!c.ok())
    return;
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
  c.contiguous(a, "A");
  c.contiguous(state, "state");
  c.contiguous(d, "D");
  c.contiguous(db, "delta_bias");
}

void checkSkip(Checker &c) {
  const Tensor *y = c.arg("y", 3), *u = c.arg("u", 3), *d = c.arg("D", 1),
               *out = c.arg("out", 3);
  if (!c.ok())
    return;
  c.sameShape(y, "y", u, "u");
  c.sameShape(y, "y", out, "out");
  c.dim(d, "D", 0, y->shape[1], "the channel count");
}

void checkElementwise(Checker &c, bool binary) {
  const Tensor *a = c.args().get(binary ? "a" : "x");
  const int rank = a ? a->rank : 1;
  a = c.arg(binary ? "a" : "x", rank);
  const Tensor *b = binary ? c.arg("b", rank) : nullptr;
  const Tensor *out = c.arg("out", rank);
  c.require(rank >= 1 && rank <= kMaxRank,
            "arguments must have rank 1-" + std::to_string(kMaxRank));
  if (!c.ok())
    return;
  c.sameShape(a, binary ? "a" : "x", out, "out");
  if (binary)
    c.sameShape(a, "a", b, "b");
}

const ElementwiseKernel kElementwiseKernels[9] = {
    {"add", true},       {"sub", true},   {"mul", true},
    {"gate", true},      {"exp", false},  {"neg", false},
    {"softplus", false}, {"silu", false}, {"copy", false}};

const ElementwiseKernel *findElementwise(const std::string &kernel) {
  for (const ElementwiseKernel &k : kElementwiseKernels)
    if (kernel == k.name)
      return &k;
  return nullptr;
}

} // namespace mamba::planexec

// The CUDA plan executor's steps (plan_steps.h): the shared checks of each
// kernel, then the launch of the generated kernel or cuBLAS on the views.
#include "plan_steps.h"

#include <algorithm>

namespace mamba::cuda {

using planexec::Checker;
using planexec::StepArgs;
using planexec::Tensor;

namespace {

/// The step reads state `a` and writes its update to `b` in place: both
/// name the same slot with the same view.
bool sameSlot(const plan::Step &step, const char *a, const char *b) {
  const plan::View *va = step.arg(a), *vb = step.arg(b);
  return va && vb && va->space == vb->space && va->index == vb->index &&
         va->offset == vb->offset && va->shape == vb->shape &&
         va->strides == vb->strides;
}

Strides strides3(const Tensor &t) {
  return {t.stride[0], t.stride[1], t.stride[2]};
}

Status embedding(Checker &c, StepContext &ctx, bool execute) {
  planexec::checkEmbedding(c);
  const Tensor *ids = c.args().get("tokens");
  if (ids)
    c.contiguous(ids, "tokens");
  if (!c.ok() || !execute)
    return c.status();
  const Tensor *table = c.args().get("table"), *out = c.args().get("out");
  const int64_t batch = ids->shape[0], len = ids->shape[1];
  const int32_t *host = ctx.hostIds + (ids->ids - ctx.deviceIds);
  for (int64_t i = 0; i < batch * len; ++i)
    if (host[i] < 0 || host[i] >= table->shape[0])
      return Status::error("token id " + std::to_string(host[i]) +
                           " is outside the embedding table of " +
                           std::to_string(table->shape[0]) + " rows");
  const PlanKernels &k = ctx.kernels;
  for (int64_t b = 0; b < batch; ++b)
    MAMBA_RETURN_IF_ERROR(launchEmbedding(
        ctx.dev, k.embeddingF, k.embedding, ids->ids + b * len, table->data,
        out->data + b * out->stride[0], out->stride[1], static_cast<int>(len),
        static_cast<int>(table->shape[1]), static_cast<int>(table->shape[0])));
  return Status::success();
}

Status rmsnorm(Checker &c, StepContext &ctx, bool execute) {
  planexec::checkRmsnorm(c);
  if (!c.ok() || !execute)
    return c.status();
  const Tensor *x = c.args().get("x"), *w = c.args().get("weight"),
               *out = c.args().get("out");
  const int64_t width = x->shape[x->rank - 1];
  const int64_t group = planexec::rmsnormGroupSize(c.step(), width);
  const float eps = static_cast<float>(c.step().attr("eps")->number);
  Status s = Status::success();
  // A grouped norm: one launch per group, over every row's g-th group with
  // that part of the weight (n_groups launches; Mamba-2 has a few).
  planexec::forRowMatrices(
      *x, *out,
      [&](int64_t ox, int64_t oy, int64_t rows, int64_t ldx, int64_t ldy) {
        for (int64_t g = 0; g < width && s.ok() && rows > 0; g += group)
          s = launchRmsNorm(ctx.dev, ctx.kernels.rmsnormF, ctx.kernels.rmsnorm,
                            x->data + ox + g, ldx, nullptr, 0, w->data + g,
                            out->data + oy + g, ldy, static_cast<int>(rows),
                            static_cast<int>(group), eps);
      });
  return s;
}

Status linear(Checker &c, StepContext &ctx, bool execute) {
  planexec::checkLinear(c);
  if (!c.ok() || !execute)
    return c.status();
  const Tensor *x = c.args().get("x"), *w = c.args().get("weight"),
               *bias = c.args().get("bias"), *out = c.args().get("out");
  const int64_t n = w->shape[0], k = w->shape[1];
  Status s = Status::success();
  planexec::forRowMatrices(
      *x, *out,
      [&](int64_t ox, int64_t oy, int64_t rows, int64_t ldx, int64_t ldy) {
        if (!s.ok() || rows == 0)
          return;
        // One row: its leading dimension is never stepped over.
        if (rows == 1) {
          ldx = std::max(ldx, k);
          ldy = std::max(ldy, n);
        }
        s = ctx.blas.linear(DType::F32, x->data + ox, ldx, w->data,
                            out->data + oy, ldy, rows, n, k);
        if (s.ok() && bias)
          s = launchBiasAdd(ctx.dev, ctx.kernels.biasF, ctx.kernels.bias,
                            out->data + oy, ldy, bias->data,
                            static_cast<int>(rows), static_cast<int>(n));
      });
  return s;
}

Status causalConv1d(Checker &c, StepContext &ctx, bool execute) {
  planexec::checkCausalConv1d(c);
  c.contiguous(c.args().get("weight"), "weight");
  const auto kernel = ctx.kernels.kernelOf.find(&c.step());
  c.require(kernel != ctx.kernels.kernelOf.end(),
            "internal: no CUDA kernel was described for this step");
  if (!c.ok() || !execute)
    return c.status();
  const Tensor *x = c.args().get("x"), *w = c.args().get("weight"),
               *bias = c.args().get("bias"), *state = c.args().get("state"),
               *out = c.args().get("out");
  const PlanKernels::Conv &k = ctx.kernels.convs[kernel->second];
  ConvTensors t{x->data,
                w->data,
                bias ? bias->data : nullptr,
                state->data,
                out->data,
                strides3(*x),
                strides3(*out),
                static_cast<int>(x->shape[0]),
                static_cast<int>(x->shape[1]),
                static_cast<int>(x->shape[2])};
  if (t.seqlen == 0)
    return Status::success();
  return t.seqlen == 1
             ? launchCausalConv1dStep(ctx.dev, k.fStep, k.step, t)
             : launchCausalConv1d(ctx.dev, k.f, k.state, k.prefill, t);
}

/// The Halide conv step of a plan (x, weight, bias?, conv_state; out,
/// conv_state_out) as the GPU convolution, which updates the state in place.
Status libraryConv(Checker &c, StepContext &ctx, bool execute) {
  c.require(c.step().attr("activation") != nullptr,
            "no 'activation' attribute (a plan from an older mamba-compile): "
            "recompile the package with this mamba-compile");
  c.require(sameSlot(c.step(), "conv_state", "conv_state_out"),
            "expected 'conv_state' and 'conv_state_out' to be one state slot");
  if (!c.ok())
    return c.status();
  StepArgs renamed;
  for (const auto &[name, t] : c.args().tensors)
    if (name != "conv_state_out")
      renamed.tensors.emplace_back(name == "conv_state" ? "state" : name, t);
  Checker inner(c.step(), renamed);
  return causalConv1d(inner, ctx, execute);
}

Status selectiveScan(Checker &c, StepContext &ctx, bool execute) {
  planexec::checkSelectiveScan(c);
  const plan::Attr *softplus = c.step().attr("delta_softplus");
  c.require(!softplus || !softplus->isString,
            "attribute 'delta_softplus' must be a number");
  const auto kernel = ctx.kernels.kernelOf.find(&c.step());
  c.require(kernel != ctx.kernels.kernelOf.end(),
            "internal: no CUDA kernel was described for this step");
  if (!c.ok())
    return c.status();
  const StepArgs &a = c.args();
  const Tensor *u = a.get("u"), *delta = a.get("delta"), *bm = a.get("B"),
               *cm = a.get("C"), *z = a.get("z"), *d = a.get("D"),
               *db = a.get("delta_bias"), *y = a.get("y");
  const PlanKernels::Scan &k = ctx.kernels.scans[kernel->second];
  if (!execute) {
    const int dim = static_cast<int>(u->shape[1]),
              len = static_cast<int>(u->shape[2]);
    ctx.scanWorkspaceNeed =
        std::max(ctx.scanWorkspaceNeed,
                 scanChunkedWorkspaceBytes(k.prefill, k.chunked,
                                           static_cast<int>(u->shape[0]), dim,
                                           len, ctx.dev.smCount()));
    return c.status();
  }
  ScanTensors t{};
  t.u = u->data;
  t.delta = delta->data;
  t.b = bm->data;
  t.c = cm->data;
  t.z = z ? z->data : nullptr;
  t.a = a.get("A")->data;
  t.d = d ? d->data : nullptr;
  t.deltaBias = db ? db->data : nullptr;
  t.state = a.get("state")->data;
  t.y = y->data;
  t.uS = strides3(*u);
  t.deltaS = strides3(*delta);
  t.zS = z ? strides3(*z) : Strides{};
  t.yS = strides3(*y);
  t.bS = strides3(*bm);
  t.cS = strides3(*cm);
  t.batch = static_cast<int>(u->shape[0]);
  t.dim = static_cast<int>(u->shape[1]);
  t.seqlen = static_cast<int>(u->shape[2]);
  if (t.seqlen == 0)
    return Status::success();
  const bool step = t.seqlen == 1;
  // Batch 1 fills too few blocks for the sequential kernel: time-parallel,
  // where the workspace sized by the checks holds the chunk states.
  const int chunkLen =
      step ? 0
           : scanTimeChunkFor(k.prefill, k.chunked, t.batch, t.dim, t.seqlen,
                              ctx.dev.smCount(), ctx.scanWorkspace.bytes());
  if (chunkLen > 0)
    return launchSelectiveScanChunked(ctx.dev, k.fChunked, k.chunked, t,
                                      chunkLen, ctx.scanWorkspace.as<float>());
  return launchSelectiveScan(ctx.dev, step ? k.fStep : k.f,
                             step ? k.step : k.prefill, t, step);
}

/// A view of rank <= 4 as the strided map's [n0, n1, n2, n3] (leading 1s).
void pad4(const Tensor &t, long long shape[4], Strided4 &s) {
  const int lead = 4 - t.rank;
  for (int d = 0; d < 4; ++d) {
    shape[d] = d < lead ? 1 : t.shape[d - lead];
    s.stride[d] = d < lead ? 0 : t.stride[d - lead];
  }
  s.data = t.data;
}

Status skip(Checker &c, StepContext &ctx, bool execute) {
  planexec::checkSkip(c);
  if (!c.ok() || !execute)
    return c.status();
  const Tensor *y = c.args().get("y"), *u = c.args().get("u"),
               *d = c.args().get("D"), *out = c.args().get("out");
  long long shape[4];
  Strided4 sy, su, sd, so;
  pad4(*y, shape, sy);
  pad4(*u, shape, su);
  pad4(*out, shape, so);
  // D [e] broadcast over [1, b, e, l].
  sd.data = d->data;
  sd.stride[2] = d->stride[0];
  const PlanKernels::Map &m =
      ctx.kernels.maps[static_cast<size_t>(cg::StridedOp::Skip)];
  return launchStridedMap(ctx.dev, m.f, m.desc, shape, sy, su, sd, so);
}

Status elementwise(Checker &c, StepContext &ctx, bool execute,
                   cg::StridedOp op) {
  const bool binary = cg::stridedOpArity(op) == 2;
  planexec::checkElementwise(c, binary);
  if (c.ok())
    c.require(c.args().get(binary ? "a" : "x")->rank <= 4,
              "the GPU's elementwise kernels take views of rank 1-4");
  if (!c.ok() || !execute)
    return c.status();
  long long shape[4];
  Strided4 sa, sb, so;
  pad4(*c.args().get(binary ? "a" : "x"), shape, sa);
  if (binary)
    pad4(*c.args().get("b"), shape, sb);
  pad4(*c.args().get("out"), shape, so);
  const PlanKernels::Map &m = ctx.kernels.maps[static_cast<size_t>(op)];
  return launchStridedMap(ctx.dev, m.f, m.desc, shape, sa, sb, Strided4{}, so);
}

/// A generic scan (kernel "halide" with "cuda_scan"): input0..N, init; y,
/// final_state, checked against the description.
Status genericScan(Checker &c, StepContext &ctx, bool execute) {
  const auto kernel = ctx.kernels.kernelOf.find(&c.step());
  c.require(kernel != ctx.kernels.kernelOf.end(),
            "internal: no CUDA kernel was described for this step");
  if (!c.ok())
    return c.status();
  const PlanKernels::Generic &g = ctx.kernels.generics[kernel->second];
  const cg::GenericScanDesc &d = g.desc;
  const int rank = d.stateRank;
  const Tensor *init = c.arg("init", rank),
               *y = c.arg("y", static_cast<int>(d.outputDims.size())),
               *state = c.arg("final_state", rank);
  std::vector<const Tensor *> inputs;
  for (size_t i = 0; i < d.inputDims.size(); ++i) {
    const std::string name = "input" + std::to_string(i);
    inputs.push_back(
        c.arg(name.c_str(), static_cast<int>(d.inputDims[i].size())));
  }
  if (!c.ok())
    return c.status();
  c.require(c.args().tensors.size() == d.inputDims.size() + 3,
            "expected " + std::to_string(d.inputDims.size()) +
                " inputs, 'init', 'y' and 'final_state' (the scan's "
                "description)");
  c.require(sameSlot(c.step(), "init", "final_state"),
            "expected 'init' and 'final_state' to be one state slot");
  c.contiguous(state, "final_state");
  // Iteration extents: the state's, and time from y.
  std::vector<int64_t> extent(rank + 1, -1);
  for (int dim = 0; dim < rank; ++dim)
    extent[dim] = init->shape[dim];
  for (size_t k = 0; k < d.outputDims.size(); ++k)
    if (d.outputDims[k] == rank)
      extent[rank] = y->shape[k];
  for (size_t k = 0; k < d.outputDims.size(); ++k)
    c.dim(y, "y", static_cast<int>(k), extent[d.outputDims[k]],
          "the scan's extent");
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::string name = "input" + std::to_string(i);
    for (size_t k = 0; k < d.inputDims[i].size(); ++k)
      c.dim(inputs[i], name.c_str(), static_cast<int>(k),
            extent[d.inputDims[i][k]], "the scan's extent");
  }
  if (!c.ok() || !execute)
    return c.status();
  GenericScanTensors t;
  auto strides = [](const Tensor &v) {
    return std::vector<long long>(v.stride, v.stride + v.rank);
  };
  for (const Tensor *in : inputs) {
    t.inputs.push_back(in->data);
    t.inputStrides.push_back(strides(*in));
  }
  t.init = init->data;
  t.initStrides = strides(*init);
  t.y = y->data;
  t.yStrides = strides(*y);
  t.finalState = state->data;
  t.stateStrides = strides(*state);
  t.stateSizes.assign(extent.begin(), extent.begin() + rank);
  t.seqlen = static_cast<int>(extent[rank]);
  if (t.seqlen == 0)
    return Status::success();
  return launchGenericScan(ctx.dev, g.f, d, t);
}

} // namespace

Status runStep(const plan::Step &step, const StepArgs &args, StepContext &ctx,
               bool execute) {
  Checker c(step, args);
  const std::string &k = step.kernel;
  if (k == "embedding")
    return embedding(c, ctx, execute);
  if (k == "rmsnorm")
    return rmsnorm(c, ctx, execute);
  if (k == "linear")
    return linear(c, ctx, execute);
  if (k == "causal_conv1d")
    return causalConv1d(c, ctx, execute);
  if (k == "selective_scan")
    return selectiveScan(c, ctx, execute);
  if (k == "skip")
    return skip(c, ctx, execute);
  if (k == "halide")
    return step.origin == "ssm.causal_conv1d" ? libraryConv(c, ctx, execute)
                                              : genericScan(c, ctx, execute);
  for (int op = 0; op < static_cast<int>(cg::StridedOp::Skip); ++op)
    if (k == cg::stridedOpName(static_cast<cg::StridedOp>(op)))
      return elementwise(c, ctx, execute, static_cast<cg::StridedOp>(op));
  return Status::error("kernel '" + k + "' (from " + step.origin +
                       "): the CUDA runtime has no such kernel");
}

} // namespace mamba::cuda

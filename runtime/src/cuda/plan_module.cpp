// The kernels of a plan on the GPU (plan_steps.h): one description per
// distinct convolution, scan and generic scan the steps call, plus the row
// and elementwise kernels, emitted as one module.
#include "plan_steps.h"

#include <tuple>

namespace mamba::cuda {
namespace {

cg::Schedule rowSchedule() {
  cg::Schedule s;
  s.threadsPerBlock = 256;
  s.itemsPerThread = 4;
  return s;
}

constexpr cg::StridedOp kMapOps[] = {
    cg::StridedOp::Add,      cg::StridedOp::Sub,  cg::StridedOp::Mul,
    cg::StridedOp::Gate,     cg::StridedOp::Exp,  cg::StridedOp::Neg,
    cg::StridedOp::Softplus, cg::StridedOp::Silu, cg::StridedOp::Copy,
    cg::StridedOp::Skip};

int64_t constantDim(const plan::View *v, size_t d) {
  return v && d < v->shape.size() ? v->shape[d].eval(1, 1) : 0;
}

bool numberAttr(const plan::Step &step, const char *name, double value) {
  const plan::Attr *a = step.attr(name);
  return a && !a->isString && a->number == value;
}

/// The plan's scan description as the emitter's; `slots` picks the
/// schedule.
cg::GenericScanDesc genericDesc(const plan::ScanDesc &s,
                                const std::string &name, long long slots) {
  cg::GenericScanDesc g;
  g.name = name;
  g.stateRank = static_cast<int>(s.stateRank);
  for (const std::vector<int64_t> &dims : s.inputDims)
    g.inputDims.emplace_back(dims.begin(), dims.end());
  g.outputDims.assign(s.outputDims.begin(), s.outputDims.end());
  g.hasInit = s.hasInit;
  for (const plan::ScanNode &n : s.nodes) {
    cg::ScanExprNode e;
    // An unknown name (the reader rejects those) stays out of range, and
    // the emitter's check names the node.
    e.op = static_cast<cg::ScanExprOp>(-1);
    for (int op = 0; op <= static_cast<int>(cg::ScanExprOp::Abs); ++op)
      if (n.op == cg::scanExprOpName(static_cast<cg::ScanExprOp>(op)))
        e.op = static_cast<cg::ScanExprOp>(op);
    e.arg = static_cast<int>(n.arg);
    e.value = static_cast<float>(n.value);
    e.lhs = static_cast<int>(n.lhs);
    e.rhs = static_cast<int>(n.rhs);
    g.nodes.push_back(e);
  }
  g.decay = static_cast<int>(s.decay);
  g.input = static_cast<int>(s.input);
  g.readout = static_cast<int>(s.readout);
  g.schedule = cg::defaultGenericScanSchedule(slots);
  return g;
}

} // namespace

Expected<std::unique_ptr<PlanKernels>>
PlanKernels::describe(const plan::Plan &plan, int64_t maxBatch) {
  auto k = std::make_unique<PlanKernels>();
  k->embedding.name = "plan_embedding";
  k->embedding.schedule = rowSchedule();
  k->rmsnorm.name = "plan_rmsnorm";
  k->rmsnorm.schedule = rowSchedule();
  k->bias.name = "plan_bias_add";
  k->bias.schedule = rowSchedule();
  for (cg::StridedOp op : kMapOps) {
    Map m;
    m.desc.name = std::string("plan_") + cg::stridedOpName(op);
    m.desc.op = op;
    m.desc.schedule.threadsPerBlock = 256;
    k->maps.push_back(m);
  }
  std::map<std::tuple<int64_t, bool>, size_t> convKeys;
  std::map<std::tuple<int64_t, bool, bool, bool, bool, bool>, size_t> scanKeys;
  for (const plan::Function &fn : plan.functions)
    for (size_t i = 0; i < fn.steps.size(); ++i) {
      const plan::Step &step = fn.steps[i];
      const std::string where = fn.name + " step " + std::to_string(i) +
                                ": kernel '" + step.kernel + "' (from " +
                                step.origin + ")";
      const bool libraryConv =
          step.kernel == "halide" && step.origin == "ssm.causal_conv1d";
      if (step.kernel == "causal_conv1d" || libraryConv) {
        const int64_t width = constantDim(step.arg("weight"), 1);
        const bool hasBias = step.arg("bias") != nullptr;
        auto [it, added] =
            convKeys.emplace(std::tuple{width, hasBias}, k->convs.size());
        if (added) {
          Conv c;
          c.prefill.name = "plan_conv1d_" + std::to_string(it->second);
          c.prefill.width = static_cast<int>(width);
          c.prefill.hasBias = hasBias;
          c.prefill.layout = cg::Layout::TokenMajor;
          c.step = c.prefill;
          c.step.name += "_step";
          k->convs.push_back(c);
        }
        k->kernelOf[&step] = it->second;
      } else if (step.kernel == "selective_scan") {
        const int64_t n = constantDim(step.arg("A"), 1);
        const plan::Attr *rule = step.attr("b_rule");
        const auto key =
            std::tuple{n,
                       step.arg("D") != nullptr,
                       step.arg("z") != nullptr,
                       step.arg("delta_bias") != nullptr,
                       numberAttr(step, "delta_softplus", 1),
                       rule && rule->isString && rule->text == "zoh"};
        auto [it, added] = scanKeys.emplace(key, k->scans.size());
        if (added) {
          Scan s;
          s.prefill.name = "plan_scan_" + std::to_string(it->second);
          s.prefill.dState = static_cast<int>(n);
          s.prefill.hasD = std::get<1>(key);
          s.prefill.hasZ = std::get<2>(key);
          s.prefill.hasDeltaBias = std::get<3>(key);
          s.prefill.deltaSoftplus = std::get<4>(key);
          s.prefill.zohB = std::get<5>(key);
          s.prefill.schedule = defaultScanSchedule(s.prefill.dState);
          s.step = s.prefill;
          s.step.name += "_step";
          s.step.schedule = defaultScanStepSchedule(s.prefill.dState);
          s.chunked = chunkedScanDesc(s.prefill, s.prefill.name + "_tp");
          k->scans.push_back(s);
        }
        k->kernelOf[&step] = it->second;
      } else if (step.kernel == "halide") {
        if (!step.cudaScan)
          return Status::error(
              where + ": the plan has no CUDA description of this kernel "
                      "(no 'cuda_scan'): recompile the package with this "
                      "mamba-compile, or run it with --device cpu");
        const plan::View *init = step.arg("init");
        if (!init || static_cast<int64_t>(init->shape.size()) !=
                         step.cudaScan->stateRank)
          return Status::error(where +
                               ": expected an argument 'init' of "
                               "rank " +
                               std::to_string(step.cudaScan->stateRank));
        // Slots each kept point of y sums over: the state dims y drops.
        long long slots = 1;
        for (int64_t d = 0; d < step.cudaScan->stateRank; ++d) {
          bool kept = false;
          for (int64_t o : step.cudaScan->outputDims)
            kept |= o == d;
          if (!kept)
            slots *= init->shape[d].eval(maxBatch, 1);
        }
        Generic g;
        g.desc = genericDesc(
            *step.cudaScan,
            "plan_generic_scan_" + std::to_string(k->generics.size()), slots);
        if (cg::Emitted e = cg::emitGenericScan(g.desc); !e.ok())
          return Status::error(where + ": " + e.error);
        k->kernelOf[&step] = k->generics.size();
        k->generics.push_back(g);
      }
    }
  return k;
}

Expected<std::string> PlanKernels::source() const {
  std::vector<cg::Emitted> parts = {cg::emitEmbedding(embedding),
                                    cg::emitRmsNorm(rmsnorm),
                                    cg::emitBiasAdd(bias)};
  for (const Map &m : maps)
    parts.push_back(cg::emitStridedMap(m.desc));
  for (const Conv &c : convs) {
    parts.push_back(cg::emitCausalConv1d(c.prefill));
    parts.push_back(cg::emitCausalConv1dStep(c.step));
  }
  for (const Scan &s : scans) {
    parts.push_back(cg::emitSelectiveScan(s.prefill));
    parts.push_back(cg::emitSelectiveScanStep(s.step));
    parts.push_back(cg::emitSelectiveScanChunked(s.chunked));
  }
  for (const Generic &g : generics)
    parts.push_back(cg::emitGenericScan(g.desc));
  cg::Emitted module = cg::emitModuleOf(parts);
  if (!module.ok())
    return Status::error("CUDA codegen: " + module.error);
  return module.source;
}

Status PlanKernels::bind(const Module &module) {
  auto get = [&](CUfunction &f, const std::string &name) -> Status {
    Expected<CUfunction> found = module.function(name);
    if (!found.ok())
      return found.status();
    f = found.value();
    return Status::success();
  };
  MAMBA_RETURN_IF_ERROR(get(embeddingF, embedding.name));
  MAMBA_RETURN_IF_ERROR(get(rmsnormF, rmsnorm.name));
  MAMBA_RETURN_IF_ERROR(get(biasF, bias.name));
  for (Map &m : maps)
    MAMBA_RETURN_IF_ERROR(get(m.f, m.desc.name));
  for (Conv &c : convs) {
    MAMBA_RETURN_IF_ERROR(get(c.f, c.prefill.name));
    MAMBA_RETURN_IF_ERROR(get(c.state, c.prefill.name + "_state"));
    MAMBA_RETURN_IF_ERROR(get(c.fStep, c.step.name));
  }
  for (Scan &s : scans) {
    MAMBA_RETURN_IF_ERROR(get(s.f, s.prefill.name));
    MAMBA_RETURN_IF_ERROR(get(s.fStep, s.step.name));
    MAMBA_RETURN_IF_ERROR(
        get(s.fChunked.chunkState, s.chunked.name + "_chunk_state"));
    MAMBA_RETURN_IF_ERROR(get(s.fChunked.combine, s.chunked.name + "_combine"));
    MAMBA_RETURN_IF_ERROR(
        get(s.fChunked.chunkScan, s.chunked.name + "_chunk_scan"));
  }
  for (Generic &g : generics)
    MAMBA_RETURN_IF_ERROR(get(g.f, g.desc.name));
  return Status::success();
}

} // namespace mamba::cuda

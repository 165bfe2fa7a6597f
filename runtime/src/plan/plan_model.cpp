// PlanModel: binds a plan's weights, checks its steps against the CPU
// kernels once, sizes the workspace, and runs @prefill / @decode_step.
#include "mamba/plan_model.h"

#include "../cpu/halide_kernels.h"
#include "../cpu/kernels.h"
#include "../forward_checks.h"
#include "plan_kernels.h"
#include "plan_views.h"
#include "plan_weights.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

namespace mamba {

namespace mp = plan;

PlanState::PlanState(const plan::Plan &plan, int64_t batch) : batch_(batch) {
  for (const plan::State &s : plan.states) {
    int64_t size = batch;
    for (int64_t d : s.shape)
      size *= d;
    slots_.emplace_back(static_cast<size_t>(size), 0.0f);
  }
}

bool PlanState::matches(const plan::Plan &plan) const {
  if (slots_.size() != plan.states.size())
    return false;
  for (size_t i = 0; i < slots_.size(); ++i) {
    int64_t size = batch_;
    for (int64_t d : plan.states[i].shape)
      size *= d;
    if (static_cast<int64_t>(slots_[i].size()) != size)
      return false;
  }
  return true;
}

void PlanState::reset() {
  for (auto &s : slots_)
    std::fill(s.begin(), s.end(), 0.0f);
  position_ = 0;
}

struct PlanModel::Prepared {
  std::map<int64_t, std::vector<float>> convWeightT;
  std::vector<float> zeros;
  std::vector<float> deltaScratch;
  /// The plan's compiled kernel library and its kernel per "halide" step.
  std::optional<cpu::HalideKernelLibrary> library;
  std::map<const mp::Step *, cpu::HalideKernel> libraryKernels;
  /// A copy of a state that a library kernel reads while it writes the
  /// update (its in and out buffers must not alias).
  std::vector<float> stateScratch;
};

PlanModel::PlanModel(plan::Plan plan, const CpuModelOptions &options)
    : plan_(std::move(plan)), options_(options), pool_(options.numThreads),
      prepared_(std::make_unique<Prepared>()) {}

PlanModel::~PlanModel() = default;

namespace {
Status checkOptions(const CpuModelOptions &options) {
  MAMBA_RETURN_IF_ERROR(
      planexec::checkLimits(options.maxBatch, options.maxChunk));
  if (options.numThreads < 0)
    return Status::error("numThreads must be >= 0, got " +
                         std::to_string(options.numThreads));
  return Status::success();
}

} // namespace

Expected<std::unique_ptr<PlanModel>>
PlanModel::create(plan::Plan plan, const SafetensorsFile &file,
                  const CpuModelOptions &options) {
  MAMBA_RETURN_IF_ERROR(checkOptions(options));
  auto weights = planexec::readPlanWeights(plan, file);
  if (!weights.ok())
    return weights.status();
  std::unique_ptr<PlanModel> model(new PlanModel(std::move(plan), options));
  MAMBA_RETURN_IF_ERROR(model->bind(std::move(weights).value()));
  return model;
}

Expected<std::unique_ptr<PlanModel>>
PlanModel::createRandom(plan::Plan plan, uint64_t seed,
                        const CpuModelOptions &options) {
  MAMBA_RETURN_IF_ERROR(checkOptions(options));
  std::vector<std::vector<float>> weights =
      planexec::randomPlanWeights(plan, seed);
  std::unique_ptr<PlanModel> model(new PlanModel(std::move(plan), options));
  MAMBA_RETURN_IF_ERROR(model->bind(std::move(weights)));
  return model;
}

Status PlanModel::bind(std::vector<std::vector<float>> weights) {
  cpu::useSingleThreadedBlas();
  weights_ = std::move(weights);
  MAMBA_RETURN_IF_ERROR(planexec::entryFunctions(plan_, prefill_, decode_));
  const int64_t maxB = options_.maxBatch, maxL = options_.maxChunk;

  // Sizes are polynomials with non-negative coefficients in batch and
  // seqlen, so their values at the largest batch and chunk bound them.
  buffers_.clear();
  for (int64_t size : planexec::bufferSizes(plan_, maxB, maxL)) {
    Workspace w;
    w.size = static_cast<size_t>(size);
    w.data.reset(static_cast<float *>(std::calloc(w.size, sizeof(float))));
    if (!w.data && w.size > 0)
      return Status::error(
          "out of memory: plan buffer " + std::to_string(buffers_.size()) +
          " needs " + std::to_string(w.size * sizeof(float) >> 20) + " MiB");
    buffers_.push_back(std::move(w));
  }
  chunkTokens_.assign(static_cast<size_t>(maxB * maxL), 0);

  int64_t widest = 0, deltaSize = 0;
  for (const mp::Function *fn : {prefill_, decode_})
    for (const mp::Step &step : fn->steps) {
      for (const auto &[name, view] : step.args) {
        if (view.space == mp::Space::Weight)
          for (const mp::Expr &d : view.shape)
            widest = std::max(widest, d.eval(1, 1));
        if (step.kernel == "causal_conv1d" && name == "weight" &&
            view.space == mp::Space::Weight &&
            !prepared_->convWeightT.count(view.index)) {
          // [channels, width] -> [width, channels], contiguous channels.
          const std::vector<float> &w = weights_[view.index];
          const int64_t e = view.shape[0].eval(1, 1),
                        k = view.shape[1].eval(1, 1);
          if (static_cast<int64_t>(w.size()) == e * k) {
            std::vector<float> t(w.size());
            for (int64_t c = 0; c < e; ++c)
              for (int64_t j = 0; j < k; ++j)
                t[j * e + c] = w[c * k + j];
            prepared_->convWeightT[view.index] = std::move(t);
          }
        }
        if (step.kernel == "selective_scan" && name == "delta") {
          int64_t n = 1;
          for (const mp::Expr &d : view.shape)
            n *= d.eval(maxB, fn == decode_ ? 1 : maxL);
          deltaSize = std::max(deltaSize, n);
        }
      }
    }
  MAMBA_RETURN_IF_ERROR(bindLibraryKernels());
  prepared_->zeros.assign(static_cast<size_t>(widest), 0.0f);
  prepared_->deltaScratch.assign(static_cast<size_t>(deltaSize), 0.0f);

  // Check every step once at the largest shapes and at one token: a plan the
  // kernels cannot run fails here, not in the token loop.
  PlanState probe(plan_, maxB);
  return planexec::forEachCheckedShape(
      *prefill_, *decode_, maxB, maxL,
      [&](const mp::Function &fn, int64_t batch, int64_t len, LogitsMode mode) {
        return runFunction(fn, nullptr, batch, len, probe, mode, false);
      });
}

Status PlanModel::bindLibraryKernels() {
  int64_t stateSize = 0;
  for (const mp::State &st : plan_.states)
    stateSize =
        std::max(stateSize, options_.maxBatch * planexec::numel(st.shape));
  for (const mp::Function *fn : {prefill_, decode_})
    for (const mp::Step &step : fn->steps) {
      if (step.kernel != "halide")
        continue;
      if (plan_.kernelLibrary.empty())
        return Status::error(fn->name + ": kernel 'halide' (from " +
                             step.origin + ") needs the plan's kernel_library");
      if (!prepared_->library) {
        auto lib = cpu::HalideKernelLibrary::open(plan_.kernelLibrary);
        if (!lib.ok())
          return lib.status();
        prepared_->library.emplace(std::move(lib.value()));
        prepared_->library->setThreads(pool_.size());
      }
      const mp::Attr *symbol = step.attr("symbol");
      if (!symbol || !symbol->isString)
        return Status::error(fn->name + ": kernel 'halide' (from " +
                             step.origin + ") has no 'symbol' attribute");
      auto kernel = prepared_->library->kernel(symbol->text);
      if (!kernel.ok())
        return kernel.status();
      prepared_->libraryKernels[&step] = kernel.value();
    }
  prepared_->stateScratch.assign(static_cast<size_t>(stateSize), 0.0f);
  return Status::success();
}

Status PlanModel::runFunction(const plan::Function &fn, const int32_t *tokens,
                              int64_t batch, int64_t len, PlanState &state,
                              LogitsMode logits, bool execute) {
  planexec::Context ctx{pool_,
                        prepared_->convWeightT,
                        prepared_->zeros.data(),
                        static_cast<int64_t>(prepared_->zeros.size()),
                        prepared_->deltaScratch.data(),
                        static_cast<int64_t>(prepared_->deltaScratch.size())};
  const planexec::StorageOf storage = [&](const mp::View &view) {
    planexec::Storage s;
    switch (view.space) {
    case mp::Space::Buffer:
      s.base = buffers_[view.index].data.get();
      s.size = static_cast<int64_t>(buffers_[view.index].size);
      break;
    case mp::Space::Weight:
      s.base = weights_[view.index].data();
      s.size = static_cast<int64_t>(weights_[view.index].size());
      break;
    case mp::Space::State:
      s.base = state.slot(view.index);
      s.size = planexec::stateSize(plan_, view.index, batch);
      break;
    case mp::Space::Tokens:
      s.ids = execute ? tokens : nullptr;
      s.size = batch * len;
      break;
    }
    return s;
  };
  return planexec::runSteps(
      fn, batch, len, logits, storage,
      [&](const mp::Step &step, const planexec::StepArgs &args) {
        return step.kernel == "halide"
                   ? runLibraryKernel(step, args, execute)
                   : planexec::runStep(step, args, ctx, execute);
      });
}

Status PlanModel::runLibraryKernel(const plan::Step &step,
                                   const planexec::StepArgs &args,
                                   bool execute) {
  const mp::Attr *stateIn = step.attr("state_in");
  std::vector<cpu::TensorView> views;
  for (const auto &[name, t] : args.tensors) {
    cpu::TensorView v;
    v.data = t.data;
    v.rank = t.rank;
    for (int d = 0; d < t.rank; ++d) {
      v.shape[d] = t.shape[d];
      v.strides[d] = t.stride[d];
    }
    if (stateIn && stateIn->isString && name == stateIn->text) {
      // The kernel writes the update into the same slot: read a copy.
      if (t.numel() > static_cast<int64_t>(prepared_->stateScratch.size()))
        return Status::error("kernel 'halide' (from " + step.origin +
                             "): state larger than its scratch");
      if (execute)
        std::copy(t.data, t.data + t.numel(), prepared_->stateScratch.data());
      v.data = prepared_->stateScratch.data();
    }
    views.push_back(v);
  }
  if (!execute)
    return Status::success();
  return prepared_->libraryKernels.at(&step).run(views);
}

Status PlanModel::forward(const int32_t *tokens, int64_t len, PlanState &state,
                          LogitsMode mode, float *logits) {
  const int64_t batch = state.batch();
  if (!state.matches(plan_) || batch <= 0)
    return Status::error("state was not made for this model");
  if (batch > options_.maxBatch)
    return Status::error("batch " + std::to_string(batch) +
                         " exceeds maxBatch " +
                         std::to_string(options_.maxBatch));
  const int64_t vocab = plan_.vocabSize;
  MAMBA_RETURN_IF_ERROR(
      checkForwardInputs(tokens, batch, len, vocab, mode, logits));
  MAMBA_RETURN_IF_ERROR(planexec::forEachChunk(
      tokens, batch, len, options_.maxChunk, mode, chunkTokens_.data(),
      [&](int64_t t0, int64_t chunk, LogitsMode chunkMode) -> Status {
        const mp::Function &fn = chunk == 1 ? *decode_ : *prefill_;
        MAMBA_RETURN_IF_ERROR(runFunction(fn, chunkTokens_.data(), batch, chunk,
                                          state, chunkMode, true));
        if (chunkMode == LogitsMode::None)
          return Status::success();
        planexec::Tensor out;
        const mp::View &v = fn.logits;
        MAMBA_RETURN_IF_ERROR(planexec::resolve(
            v, "logits", batch, chunk, buffers_[v.index].data.get(),
            static_cast<int64_t>(buffers_[v.index].size), nullptr, out));
        planexec::gatherLogits(out, batch, chunk, t0, len, vocab, chunkMode,
                               logits);
        return Status::success();
      }));
  state.advance(len);
  return Status::success();
}

} // namespace mamba

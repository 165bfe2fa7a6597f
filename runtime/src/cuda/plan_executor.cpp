// CudaPlanModel: binds a plan's weights in device memory, checks its steps
// against the GPU kernels once, compiles the kernels the plan calls, sizes
// the workspace, and runs @prefill / @decode_step on one stream.
#include "mamba/cuda_plan_model.h"

#include "../forward_checks.h"
#include "../plan/plan_views.h"
#include "../plan/plan_weights.h"
#include "compiler.h"
#include "plan_steps.h"

#include <algorithm>

namespace mamba {

namespace mp = plan;
using cuda::DeviceBuffer;

struct CudaPlanState::Slots {
  std::vector<DeviceBuffer> slots;
};

struct CudaPlanModel::Impl {
  std::unique_ptr<cuda::Device> device;
  std::unique_ptr<cuda::Blas> blas;
  std::unique_ptr<cuda::PlanKernels> kernels;
  std::unique_ptr<cuda::Module> module;
  std::vector<DeviceBuffer> weights, buffers;
  std::vector<int64_t> bufferSizes;
  DeviceBuffer ids;
  /// The time-parallel scan's chunk states, sized by the checks.
  DeviceBuffer scanWorkspace;
  size_t scanWorkspaceNeed = 0;
  /// The chunk's token ids on the host ([batch, chunk]) and a staging area
  /// for the logits rows downloaded from the device.
  std::vector<int32_t> hostIds;
  std::vector<float> hostLogits;
};

CudaPlanModel::CudaPlanModel(plan::Plan plan,
                             const CudaPlanModelOptions &options)
    : plan_(std::move(plan)), options_(options),
      impl_(std::make_unique<Impl>()) {}

CudaPlanModel::~CudaPlanModel() = default;

Expected<std::unique_ptr<CudaPlanModel>>
CudaPlanModel::create(plan::Plan plan, const SafetensorsFile &file,
                      const CudaPlanModelOptions &options) {
  MAMBA_RETURN_IF_ERROR(
      planexec::checkLimits(options.maxBatch, options.maxChunk));
  auto weights = planexec::readPlanWeights(plan, file);
  if (!weights.ok())
    return weights.status();
  std::unique_ptr<CudaPlanModel> model(
      new CudaPlanModel(std::move(plan), options));
  MAMBA_RETURN_IF_ERROR(model->bind(std::move(weights).value()));
  return model;
}

Expected<std::unique_ptr<CudaPlanModel>>
CudaPlanModel::createRandom(plan::Plan plan, uint64_t seed,
                            const CudaPlanModelOptions &options) {
  MAMBA_RETURN_IF_ERROR(
      planexec::checkLimits(options.maxBatch, options.maxChunk));
  std::vector<std::vector<float>> weights =
      planexec::randomPlanWeights(plan, seed);
  std::unique_ptr<CudaPlanModel> model(
      new CudaPlanModel(std::move(plan), options));
  MAMBA_RETURN_IF_ERROR(model->bind(std::move(weights)));
  return model;
}

Status CudaPlanModel::bind(std::vector<std::vector<float>> weights) {
  Impl &m = *impl_;
  MAMBA_RETURN_IF_ERROR(planexec::entryFunctions(plan_, prefill_, decode_));
  const int64_t maxB = options_.maxBatch, maxL = options_.maxChunk;

  Expected<std::unique_ptr<cuda::Device>> device =
      cuda::Device::open(options_.device);
  if (!device.ok())
    return device.status();
  m.device = std::move(device).value();
  cuda::Device &dev = *m.device;
  report_.deviceName = dev.name();
  report_.arch = dev.arch();

  Expected<std::unique_ptr<cuda::Blas>> blas = cuda::Blas::create(dev);
  if (!blas.ok())
    return blas.status();
  m.blas = std::move(blas).value();

  // Every step is checked (at the largest shapes and at one token) before
  // anything is compiled or allocated: a plan the kernels cannot run fails
  // here, not in the token loop.
  Expected<std::unique_ptr<cuda::PlanKernels>> kernels =
      cuda::PlanKernels::describe(plan_, maxB);
  if (!kernels.ok())
    return kernels.status();
  m.kernels = std::move(kernels).value();
  m.weights.resize(weights.size()); // the checks read no data
  m.bufferSizes = planexec::bufferSizes(plan_, maxB, maxL);
  m.buffers.resize(plan_.buffers.size());
  MAMBA_RETURN_IF_ERROR(planexec::forEachCheckedShape(
      *prefill_, *decode_, maxB, maxL,
      [&](const mp::Function &fn, int64_t batch, int64_t len, LogitsMode mode) {
        return runFunction(fn, batch, len, nullptr, mode, false);
      }));

  Expected<std::string> source = m.kernels->source();
  if (!source.ok())
    return source.status();
  source_ = std::move(source).value();
  cuda::CompileReport compile;
  Expected<std::string> image = cuda::compileCached(
      source_, "mamba_plan_kernels.cu", dev.arch(), dev.driverVersion(),
      options_.cacheDir.empty() ? cuda::defaultCacheDir() : options_.cacheDir,
      &compile);
  if (!image.ok())
    return image.status();
  report_.cacheHit = compile.cacheHit;
  report_.seconds = compile.seconds;
  report_.cachePath = compile.path;
  report_.sourceBytes = source_.size();
  Expected<std::unique_ptr<cuda::Module>> module = dev.loadModule(*image);
  if (!module.ok())
    return module.status();
  m.module = std::move(module).value();
  MAMBA_RETURN_IF_ERROR(m.kernels->bind(*m.module));

  auto alloc = [&](DeviceBuffer &dst, size_t bytes,
                   const std::string &what) -> Status {
    Expected<DeviceBuffer> b = dev.alloc(std::max<size_t>(bytes, 4), what);
    if (!b.ok())
      return b.status();
    dst = std::move(b).value();
    return Status::success();
  };
  for (size_t i = 0; i < weights.size(); ++i) {
    const size_t bytes = weights[i].size() * sizeof(float);
    MAMBA_RETURN_IF_ERROR(
        alloc(m.weights[i], bytes, "weight '" + plan_.weights[i].name + "'"));
    MAMBA_RETURN_IF_ERROR(
        dev.upload(m.weights[i].ptr(), weights[i].data(), bytes));
  }
  // The host vectors go when this returns: the copies must be done.
  MAMBA_RETURN_IF_ERROR(dev.synchronize());
  for (size_t i = 0; i < m.buffers.size(); ++i)
    MAMBA_RETURN_IF_ERROR(alloc(m.buffers[i],
                                static_cast<size_t>(m.bufferSizes[i]) * 4,
                                "plan buffer " + std::to_string(i)));
  MAMBA_RETURN_IF_ERROR(
      alloc(m.ids, static_cast<size_t>(maxB * maxL) * 4, "token ids"));
  if (m.scanWorkspaceNeed > 0)
    MAMBA_RETURN_IF_ERROR(alloc(m.scanWorkspace, m.scanWorkspaceNeed,
                                "the time-parallel scan's chunk states"));
  report_.scanWorkspaceBytes = m.scanWorkspace.bytes();
  m.hostIds.assign(static_cast<size_t>(maxB * maxL), 0);
  int64_t logitsSize = 0;
  for (const mp::Function *fn : {prefill_, decode_})
    if (fn->logits.space == mp::Space::Buffer)
      logitsSize = std::max(logitsSize, m.bufferSizes[fn->logits.index]);
  m.hostLogits.assign(static_cast<size_t>(logitsSize), 0.0f);
  return Status::success();
}

Expected<CudaPlanState> CudaPlanModel::makeState(int64_t batch) {
  if (batch <= 0 || batch > options_.maxBatch)
    return Status::error("batch must be in [1, " +
                         std::to_string(options_.maxBatch) + "], got " +
                         std::to_string(batch));
  CudaPlanState s;
  s.model_ = this;
  s.batch_ = batch;
  s.slots_ = std::make_unique<CudaPlanState::Slots>();
  for (size_t i = 0; i < plan_.states.size(); ++i) {
    const int64_t n =
        planexec::stateSize(plan_, static_cast<int64_t>(i), batch);
    Expected<DeviceBuffer> b = impl_->device->alloc(
        static_cast<size_t>(std::max<int64_t>(n, 1)) * sizeof(float),
        "state slot " + std::to_string(i));
    if (!b.ok())
      return b.status();
    s.slots_->slots.push_back(std::move(b).value());
  }
  MAMBA_RETURN_IF_ERROR(s.reset());
  return s;
}

Status CudaPlanModel::runFunction(const plan::Function &fn, int64_t batch,
                                  int64_t len, CudaPlanState *state,
                                  LogitsMode logits, bool execute) {
  Impl &m = *impl_;
  const planexec::StorageOf storage = [&](const mp::View &view) {
    planexec::Storage s;
    switch (view.space) {
    case mp::Space::Buffer:
      s.base = m.buffers[view.index].as<float>();
      s.size = m.bufferSizes[view.index];
      break;
    case mp::Space::Weight:
      s.base = m.weights[view.index].as<float>();
      s.size = planexec::numel(plan_.weights[view.index].shape);
      break;
    case mp::Space::State:
      s.base = state ? state->slots_->slots[view.index].as<float>() : nullptr;
      s.size = planexec::stateSize(plan_, view.index, batch);
      break;
    case mp::Space::Tokens:
      s.ids = m.ids.as<int32_t>();
      s.size = batch * len;
      break;
    }
    return s;
  };
  cuda::StepContext ctx{*m.device,           *m.blas,          *m.kernels,
                        m.ids.as<int32_t>(), m.hostIds.data(), m.scanWorkspace,
                        m.scanWorkspaceNeed};
  return planexec::runSteps(
      fn, batch, len, logits, storage,
      [&](const mp::Step &step, const planexec::StepArgs &args) {
        return cuda::runStep(step, args, ctx, execute);
      });
}

Status CudaPlanModel::copyLogits(const plan::Function &fn, int64_t batch,
                                 int64_t chunk, int64_t t0, int64_t len,
                                 LogitsMode mode, float *logits) {
  Impl &m = *impl_;
  const mp::View &v = fn.logits;
  if (v.space != mp::Space::Buffer)
    return Status::error(fn.name + ": the logits must be a buffer view");
  planexec::Tensor out;
  MAMBA_RETURN_IF_ERROR(planexec::resolve(
      v, fn.name + " logits", batch, chunk, m.hostLogits.data(),
      m.bufferSizes[v.index], nullptr, out));
  // One download of the span the view covers, then a strided gather.
  const int64_t first = out.data - m.hostLogits.data();
  int64_t last = first;
  for (int d = 0; d < out.rank; ++d)
    last += (out.shape[d] - 1) * out.stride[d];
  MAMBA_RETURN_IF_ERROR(m.device->download(
      out.data, m.buffers[v.index].ptr() + first * sizeof(float),
      static_cast<size_t>(last - first + 1) * sizeof(float)));
  planexec::gatherLogits(out, batch, chunk, t0, len, plan_.vocabSize, mode,
                         logits);
  return Status::success();
}

Status CudaPlanModel::forward(const int32_t *tokens, int64_t len,
                              CudaPlanState &state, LogitsMode mode,
                              float *logits) {
  Impl &m = *impl_;
  const int64_t batch = state.batch();
  if (state.model_ != this || batch <= 0)
    return Status::error("state was not made for this model");
  const int64_t vocab = plan_.vocabSize;
  MAMBA_RETURN_IF_ERROR(
      checkForwardInputs(tokens, batch, len, vocab, mode, logits));
  MAMBA_RETURN_IF_ERROR(planexec::forEachChunk(
      tokens, batch, len, options_.maxChunk, mode, m.hostIds.data(),
      [&](int64_t t0, int64_t chunk, LogitsMode chunkMode) -> Status {
        MAMBA_RETURN_IF_ERROR(m.device->upload(
            m.ids.ptr(), m.hostIds.data(), batch * chunk * sizeof(int32_t)));
        const mp::Function &fn = chunk == 1 ? *decode_ : *prefill_;
        MAMBA_RETURN_IF_ERROR(
            runFunction(fn, batch, chunk, &state, chunkMode, true));
        if (chunkMode == LogitsMode::None)
          return Status::success();
        return copyLogits(fn, batch, chunk, t0, len, chunkMode, logits);
      }));
  // Without logits nothing waited for the stream: surface kernel faults now.
  MAMBA_RETURN_IF_ERROR(m.device->synchronize());
  state.position_ += len;
  return Status::success();
}

CudaPlanState::CudaPlanState() = default;
CudaPlanState::CudaPlanState(CudaPlanState &&) noexcept = default;
CudaPlanState &CudaPlanState::operator=(CudaPlanState &&) noexcept = default;
CudaPlanState::~CudaPlanState() = default;

Status CudaPlanState::reset() {
  if (!model_)
    return Status::error("reset of an empty CudaPlanState");
  cuda::Device &dev = *model_->impl_->device;
  for (const DeviceBuffer &b : slots_->slots)
    MAMBA_RETURN_IF_ERROR(dev.zero(b.ptr(), b.bytes()));
  position_ = 0;
  return dev.synchronize();
}

} // namespace mamba

// CudaModel's private state, shared by the files that implement it
// (cuda_model.cpp: the model and its steps; cuda_picks.cpp: the decode
// pipelines that pick tokens on the device).
#ifndef MAMBA_CUDA_MODEL_IMPL_H
#define MAMBA_CUDA_MODEL_IMPL_H

#include "mamba/cuda_model.h"

#include "blas.h"
#include "device.h"
#include "kernels.h"

#include <array>
#include <memory>
#include <optional>
#include <vector>

namespace mamba {

/// Descriptions of the model's kernels (cuda_model.cpp).
struct ModelKernelDescs;

struct LayerBuffers {
  cuda::DeviceBuffer norm, inProj, inProjBias, convWeight, convBias, xProj,
      dtProj, dtBias, a, d, outProj, outProjBias;
};

struct CudaModel::Impl {
  std::unique_ptr<cuda::Device> device;
  std::unique_ptr<cuda::Blas> blas;
  std::unique_ptr<cuda::Module> module;
  std::unique_ptr<ModelKernelDescs> descs;
  CUfunction embedding = nullptr, norm = nullptr, normResidual = nullptr,
             conv = nullptr, convState = nullptr, convStep = nullptr,
             scan = nullptr, scanStep = nullptr, bias = nullptr,
             convLinear = nullptr, scanStepDt = nullptr, greedy = nullptr,
             sample = nullptr;
  std::vector<CUfunction> gemvIn, gemvOut, gemvHead, inConv, scanOut;
  cuda::ScanChunkedKernels scanChunked;
  DType act = DType::F32;
  cuda::DeviceBuffer embeddingTable, lmHead, normF;
  std::vector<LayerBuffers> layers;
  // Workspace for maxBatch x maxChunk tokens, row = batch * len + token.
  cuda::DeviceBuffer ids, hidden, proj, normed, xz, xc, dbc, delta, y, logits;
  /// Fused decode: x_proj's per-slice partial products and the counter of
  /// finished slices (zero between launches); in two kernels per layer,
  /// each layer's x_proj output [layer, batch, dt_rank + 2 d_state], zeroed
  /// at the start of a step for the atomic adds.
  cuda::DeviceBuffer xProjPartial, xProjCounter, dbcLayers;
  std::vector<int32_t> hostIds;
  /// The time-parallel scan's chunk states; its prefill is skipped (the
  /// sequential kernel runs) when a shape would need more.
  cuda::DeviceBuffer scanWorkspace;
  /// Decode step input and output, page-locked for async (captured) copies;
  /// a greedy step's picks go to one of two slots of stepPicks (maxBatch
  /// GreedySummary each), so that a pipeline's next step can write one
  /// while the host reads the other; a sampled step's uniforms come from
  /// the same slot of stepUniforms (maxBatch doubles each).
  cuda::HostBuffer stepIds, stepLogits, stepPicks, stepUniforms;
  /// The picks' output on the device: a GreedySummary per sequence; the
  /// sampled pick's inputs: per sequence 8 floats of parameters, a uniform,
  /// and a byte per token, set for the tokens seen (the penalty's).
  cuda::DeviceBuffer picks, sampleParams, uniforms, seen;
  /// Per batch size and kind of step (StepIo::graphIndex): whether a step
  /// ran eagerly, and the graph with the state buffers it was captured for.
  struct DecodeGraph {
    bool warmed = false;
    CUdeviceptr conv = 0, ssm = 0;
    std::unique_ptr<cuda::Graph> graph;
  };
  std::vector<std::array<DecodeGraph, kStepKinds>> graphs;
  /// A decode pipeline: the state it decodes, the slot of the step in
  /// flight (whose end `done[slot]` marks), and whether it samples.
  struct Pipeline {
    CudaState *state = nullptr;
    int slot = 0;
    bool sampled = false;
  };
  std::optional<Pipeline> pipeline;
  std::unique_ptr<cuda::Event> done[2];
  bool pipelineOf(const CudaState &s) const {
    return pipeline && pipeline->state == &s;
  }
  /// Device copy of a host ModelState for forward(ModelState&).
  std::optional<CudaState> mirror;

  /// Uploads `values` as `type` (F32 or BF16).
  Expected<cuda::DeviceBuffer> upload(const std::vector<float> &values,
                                      DType type, const std::string &what) {
    std::vector<uint16_t> half;
    const void *src = values.data();
    size_t bytes = values.size() * sizeof(float);
    if (type == DType::BF16) {
      half.resize(values.size());
      for (size_t i = 0; i < values.size(); ++i)
        half[i] = floatToBf16(values[i]);
      src = half.data();
      bytes = half.size() * sizeof(uint16_t);
    }
    Expected<cuda::DeviceBuffer> buf = device->alloc(bytes, what);
    if (!buf.ok())
      return buf.status();
    MAMBA_RETURN_IF_ERROR(device->upload(buf->ptr(), src, bytes));
    // The host vectors may be freed by the caller right after create().
    MAMBA_RETURN_IF_ERROR(device->synchronize());
    return buf;
  }
};

} // namespace mamba

#endif // MAMBA_CUDA_MODEL_IMPL_H

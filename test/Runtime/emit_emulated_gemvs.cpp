// Writes the decode GEMV kernel in the variants cuda_decode_kernels_test
// runs on a GPU (input and weight types, batch tile, rmsnorm of the input,
// bias, residual add; 4 warps of 3 rows, 2 loads in flight), and the GEMV
// fused with the conv step and split-K x_proj in that test's cases,
// prelude included, for gemv_emulated_test to compile for the host:
// DIR/gemvs.inc, kernels gemv_<case> and gemv_conv_linear_<case> named as
// in the test.
#include "emit_kernels_file.h"
#include "mamba/codegen/cuda_emitter.h"

#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char **argv) {
  namespace cg = mamba::codegen::cuda;
  if (argc != 2) {
    std::fprintf(stderr, "usage: emit_emulated_gemvs DIR\n");
    return 2;
  }
  struct Variant {
    const char *name;
    cg::ElemType x, w;
    int batch;
    bool norm, bias, accumulate, normSumInLoop;
  };
  const auto F32 = cg::ElemType::F32, BF16 = cg::ElemType::BF16;
  const Variant variants[] = {
      {"f32_b1_norm", F32, F32, 1, true, false, false, false},
      {"bf16_b1_norm_in_loop_bias", F32, BF16, 1, true, true, false, true},
      {"bf16_b4_residual", BF16, BF16, 4, false, true, true, false},
      {"f32_b16_residual", F32, F32, 16, false, false, true, false},
      {"bf16_b16_norm", F32, BF16, 16, true, false, false, false}};
  std::vector<cg::Emitted> kernels;
  for (const Variant &v : variants) {
    cg::GemvDesc d;
    d.name = std::string("gemv_") + v.name;
    d.xType = v.x;
    d.wType = v.w;
    d.batch = v.batch;
    d.normInput = v.norm;
    d.normSumInLoop = v.normSumInLoop;
    d.hasBias = v.bias;
    d.accumulate = v.accumulate;
    d.schedule.threadsPerBlock = 128;
    d.schedule.itemsPerThread = 3; // a rows tail within a warp
    d.schedule.loadsInFlight = 2;
    kernels.push_back(cg::emitGemv(d));
  }
  struct ConvLinear {
    const char *name;
    cg::ElemType w; ///< in_proj's, x_proj's and the conv output's type
    int bucket, dim;
    bool bias, stateBeforeWait;
  };
  for (const ConvLinear &c :
       {ConvLinear{"f32_b1", F32, 1, 100, false, true},
        ConvLinear{"bf16_b3_bias", BF16, 4, 100, true, false},
        ConvLinear{"bf16_b2_aligned", BF16, 4, 128, false, true},
        ConvLinear{"f32_odd_dim_bias", F32, 4, 99, true, false},
        ConvLinear{"f32_b16", F32, 16, 100, false, true}}) {
    cg::GemvConvStepLinearDesc d;
    d.name = std::string("gemv_conv_linear_") + c.name;
    d.gemv.wType = c.w;
    d.gemv.batch = c.bucket;
    d.gemv.normInput = true;
    d.gemv.hasBias = c.bias;
    d.gemv.schedule.threadsPerBlock = 256;
    d.gemv.schedule.itemsPerThread = 4;
    d.conv.outType = c.w;
    d.conv.width = 4;
    d.wType = c.w;
    d.rows = 21; // x_proj's
    d.dim = c.dim;
    d.stateBeforeWait = c.stateBeforeWait;
    kernels.push_back(cg::emitGemvConvStepLinear(d));
  }
  return mamba::test::writeKernels("emit_emulated_gemvs",
                                   std::string(argv[1]) + "/gemvs.inc", kernels,
                                   true);
}

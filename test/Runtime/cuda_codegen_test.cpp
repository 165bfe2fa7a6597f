// The CUDA C emitter: every kernel over a grid of element types, fused
// options and schedules compiles with NVRTC to PTX (no GPU needed), and the
// source says what it implements.
#include "../../runtime/src/cuda/compiler.h"
#include "../../runtime/src/cuda/kernels.h"
#include "mamba/codegen/cuda_emitter.h"

#include <gtest/gtest.h>

namespace mamba {
namespace {

namespace cg = codegen::cuda;
using cg::ElemType;

const ElemType kTypes[] = {ElemType::F32, ElemType::BF16, ElemType::F16};

/// Compiles one module to PTX for a virtual architecture.
void expectCompiles(const std::vector<cg::Emitted> &kernels,
                    const std::string &what) {
  std::vector<std::string> sources;
  for (const cg::Emitted &k : kernels) {
    ASSERT_TRUE(k.ok()) << what << ": " << k.error;
    sources.push_back(k.source);
  }
  Expected<std::string> ptx =
      cuda::compileCuda(cg::emitModule(sources), "test.cu", "compute_80");
  ASSERT_TRUE(ptx.ok()) << what << ":\n" << ptx.status().message();
  EXPECT_NE(ptx->find(".entry"), std::string::npos) << what;
}

TEST(CudaCodegen, SelectiveScanGridCompiles) {
  int count = 0;
  for (ElemType in : kTypes)
    for (ElemType out : kTypes)
      for (int options = 0; options < 32; options += 5) // a spread of the 32
        for (int sched = 0; sched < 4; ++sched) {
          cg::SelectiveScanDesc d;
          d.uType = d.zType = d.bcType = in;
          d.deltaType = in == ElemType::F16 ? ElemType::F32 : in;
          d.yType = out;
          d.hasDeltaBias = options & 1;
          d.deltaSoftplus = options & 2;
          d.hasD = options & 4;
          d.hasZ = options & 8;
          d.zohB = options & 16;
          d.hasInitialState = sched != 1;
          d.layout =
              sched == 2 ? cg::Layout::ChannelMajor : cg::Layout::TokenMajor;
          // Token-major direct loads, token-major staged tiles,
          // channel-major, direct loads with 2 lanes per channel.
          const int items[] = {16, 2, 16, 8};
          const int threads[] = {128, 64, 128, 64};
          const int chunks[] = {8, 32, 8, 8};
          const double fmaExps[] = {0.0, 0.5, 1.0, 0.25};
          d.schedule = {threads[sched], items[sched], chunks[sched]};
          d.schedule.directLoads = sched == 0 || sched == 3;
          d.schedule.fmaExpFraction = fmaExps[sched];
          cg::SelectiveScanDesc step = d;
          step.name = "selective_scan_step";
          cg::SelectiveScanDesc chunked = d;
          chunked.name = "selective_scan_chunked";
          expectCompiles(
              {cg::emitSelectiveScan(d), cg::emitSelectiveScanStep(step),
               cg::emitSelectiveScanChunked(chunked)},
              "scan " + std::string(elemTypeName(in)) + "->" +
                  elemTypeName(out) + " options " + std::to_string(options) +
                  " schedule " + std::to_string(sched));
          ++count;
        }
  EXPECT_EQ(count, 3 * 3 * 7 * 4);
}

// The runtime's default scan schedules (lanes and chunk lengths follow
// d_state) compile for every state size the emitter takes.
TEST(CudaCodegen, DefaultScanSchedulesCompile) {
  for (int n : {4, 12, 16, 64, 128, 256})
    for (ElemType type : {ElemType::F32, ElemType::BF16}) {
      cg::SelectiveScanDesc d;
      d.dState = n;
      d.uType = d.deltaType = d.zType = d.bcType = d.yType = type;
      d.schedule = cuda::defaultScanSchedule(n);
      cg::SelectiveScanDesc step = d;
      step.name = "selective_scan_step";
      step.schedule = cuda::defaultScanStepSchedule(n);
      cg::SelectiveScanDesc chunked = d;
      chunked.name = "selective_scan_chunked";
      expectCompiles({cg::emitSelectiveScan(d), cg::emitSelectiveScanStep(step),
                      cg::emitSelectiveScanChunked(chunked)},
                     "d_state " + std::to_string(n) + " " + elemTypeName(type));
    }
}

TEST(CudaCodegen, ConvGridCompiles) {
  for (ElemType in : kTypes)
    for (ElemType out : kTypes)
      for (int width : {2, 4})
        for (int options = 0; options < 8; ++options) {
          cg::CausalConv1dDesc d;
          d.xType = in;
          d.outType = out;
          d.width = width;
          d.hasBias = options & 1;
          d.silu = options & 2;
          d.hasState = true;
          d.layout =
              options & 4 ? cg::Layout::ChannelMajor : cg::Layout::TokenMajor;
          d.schedule = {options & 4 ? 64 : 128, 1 + options, 64};
          cg::CausalConv1dDesc step = d;
          step.name = "conv_step";
          cg::CausalConv1dDesc stateless = d;
          stateless.name = "conv_stateless";
          stateless.hasState = false;
          expectCompiles({cg::emitCausalConv1d(d),
                          cg::emitCausalConv1dStep(step),
                          cg::emitCausalConv1d(stateless)},
                         "conv width " + std::to_string(width) + " options " +
                             std::to_string(options));
        }
}

TEST(CudaCodegen, RowKernelsGridCompile) {
  for (ElemType a : kTypes)
    for (ElemType b : kTypes)
      for (int threads : {32, 256, 1024}) {
        const cg::Schedule s{threads, threads == 32 ? 1 : 4, 64};
        cg::RmsNormDesc norm;
        norm.hiddenType = a;
        norm.residualType = b;
        norm.weightType = b;
        norm.outType = a;
        norm.schedule = s;
        cg::RmsNormDesc fused = norm;
        fused.name = "rmsnorm_residual";
        fused.residualAdd = true;
        cg::GateDesc gate;
        gate.yType = a;
        gate.zType = b;
        gate.outType = b;
        gate.schedule = s;
        cg::EmbeddingDesc emb;
        emb.tableType = a;
        emb.outType = b;
        emb.schedule = s;
        cg::BiasAddDesc bias;
        bias.yType = a;
        bias.biasType = b;
        bias.schedule = s;
        expectCompiles(
            {cg::emitRmsNorm(norm), cg::emitRmsNorm(fused), cg::emitGate(gate),
             cg::emitEmbedding(emb), cg::emitBiasAdd(bias)},
            std::string("row kernels ") + elemTypeName(a) + "/" +
                elemTypeName(b) + " threads " + std::to_string(threads));
      }
}

TEST(CudaCodegen, DecodeGemvGridCompiles) {
  int count = 0;
  for (ElemType x : kTypes)
    for (ElemType w : kTypes)
      for (int options = 0; options < 8; ++options) {
        const int batches[] = {1, 4, 16};
        const int batch = batches[options % 3];
        {
          cg::GemvDesc d;
          d.name = "gemv_" + std::to_string(options);
          d.xType = x;
          d.wType = w;
          d.batch = batch;
          d.normInput = options & 1;
          d.normSumInLoop = x == w; // both ways over the grid
          d.hasBias = options & 2;
          d.accumulate = options & 4;
          d.schedule.threadsPerBlock = batch == 16 ? 128 : 256;
          d.schedule.itemsPerThread = batch == 1 ? 4 : 2;
          d.schedule.loadsInFlight = batch == 16 ? 1 : 4;
          expectCompiles({cg::emitGemv(d)},
                         std::string("gemv ") + elemTypeName(x) + " x " +
                             elemTypeName(w) + " options " +
                             std::to_string(options) + " batch " +
                             std::to_string(batch));
          ++count;
        }
      }
  EXPECT_EQ(count, 3 * 3 * 8);
}

TEST(CudaCodegen, ConvStepLinearAndScanStepDtProjGridCompile) {
  for (ElemType t : kTypes)
    for (int slice : {32, 64, 128, 256})
      for (int width : {3, 4}) {
        cg::CausalConv1dStepLinearDesc d;
        d.conv.xType = ElemType::F32;
        d.conv.outType = t;
        d.conv.width = width;
        d.conv.hasBias = width == 4;
        d.wType = t;
        d.rows = slice == 32 ? 5 : 80;
        d.dim = slice == 32 ? 100 : 1536;
        d.batch = slice == 256 ? 16 : 3;
        d.schedule.threadsPerBlock = slice == 128 ? 128 : 256;
        d.schedule.kSlice = slice;
        cg::SelectiveScanDesc scan;
        scan.name = "scan_step_dt";
        scan.uType = scan.yType = t;
        scan.dtRank = slice / 8;
        scan.dState = width == 3 ? 4 : 16;
        scan.schedule = {128, 4, 64};
        expectCompiles({cg::emitCausalConv1dStepLinear(d),
                        cg::emitSelectiveScanStep(scan)},
                       std::string("conv step + linear ") + elemTypeName(t) +
                           " slice " + std::to_string(slice) + " width " +
                           std::to_string(width));
      }
}

TEST(CudaCodegen, ScanStepLinearGridCompiles) {
  int count = 0;
  for (ElemType t : kTypes)
    for (int slice : {8, 16, 32, 64})
      for (int batch : {1, 4, 16}) {
        cg::SelectiveScanStepLinearDesc d;
        d.scan.uType = d.scan.yType = t;
        d.scan.dtRank = slice == 8 ? 5 : 48;
        d.scan.dState = slice == 64 ? 8 : 16;
        d.scan.schedule.itemsPerThread = slice == 64 ? 8 : 4;
        d.wType = t;
        d.rows = slice == 8 ? 13 : 768;
        d.dim = slice == 8 ? 100 : 1536;
        d.batch = batch;
        d.hasBias = batch == 4;
        d.stateBeforeWait = batch != 4;
        d.schedule.threadsPerBlock = slice == 64 ? 512 : 256;
        d.schedule.kSlice = t == ElemType::F32 ? slice / 2 : slice;
        d.schedule.loadsInFlight = slice == 16 ? 3 : 8;
        if (slice == 8 && t != ElemType::F32)
          continue; // less than one 16-byte piece per row
        expectCompiles({cg::emitSelectiveScanStepLinear(d)},
                       std::string("scan step + linear ") + elemTypeName(t) +
                           " slice " + std::to_string(d.schedule.kSlice) +
                           " batch " + std::to_string(batch));
        ++count;
      }
  EXPECT_EQ(count, 3 * 4 * 3 - 2 * 3);
}

TEST(CudaCodegen, GemvConvStepLinearGridCompiles) {
  int count = 0;
  for (ElemType t : kTypes)
    for (int batch : {1, 4, 16})
      for (int dim : {100, 1536}) {
        cg::GemvConvStepLinearDesc d;
        d.gemv.wType = t;
        d.gemv.batch = batch;
        d.gemv.normInput = true;
        d.gemv.normSumInLoop = batch == 1;
        d.gemv.hasBias = dim == 100;
        d.gemv.schedule.threadsPerBlock = 256;
        d.gemv.schedule.itemsPerThread = batch <= 4 ? 4 : 2;
        d.conv.outType = t;
        d.conv.width = dim == 100 ? 3 : 4;
        d.conv.hasBias = dim != 100;
        d.wType = t;
        d.rows = dim == 100 ? 7 : 80;
        d.dim = dim;
        d.stateBeforeWait = batch != 4;
        expectCompiles({cg::emitGemvConvStepLinear(d)},
                       std::string("gemv + conv step + linear ") +
                           elemTypeName(t) + " batch " + std::to_string(batch) +
                           " dim " + std::to_string(dim));
        ++count;
      }
  EXPECT_EQ(count, 3 * 3 * 2);
}

TEST(CudaCodegen, GemvConvStepLinearSaysWhatItFusesAndChecksItsSchedule) {
  cg::GemvConvStepLinearDesc d;
  d.name = "in_conv";
  d.gemv.wType = ElemType::BF16;
  d.gemv.normInput = true;
  d.gemv.schedule.threadsPerBlock = 256;
  d.gemv.schedule.itemsPerThread = 4;
  d.conv.outType = ElemType::BF16;
  d.wType = ElemType::BF16;
  d.rows = 80;
  d.dim = 1536;
  cg::Emitted e = cg::emitGemvConvStepLinear(d);
  ASSERT_TRUE(e.ok()) << e.error;
  EXPECT_NE(e.source.find("// ssm.linear, decode GEMV (fused: input rmsnorm)"),
            std::string::npos)
      << e.source;
  EXPECT_NE(e.source.find("// Fused: rows below kDim (x) then go through "
                          "ssm.causal_conv1d\n  // activation = silu"),
            std::string::npos);
  EXPECT_NE(e.source.find("(W bf16 [80, 1536]) is added into y2"),
            std::string::npos);
  EXPECT_NE(e.source.find("atomicAdd(&y2[b * ld_y2 + row], sum);"),
            std::string::npos);
  // No early return of warps past the last row: the epilogue has barriers.
  EXPECT_EQ(e.source.find("if (row0 >= rows)\n    return;"), std::string::npos);
  EXPECT_NE(cg::emitGemv(d.gemv).source.find("if (row0 >= rows)\n    return;"),
            std::string::npos);
  // Only weights before the wait; the conv state after it.
  const size_t wait = e.source.find("mamba_grid_wait();");
  ASSERT_NE(wait, std::string::npos);
  EXPECT_LT(e.source.find("w2v[p] = ch0 < kDim ? load_w2(p)"), wait);
  EXPECT_GT(e.source.find("float *st = conv_state + "), wait);
  EXPECT_GT(e.source.find("mamba_to_float(x[b * ld_x + i])"), wait);

  auto error = [&](auto mutate) {
    cg::GemvConvStepLinearDesc bad = d;
    mutate(bad);
    return cg::emitGemvConvStepLinear(bad).error;
  };
  EXPECT_NE(error([](auto &b) { b.gemv.schedule.itemsPerThread = 3; })
                .find("in_conv: the GEMV's rows per block (24, the linear's K "
                      "slice) must be 8 x a power of two <= 32"),
            std::string::npos);
  EXPECT_NE(
      error([](auto &b) { b.gemv.accumulate = true; }).find("no residual add"),
      std::string::npos);
  EXPECT_NE(error([](auto &b) {
              b.conv.hasState = false;
            }).find("needs the conv state"),
            std::string::npos);
  EXPECT_NE(error([](auto &b) {
              b.gemv.batch = 17;
            }).find("batch must be in [1, 16], got 17"),
            std::string::npos);
  EXPECT_NE(error([](auto &b) {
              b.rows = 0;
            }).find("rows and dim must be >= 1, got 0 and 1536"),
            std::string::npos);

  Expected<std::string> cubin =
      cuda::compileCuda(cg::emitModule({e.source}), "in_conv_sm90.cu", "sm_90");
  ASSERT_TRUE(cubin.ok()) << cubin.status().message();
}

TEST(CudaCodegen, ScanStepLinearSaysWhatItFusesAndChecksItsSchedule) {
  cg::SelectiveScanStepLinearDesc d;
  d.name = "scan_out";
  d.scan.dtRank = 48;
  d.wType = ElemType::BF16;
  d.rows = 768;
  d.dim = 1536;
  d.batch = 4;
  d.hasBias = true;
  d.schedule.threadsPerBlock = 256;
  d.schedule.kSlice = 16;
  d.schedule.loadsInFlight = 2;
  cg::Emitted e = cg::emitSelectiveScanStepLinear(d);
  ASSERT_TRUE(e.ok()) << e.error;
  EXPECT_NE(e.source.find("(decode step, dt_proj of rank 48 fused, then the "
                          "ssm.linear of its output)"),
            std::string::npos)
      << e.source;
  EXPECT_NE(e.source.find("// The linear: W bf16 [768, 1536], its bias and "
                          "the residual add y[b] +="),
            std::string::npos);
  EXPECT_NE(e.source.find("Schedule: 256 threads, 16 channels\n// per block "
                          "(the linear's K slice), 2 row passes of weights in "
                          "flight."),
            std::string::npos);
  EXPECT_NE(e.source.find("mamba_red_add4(out, "), std::string::npos);
  EXPECT_NE(e.source.find("sum[r][b] += row0 + r < kRows ? bias[row0 + r]"),
            std::string::npos);
  // Only weights before the wait; the state and x_proj's output after it.
  const size_t wait = e.source.find("mamba_grid_wait();");
  ASSERT_NE(wait, std::string::npos);
  EXPECT_LT(e.source.find("  load_w(0);"), wait);
  EXPECT_LT(e.source.find("dtw[i] = reinterpret_cast<const mamba_f4 *>(wrow)"),
            wait);
  EXPECT_GT(e.source.find("h[i] = act ? state[sbase + n0 + i]"), wait);
  EXPECT_GT(e.source.find("delta[b * dbc_sb + r + j]"), wait);

  auto error = [&](auto mutate) {
    cg::SelectiveScanStepLinearDesc bad = d;
    mutate(bad);
    return cg::emitSelectiveScanStepLinear(bad).error;
  };
  EXPECT_NE(error([](auto &b) {
              b.schedule.kSlice = 24;
            }).find("scan_out: kSlice (24) must be 8 x a power of two <= 32"),
            std::string::npos);
  EXPECT_NE(error([](auto &b) { b.schedule.threadsPerBlock = 96; })
                .find("threadsPerBlock (96) must be a multiple of kSlice x "
                      "the lanes of a channel (64)"),
            std::string::npos);
  EXPECT_NE(
      error([](auto &b) { b.scan.dtRank = 0; }).find("must fold dt_proj in"),
      std::string::npos);
  EXPECT_NE(error([](auto &b) {
              b.batch = 17;
            }).find("batch in [1, 16], got 768, 1536 and 17"),
            std::string::npos);
  EXPECT_NE(error([](auto &b) {
              b.schedule.loadsInFlight = 9;
            }).find("loadsInFlight must be in [1, 8], got 9"),
            std::string::npos);
  EXPECT_NE(error([](auto &b) { b.name = "2x"; }).find("not an identifier"),
            std::string::npos);

  // The vector reduction (sm_90) assembles: ptxas runs for a real
  // architecture, with no GPU.
  Expected<std::string> cubin = cuda::compileCuda(cg::emitModule({e.source}),
                                                  "scan_out_sm90.cu", "sm_90");
  ASSERT_TRUE(cubin.ok()) << cubin.status().message();
  EXPECT_FALSE(cubin->empty());
}

TEST(CudaCodegen, DecodeKernelsSayWhatTheyFuse) {
  cg::GemvDesc g;
  g.name = "gemv_in";
  g.wType = ElemType::BF16;
  g.batch = 4;
  g.normInput = g.hasBias = true;
  g.schedule.itemsPerThread = 2;
  g.schedule.loadsInFlight = 3;
  cg::Emitted e = cg::emitGemv(g);
  ASSERT_TRUE(e.ok()) << e.error;
  EXPECT_NE(
      e.source.find("// ssm.linear, decode GEMV (fused: input rmsnorm, "
                    "bias): y[b, row] = W[row] . x[b]; x f32,\n// W bf16"),
      std::string::npos)
      << e.source;
  EXPECT_NE(e.source.find("constexpr int kBatch = 4, kRows = 2, kLoads = 3;"),
            std::string::npos);
  EXPECT_NE(e.source.find("rsqrtf(t / k + eps)"), std::string::npos);
  EXPECT_NE(e.source.find("__syncthreads"), std::string::npos);
  // Summed in the product loop: no pass over x and no barrier.
  g.normSumInLoop = true;
  e = cg::emitGemv(g);
  EXPECT_NE(e.source.find("rsqrtf(ss[b] / k + eps)"), std::string::npos);
  EXPECT_NE(e.source.find("ss[b] = fmaf(xv[j], xv[j], ss[b]);"),
            std::string::npos);
  EXPECT_EQ(e.source.find("__syncthreads"), std::string::npos);
  g.normSumInLoop = false;
  g.normInput = g.hasBias = false;
  g.accumulate = true;
  e = cg::emitGemv(g);
  EXPECT_EQ(e.source.find("rsqrtf"), std::string::npos);
  EXPECT_NE(e.source.find("y[b * ld_y + row] += v;"), std::string::npos);
  g.schedule.loadsInFlight = 0;
  EXPECT_NE(cg::emitGemv(g).error.find("loadsInFlight must be in [1, 8]"),
            std::string::npos);
  g.schedule.loadsInFlight = 2;
  g.schedule.minBlocksPerSM = 33;
  EXPECT_NE(cg::emitGemv(g).error.find(
                "gemv_in: minBlocksPerSM must be in [0, 32], got 33"),
            std::string::npos);
  g.schedule.minBlocksPerSM = 4;
  e = cg::emitGemv(g);
  EXPECT_NE(e.source.find("__launch_bounds__(128, 4)\ngemv_in("),
            std::string::npos)
      << e.source;
  EXPECT_NE(e.source.find("registers for 4 blocks per SM."), std::string::npos);
  g.schedule.minBlocksPerSM = 0;
  g.batch = 65;
  EXPECT_NE(cg::emitGemv(g).error.find("batch must be in [1, 64]"),
            std::string::npos);

  cg::CausalConv1dStepLinearDesc c;
  c.wType = ElemType::BF16;
  c.rows = 80;
  c.dim = 1536;
  c.schedule.kSlice = 64;
  e = cg::emitCausalConv1dStepLinear(c);
  ASSERT_TRUE(e.ok()) << e.error;
  EXPECT_NE(e.source.find("80 output and 1536 input features"),
            std::string::npos);
  EXPECT_NE(e.source.find("kSplits = (dim + kSlice - 1) / kSlice"),
            std::string::npos);
  EXPECT_NE(e.source.find("atomicAdd(counter, 1u) == gridDim.x - 1"),
            std::string::npos);
  c.schedule.kSlice = 48;
  EXPECT_NE(cg::emitCausalConv1dStepLinear(c).error.find(
                "kSlice (48) must be 8 x a power of two <= 32"),
            std::string::npos);

  cg::SelectiveScanDesc s;
  s.dtRank = 48;
  e = cg::emitSelectiveScanStep(s);
  ASSERT_TRUE(e.ok()) << e.error;
  EXPECT_NE(e.source.find("(decode step, dt_proj of rank 48 fused)"),
            std::string::npos);
  EXPECT_NE(e.source.find("const float *__restrict__ dt_proj) {"),
            std::string::npos);
  EXPECT_NE(e.source.find("mamba_softplus(mamba_to_float(dlow) + "
                          "delta_bias[c])"),
            std::string::npos);
  EXPECT_NE(cg::emitSelectiveScan(s).error.find("decode-step option"),
            std::string::npos);
}

/// The conv step + x_proj kernel of the 130m shape, BF16 weights.
std::string bf16ConvStepXProj() {
  cg::CausalConv1dStepLinearDesc c;
  c.wType = ElemType::BF16;
  c.rows = 80;
  c.dim = 1536;
  c.schedule.kSlice = 64;
  return cg::emitCausalConv1dStepLinear(c).source;
}

TEST(CudaCodegen, DecodeKernelsWaitForTheirInputsAfterLoadingWeights) {
  // Under a programmatic launch a kernel may start before the one that
  // writes its inputs ends: only weight loads may precede the wait.
  cg::GemvDesc g;
  g.wType = ElemType::BF16;
  g.normInput = true;
  const std::string gemv = cg::emitGemv(g).source;
  const size_t wait = gemv.find("mamba_grid_wait();");
  ASSERT_NE(wait, std::string::npos) << gemv;
  EXPECT_LT(gemv.find("    load_w(lane * kVec);"), wait);
  EXPECT_GT(gemv.find("mamba_to_float(x[b * ld_x + i])"), wait);
  EXPECT_GT(gemv.find("mamba_grid_launch_dependents();"), wait);

  const std::string conv = bf16ConvStepXProj();
  const size_t convWait = conv.find("mamba_grid_wait();");
  ASSERT_NE(convWait, std::string::npos) << conv;
  EXPECT_LT(conv.find("wv[p][q] = vec"), convWait);
  EXPECT_GT(conv.find("conv_state + "), convWait);

  cg::SelectiveScanDesc s;
  s.dtRank = 48;
  s.hasInitialState = true;
  const std::string step = cg::emitSelectiveScanStep(s).source;
  const size_t stepWait = step.find("mamba_grid_wait();");
  ASSERT_NE(stepWait, std::string::npos) << step;
  EXPECT_LT(step.find("dtw[i] = reinterpret_cast<const mamba_f4 *>(wrow)"),
            stepWait);
  EXPECT_GT(step.find("h[i] = valid ? state[sbase + n0 + i] : 0.0f;"),
            stepWait);
  EXPECT_GT(step.find("delta[b * delta_sb"), stepWait);

  // The Hopper code (griddepcontrol) assembles: for a real architecture
  // NVRTC runs ptxas, with no GPU.
  s.schedule = {128, 4, 64};
  Expected<std::string> cubin = cuda::compileCuda(
      cg::emitModule({gemv, conv, cg::emitSelectiveScanStep(s).source}),
      "decode_sm90.cu", "sm_90");
  ASSERT_TRUE(cubin.ok()) << cubin.status().message();
  EXPECT_FALSE(cubin->empty());
}

TEST(CudaCodegen, DecodeWeightsStreamPastL2) {
  // A step reads each weight byte once: the GEMVs and split-K slices load
  // them with an evict-first L2 policy, so what every step reads again
  // stays in L2.
  const std::string prelude = cg::emitModule({});
  const size_t def = prelude.find("mamba_load_stream(const mamba_u4 *p)");
  ASSERT_NE(def, std::string::npos) << prelude;
  EXPECT_NE(prelude.find("createpolicy.fractional.L2::evict_first", def),
            std::string::npos);
  EXPECT_NE(prelude.find("L2::cache_hint", def), std::string::npos);
  // mamba_load16 (the split-K slices of the fused decode kernels) streams.
  EXPECT_NE(prelude.find("return mamba_load_stream(", def), std::string::npos);

  cg::GemvDesc g;
  g.wType = ElemType::BF16;
  const std::string gemv = cg::emitGemv(g).source;
  EXPECT_NE(gemv.find("? mamba_load_stream("), std::string::npos) << gemv;
  const std::string conv = bf16ConvStepXProj();
  EXPECT_NE(conv.find("? mamba_load_stream("), std::string::npos) << conv;

  // sm_80+ takes the policy, earlier architectures a plain load: NVRTC
  // assembles both.
  for (const char *arch : {"sm_75", "sm_90"}) {
    Expected<std::string> cubin =
        cuda::compileCuda(cg::emitModule({gemv, conv}), "stream.cu", arch);
    ASSERT_TRUE(cubin.ok()) << arch << ": " << cubin.status().message();
    EXPECT_FALSE(cubin->empty());
  }
}

TEST(CudaCodegen, ScanSourceNamesTheOpAndItsSchedule) {
  cg::SelectiveScanDesc d;
  d.uType = ElemType::BF16;
  d.schedule = {128, 4, 64};
  d.schedule.directLoads = false; // u/delta/z/y tiles in shared memory
  cg::Emitted e = cg::emitSelectiveScan(d);
  ASSERT_TRUE(e.ok()) << e.error;
  const std::string &s = e.source;
  EXPECT_NE(s.find("// ssm.selective_scan (prefill): delta_bias, softplus, "
                   "scan, D skip, silu(z) gate; b_rule = simplified."),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("u: bf16, delta: f32"), std::string::npos) << s;
  EXPECT_NE(s.find("128 threads = 32 channels x 4 lanes of 4 states, time in "
                   "chunks of 64"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("extern \"C\" __global__ void __launch_bounds__(128)\n"
                   "selective_scan(const mamba_bf16 *__restrict__ u"),
            std::string::npos)
      << s;
  // B and C staged once per chunk in shared memory, state in registers.
  EXPECT_NE(s.find("__shared__ __align__(16) float s_B[kChunk][kState]"),
            std::string::npos);
  EXPECT_NE(s.find("float a[kItems], h[kItems];"), std::string::npos);
  EXPECT_NE(s.find("mamba_softplus("), std::string::npos);
  // The gate once per (channel, token) in the staging loop, not per lane.
  EXPECT_NE(s.find("r_z[j] = in ? *pz : float{};"), std::string::npos) << s;
  EXPECT_NE(s.find("s_z[ch][t] = mamba_silu(s_z[ch][t]);"), std::string::npos);
  // The next chunk's loads are issued before this chunk's recurrence...
  EXPECT_NE(s.find("    __syncthreads();\n    if (t0 + kChunk < t_end)\n"
                   "      fetch(t0 + kChunk);\n#pragma unroll 4"),
            std::string::npos)
      << s;
  // ...unless the schedule says otherwise.
  d.schedule.prefetch = false;
  cg::Emitted plain = cg::emitSelectiveScan(d);
  ASSERT_TRUE(plain.ok()) << plain.error;
  EXPECT_EQ(plain.source.find("fetch(t0 + kChunk)"), std::string::npos);
  EXPECT_NE(plain.source.find("    fetch(t0);\n    stage(t0);\n"),
            std::string::npos);
  // Occupancy: the registers left for minBlocksPerSM blocks.
  d.schedule.minBlocksPerSM = 5;
  cg::Emitted bounded = cg::emitSelectiveScan(d);
  ASSERT_TRUE(bounded.ok()) << bounded.error;
  EXPECT_NE(bounded.source.find("__launch_bounds__(128, 5)"),
            std::string::npos);
  d.schedule.minBlocksPerSM = -1;
  EXPECT_NE(cg::emitSelectiveScan(d).error.find(
                "minBlocksPerSM must be in [0, 32], got -1"),
            std::string::npos);
  EXPECT_NE(s.find("s_y[local][t] = (fmaf(dskip, uv, acc)) * s_z[local][t]"),
            std::string::npos);
  EXPECT_NE(s.find("constexpr int kPolyExp = 0;"), std::string::npos);
  // C.h in partial sums, not one chain of kItems dependent FMAs.
  EXPECT_NE(s.find("part[i % 4] = fmaf(h[i], cv[i], part[i % 4]);"),
            std::string::npos);
}

TEST(CudaCodegen, DirectLoadsKeepTheChannelsTokensInRegisters) {
  cg::SelectiveScanDesc d;
  d.uType = ElemType::BF16;
  d.schedule = {128, 16, 8};
  ASSERT_TRUE(d.schedule.directLoads); // the default
  cg::Emitted e = cg::emitSelectiveScan(d);
  ASSERT_TRUE(e.ok()) << e.error;
  const std::string &s = e.source;
  EXPECT_NE(s.find("128 threads = 128 channels x 1 lanes of 16 states, time "
                   "in chunks of 8"),
            std::string::npos)
      << s;
  // Each thread loads its own channel, a chunk ahead; only B/C are shared.
  EXPECT_NE(s.find("r_u[j] = in ? *pu : mamba_bf16{};"), std::string::npos)
      << s;
  EXPECT_NE(s.find("r_z[j] = in ? *pz : float{};"), std::string::npos);
  EXPECT_NE(s.find("__shared__ __align__(16) float s_C[kChunk][kState];"),
            std::string::npos);
  EXPECT_EQ(s.find("s_u["), std::string::npos);
  EXPECT_EQ(s.find("s_y["), std::string::npos);
  // dt and the gate once per token, before the recurrence; tokens past the
  // end get dt = 0 (the state stays as it is), so the token loop needs no
  // branch, and a product rather than a select, so neither does softplus.
  EXPECT_NE(s.find("x_dt[j] = mamba_softplus(mamba_to_float(r_dt[j]) + "
                   "dbias) * (j * kLanes + lane < len ? 1.0f : 0.0f);"),
            std::string::npos)
      << s;
  EXPECT_EQ(s.find("if (t >= len)"), std::string::npos);
  EXPECT_NE(s.find("x_z[j] = mamba_silu(mamba_to_float(r_z[j]));"),
            std::string::npos);
  EXPECT_NE(s.find("    __syncthreads();\n    if (t0 + kChunk < t_end)\n"
                   "      fetch(t0 + kChunk);\n"),
            std::string::npos);
  // y waits in a register and is stored with the chunk's other y.
  EXPECT_NE(s.find("x_acc[own] = acc;"), std::string::npos);
  EXPECT_NE(s.find("const float uv = x_u[j], acc = x_acc[j];\n"
                   "      if (valid && j * kLanes + lane < len)\n"
                   "        mamba_store(py, (fmaf(dskip, uv, acc)) * x_z[j]);"),
            std::string::npos);
  // Pass 1 of the time-parallel scan: no C, no y, dt summed.
  cg::Emitted tp = cg::emitSelectiveScanChunked(d);
  ASSERT_TRUE(tp.ok()) << tp.error;
  const std::string pass1 = tp.source.substr(0, tp.source.find("_combine("));
  EXPECT_EQ(pass1.find("s_C["), std::string::npos);
  EXPECT_EQ(pass1.find("mamba_store("), std::string::npos);
  EXPECT_NE(pass1.find("dtsum += dt;"), std::string::npos);
  // The chunk is held in registers: a bound of its own.
  d.schedule.chunkLen = 65;
  EXPECT_NE(cg::emitSelectiveScan(d).error.find(
                "chunkLen must be <= 64 with directLoads"),
            std::string::npos);
  // The channel-major layout always stages (its channels are strided).
  d.layout = cg::Layout::ChannelMajor;
  d.schedule = {128, 4, 32};
  EXPECT_NE(cg::emitSelectiveScan(d).source.find("s_u[ch][t]"),
            std::string::npos);
}

TEST(CudaCodegen, LanesOfAChannelShareOutItsTokens) {
  cg::SelectiveScanDesc d;
  d.schedule = {64, 8, 8}; // 2 lanes of 8 states per channel
  cg::Emitted e = cg::emitSelectiveScan(d);
  ASSERT_TRUE(e.ok()) << e.error;
  const std::string &s = e.source;
  // Each lane loads every kLanes-th token of the chunk from its own start...
  EXPECT_NE(s.find("kOwn = kChunk / kLanes;"), std::string::npos) << s;
  EXPECT_NE(s.find("const long long t_lane = (long long)t_begin + lane;"),
            std::string::npos);
  EXPECT_NE(s.find("pu += kLanes * u_st;"), std::string::npos);
  EXPECT_NE(s.find("pz += kLanes * z_st;"), std::string::npos);
  // ...computes softplus and silu of those only, hands dt and u over...
  EXPECT_NE(s.find("for (int j = 0; j < kOwn; ++j) {\n      x_u[j]"),
            std::string::npos);
  EXPECT_NE(s.find("dt = __shfl_sync(0xffffffffu, dt, t % kLanes, kLanes);"),
            std::string::npos);
  EXPECT_NE(s.find("uv = __shfl_sync(0xffffffffu, uv, t % kLanes, kLanes);"),
            std::string::npos);
  // ...and stores the y of its own tokens.
  EXPECT_NE(s.find("if (lane == t % kLanes)\n        x_acc[own] = acc;"),
            std::string::npos);
  EXPECT_NE(s.find("py += kLanes * y_st;"), std::string::npos);
  // Pass 1 of the time-parallel scan sums the handed-over dt.
  cg::Emitted tp = cg::emitSelectiveScanChunked(d);
  ASSERT_TRUE(tp.ok()) << tp.error;
  EXPECT_NE(tp.source.find("__shfl_sync(0xffffffffu, dt, t % kLanes, "
                           "kLanes);"),
            std::string::npos);
  // A chunk the lanes cannot share out evenly is an error.
  d.schedule = {128, 4, 6};
  EXPECT_EQ(cg::emitSelectiveScan(d).error,
            "selective_scan: chunkLen (6) must be a multiple of d_state / "
            "itemsPerThread (4) with directLoads (the lanes of a channel "
            "share out its tokens)");
}

TEST(CudaCodegen, ChunkedScanHasThreePassesAndTakesTheChunkLength) {
  cg::SelectiveScanDesc d;
  d.name = "scan_tp";
  d.schedule = {128, 4, 32};
  d.schedule.fmaExpFraction = 0.5;
  cg::Emitted e = cg::emitSelectiveScanChunked(d);
  ASSERT_TRUE(e.ok()) << e.error;
  const std::string &s = e.source;
  EXPECT_NE(s.find("// ssm.selective_scan (time-parallel pass 1: chunk end "
                   "states)"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("0.50 of the exponentials on the FMA units"),
            std::string::npos);
  EXPECT_NE(s.find("constexpr int kPolyExp = 2;"), std::string::npos);
  for (const char *kernel :
       {"scan_tp_chunk_state(", "scan_tp_combine(", "scan_tp_chunk_scan("})
    EXPECT_NE(s.find(kernel), std::string::npos) << kernel;
  // The chunk length is an argument, not a constant of the source.
  EXPECT_NE(s.find("int chunk_len)"), std::string::npos);
  EXPECT_NE(s.find("t_begin = k * chunk_len"), std::string::npos);
  // Pass 1 has no readout: no C staged, no y.
  const std::string pass1 = s.substr(0, s.find("scan_tp_combine("));
  EXPECT_EQ(pass1.find("s_C["), std::string::npos);
  EXPECT_EQ(pass1.find("mamba_store(&y["), std::string::npos);
  EXPECT_NE(pass1.find("dtsum += dt;"), std::string::npos);
  d.hasInitialState = false;
  EXPECT_NE(cg::emitSelectiveScanChunked(d).source.find("float h = 0.0f;"),
            std::string::npos);
  d.schedule.fmaExpFraction = 1.5;
  EXPECT_NE(cg::emitSelectiveScanChunked(d).error.find(
                "fmaExpFraction must be in [0, 1]"),
            std::string::npos);
}

TEST(CudaCodegen, FusedOptionsChangeTheSource) {
  cg::SelectiveScanDesc d;
  d.hasZ = false;
  d.hasD = false;
  d.deltaSoftplus = false;
  d.hasDeltaBias = false;
  d.zohB = true;
  cg::Emitted e = cg::emitSelectiveScan(d);
  ASSERT_TRUE(e.ok()) << e.error;
  EXPECT_EQ(e.source.find("mamba_silu("), std::string::npos);
  EXPECT_EQ(e.source.find("mamba_softplus("), std::string::npos);
  EXPECT_EQ(e.source.find("delta_bias["), std::string::npos);
  EXPECT_EQ(e.source.find("s_z"), std::string::npos);
  EXPECT_NE(e.source.find("b_rule = zoh"), std::string::npos);
  EXPECT_NE(e.source.find("(dA - 1.0f) /"), std::string::npos);
}

TEST(CudaCodegen, LayoutPicksTheCoalescedLoadOrder) {
  cg::SelectiveScanDesc d;
  d.layout = cg::Layout::ChannelMajor;
  EXPECT_NE(cg::emitSelectiveScan(d).source.find(
                "const int t = i % kChunk, ch = i / kChunk;"),
            std::string::npos);
  d.layout = cg::Layout::TokenMajor;
  d.schedule.directLoads = false;
  EXPECT_NE(cg::emitSelectiveScan(d).source.find(
                "const int ch = i % kChannels, t = i / kChannels;"),
            std::string::npos);
}

TEST(CudaCodegen, InvalidSchedulesAreErrors) {
  cg::SelectiveScanDesc d;
  d.schedule.itemsPerThread = 3;
  EXPECT_NE(cg::emitSelectiveScan(d).error.find(
                "itemsPerThread (3) must divide d_state (16)"),
            std::string::npos);
  d.dState = 512;
  d.schedule.itemsPerThread = 8;
  EXPECT_EQ(cg::emitSelectiveScan(d).error,
            "selective_scan: d_state (512) must be in [1, 256]");
  d.dState = 16;
  d.schedule = {100, 4, 64};
  EXPECT_NE(cg::emitSelectiveScan(d).error.find("multiple of 32"),
            std::string::npos);
  d.schedule = {1024, 1, 256};
  d.schedule.directLoads = false;
  EXPECT_NE(cg::emitSelectiveScan(d).error.find("bytes of shared memory"),
            std::string::npos);
  d.schedule = {128, 4, 64};
  d.name = "not a name";
  EXPECT_NE(cg::emitSelectiveScan(d).error.find("is not an identifier"),
            std::string::npos);
  cg::CausalConv1dDesc c;
  c.hasState = false;
  EXPECT_NE(cg::emitCausalConv1dStep(c).error.find("needs the conv state"),
            std::string::npos);
}

TEST(CudaCodegen, GreedyPickCompilesAndChecksItsSchedule) {
  for (int threads : {32, 256, 1024}) {
    cg::GreedyPickDesc d;
    d.schedule.threadsPerBlock = threads;
    const cg::Emitted e = cg::emitGreedyPick(d);
    expectCompiles({e}, "greedy_pick threads " + std::to_string(threads));
    EXPECT_NE(e.source.find("one block of " + std::to_string(threads) +
                            " threads per row"),
              std::string::npos);
  }
  cg::GreedyPickDesc d;
  d.schedule.threadsPerBlock = 2048;
  EXPECT_NE(cg::emitGreedyPick(d).error.find("multiple of 32 in [32, 1024]"),
            std::string::npos);
  d.schedule.threadsPerBlock = 1024;
  d.name = "greedy pick";
  EXPECT_EQ(cg::emitGreedyPick(d).error,
            "greedy_pick: kernel name 'greedy pick' is not an identifier");
}

TEST(CudaCodegen, SamplePickCompilesAndChecksItsSchedule) {
  using Path = cg::SamplePickPath;
  for (Path path : {Path::ThreadRuns, Path::WarpRuns, Path::ByTopK})
    for (int threads : {32, 256, 1024}) {
      cg::SamplePickDesc d;
      d.path = path;
      d.schedule.threadsPerBlock = threads;
      const cg::Emitted e = cg::emitSamplePick(d);
      expectCompiles({e}, "sample_pick path " +
                              std::to_string(static_cast<int>(path)) + ", " +
                              std::to_string(threads) + " threads");
      EXPECT_NE(e.source.find("one block of " + std::to_string(threads) +
                              " threads per row"),
                std::string::npos);
      // Each path's code is there only where the kernel can take it.
      EXPECT_EQ(e.source.find("__reduce_add_sync") != std::string::npos,
                path != Path::ThreadRuns);
      EXPECT_EQ(e.source.find("const int run = (vocab + ") != std::string::npos,
                path != Path::WarpRuns);
      EXPECT_EQ(e.source.find("const bool warp_runs = top_k > 0 && top_k <= "
                              "512;") != std::string::npos,
                path == Path::ByTopK);
    }
  // The warp-run histograms sum a digit's lanes with redux from sm_80 on;
  // below, they add with an atomic per token.
  cg::SamplePickDesc warp;
  warp.path = Path::WarpRuns;
  for (const char *arch : {"compute_75", "compute_80"}) {
    Expected<std::string> ptx =
        cuda::compileCuda(cg::emitModule({cg::emitSamplePick(warp).source}),
                          "warp_runs.cu", arch);
    ASSERT_TRUE(ptx.ok()) << arch << ": " << ptx.status().message();
    EXPECT_EQ(ptx->find("redux.sync") != std::string::npos,
              std::string(arch) == "compute_80")
        << arch;
  }
  // The picks in one module: each has its own copy of the shared helpers.
  warp.name = "sample_pick_warp_runs";
  expectCompiles({cg::emitGreedyPick({}), cg::emitSamplePick({}),
                  cg::emitSamplePick(warp)},
                 "greedy and sampled picks together");
  cg::SamplePickDesc d;
  d.warpRunsMaxTopK = 0;
  EXPECT_EQ(cg::emitSamplePick(d).error,
            "sample_pick 'sample_pick': warpRunsMaxTopK must be at least 1, "
            "got 0");
  d.warpRunsMaxTopK = 512;
  d.schedule.threadsPerBlock = 48;
  EXPECT_NE(cg::emitSamplePick(d).error.find("multiple of 32 in [32, 1024]"),
            std::string::npos);
  d.schedule.threadsPerBlock = 1024;
  d.name = "sample-pick";
  EXPECT_EQ(cg::emitSamplePick(d).error,
            "sample_pick: kernel name 'sample-pick' is not an identifier");
}

TEST(CudaCodegen, NvrtcErrorsCarryTheLogAndLine) {
  Expected<std::string> r = cuda::compileCuda(
      "extern \"C\" __global__ void k() {\n  undefined_thing();\n}\n",
      "broken.cu", "compute_80");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("NVRTC failed to compile broken.cu"),
            std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("broken.cu(2)"), std::string::npos)
      << r.status().message();
}

} // namespace
} // namespace mamba

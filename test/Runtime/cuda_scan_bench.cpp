// Benchmark of the generated fused selective scan on the GPU: the sequential
// kernel next to the time-parallel (chunked) one, with the memory bound
// (bytes / device-to-device copy bandwidth measured in the same run) and the
// exponential-throughput bound. Prints markdown tables.
#include "../../runtime/src/cuda/device.h"
#include "../../runtime/src/cuda/kernels.h"
#include "cuda_bench_util.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace mamba;
namespace cg = codegen::cuda;

namespace {

int fail(const Status &s) { return bench::fail("cuda_scan_bench", s); }

/// The three variants of one element type and exp split, compiled together.
struct Compiled {
  cg::SelectiveScanDesc seq, chunked;
  std::unique_ptr<cuda::Module> module;
  CUfunction seqFn = nullptr;
  cuda::ScanChunkedKernels chunkedFns;
};

/// `schedule` for the sequential kernel; the chunked one stages at most 32
/// tokens at a time.
Expected<Compiled> compile(cuda::Device &dev, cg::ElemType type,
                           const cg::Schedule &schedule) {
  Compiled c;
  c.seq.uType = c.seq.deltaType = c.seq.zType = c.seq.bcType = c.seq.yType =
      type;
  c.seq.schedule = schedule;
  c.chunked = c.seq;
  c.chunked.name = "selective_scan_chunked";
  c.chunked.schedule.chunkLen = std::min(c.seq.schedule.chunkLen, 32);
  auto module =
      bench::compileModule(dev, {cg::emitSelectiveScan(c.seq),
                                 cg::emitSelectiveScanChunked(c.chunked)});
  if (!module.ok())
    return module.status();
  c.module = std::move(module).value();
  const std::pair<CUfunction *, std::string> functions[] = {
      {&c.seqFn, c.seq.name},
      {&c.chunkedFns.chunkState, c.chunked.name + "_chunk_state"},
      {&c.chunkedFns.combine, c.chunked.name + "_combine"},
      {&c.chunkedFns.chunkScan, c.chunked.name + "_chunk_scan"}};
  for (const auto &[f, name] : functions) {
    Expected<CUfunction> fn = c.module->function(name);
    if (!fn.ok())
      return fn.status();
    *f = fn.value();
  }
  return c;
}

Expected<Compiled> compile(cuda::Device &dev, cg::ElemType type, int n,
                           double fmaExps) {
  cg::Schedule schedule = cuda::defaultScanSchedule(n);
  schedule.fmaExpFraction = fmaExps;
  return compile(dev, type, schedule);
}

} // namespace

int main(int argc, char **argv) {
  // "--profile [STATES]": only the default kernels on 8 x 8192 x 5120, each
  // launched twice, for a profiler (ncu --kernel-name selective_scan);
  // STATES per thread other than the default's give lanes per channel.
  const bool profileOnly = argc > 1 && std::string(argv[1]) == "--profile";
  int profileItems = 0;
  if (profileOnly && argc > 2) {
    char *end = nullptr;
    profileItems = static_cast<int>(std::strtol(argv[2], &end, 10));
    if (*end != '\0' || profileItems <= 0) {
      std::fprintf(stderr,
                   "cuda_scan_bench: error: --profile expects a positive "
                   "number of states per thread, found '%s'\n",
                   argv[2]);
      return 2;
    }
  }
  // "--lanes": only the lanes-per-channel table.
  const bool lanesOnly = argc > 1 && std::string(argv[1]) == "--lanes";
  auto opened = cuda::Device::open();
  if (!opened.ok())
    return fail(opened.status());
  cuda::Device &dev = **opened;
  const cuda::DriverApi &api = dev.api();
  CUdevice device = 0;
  int clockKhz = 0;
  api.cuDeviceGet(&device, 0);
  api.cuDeviceGetAttribute(&clockKhz, CU_DEVICE_ATTRIBUTE_CLOCK_RATE, device);
  const int sms = dev.smCount();
  // 16 special-function results per clock per SM (4 per SM sub-partition).
  const double expPerSecond = 16.0 * sms * clockKhz * 1e3;
  // The runtime's threshold: below it, prefill is time-parallel.
  auto minBlocks = [&](const Compiled &c) {
    return cuda::scanMinBlocks(c.seq, sms);
  };
  // A threshold one block past the sequential grid: the time-parallel scan
  // with some 4x as many blocks, also where the runtime would not pick it.
  auto pastGrid = [](const Compiled &c, const cuda::ScanTensors &t) {
    const int groups = (t.dim + c.chunked.channelsPerBlock() - 1) /
                       c.chunked.channelsPerBlock();
    return t.batch * groups + 1;
  };

  const int64_t maxTokens = 8LL * 8192 * 5120, n = 16;
  auto big = [&](size_t bytes, const char *what) {
    return dev.alloc(bytes, what);
  };
  // Chunk states for up to 8 sequences x 64 chunks x 5120 channels.
  const size_t workFloats = 8ULL * 64 * 5120 * (n + 1);
  auto u = big(maxTokens * 4, "u"), delta = big(maxTokens * 4, "delta"),
       z = big(maxTokens * 4, "z"), y = big(maxTokens * 4, "y"),
       bc = big(8LL * 8192 * 2 * n * 4, "B/C"), a = big(5120 * n * 4, "A"),
       d = big(5120 * 4, "D"), bias = big(5120 * 4, "bias"),
       state = big(8LL * 5120 * n * 4, "state"),
       work = big(workFloats * 4, "chunk states");
  for (auto *b : {&u, &delta, &z, &y, &bc, &a, &d, &bias, &state, &work}) {
    if (!b->ok())
      return fail(b->status());
    // Zeros are valid inputs: softplus(0), exp(0) and silu(0) are finite.
    if (Status s = dev.zero((*b)->ptr(), (*b)->bytes()); !s.ok())
      return fail(s);
  }
  Expected<double> copyGBs = bench::copyBandwidth(dev, maxTokens * 4);
  if (!copyGBs.ok())
    return fail(copyGBs.status());
  std::printf("device: %s (%s), %d SMs at %.0f MHz; device-to-device copy "
              "%.0f GB/s (read + write)\n\n",
              dev.name().c_str(), dev.arch().c_str(), sms, clockKhz / 1e3,
              *copyGBs);

  struct Shape {
    int64_t batch, len, dim;
  };
  auto tensors = [&](const Shape &s, int64_t size) {
    cuda::ScanTensors t{};
    t.u = u->as<void>();
    t.delta = delta->as<void>();
    t.z = z->as<void>();
    t.b = bc->as<void>();
    t.c = bc->as<char>() + n * size;
    t.a = a->as<float>();
    t.d = d->as<float>();
    t.deltaBias = bias->as<float>();
    t.state = state->as<float>();
    t.y = y->as<void>();
    t.uS = t.deltaS = t.zS = t.yS = cuda::tokenMajor(s.len, s.dim);
    t.bS = t.cS = cuda::tokenMajor(s.len, 2 * n);
    t.batch = static_cast<int>(s.batch);
    t.dim = static_cast<int>(s.dim);
    t.seqlen = static_cast<int>(s.len);
    return t;
  };
  auto timeSeq = [&](const Compiled &c, const cuda::ScanTensors &t) {
    return bench::timeMs(dev, 5, [&] {
      return cuda::launchSelectiveScan(dev, c.seqFn, c.seq, t, false);
    });
  };
  auto timeChunked = [&](const Compiled &c, const cuda::ScanTensors &t,
                         int len) -> Expected<double> {
    if (cuda::scanChunkedWorkspaceFloats(c.chunked, t.batch, t.dim, t.seqlen,
                                         len) > workFloats)
      return Status::error("chunk states exceed the bench's workspace");
    return bench::timeMs(dev, 5, [&] {
      return cuda::launchSelectiveScanChunked(dev, c.chunkedFns, c.chunked, t,
                                              len, work->as<float>());
    });
  };
  // Bytes: u, delta, z, B, C read once + y written once; exps: one per
  // (token, channel, state).
  auto bounds = [&](const Shape &s, int64_t size) {
    const double tokens = static_cast<double>(s.batch * s.len);
    const double bytes = (4.0 * s.dim + 2.0 * n) * tokens * size;
    return std::pair{bytes / (*copyGBs * 1e9) * 1e3,
                     tokens * s.dim * n / expPerSecond * 1e3};
  };

  if (profileOnly) {
    for (cg::ElemType type : {cg::ElemType::F32, cg::ElemType::BF16}) {
      cg::Schedule sc = cuda::defaultScanSchedule(static_cast<int>(n));
      if (profileItems > 0)
        sc.itemsPerThread = profileItems;
      Expected<Compiled> c = compile(dev, type, sc);
      if (!c.ok())
        return fail(c.status());
      const cuda::ScanTensors t =
          tensors({8, 8192, 5120}, type == cg::ElemType::F32 ? 4 : 2);
      for (int i = 0; i < 2; ++i)
        if (Status s =
                cuda::launchSelectiveScan(dev, c->seqFn, c->seq, t, false);
            !s.ok())
          return fail(s);
    }
    Status s = dev.synchronize();
    return s.ok() ? 0 : fail(s);
  }

  // Lanes per channel: with 16 states per thread, 8 x 5120 channels are
  // 1 280 warps, 2.4 per SM sub-partition (some get 3, some 2: the ones
  // with 3 set the time); 2 or 4 lanes give 4.8 or 9.7, and the lanes share
  // out the per-token special-function work (softplus, silu).
  std::printf("## Lanes per channel (sequential kernel, 128 threads)\n\n"
              "| dtype | batch x seqlen x d_inner | states per thread | "
              "FMA fraction | staged tokens | min blocks per SM | time | / "
              "bound |\n|---|---|---|---|---|---|---|---|\n");
  for (cg::ElemType type : {cg::ElemType::F32, cg::ElemType::BF16})
    for (int items : {16, 8, 4, 2})
      for (double fraction : {0.0, 0.125})
        for (int chunk : {8, 16})
          // The minimum blocks per SM caps the registers (3: 168, 4: 128,
          // 5: 96); 5 puts the 640 blocks of 8 x 5120 channels of 2 lanes
          // in one wave.
          for (int perSm : {0, 3, 4, 5}) {
            if (items * fraction != static_cast<int>(items * fraction))
              continue; // no whole number of states on the FMA units
            cg::Schedule sc = cuda::defaultScanSchedule(static_cast<int>(n));
            sc.itemsPerThread = items;
            sc.fmaExpFraction = fraction;
            sc.chunkLen = chunk;
            sc.minBlocksPerSM = perSm;
            Expected<Compiled> c = compile(dev, type, sc);
            if (!c.ok())
              return fail(c.status());
            const int64_t size = type == cg::ElemType::F32 ? 4 : 2;
            for (const Shape &s :
                 {Shape{8, 8192, 5120}, Shape{8, 2048, 1536},
                  Shape{1, 8192, 5120}, Shape{1, 2048, 1536}}) {
              Expected<double> ms = timeSeq(*c, tensors(s, size));
              if (!ms.ok())
                return fail(ms.status());
              const auto [memMs, expMs] = bounds(s, size);
              std::printf("| %s | %lld x %lld x %lld | %d | %.3f | %d | %d | "
                          "%.3f ms | %.2f |\n",
                          cg::elemTypeName(type),
                          static_cast<long long>(s.batch),
                          static_cast<long long>(s.len),
                          static_cast<long long>(s.dim), items, fraction, chunk,
                          perSm, *ms, *ms / std::max(memMs, expMs));
            }
          }
  if (lanesOnly)
    return 0;

  std::printf("\n## Sequential vs time-parallel (chunked) scan\n\n"
              "| dtype | batch x seqlen x d_inner | sequential | chunked "
              "(chunks x tokens) | runtime picks | memory bound | exp bound | "
              "sequential / bound | chunked / bound |\n"
              "|---|---|---|---|---|---|---|---|---|\n");
  const Shape shapes[] = {{1, 2048, 1536}, {1, 2048, 5120}, {1, 8192, 1536},
                          {1, 8192, 5120}, {8, 2048, 1536}, {8, 2048, 5120},
                          {8, 8192, 1536}, {8, 8192, 5120}};
  for (cg::ElemType type : {cg::ElemType::F32, cg::ElemType::BF16}) {
    Expected<Compiled> c = compile(dev, type, static_cast<int>(n), 0.0);
    if (!c.ok())
      return fail(c.status());
    const int64_t size = type == cg::ElemType::F32 ? 4 : 2;
    for (const Shape &s : shapes) {
      const cuda::ScanTensors t = tensors(s, size);
      Expected<double> seq = timeSeq(*c, t);
      if (!seq.ok())
        return fail(seq.status());
      const int picked = cuda::scanTimeChunkLen(c->chunked, t.batch, t.dim,
                                                t.seqlen, minBlocks(*c));
      // Where the runtime keeps the sequential kernel, the chunked one is
      // still timed (pastGrid).
      const int len = picked > 0
                          ? picked
                          : cuda::scanTimeChunkLen(c->chunked, t.batch, t.dim,
                                                   t.seqlen, pastGrid(*c, t));
      Expected<double> chunked = timeChunked(*c, t, len);
      if (!chunked.ok())
        return fail(chunked.status());
      const auto [memMs, expMs] = bounds(s, size);
      const double bound = std::max(memMs, expMs);
      std::printf("| %s | %lld x %lld x %lld | %.3f ms | %.3f ms (%lld x "
                  "%d) | %s | %.3f ms | %.3f ms | %.2f | %.2f |\n",
                  cg::elemTypeName(type), static_cast<long long>(s.batch),
                  static_cast<long long>(s.len), static_cast<long long>(s.dim),
                  *seq, *chunked,
                  static_cast<long long>((s.len + len - 1) / len), len,
                  picked > 0 ? "chunked" : "sequential", memMs, expMs,
                  *seq / bound, *chunked / bound);
    }
  }

  std::printf("\n## Next time chunk prefetched into registers: on vs off\n\n"
              "| dtype | batch x seqlen x d_inner | sequential on | "
              "sequential off | chunked on | chunked off |\n"
              "|---|---|---|---|---|---|\n");
  for (cg::ElemType type : {cg::ElemType::F32, cg::ElemType::BF16}) {
    cg::Schedule off = cuda::defaultScanSchedule(static_cast<int>(n));
    off.prefetch = false;
    Expected<Compiled> con = compile(dev, type, static_cast<int>(n), 0.0);
    Expected<Compiled> coff = compile(dev, type, off);
    if (!con.ok() || !coff.ok())
      return fail(con.ok() ? coff.status() : con.status());
    const int64_t size = type == cg::ElemType::F32 ? 4 : 2;
    for (const Shape &s : shapes) {
      const cuda::ScanTensors t = tensors(s, size);
      int len = cuda::scanTimeChunkLen(con->chunked, t.batch, t.dim, t.seqlen,
                                       minBlocks(*con));
      if (len == 0)
        len = cuda::scanTimeChunkLen(con->chunked, t.batch, t.dim, t.seqlen,
                                     pastGrid(*con, t));
      Expected<double> seqOn = timeSeq(*con, t), seqOff = timeSeq(*coff, t);
      Expected<double> chOn = timeChunked(*con, t, len),
                       chOff = timeChunked(*coff, t, len);
      for (auto *e : {&seqOn, &seqOff, &chOn, &chOff})
        if (!e->ok())
          return fail(e->status());
      std::printf("| %s | %lld x %lld x %lld | %.3f ms | %.3f ms | %.3f ms | "
                  "%.3f ms |\n",
                  cg::elemTypeName(type), static_cast<long long>(s.batch),
                  static_cast<long long>(s.len), static_cast<long long>(s.dim),
                  *seqOn, *seqOff, *chOn, *chOff);
    }
  }

  std::printf("\n## Sequential kernel schedules (8 x 8192 x 5120, and the "
              "chunked kernel at 1 x 8192 x 5120)\n\n| dtype | loads | "
              "threads | states per thread | staged tokens | min blocks per "
              "SM | sequential | / bound | chunked | / bound |\n"
              "|---|---|---|---|---|---|---|---|---|---|\n");
  // The previous default (u/delta/z/y tiles in shared memory, 4 lanes of 4
  // states, 32 tokens, registers for 4 blocks per SM) first, as the
  // baseline; then direct loads.
  std::vector<cg::Schedule> schedules;
  {
    cg::Schedule staged = cuda::defaultScanStepSchedule(static_cast<int>(n));
    staged.directLoads = false;
    staged.chunkLen = 32;
    staged.minBlocksPerSM = 4;
    schedules.push_back(staged);
  }
  for (int threads : {32, 64, 128})
    for (int items : {8, 16})
      for (int chunk : {4, 8, 16})
        for (int perSm : {0, 4}) {
          cg::Schedule sc = cuda::defaultScanSchedule(static_cast<int>(n));
          sc.threadsPerBlock = threads;
          sc.itemsPerThread = items;
          sc.chunkLen = chunk;
          sc.minBlocksPerSM = perSm;
          schedules.push_back(sc);
        }
  for (cg::ElemType type : {cg::ElemType::F32, cg::ElemType::BF16})
    for (const cg::Schedule &sc : schedules) {
      Expected<Compiled> c = compile(dev, type, sc);
      if (!c.ok()) // a schedule over the shared-memory limit
        continue;
      const Shape s{8, 8192, 5120}, one{1, 8192, 5120};
      const int64_t size = type == cg::ElemType::F32 ? 4 : 2;
      const cuda::ScanTensors t1 = tensors(one, size);
      Expected<double> ms = timeSeq(*c, tensors(s, size));
      // Time chunks as the runtime would cut them, even where this
      // schedule's sequential grid is past the runtime's threshold.
      const int groups = (t1.dim + c->chunked.channelsPerBlock() - 1) /
                         c->chunked.channelsPerBlock();
      Expected<double> ch = timeChunked(
          *c, t1,
          cuda::scanTimeChunkLen(c->chunked, 1, t1.dim, t1.seqlen,
                                 std::max(minBlocks(*c), groups + 1)));
      if (!ms.ok() || !ch.ok())
        return fail(ms.ok() ? ch.status() : ms.status());
      const auto [memMs, expMs] = bounds(s, size);
      const auto [memMs1, expMs1] = bounds(one, size);
      std::printf("| %s | %s | %d | %d | %d | %d | %.3f ms | %.2f | %.3f ms "
                  "| %.2f |\n",
                  cg::elemTypeName(type), sc.directLoads ? "direct" : "staged",
                  sc.threadsPerBlock, sc.itemsPerThread, sc.chunkLen,
                  sc.minBlocksPerSM, *ms, *ms / std::max(memMs, expMs), *ch,
                  *ch / std::max(memMs1, expMs1));
    }

  std::printf("\n## Chunk length sweep (batch 1)\n\n"
              "| dtype | seqlen x d_inner | tokens per chunk | chunks | "
              "time | / bound |\n|---|---|---|---|---|---|\n");
  for (cg::ElemType type : {cg::ElemType::F32, cg::ElemType::BF16}) {
    Expected<Compiled> c = compile(dev, type, static_cast<int>(n), 0.0);
    if (!c.ok())
      return fail(c.status());
    const int64_t size = type == cg::ElemType::F32 ? 4 : 2;
    for (const Shape &s : {Shape{1, 2048, 1536}, Shape{1, 8192, 5120}})
      for (int len : {64, 128, 256, 512, 1024, 2048}) {
        if (len >= s.len)
          continue;
        Expected<double> ms = timeChunked(*c, tensors(s, size), len);
        if (!ms.ok())
          return fail(ms.status());
        const auto [memMs, expMs] = bounds(s, size);
        std::printf("| %s | %lld x %lld | %d | %lld | %.3f ms | %.2f |\n",
                    cg::elemTypeName(type), static_cast<long long>(s.len),
                    static_cast<long long>(s.dim), len,
                    static_cast<long long>((s.len + len - 1) / len), *ms,
                    *ms / std::max(memMs, expMs));
      }
  }

  std::printf("\n## BF16: exponentials split between SFU and FMA units\n\n"
              "| batch x seqlen x d_inner | FMA fraction | sequential | "
              "chunked | exp bound (SFU only) | chunked / max bound |\n"
              "|---|---|---|---|---|---|\n");
  for (double fraction : {0.0, 0.25, 0.5, 0.75}) {
    Expected<Compiled> c =
        compile(dev, cg::ElemType::BF16, static_cast<int>(n), fraction);
    if (!c.ok())
      return fail(c.status());
    for (const Shape &s : {Shape{1, 8192, 5120}, Shape{8, 8192, 5120}}) {
      const cuda::ScanTensors t = tensors(s, 2);
      Expected<double> seq = timeSeq(*c, t);
      int len = cuda::scanTimeChunkLen(c->chunked, t.batch, t.dim, t.seqlen,
                                       minBlocks(*c));
      if (len == 0)
        len = cuda::scanTimeChunkLen(c->chunked, t.batch, t.dim, t.seqlen,
                                     pastGrid(*c, t));
      Expected<double> chunked = timeChunked(*c, t, len);
      if (!seq.ok() || !chunked.ok())
        return fail(seq.ok() ? chunked.status() : seq.status());
      const auto [memMs, expMs] = bounds(s, 2);
      std::printf("| %lld x %lld x %lld | %.2f | %.3f ms | %.3f ms | %.3f ms "
                  "| %.2f |\n",
                  static_cast<long long>(s.batch),
                  static_cast<long long>(s.len), static_cast<long long>(s.dim),
                  fraction, *seq, *chunked, expMs,
                  *chunked / std::max(memMs, expMs));
    }
  }
  return 0;
}

// The host CUDA emulator that runs kernels' text in tests without a GPU:
// its warp intrinsics and barrier against their CUDA meaning, and the
// misuses it reports instead of hanging.
#include "cuda_emulator.h"

#include <gtest/gtest.h>

namespace {

// Each thread's results, by thread index.
int g_out[4][128];

void intrinsics(int) {
  const int t = static_cast<int>(threadIdx.x), lane = t % 32;
  g_out[0][t] = __shfl_xor_sync(0xffffffffu, t, 1);
  g_out[1][t] = static_cast<int>(__ballot_sync(0xffffffffu, lane % 3 == 0));
  // Lanes grouped by lane / 8: four groups, each summing its lanes.
  const unsigned peers = __match_any_sync(0xffffffffu, lane / 8);
  g_out[2][t] = static_cast<int>(__reduce_add_sync(peers, lane));
  g_out[3][t] = __shfl_up_sync(0xffffffffu, t, 4);
}

// Shuffles within segments of 4 lanes (the scan's lanes of a channel).
void segments(int) {
  const int t = static_cast<int>(threadIdx.x);
  g_out[0][t] = __shfl_sync(0xffffffffu, t, 1, 4);
  g_out[1][t] = __shfl_xor_sync(0xffffffffu, t, 2, 4);
  g_out[2][t] = __shfl_xor_sync(0xffffffffu, t, 4, 4); // another segment
}

void barrier(int) {
  __shared__ int s_value;
  if (threadIdx.x == 5)
    s_value = 42;
  __syncthreads();
  g_out[0][threadIdx.x] = s_value;
}

void laneLeavesEarly(int) {
  if (threadIdx.x % 32 == 7)
    return;
  g_out[0][threadIdx.x] = __shfl_sync(0xffffffffu, 1, 0);
}

void divergentBarrier(int) {
  if (threadIdx.x < 32)
    __syncthreads();
}

void outsideItsMask(int) { __ballot_sync(0x1u, true); }

// Each thread's global index, as kernels compute it.
void globalIndex(int) {
  const unsigned t = blockIdx.x * blockDim.x + threadIdx.x;
  g_out[0][t] = static_cast<int>(blockDim.x * 100 + blockDim.y * 10 +
                                 blockDim.z);
}

TEST(CudaEmulator, BlockDimIsTheLaunchsBlockSize) {
  mamba::emu::launch(globalIndex, 3, 40, 0);
  for (int t = 0; t < 120; ++t)
    EXPECT_EQ(g_out[0][t], 40 * 100 + 11) << t;
}

TEST(CudaEmulator, WarpIntrinsicsMeanWhatTheyMeanInCuda) {
  mamba::emu::launch(intrinsics, 1, 64, 0);
  unsigned every3 = 0;
  for (int l = 0; l < 32; l += 3)
    every3 |= 1u << l;
  for (int t = 0; t < 64; ++t) {
    const int lane = t % 32, group = lane / 8;
    EXPECT_EQ(g_out[0][t], t ^ 1) << t;
    EXPECT_EQ(static_cast<unsigned>(g_out[1][t]), every3) << t;
    // 8 lanes from group * 8: 8 * group * 8 + 0 + 1 + ... + 7.
    EXPECT_EQ(g_out[2][t], 64 * group + 28) << t;
    EXPECT_EQ(g_out[3][t], lane >= 4 ? t - 4 : t) << t;
  }
}

TEST(CudaEmulator, ShufflesWithAWidthStayInTheirSegment) {
  mamba::emu::launch(segments, 1, 32, 0);
  for (int t = 0; t < 32; ++t) {
    EXPECT_EQ(g_out[0][t], t / 4 * 4 + 1) << t; // lane 1 of its segment
    EXPECT_EQ(g_out[1][t], t ^ 2) << t;
    // A later segment's lane: the caller's own value; an earlier one's:
    // that lane's.
    EXPECT_EQ(g_out[2][t], (t ^ 4) > t ? t : t ^ 4) << t;
  }
}

TEST(CudaEmulator, SharedMemoryIsSeenAfterTheBarrier) {
  mamba::emu::launch(barrier, 2, 128, 0);
  for (int t = 0; t < 128; ++t)
    EXPECT_EQ(g_out[0][t], 42) << t;
}

TEST(CudaEmulator, AWaitThatCannotEndIsReportedAsADeadlock) {
  for (void (*kernel)(int) : {laneLeavesEarly, divergentBarrier}) {
    try {
      mamba::emu::launch(kernel, 1, 64, 0);
      ADD_FAILURE() << "no deadlock reported";
    } catch (const std::runtime_error &e) {
      EXPECT_NE(std::string(e.what()).find("deadlock"), std::string::npos)
          << e.what();
    }
  }
}

TEST(CudaEmulator, ALaneOutsideItsMaskIsReported) {
  try {
    mamba::emu::launch(outsideItsMask, 1, 32, 0);
    ADD_FAILURE() << "no error reported";
  } catch (const std::runtime_error &e) {
    EXPECT_NE(std::string(e.what()).find("outside its mask"), std::string::npos)
        << e.what();
  }
}

} // namespace

// Host references of the decode-step kernels' tests (on a GPU,
// cuda_decode_kernels_test; on the host emulator, the emulated tests): a
// product summed in double, and a decode scan step's inputs with the CPU
// runtime's result for them.
#ifndef MAMBA_TEST_RUNTIME_DECODE_REFERENCE_H
#define MAMBA_TEST_RUNTIME_DECODE_REFERENCE_H

#include "../../runtime/src/cpu/kernels.h"
#include "mamba/codegen/cuda_emitter.h"
#include "random_vector.h"

#include <cstdint>
#include <vector>

namespace mamba::test {

/// y[b, r] = bias[r] + W[r] . x[b] for b < batch (W [rows, cols] row-major,
/// x rows `ldx` apart), summed in double.
inline std::vector<float> hostProduct(const std::vector<float> &w, int64_t rows,
                                      int64_t cols, const float *x, int64_t ldx,
                                      int64_t batch,
                                      const float *bias = nullptr) {
  std::vector<float> y(batch * rows);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t r = 0; r < rows; ++r) {
      double s = bias ? bias[r] : 0.0;
      for (int64_t i = 0; i < cols; ++i)
        s += static_cast<double>(w[r * cols + i]) * x[b * ldx + i];
      y[b * rows + r] = static_cast<float>(s);
    }
  return y;
}

/// Random inputs of a decode scan step with dt_proj folded in (x_proj's
/// output rows `dbc` = [dt_in | B | C]) and the CPU runtime's result for
/// them: y and the next state.
struct ScanStepCase {
  int64_t B, E, N, R, W;
  std::vector<float> u, dbc, z, dtProj, a, d, bias, state, yRef, stateRef;

  /// u is rounded as `uType` would store it.
  ScanStepCase(int64_t batch, int64_t dim, int64_t rank,
               codegen::cuda::ElemType uType)
      : B(batch), E(dim), N(16), R(rank), W(rank + 2 * N) {
    u = test::randomVector(B * E, -1, 1, 1);
    if (uType != codegen::cuda::ElemType::F32)
      test::roundToBf16(u);
    dbc = test::randomVector(B * W, -1, 1, 2);
    z = test::randomVector(B * E, -2, 2, 3);
    dtProj = test::randomVector(E * R, -1, 1, 4);
    a = test::randomVector(E * N, -4, -0.1f, 6);
    d = test::randomVector(E, 0.5f, 1.5f, 7);
    bias = test::randomVector(E, -1, 1, 8);
    state = test::randomVector(B * E * N, -1, 1, 9);
    std::vector<float> delta = hostProduct(dtProj, E, R, dbc.data(), W, B);
    yRef.resize(B * E);
    stateRef = state;
    for (int64_t b = 0; b < B; ++b) {
      cpu::ScanArgs args{};
      args.x = u.data() + b * E;
      args.delta = delta.data() + b * E;
      args.z = z.data() + b * E;
      args.b = dbc.data() + b * W + R;
      args.c = dbc.data() + b * W + R + N;
      args.a = a.data();
      args.d = d.data();
      args.dtBias = bias.data();
      args.state = stateRef.data() + b * E * N;
      args.y = yRef.data() + b * E;
      args.ldx = args.ldDelta = args.ldz = args.ldy = E;
      args.ldBC = W;
      args.len = 1;
      args.dState = N;
      cpu::selectiveScan(args, 0, E);
    }
  }
};

} // namespace mamba::test

#endif // MAMBA_TEST_RUNTIME_DECODE_REFERENCE_H

// The CPU runtime's selective scan as the reference of the generated scan
// kernels' tests (on a GPU, cuda_kernels_test; on the host emulator,
// scan_emulated_test), and the layout change they feed the kernels with.
#ifndef MAMBA_TEST_RUNTIME_SCAN_REFERENCE_H
#define MAMBA_TEST_RUNTIME_SCAN_REFERENCE_H

#include "../../runtime/src/cpu/kernels.h"

#include <cstdint>
#include <vector>

namespace mamba::test {

/// [B, R, C] -> [B, C, R].
inline std::vector<float> transposeRows(const std::vector<float> &v, int64_t b,
                                        int64_t r, int64_t c) {
  std::vector<float> out(v.size());
  for (int64_t i = 0; i < b; ++i)
    for (int64_t t = 0; t < r; ++t)
      for (int64_t j = 0; j < c; ++j)
        out[(i * c + j) * r + t] = v[(i * r + t) * c + j];
  return out;
}

/// [B, L, C] -> [B, C, L].
inline std::vector<float> toChannelMajor(const std::vector<float> &v, int64_t b,
                                         int64_t l, int64_t c) {
  return transposeRows(v, b, l, c);
}

/// [B, C, L] -> [B, L, C].
inline std::vector<float> toTokenMajor(const std::vector<float> &v, int64_t b,
                                       int64_t l, int64_t c) {
  return transposeRows(v, b, c, l);
}

struct ScanShape {
  int64_t batch, len, channels, dState;
};

/// The CPU runtime's scan of token-major [batch, len, *] inputs: y, and
/// `state` advanced in place ([batch, channels, dState]).
inline void cpuScan(const std::vector<float> &u, std::vector<float> delta,
                    const std::vector<float> &z, const std::vector<float> &b,
                    const std::vector<float> &c, const std::vector<float> &a,
                    const std::vector<float> &d, const std::vector<float> &bias,
                    ScanShape shape, std::vector<float> &y,
                    std::vector<float> &state) {
  // `delta` is a copy: the CPU scan overwrites it with dt.
  const int64_t L = shape.len, E = shape.channels, N = shape.dState;
  y.assign(shape.batch * L * E, 0.0f);
  for (int64_t i = 0; i < shape.batch; ++i) {
    cpu::ScanArgs args{};
    args.x = u.data() + i * L * E;
    args.delta = delta.data() + i * L * E;
    args.z = z.data() + i * L * E;
    args.b = b.data() + i * L * N;
    args.c = c.data() + i * L * N;
    args.a = a.data();
    args.d = d.data();
    args.dtBias = bias.data();
    args.state = state.data() + i * E * N;
    args.y = y.data() + i * L * E;
    args.ldx = args.ldDelta = args.ldz = args.ldy = E;
    args.ldBC = N;
    args.len = L;
    args.dState = N;
    cpu::selectiveScan(args, 0, E);
  }
}

} // namespace mamba::test

#endif // MAMBA_TEST_RUNTIME_SCAN_REFERENCE_H

// Linear layers through BLAS sgemm, split over output columns so that our own
// pool provides the parallelism (OpenBLAS is kept single-threaded: two thread
// pools on two cores would fight).
#include "kernels.h"
#include "mamba/thread_pool.h"

#include <cblas.h>

namespace mamba::cpu {

namespace {

// Column slices are multiples of this so each thread's sgemm keeps full
// vector-width micro-kernels.
constexpr int64_t kColumnAlign = 16;
// Up to this many rows, matrix-vector products beat sgemm, whose packing of
// the weight matrix costs more than the product itself (decode steps).
constexpr int64_t kMaxGemvRows = 2;

} // namespace

void useSingleThreadedBlas() {
#ifdef OPENBLAS_VERSION
  openblas_set_num_threads(1);
#endif
}

void linear(ThreadPool &pool, const float *x, int64_t ldx, const float *w,
            const float *bias, float *y, int64_t ldy, int64_t m, int64_t n,
            int64_t k, bool accumulate) {
  if (m <= 0 || n <= 0)
    return;
  const float beta = accumulate ? 1.0f : 0.0f;
  pool.parallelFor(n, kColumnAlign, [&](int64_t begin, int64_t end) {
    if (m <= kMaxGemvRows) {
      for (int64_t r = 0; r < m; ++r)
        cblas_sgemv(CblasRowMajor, CblasNoTrans, static_cast<int>(end - begin),
                    static_cast<int>(k), 1.0f, w + begin * k,
                    static_cast<int>(k), x + r * ldx, 1, beta,
                    y + r * ldy + begin, 1);
    } else {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(m),
                  static_cast<int>(end - begin), static_cast<int>(k), 1.0f, x,
                  static_cast<int>(ldx), w + begin * k, static_cast<int>(k),
                  beta, y + begin, static_cast<int>(ldy));
    }
    if (bias)
      for (int64_t r = 0; r < m; ++r)
        for (int64_t c = begin; c < end; ++c)
          y[r * ldy + c] += bias[c];
  });
}

} // namespace mamba::cpu

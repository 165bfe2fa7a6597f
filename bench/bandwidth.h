// A streaming-read bandwidth probe: the memory speed that bounds decoding,
// measured on the machine in the same run as the model figures.
#ifndef MAMBA_BENCH_BANDWIDTH_H
#define MAMBA_BENCH_BANDWIDTH_H

#include <cstddef>

namespace mamba::bench {

/// Best read bandwidth in bytes/s over `passes` sums of a `bytes` buffer
/// split over `threads` threads (the caller's included).
double measureReadBandwidth(size_t bytes, int threads, int passes);

} // namespace mamba::bench

#endif // MAMBA_BENCH_BANDWIDTH_H

// Resident memory of this process, for the throughput reports of the tools
// and benchmarks (Linux /proc; 0 where unavailable).
#ifndef MAMBA_PROCESS_MEMORY_H
#define MAMBA_PROCESS_MEMORY_H

#include <cstdint>

namespace mamba {
/// Current resident set size in bytes.
int64_t currentRssBytes();
/// Largest resident set size so far in bytes.
int64_t peakRssBytes();
} // namespace mamba

#endif // MAMBA_PROCESS_MEMORY_H

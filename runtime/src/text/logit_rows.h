// Whole-row passes over a row of logits for the sampler. A decode step runs
// them for every sequence on the host, so they are written as branch-free
// loops that the compiler vectorizes (sampler_bench, 50 280 tokens: a
// greedy pick ~4x faster than the scalar loops it replaced, a temperature
// draw ~6x), each also compiled for AVX2 (another ~1.8x for a greedy pick)
// without FMA contraction, so both builds give the same bits.
#ifndef MAMBA_TEXT_LOGIT_ROWS_H
#define MAMBA_TEXT_LOGIT_ROWS_H

#include <cstddef>

namespace mamba::logit_rows {

/// Index of the first NaN or +inf in v[0, n), or n if there is none.
size_t firstUnusable(const float *v, size_t n);

/// The largest value of v[0, n), NaNs skipped; -inf if all are NaN or -inf.
float maxOf(const float *v, size_t n);

/// The first index i with v[i] == x, or n.
size_t firstEqual(const float *v, size_t n, float x);

/// out[i] = e^((v[i] - max) * invT), where max = maxOf(v) is finite and
/// invT > 0: softmax weights, the largest exactly 1. Weights below 2^-126
/// (about e^-87) are 0, so a -inf logit has weight 0.
void softmaxWeights(const float *v, size_t n, float max, float invT,
                    float *out);

/// The sum of w[0, n) in double.
double sumOf(const float *w, size_t n);

/// Zeroes w[i] for every token less likely than `lastLogit` held by token
/// `lastId`: v[i] < lastLogit, or v[i] == lastLogit and i > lastId (the
/// sampler's order: likelier first, ties to the lower id).
void zeroBelow(const float *v, size_t n, float lastLogit, size_t lastId,
               float *w);

/// The first index i whose running sum w[0] + ... + w[i] exceeds `target`
/// and whose w[i] > 0, or n if none does (target >= the total).
size_t firstAbove(const float *w, size_t n, double target);

} // namespace mamba::logit_rows

#endif // MAMBA_TEXT_LOGIT_ROWS_H

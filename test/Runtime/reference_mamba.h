// A deliberately naive Mamba-1 forward pass in double precision, written
// straight from the equations in REFERENCE.md, to check the CPU executor on
// shapes and options the golden files do not cover.
#ifndef MAMBA_TEST_RUNTIME_REFERENCE_MAMBA_H
#define MAMBA_TEST_RUNTIME_REFERENCE_MAMBA_H

#include "mamba/weights.h"

#include <cmath>
#include <vector>

namespace mamba::test {

/// Logits [len, vocab] of one sequence from an empty state.
inline std::vector<float> referenceLogits(const ModelWeights &w,
                                          const std::vector<int32_t> &tokens) {
  const ModelConfig &c = w.config;
  const int64_t d = c.dModel, e = c.dInner(), n = c.dState, r = c.dtRank,
                k = c.dConv, L = static_cast<int64_t>(tokens.size()),
                V = c.vocabSize;
  auto silu = [](double v) { return v / (1.0 + std::exp(-v)); };
  auto rmsnorm = [&](const std::vector<double> &x,
                     const std::vector<float> &g) {
    std::vector<double> y(d);
    double ss = 0;
    for (double v : x)
      ss += v * v;
    double s = 1.0 / std::sqrt(ss / d + c.rmsEps);
    for (int64_t i = 0; i < d; ++i)
      y[i] = x[i] * s * g[i];
    return y;
  };

  std::vector<std::vector<double>> h(L, std::vector<double>(d));
  for (int64_t t = 0; t < L; ++t)
    for (int64_t i = 0; i < d; ++i)
      h[t][i] = w.embedding[tokens[t] * d + i];

  for (const LayerWeights &l : w.layers) {
    std::vector<std::vector<double>> x(L, std::vector<double>(e)),
        z(L, std::vector<double>(e));
    for (int64_t t = 0; t < L; ++t) {
      std::vector<double> hn = rmsnorm(h[t], l.norm);
      for (int64_t o = 0; o < 2 * e; ++o) {
        double acc = l.inProjBias.empty() ? 0.0 : l.inProjBias[o];
        for (int64_t i = 0; i < d; ++i)
          acc += l.inProj[o * d + i] * hn[i];
        (o < e ? x[t][o] : z[t][o - e]) = acc;
      }
    }
    std::vector<std::vector<double>> u(L, std::vector<double>(e));
    for (int64_t t = 0; t < L; ++t)
      for (int64_t ch = 0; ch < e; ++ch) {
        double acc = l.convBias.empty() ? 0.0 : l.convBias[ch];
        for (int64_t j = 0; j < k; ++j) {
          int64_t s = t - (k - 1) + j;
          if (s >= 0)
            acc += l.convWeight[ch * k + j] * x[s][ch];
        }
        u[t][ch] = silu(acc);
      }
    std::vector<std::vector<double>> state(e, std::vector<double>(n, 0.0));
    for (int64_t t = 0; t < L; ++t) {
      std::vector<double> dbc(r + 2 * n, 0.0);
      for (int64_t o = 0; o < r + 2 * n; ++o)
        for (int64_t i = 0; i < e; ++i)
          dbc[o] += l.xProj[o * e + i] * u[t][i];
      std::vector<double> y(e);
      for (int64_t ch = 0; ch < e; ++ch) {
        double pre = l.dtBias[ch];
        for (int64_t j = 0; j < r; ++j)
          pre += l.dtProj[ch * r + j] * dbc[j];
        double dt = pre > 20 ? pre : std::log1p(std::exp(pre));
        double acc = 0;
        for (int64_t s = 0; s < n; ++s) {
          double a = -std::exp(static_cast<double>(l.aLog[ch * n + s]));
          state[ch][s] =
              std::exp(dt * a) * state[ch][s] + dt * dbc[r + s] * u[t][ch];
          acc += state[ch][s] * dbc[r + n + s];
        }
        y[ch] = (acc + l.d[ch] * u[t][ch]) * silu(z[t][ch]);
      }
      for (int64_t o = 0; o < d; ++o) {
        double acc = l.outProjBias.empty() ? 0.0 : l.outProjBias[o];
        for (int64_t i = 0; i < e; ++i)
          acc += l.outProj[o * e + i] * y[i];
        h[t][o] += acc;
      }
    }
  }
  std::vector<float> logits(L * V);
  const float *head = w.lmHeadData();
  for (int64_t t = 0; t < L; ++t) {
    std::vector<double> hn = rmsnorm(h[t], w.normF);
    for (int64_t v = 0; v < V; ++v) {
      double acc = 0;
      for (int64_t i = 0; i < d; ++i)
        acc += head[v * d + i] * hn[i];
      logits[t * V + v] = static_cast<float>(acc);
    }
  }
  return logits;
}

} // namespace mamba::test

#endif // MAMBA_TEST_RUNTIME_REFERENCE_MAMBA_H

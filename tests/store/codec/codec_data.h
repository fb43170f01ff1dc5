// Realistic column data for codec tests and the codec micro-benchmark
// (bench/codec_bench.cc): timestamps, durations, token counts, costs and
// OpenCode-shaped ids. Deterministic for a seed; no test framework needed.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace agentperf::store::codec::testing {

// ---- Realistic columns -------------------------------------------------------

// Sorted µs timestamps, whole milliseconds, exponential gaps of mean gap_ms.
inline std::vector<int64_t> SortedTimestampsUs(size_t n, double gap_ms, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::exponential_distribution<double> gap(1.0 / gap_ms);
  std::vector<int64_t> v(n);
  int64_t t = 1795487301395;  // ms
  for (size_t i = 0; i < n; ++i) {
    t += static_cast<int64_t>(std::llround(gap(rng)));
    v[i] = t * 1000;
  }
  return v;
}

// Lognormal durations in whole ms, stored in µs.
inline std::vector<int64_t> LognormalDurationsUs(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> d(std::log(800.0), 1.2);
  std::vector<int64_t> v(n);
  for (auto& x : v) x = std::llround(d(rng)) * 1000;
  return v;
}

// Token counts present on `share` of rows, -1 = absent.
inline std::vector<int64_t> TokenCounts(size_t n, double share, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution present(share);
  std::lognormal_distribution<double> tokens(std::log(300.0), 1.0);
  std::vector<int64_t> v(n);
  for (auto& x : v) x = present(rng) ? std::llround(tokens(rng)) : -1;
  return v;
}

// Costs in USD with 7 decimals (like 0.0002352), NaN = absent on some rows.
inline std::vector<double> Costs(size_t n, double present_share, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution present(present_share);
  std::lognormal_distribution<double> cost(std::log(2400.0), 0.7);
  std::vector<double> v(n);
  for (auto& x : v) {
    if (!present(rng)) {
      x = std::nan("");
      continue;
    }
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.7f", std::round(cost(rng)) / 1e7);  // as parsed from JSON
    x = std::strtod(buf, nullptr);
  }
  return v;
}

// OpenCode ids "<prefix>_<12 hex><14 base62>", created in order.
inline std::vector<std::string> OpenCodeIds(size_t n, const char* prefix, bool descending, uint64_t seed,
                                            double gap_ms = 40.0) {
  static const char kB62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::mt19937_64 rng(seed);
  std::exponential_distribution<double> gap(1.0 / gap_ms);  // ms between ids
  uint64_t ms = 1795487301395;
  uint64_t last_ms = 0, counter = 0;
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) {
    ms += static_cast<uint64_t>(std::llround(gap(rng)));
    counter = ms == last_ms ? counter + 1 : 1;
    last_ms = ms;
    uint64_t now = (ms * 0x1000 + counter) & 0xffffffffffffULL;
    if (descending) now = ~now & 0xffffffffffffULL;
    char hex[16];
    std::snprintf(hex, sizeof(hex), "%012llx", static_cast<unsigned long long>(now));
    std::string s = std::string(prefix) + "_" + hex;
    for (int k = 0; k < 14; ++k) s.push_back(kB62[rng() % 62]);
    out.push_back(s);
  }
  return out;
}

}  // namespace agentperf::store::codec::testing

// The entropy-coded integer codec int_ans (docs/format/codecs.md, codec 10):
// values (or their deltas / delta-of-deltas), mapped to unsigned u, become
// "hybrid tokens" (small values exactly, larger ones as their bit length and
// top m bits, the remaining low bits stored raw), and the tokens are coded
// with a static rANS coder whose frequency table travels in the chunk.
// Heavy-tailed columns (durations, token counts, timestamp gaps, decimal
// digits) cost close to their order-0 entropy instead of the block's widest
// value.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "store/codec/codec_internal.h"

namespace agentperf::store::codec::ans {

// Hybrid token parameters: values below 2^split are their own token; a larger
// value with highest set bit e becomes token 2^split + (e - split) * 2^msb +
// (its msb bits below bit e), followed by its e - msb low bits raw.
struct TokenConfig {
  int split = 4;  // 0..8
  int msb = 2;    // 0..min(split, 4)
};
constexpr int kMaxSplit = 8;
constexpr int kMaxMsb = 4;
inline int TokenCount(TokenConfig c) { return (1 << c.split) + ((64 - c.split) << c.msb); }

// How v maps to the coded values u: order 0 codes v, order 1 the deltas
// v[i+1] - v[i], order 2 the delta-of-deltas; then u = d - ref, or
// zigzag(d - ref) (all modulo 2^64).
struct Transform {
  int order = 0;  // 0..2
  bool zigzag = false;
  int64_t ref = 0;
};

// The coded values u[0 .. n - order) of v under t; returns their count.
size_t Apply(const int64_t* v, size_t n, const Transform& t, uint64_t* u);

// Estimated size in bytes of an int_ans chunk coding u[0..m) (token stream,
// raw bits, frequency table, a typical header) with the best token
// configuration, which it stores in *best.
size_t EstimateSize(const uint64_t* u, size_t m, TokenConfig* best);

// Appends a complete int_ans chunk (codec byte first) of v[0..n).
void Put(const int64_t* v, size_t n, const Transform& t, TokenConfig c, std::string* out);

// Decodes the body (after the codec byte) of an int_ans chunk of n values.
Status Decode(std::string_view body, size_t n, int64_t* out);

}  // namespace agentperf::store::codec::ans

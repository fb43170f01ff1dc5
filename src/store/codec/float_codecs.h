// The double codecs (docs/format/codecs.md, "Double codecs"): writers and the
// ALP-style decimal analysis. Doubles travel as their 64 bits (uint64_t), so
// every comparison is bit-exact: -0.0, NaN payloads and infinities round-trip.
// Decoding is DecodeDoublesAt, choosing ChooseDoubles (codec_internal.h).
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "store/codec/codec_internal.h"

namespace agentperf::store::codec::doubles {

constexpr int kMaxExponent = 18;
// Powers of ten up to 10^18, all exactly representable.
inline constexpr double kPow10[kMaxExponent + 1] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8, 1e9,
                                                    1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};

// The exponent e (0..18) minimising the estimated decimal size on a sample,
// and the sample's share of values that round-trip with it (0..1).
int ChooseExponent(const detail::U64Alias* v, size_t n, double* fit_share);

void PutPlain(const detail::U64Alias* v, size_t n, std::string* out);
void PutConstant(uint64_t bits, std::string* out);
void PutGorilla(const detail::U64Alias* v, size_t n, std::string* out);
void PutDecimal(const detail::U64Alias* v, size_t n, int e, std::string* out);
void PutSparse(const detail::U64Alias* v, size_t n, uint64_t def, detail::CodecMask inner, std::string* out);

}  // namespace agentperf::store::codec::doubles

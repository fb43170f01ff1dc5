// The integer codecs (docs/format/codecs.md, "Integer codecs"): writers for
// each codec, given the parameters the chooser (int_chooser.cc) picked, and
// the transforms they share. Decoding is DecodeIntsAt (codec_internal.h).
//
// Arithmetic is modulo 2^64 throughout (unsigned), so deltas of INT64_MIN and
// INT64_MAX wrap and round-trip. Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "store/codec/codec_internal.h"

namespace agentperf::store::codec::ints {

// How the packed values u of delta / dod map to deltas: d = base + (zigzag ? unzigzag(u) : u).
struct DeltaParams {
  bool zigzag = false;
  int64_t base = 0;
};

// gcd of v[i] - min over all i (0 when all values equal min).
uint64_t CommonFactor(const int64_t* v, size_t n, int64_t min);
// u[i] = (v[i] - offset) / factor, exactly. REQUIRES factor divides every v[i] - offset.
void DivideExact(const int64_t* v, size_t n, int64_t offset, uint64_t factor, uint64_t* u);

// Writers: each appends the codec byte and the codec's body.
void PutPlain(const int64_t* v, size_t n, std::string* out);
void PutConstant(int64_t value, std::string* out);
void PutFor(int64_t ref, const uint64_t* u, size_t n, std::string* out);
void PutDelta(int64_t first, DeltaParams p, const uint64_t* u, size_t m, std::string* out);
void PutDod(int64_t first, int64_t first_delta, DeltaParams p, const uint64_t* u, size_t m, std::string* out);
// Nested chunks are chosen among `inner` codecs.
void PutRle(const int64_t* v, size_t n, detail::CodecMask inner, std::string* out);
void PutSparse(const int64_t* v, size_t n, int64_t def, detail::CodecMask inner, std::string* out);
void PutGcd(const int64_t* v, size_t n, int64_t offset, uint64_t factor, detail::CodecMask inner, std::string* out);

}  // namespace agentperf::store::codec::ints

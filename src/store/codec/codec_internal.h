// Internals shared by the codec files (not part of the public surface): the
// nesting limit, the recursive entry points the codecs call for nested chunks,
// and small reading helpers. Thread-safety: pure functions.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/coding.h"
#include "core/status.h"
#include "store/codec/column_codec.h"

namespace agentperf::store::codec::detail {

// Nested chunks deeper than this are corruption (bounds the decoder's stack).
constexpr int kMaxDepth = 12;

// Doubles travel through the codecs as their bits; this type may alias the
// caller's double arrays (GCC/Clang may_alias: accesses behave like char's).
using U64Alias = uint64_t __attribute__((__may_alias__));

// A set of codec ids the chooser may use at one level (bit = id - base).
using CodecMask = uint32_t;
constexpr CodecMask Bit(CodecId id) { return CodecMask{1} << (static_cast<uint32_t>(id) & 31); }
constexpr CodecMask kAllCodecs = ~CodecMask{0};

// Recursive entry points (column_codec.cc dispatches, the codec files implement).
Status DecodeIntsAt(std::string_view in, size_t n, int64_t* out, int depth);
Status DecodeDoublesAt(std::string_view in, size_t n, U64Alias* out, int depth);
// Appends to *bytes / *offsets (offsets gets n entries: the end of each string).
// `budget` is how many bytes the decoding may still produce in all.
Status DecodeStringsAt(std::string_view in, size_t n, std::string* bytes, std::vector<uint32_t>* offsets,
                       int depth, size_t* budget);

// The chooser: appends the smallest encoding among the codecs in `allowed`.
void ChooseInts(const int64_t* v, size_t n, CodecMask allowed, std::string* out);
void ChooseDoubles(const U64Alias* v, size_t n, CodecMask allowed, std::string* out);
void ChooseStrings(const std::string_view* v, size_t n, CodecMask allowed, std::string* out);

// Forced outer codecs (InvalidArgument when the data does not fit the codec).
Status EncodeIntsAs(CodecId id, const int64_t* v, size_t n, std::string* out);
Status EncodeDoublesAs(CodecId id, const U64Alias* v, size_t n, std::string* out);
Status EncodeStringsAs(CodecId id, const std::string_view* v, size_t n, std::string* out);

inline Status Corrupt(std::string_view codec, std::string_view what) {
  std::string m(codec);
  m += ": ";
  m += what;
  return Status::Corruption(std::move(m));
}

// Reads a varint that must be <= limit.
inline bool GetBoundedVarint(std::string_view* in, uint64_t limit, uint64_t* v) {
  return coding::GetVarint64(in, v) && *v <= limit;
}
// Reads a varint length L <= in->size() and splits off those L bytes.
inline bool GetNested(std::string_view* in, std::string_view* nested) {
  return coding::GetLengthPrefixed(in, nested);
}
inline size_t VarintLength(uint64_t v) {
  size_t len = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++len;
  }
  return len;
}

inline uint64_t Load64(const void* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline void Store64(void* p, uint64_t v) { std::memcpy(p, &v, 8); }

inline uint64_t DoubleBits(double d) {
  uint64_t b;
  std::memcpy(&b, &d, 8);
  return b;
}
inline double BitsDouble(uint64_t b) {
  double d;
  std::memcpy(&d, &b, 8);
  return d;
}

// The most common value of an even sample of up to 256 of v[0..n) (REQUIRES
// n > 0), and in *count how often it occurs in all of v. Used to pick the
// default of the sparse codecs.
template <typename T, typename Elem>
T MostCommonValue(const Elem* v, size_t n, size_t* count) {
  T sample[256];
  const size_t k = std::min<size_t>(n, 256);
  for (size_t i = 0; i < k; ++i) sample[i] = v[i * n / k];
  std::sort(sample, sample + k);
  T best = sample[0];
  size_t best_run = 0;
  for (size_t i = 0; i < k;) {
    size_t j = i;
    while (j < k && sample[j] == sample[i]) ++j;
    if (j - i > best_run) {
      best_run = j - i;
      best = sample[i];
    }
    i = j;
  }
  size_t c = 0;
  for (size_t i = 0; i < n; ++i) c += v[i] == best;
  *count = c;
  return best;
}

}  // namespace agentperf::store::codec::detail

// Per-column codecs of the columnar storage engine (docs/format/codecs.md,
// "codec format 1").
//
// A column chunk (typically 4,096–65,536 values of one column) is encoded by
// one codec, chosen per chunk by a cheap analysis pass; every encoded chunk
// starts with its one-byte codec id and decoders dispatch on it. Some codecs
// nest another chunk (sparse, gcd, rle, decimal, zstd), always a complete chunk.
//
// Decoders treat their input as untrusted: any malformed input (truncated,
// wrong lengths, out-of-range widths, trailing garbage, unknown codec) returns
// Status::Corruption — never undefined behaviour, never a read outside `in`,
// never an allocation above O(n + in.size()).
//
// Thread-safety: every function is pure (no shared mutable state) and may be
// called concurrently from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace agentperf::store::codec {

// Values are part of the on-disk format: never renumber, never reuse.
enum class CodecId : uint8_t {
  // Integers (int64_t).
  kIntPlain = 1,       // 8 bytes per value
  kIntConstant = 2,    // all values equal
  kForBitpack = 3,     // frame of reference + blocked, patched bit-packing
  kDelta = 4,          // first value + packed deltas
  kDeltaOfDelta = 5,   // first value, first delta + packed delta-of-deltas
  kRle = 6,            // run values + run lengths (nested int chunks)
  kIntSparse = 7,      // bitmap of non-default rows + nested chunk of their values
  kGcd = 8,            // v = offset + factor * u, u a nested int chunk
  kIntZstd = 9,        // zstd over a nested int chunk
  kIntAns = 10,        // (deltas of) values as rANS-coded hybrid tokens + raw low bits
  // Doubles (bit-exact).
  kDoublePlain = 32,
  kDoubleConstant = 33,
  kGorilla = 34,       // XOR with previous, leading/trailing zero windows
  kDecimal = 35,       // ALP-style: v = digits / 10^e, digits a nested int chunk
  kDoubleSparse = 36,  // bitmap of rows whose bits differ from a default
  kDoubleZstd = 37,    // zstd over a nested double chunk
  // Strings.
  kStringPlain = 64,   // varint lengths + bytes
  kFrontCoded = 65,    // shared prefix with the previous string + suffix
  kStructuredId = 66,  // "<prefix>_<12 hex><14 base62>" ids split into columns
  kStringZstd = 67,    // zstd over a nested string chunk
};

// "dod", "for_bitpack", ...; "unknown" for any other byte.
std::string_view CodecName(uint8_t id);

// Appends the encoding of v[0..n) to *out, choosing the smallest codec by a
// cheap analysis.
void EncodeInts(const int64_t* v, size_t n, std::string* out);
// Bit-exact round trip, including -0.0, NaNs with payloads, infinities.
void EncodeDoubles(const double* v, size_t n, std::string* out);
// REQUIRES: the strings' total size is below 4 GiB.
void EncodeStrings(const std::string_view* v, size_t n, std::string* out);

// Decode exactly n values from `in` (the whole chunk, codec byte first).
// REQUIRES: out has room for n values.
Status DecodeInts(std::string_view in, size_t n, int64_t* out);
Status DecodeDoubles(std::string_view in, size_t n, double* out);
// Replaces *bytes with the strings concatenated and *offsets with n+1 offsets
// (offsets[0] = 0, offsets[n] = bytes->size()).
Status DecodeStrings(std::string_view in, size_t n, std::string* bytes, std::vector<uint32_t>* offsets);

// For tests and benchmarks: force the outer codec (nested chunks are still
// chosen). Returns InvalidArgument if the codec cannot represent the data or
// is not a codec of that type.
Status EncodeIntsWith(CodecId id, const int64_t* v, size_t n, std::string* out);
Status EncodeDoublesWith(CodecId id, const double* v, size_t n, std::string* out);
Status EncodeStringsWith(CodecId id, const std::string_view* v, size_t n, std::string* out);

// The codec id of an encoded chunk (its first byte; 0 for an empty chunk).
uint8_t ChunkCodec(std::string_view chunk);

// For diagnostics (`agentperf inspect`): the codec tree of a chunk of n
// values, e.g. "gcd(dod)", "rle(delta,for_bitpack)", "int_zstd(for_bitpack)";
// "?" where the input cannot be followed. Never fails.
enum class ChunkType { kInts, kDoubles, kStrings };
std::string DescribeChunk(std::string_view chunk, size_t n, ChunkType type);

}  // namespace agentperf::store::codec

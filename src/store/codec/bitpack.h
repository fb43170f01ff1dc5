// Bit-packing: fixed-width packing of unsigned 64-bit values, and the blocked,
// patched "packed stream" every integer codec ends in (docs/format/codecs.md,
// "Packed stream"): blocks of 128 values, each with its own width and, when it
// pays, exceptions whose high bits are stored apart (PFOR-style), so one
// heavy-tail value does not widen the whole block.
//
// Readers check every width, count and position and never read outside their
// input. Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace agentperf::store::codec::bitpack {

constexpr size_t kBlock = 128;

// Bits needed for v (0 for 0); branchless.
inline int BitWidth(uint64_t v) { return 64 - __builtin_clzll(v | 1) - (v == 0); }

// Appends ceil(n*w/8) bytes: the low w bits of each v[i]. REQUIRES: w <= 64.
void PackBits(const uint64_t* v, size_t n, int w, std::string* out);
// Reads ceil(n*w/8) bytes from *in (advancing it) into out[0..n). False if
// *in is too short or w > 64.
bool UnpackBits(std::string_view* in, size_t n, int w, uint64_t* out);

// Exact size in bytes of the packed stream of u[0..n), without writing it.
size_t PackedSize(const uint64_t* u, size_t n);
// Exact size in bytes of one block of len (<= 128) values.
size_t BlockSize(const uint64_t* u, size_t len);
// Appends the packed stream of u[0..n).
void PutPacked(const uint64_t* u, size_t n, std::string* out);

// Decodes one block of len (1..128) values starting at *p (before end) into
// out[0..len), advancing *p. False on malformed or truncated input.
bool GetBlock(const uint8_t** p, const uint8_t* end, size_t len, uint64_t* out);

// Decodes the packed stream of n values from *in (advancing it) into out,
// calling each_block(out + i, len) after each block (while it is in cache),
// e.g. to add a reference or to prefix-sum deltas. False on malformed input.
template <class F>
bool GetPacked(std::string_view* in, size_t n, uint64_t* out, F&& each_block) {
  const auto* begin = reinterpret_cast<const uint8_t*>(in->data());
  const uint8_t* p = begin;
  const uint8_t* end = begin + in->size();
  for (size_t i = 0; i < n; i += kBlock) {
    size_t len = n - i < kBlock ? n - i : kBlock;
    if (!GetBlock(&p, end, len, out + i)) return false;
    each_block(out + i, len);
  }
  in->remove_prefix(static_cast<size_t>(p - begin));
  return true;
}

}  // namespace agentperf::store::codec::bitpack

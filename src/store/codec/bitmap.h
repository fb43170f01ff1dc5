// The row bitmap of the sparse codecs (docs/format/codecs.md, "Bitmap"): n
// bits, raw or as alternating run lengths, whichever is smaller.
//
// In memory a bitmap is ceil(n/64) little-endian words, bit i of the bitmap is
// bit i%64 of word i/64, and bits at or above n are zero.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace agentperf::store::codec::bitmap {

inline size_t Words(size_t n) { return (n + 63) / 64; }

// Appends the encoding of the n-bit bitmap `words`.
void PutBitmap(const uint64_t* words, size_t n, std::string* out);
// Size in bytes PutBitmap would append.
size_t BitmapSize(const uint64_t* words, size_t n);
// Reads an n-bit bitmap from *in (advancing it) into words[0..Words(n)) and
// counts its set bits. False on malformed input.
bool GetBitmap(std::string_view* in, size_t n, uint64_t* words, size_t* popcount);

}  // namespace agentperf::store::codec::bitmap

// LSB-first bit writer and bounds-checked bit reader (the gorilla stream).
// Bit b of the stream is bit b%8 of byte b/8. Thread-safety: plain values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "store/codec/codec_internal.h"

namespace agentperf::store::codec {

class BitWriter {
 public:
  explicit BitWriter(std::string* out) : out_(out) {}
  // Appends the low w bits of v. REQUIRES: w <= 64, v < 2^w.
  void Put(uint64_t v, int w) {
    if (w == 0) return;
    acc_ |= v << bits_;
    if (bits_ + w >= 64) {
      char buf[8];
      detail::Store64(buf, acc_);
      out_->append(buf, 8);
      acc_ = bits_ == 0 ? 0 : v >> (64 - bits_);
      bits_ = bits_ + w - 64;
    } else {
      bits_ += w;
    }
  }
  // Writes the last partial byte(s), zero-padded.
  void Finish() {
    char buf[8];
    detail::Store64(buf, acc_);
    out_->append(buf, static_cast<size_t>((bits_ + 7) / 8));
    acc_ = 0;
    bits_ = 0;
  }

 private:
  std::string* out_;
  uint64_t acc_ = 0;
  int bits_ = 0;  // < 64
};

class BitReader {
 public:
  explicit BitReader(std::string_view in)
      : p_(reinterpret_cast<const uint8_t*>(in.data())), size_(in.size()), bits_(in.size() * 8) {}
  // Reads w (<= 64) bits; past the end it returns 0 and sets failed().
  uint64_t Get(int w) {
    if (w == 0) return 0;
    if (static_cast<size_t>(w) > bits_ - pos_) {
      failed_ = true;
      pos_ = bits_;
      return 0;
    }
    const size_t byte = pos_ >> 3;
    const int shift = static_cast<int>(pos_ & 7);
    uint64_t x;
    if (byte + 16 <= size_) {
      x = detail::Load64(p_ + byte) >> shift;
      if (shift + w > 64) x |= detail::Load64(p_ + byte + 8) << (64 - shift);
    } else {
      uint8_t buf[16] = {0};
      std::memcpy(buf, p_ + byte, size_ - byte < 16 ? size_ - byte : 16);
      x = detail::Load64(buf) >> shift;
      if (shift + w > 64) x |= detail::Load64(buf + 8) << (64 - shift);
    }
    pos_ += static_cast<size_t>(w);
    return w == 64 ? x : x & ((uint64_t{1} << w) - 1);
  }
  bool failed() const { return failed_; }
  // Bytes consumed, rounding the last partial byte up.
  size_t BytesUsed() const { return (pos_ + 7) / 8; }

 private:
  const uint8_t* p_;
  size_t size_;
  size_t bits_;
  size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace agentperf::store::codec

// The bodies of the codec fuzz targets, shared by the libFuzzer entry points
// (fuzz/codec_*_fuzz.cc) and the regression-corpus test that runs the checked-in
// corpus through them in the normal test suite
// (tests/store/codec/fuzz_corpus_test.cc). Each aborts on a broken invariant.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "store/codec/column_codec.h"

namespace agentperf::store::codec::fuzz {

inline void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "codec fuzz invariant broken: %s\n", what);
    std::abort();
  }
}

inline bool SameBits(const double* a, const double* b, size_t n) { return n == 0 || std::memcmp(a, b, n * 8) == 0; }

// Input: byte 0 = type (ints, doubles, strings), bytes 1-2 = n (LE, < 65536),
// the rest = the chunk. A chunk that decodes must re-encode and decode to the
// same values.
inline void DecodeOne(const uint8_t* data, size_t size) {
  if (size < 3) return;
  const int type = data[0] % 3;
  const size_t n = data[1] | static_cast<size_t>(data[2]) << 8;
  const std::string_view in(reinterpret_cast<const char*>(data) + 3, size - 3);
  if (type == 0) {
    std::vector<int64_t> out(n);
    if (!DecodeInts(in, n, out.data()).ok()) return;
    std::string again;
    EncodeInts(out.data(), n, &again);
    std::vector<int64_t> back(n);
    Check(DecodeInts(again, n, back.data()).ok() && back == out, "ints re-encode");
  } else if (type == 1) {
    std::vector<double> out(n);
    if (!DecodeDoubles(in, n, out.data()).ok()) return;
    std::string again;
    EncodeDoubles(out.data(), n, &again);
    std::vector<double> back(n);
    Check(DecodeDoubles(again, n, back.data()).ok() && SameBits(back.data(), out.data(), n), "doubles re-encode");
  } else {
    std::string bytes;
    std::vector<uint32_t> offsets;
    if (!DecodeStrings(in, n, &bytes, &offsets).ok()) return;
    Check(offsets.size() == n + 1 && offsets[0] == 0 && offsets[n] == bytes.size(), "string offsets");
    std::vector<std::string_view> v(n);
    for (size_t i = 0; i < n; ++i) {
      Check(offsets[i] <= offsets[i + 1], "offsets increase");
      v[i] = std::string_view(bytes).substr(offsets[i], offsets[i + 1] - offsets[i]);
    }
    std::string again, bytes2;
    std::vector<uint32_t> offsets2;
    EncodeStrings(v.data(), n, &again);
    Check(DecodeStrings(again, n, &bytes2, &offsets2).ok() && bytes2 == bytes && offsets2 == offsets,
          "strings re-encode");
  }
}

// Input: byte 0 = type, byte 1 = shape (how bytes become values), byte 2 =
// forced codec (0 = the chooser), the rest = values. Every successful encoding
// must decode to the values.
inline void RoundTripOne(const uint8_t* data, size_t size) {
  if (size < 3) return;
  const int type = data[0] % 3;
  const uint8_t shape = data[1];
  const uint8_t forced = data[2];
  const uint8_t* p = data + 3;
  const size_t len = size - 3;
  std::string enc;
  if (type == 0) {
    std::vector<int64_t> v;
    if (shape % 4 == 0) {  // raw 8-byte values
      for (size_t i = 0; i + 8 <= len; i += 8) {
        int64_t x;
        std::memcpy(&x, p + i, 8);
        v.push_back(x);
      }
    } else {  // small signed steps, scaled: sorted-ish, runs, common factors
      int64_t x = static_cast<int64_t>(shape) << 40;
      const int64_t scale = shape % 4 == 1 ? 1 : shape % 4 == 2 ? 1000 : -7;
      for (size_t i = 0; i < len; ++i) {
        x += static_cast<int8_t>(p[i]) * scale;
        v.push_back(shape & 0x80 ? (p[i] % 3 == 0 ? -1 : x) : x);
      }
    }
    Status s = forced ? EncodeIntsWith(static_cast<CodecId>(forced % 11), v.data(), v.size(), &enc)
                      : (EncodeInts(v.data(), v.size(), &enc), Status::OK());
    if (!s.ok()) return;
    std::vector<int64_t> back(v.size());
    Check(DecodeInts(enc, v.size(), back.data()).ok() && back == v, "ints round trip");
  } else if (type == 1) {
    std::vector<double> v;
    if (shape % 2 == 0) {
      for (size_t i = 0; i + 8 <= len; i += 8) {
        double x;
        std::memcpy(&x, p + i, 8);
        v.push_back(x);
      }
    } else {  // decimals: int16 / 10^k, NaN where the byte says so
      for (size_t i = 0; i + 2 <= len; i += 2) {
        const int16_t d = static_cast<int16_t>(p[i] | p[i + 1] << 8);
        v.push_back(p[i] == 0xff ? std::nan("") : d / static_cast<double>(1 + (shape >> 1) % 4 * 999));
      }
    }
    Status s = forced ? EncodeDoublesWith(static_cast<CodecId>(32 + forced % 6), v.data(), v.size(), &enc)
                      : (EncodeDoubles(v.data(), v.size(), &enc), Status::OK());
    if (!s.ok()) return;
    std::vector<double> back(v.size());
    Check(DecodeDoubles(enc, v.size(), back.data()).ok() && SameBits(back.data(), v.data(), v.size()),
          "doubles round trip");
  } else {
    std::vector<std::string> owned;
    if (shape % 2 == 0) {  // split at 0xff
      std::string cur;
      for (size_t i = 0; i < len; ++i) {
        if (p[i] == 0xff) {
          owned.push_back(cur);
          cur.clear();
        } else {
          cur.push_back(static_cast<char>(p[i]));
        }
      }
      owned.push_back(cur);
    } else {  // id-shaped strings from 6-byte groups
      static const char kB62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
      static const char* kPrefixes[] = {"prt", "msg", "ses", "", "a_b"};
      for (size_t i = 0; i + 6 <= len; i += 6) {
        std::string s = kPrefixes[p[i] % 5];
        char hex[16];
        std::snprintf(hex, sizeof(hex), "_%012llx",
                      static_cast<unsigned long long>(p[i + 1] | p[i + 2] << 8) * 4097 + (shape << 20));
        s += hex;
        for (int k = 0; k < 14; ++k) s.push_back(kB62[(p[i + 3 + k % 3] * (k + 1) + k) % 62]);
        if (p[i + 5] == 0xfe) s[s.size() - 20] = 'G';  // not hex: an exception
        owned.push_back(s);
      }
    }
    std::vector<std::string_view> v(owned.begin(), owned.end());
    Status s = forced ? EncodeStringsWith(static_cast<CodecId>(64 + forced % 4), v.data(), v.size(), &enc)
                      : (EncodeStrings(v.data(), v.size(), &enc), Status::OK());
    if (!s.ok()) return;
    std::string bytes;
    std::vector<uint32_t> offsets;
    Check(DecodeStrings(enc, v.size(), &bytes, &offsets).ok(), "strings decode");
    for (size_t i = 0; i < v.size(); ++i) {
      Check(std::string_view(bytes).substr(offsets[i], offsets[i + 1] - offsets[i]) == v[i], "strings round trip");
    }
  }
}

}  // namespace agentperf::store::codec::fuzz

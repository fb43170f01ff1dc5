// Helpers for the codec tests: round trips and realistic column generators.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "store/codec/column_codec.h"
#include "tests/store/codec/codec_data.h"

namespace agentperf::store::codec::testing {

inline std::vector<int64_t> RoundTripInts(const std::string& enc, size_t n) {
  std::vector<int64_t> out(n);
  Status s = DecodeInts(enc, n, out.data());
  EXPECT_TRUE(s.ok()) << s.ToString() << " codec " << CodecName(ChunkCodec(enc));
  return out;
}

inline bool SameBits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * 8) == 0);
}

inline std::vector<double> RoundTripDoubles(const std::string& enc, size_t n) {
  std::vector<double> out(n);
  Status s = DecodeDoubles(enc, n, out.data());
  EXPECT_TRUE(s.ok()) << s.ToString() << " codec " << CodecName(ChunkCodec(enc));
  return out;
}

inline std::vector<std::string> RoundTripStrings(const std::string& enc, size_t n) {
  std::string bytes;
  std::vector<uint32_t> offsets;
  Status s = DecodeStrings(enc, n, &bytes, &offsets);
  EXPECT_TRUE(s.ok()) << s.ToString() << " codec " << CodecName(ChunkCodec(enc));
  std::vector<std::string> out;
  if (!s.ok()) return out;
  EXPECT_EQ(offsets.size(), n + 1);
  EXPECT_EQ(offsets.front(), 0u);
  EXPECT_EQ(offsets.back(), bytes.size());
  for (size_t i = 0; i < n; ++i) out.push_back(bytes.substr(offsets[i], offsets[i + 1] - offsets[i]));
  return out;
}

inline std::vector<std::string_view> Views(const std::vector<std::string>& v) {
  return std::vector<std::string_view>(v.begin(), v.end());
}

}  // namespace agentperf::store::codec::testing

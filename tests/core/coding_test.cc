#include "core/coding.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace agentperf::coding {
namespace {

constexpr uint64_t kMax64 = std::numeric_limits<uint64_t>::max();

std::string Varint(uint64_t v) {
  std::string s;
  PutVarint64(&s, v);
  return s;
}

TEST(Coding, VarintEncodedBytesAtBoundaries) {
  EXPECT_EQ(Varint(0), std::string("\x00", 1));
  EXPECT_EQ(Varint(1), "\x01");
  EXPECT_EQ(Varint(127), "\x7f");
  EXPECT_EQ(Varint(128), "\x80\x01");
  EXPECT_EQ(Varint(300), "\xac\x02");
  EXPECT_EQ(Varint(16383), "\xff\x7f");
  EXPECT_EQ(Varint(16384), "\x80\x80\x01");
  EXPECT_EQ(Varint(kMax64).size(), 10u);
  EXPECT_EQ(Varint(kMax64), "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01");
  EXPECT_EQ(Varint((uint64_t{1} << 63) - 1).size(), 9u);
  EXPECT_EQ(Varint(uint64_t{1} << 63).size(), 10u);
}

TEST(Coding, VarintRoundTripsBoundaries) {
  std::vector<uint64_t> values = {0, 1, 127, 128, 255, 256, 16383, 16384, (uint64_t{1} << 32) - 1,
                                  uint64_t{1} << 32, (uint64_t{1} << 56), (uint64_t{1} << 63) - 1,
                                  uint64_t{1} << 63, kMax64 - 1, kMax64};
  for (int shift = 0; shift < 64; ++shift) {
    values.push_back(uint64_t{1} << shift);
    values.push_back((uint64_t{1} << shift) - 1);
  }
  std::string buf;
  for (uint64_t v : values) PutVarint64(&buf, v);
  std::string_view in = buf;
  for (uint64_t v : values) {
    uint64_t got = 12345;
    ASSERT_TRUE(GetVarint64(&in, &got)) << v;
    EXPECT_EQ(got, v);
  }
  EXPECT_TRUE(in.empty());
}

TEST(Coding, EncodeVarintMatchesPutVarint) {
  for (uint64_t v : {uint64_t{0}, uint64_t{127}, uint64_t{128}, uint64_t{1} << 40, kMax64}) {
    char buf[10];
    char* end = EncodeVarint64(buf, v);
    EXPECT_EQ(std::string(buf, end), Varint(v)) << v;
  }
}

TEST(Coding, VarintRandomRoundTrip) {
  std::mt19937_64 rng(42);
  std::string buf;
  std::vector<uint64_t> values;
  for (int i = 0; i < 2000; ++i) {
    uint64_t v = rng() >> (rng() % 64);
    values.push_back(v);
    PutVarint64(&buf, v);
  }
  std::string_view in = buf;
  for (uint64_t v : values) {
    uint64_t got;
    ASSERT_TRUE(GetVarint64(&in, &got));
    ASSERT_EQ(got, v);
  }
  EXPECT_TRUE(in.empty());
}

TEST(Coding, TruncatedVarintRejectedAtEveryCut) {
  for (uint64_t v : {uint64_t{128}, uint64_t{1} << 35, (uint64_t{1} << 63) - 1, kMax64}) {
    std::string full = Varint(v);
    for (size_t cut = 0; cut < full.size(); ++cut) {
      std::string_view in(full.data(), cut);
      uint64_t got;
      EXPECT_FALSE(GetVarint64(&in, &got)) << v << " cut " << cut;
    }
  }
  std::string_view empty;
  uint64_t got;
  EXPECT_FALSE(GetVarint64(&empty, &got));
}

TEST(Coding, OverlongVarintRejected) {
  // 11 bytes: more than any uint64 needs.
  std::string eleven(10, '\x80');
  eleven.push_back('\x00');
  std::string_view in = eleven;
  uint64_t got;
  EXPECT_FALSE(GetVarint64(&in, &got));
  // Ten bytes whose last byte carries bits beyond bit 63.
  std::string overflow(9, '\xff');
  overflow.push_back('\x02');
  in = overflow;
  EXPECT_FALSE(GetVarint64(&in, &got));
  // Ten bytes whose last byte still has the continuation bit.
  std::string cont(9, '\xff');
  cont.push_back('\x81');
  in = cont;
  EXPECT_FALSE(GetVarint64(&in, &got));
  // The largest legal tenth byte is 0x01.
  std::string max(9, '\xff');
  max.push_back('\x01');
  in = max;
  ASSERT_TRUE(GetVarint64(&in, &got));
  EXPECT_EQ(got, kMax64);
}

TEST(Coding, ZigZagMapping) {
  EXPECT_EQ(ZigZag(0), 0u);
  EXPECT_EQ(ZigZag(-1), 1u);
  EXPECT_EQ(ZigZag(1), 2u);
  EXPECT_EQ(ZigZag(-2), 3u);
  EXPECT_EQ(ZigZag(2), 4u);
  EXPECT_EQ(ZigZag(std::numeric_limits<int64_t>::max()), kMax64 - 1);
  EXPECT_EQ(ZigZag(std::numeric_limits<int64_t>::min()), kMax64);
  for (int64_t v : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{63}, int64_t{-64}, int64_t{1} << 40,
                    -(int64_t{1} << 40), std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()}) {
    EXPECT_EQ(UnZigZag(ZigZag(v)), v) << v;
    std::string buf;
    PutVarsint64(&buf, v);
    std::string_view in = buf;
    int64_t got = 0;
    ASSERT_TRUE(GetVarsint64(&in, &got));
    EXPECT_EQ(got, v);
    EXPECT_TRUE(in.empty());
  }
  // Small magnitudes stay one byte either side of zero.
  std::string buf;
  PutVarsint64(&buf, -64);
  EXPECT_EQ(buf.size(), 1u);
}

TEST(Coding, GetVarsintRejectsTruncated) {
  std::string buf;
  PutVarsint64(&buf, -(int64_t{1} << 50));
  buf.pop_back();
  std::string_view in = buf;
  int64_t got;
  EXPECT_FALSE(GetVarsint64(&in, &got));
}

TEST(Coding, FixedIsLittleEndian) {
  std::string s;
  PutFixed32(&s, 0x04030201u);
  PutFixed64(&s, 0x0807060504030201ull);
  EXPECT_EQ(s, std::string("\x01\x02\x03\x04\x01\x02\x03\x04\x05\x06\x07\x08", 12));
  EXPECT_EQ(DecodeFixed32(s.data()), 0x04030201u);
  EXPECT_EQ(DecodeFixed64(s.data() + 4), 0x0807060504030201ull);
  char buf[8];
  EncodeFixed32(buf, 0xdeadbeefu);
  EXPECT_EQ(DecodeFixed32(buf), 0xdeadbeefu);
  EncodeFixed64(buf, kMax64 - 5);
  EXPECT_EQ(DecodeFixed64(buf), kMax64 - 5);
}

TEST(Coding, GetFixedRoundTripAndTruncation) {
  std::string s;
  PutFixed32(&s, 0);
  PutFixed32(&s, 0xffffffffu);
  PutFixed64(&s, 0);
  PutFixed64(&s, kMax64);
  std::string_view in = s;
  uint32_t a, b;
  uint64_t c, d;
  ASSERT_TRUE(GetFixed32(&in, &a));
  ASSERT_TRUE(GetFixed32(&in, &b));
  ASSERT_TRUE(GetFixed64(&in, &c));
  ASSERT_TRUE(GetFixed64(&in, &d));
  EXPECT_EQ(a, 0u);
  EXPECT_EQ(b, 0xffffffffu);
  EXPECT_EQ(c, 0u);
  EXPECT_EQ(d, kMax64);
  EXPECT_TRUE(in.empty());

  std::string three("abc");
  in = three;
  EXPECT_FALSE(GetFixed32(&in, &a));
  EXPECT_EQ(in.size(), 3u);  // nothing consumed on failure
  std::string seven("abcdefg");
  in = seven;
  EXPECT_FALSE(GetFixed64(&in, &c));
  EXPECT_EQ(in.size(), 7u);
}

TEST(Coding, DoubleRoundTripsBitExactly) {
  std::vector<double> values = {0.0, -0.0, 1.5, -1e300, 0.1, std::numeric_limits<double>::denorm_min(),
                                std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                                std::numeric_limits<double>::max()};
  std::string s;
  for (double d : values) PutDouble(&s, d);
  EXPECT_EQ(s.size(), values.size() * 8);
  std::string_view in = s;
  for (double d : values) {
    double got;
    ASSERT_TRUE(GetDouble(&in, &got));
    EXPECT_EQ(std::memcmp(&got, &d, 8), 0) << d;
  }
  PutDouble(&s, std::nan(""));
  in = std::string_view(s).substr(s.size() - 8);
  double nan;
  ASSERT_TRUE(GetDouble(&in, &nan));
  EXPECT_TRUE(std::isnan(nan));
  std::string_view short_in = std::string_view(s).substr(0, 5);
  EXPECT_FALSE(GetDouble(&short_in, &nan));
}

TEST(Coding, LengthPrefixedRoundTrip) {
  std::string s;
  PutLengthPrefixed(&s, "");
  PutLengthPrefixed(&s, "hello");
  std::string big(300, 'x');
  PutLengthPrefixed(&s, big);
  std::string with_nul("a\0b", 3);
  PutLengthPrefixed(&s, with_nul);
  std::string_view in = s, out;
  ASSERT_TRUE(GetLengthPrefixed(&in, &out));
  EXPECT_EQ(out, "");
  ASSERT_TRUE(GetLengthPrefixed(&in, &out));
  EXPECT_EQ(out, "hello");
  ASSERT_TRUE(GetLengthPrefixed(&in, &out));
  EXPECT_EQ(out, big);
  ASSERT_TRUE(GetLengthPrefixed(&in, &out));
  EXPECT_EQ(out, with_nul);
  EXPECT_TRUE(in.empty());
  EXPECT_FALSE(GetLengthPrefixed(&in, &out));
}

TEST(Coding, LengthPrefixedLongerThanRemainingRejected) {
  std::string s;
  PutVarint64(&s, 6);
  s += "hello";  // one byte short
  std::string_view in = s, out = "untouched";
  EXPECT_FALSE(GetLengthPrefixed(&in, &out));
  EXPECT_EQ(out, "untouched");

  // A huge length must not wrap around or read out of bounds.
  std::string huge;
  PutVarint64(&huge, kMax64);
  huge += "abc";
  in = huge;
  EXPECT_FALSE(GetLengthPrefixed(&in, &out));

  // A truncated length prefix.
  std::string cut("\x80", 1);
  in = cut;
  EXPECT_FALSE(GetLengthPrefixed(&in, &out));
}

TEST(Coding, LengthPrefixedEveryTruncationRejected) {
  std::string s;
  PutLengthPrefixed(&s, std::string(200, 'q'));
  for (size_t cut = 0; cut < s.size(); ++cut) {
    std::string_view in(s.data(), cut), out;
    EXPECT_FALSE(GetLengthPrefixed(&in, &out)) << cut;
  }
}

TEST(Coding, GetByte) {
  std::string s("\xff\x00", 2);
  std::string_view in = s;
  uint8_t b;
  ASSERT_TRUE(GetByte(&in, &b));
  EXPECT_EQ(b, 0xff);
  ASSERT_TRUE(GetByte(&in, &b));
  EXPECT_EQ(b, 0);
  EXPECT_FALSE(GetByte(&in, &b));
}

TEST(Coding, GettersNeverReadPastTheView) {
  // The bytes after the view would complete each value: they must be ignored.
  std::string backing = Varint(kMax64) + std::string(8, '\x11');
  for (size_t n = 0; n < 10; ++n) {
    std::string_view in(backing.data(), n);
    uint64_t v;
    EXPECT_FALSE(GetVarint64(&in, &v)) << n;
  }
  std::string_view in(backing.data(), 7);
  uint64_t v;
  EXPECT_FALSE(GetFixed64(&in, &v));
}

}  // namespace
}  // namespace agentperf::coding

#include "core/crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace agentperf::crc32c {
namespace {

// Check values from RFC 3720 (iSCSI), appendix B.4.
TEST(Crc32c, StandardVectors) {
  EXPECT_EQ(Value("123456789"), 0xe3069283u);
  std::string zeros(32, '\0');
  EXPECT_EQ(Value(zeros), 0x8a9136aau);
  std::string ones(32, '\xff');
  EXPECT_EQ(Value(ones), 0x62a8ab43u);
  std::string inc(32, '\0');
  for (int i = 0; i < 32; ++i) inc[i] = static_cast<char>(i);
  EXPECT_EQ(Value(inc), 0x46dd794eu);
}

TEST(Crc32c, HardwareAndPortableAgree) {
  std::mt19937 rng(7);
  for (int len = 0; len < 300; ++len) {
    std::string s(len, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    ASSERT_EQ(Value(s), ExtendPortable(0, s.data(), s.size())) << len;
  }
}

TEST(Crc32c, ExtendEqualsWhole) {
  std::string a = "hello ", b = "world";
  EXPECT_EQ(Extend(Value(a), b.data(), b.size()), Value(a + b));
}

TEST(Crc32c, MaskRoundTripAndDiffers) {
  uint32_t c = Value("foo");
  EXPECT_NE(Mask(c), c);
  EXPECT_EQ(Unmask(Mask(c)), c);
  EXPECT_EQ(Unmask(Mask(Mask(c))), Mask(c));
}

}  // namespace
}  // namespace agentperf::crc32c

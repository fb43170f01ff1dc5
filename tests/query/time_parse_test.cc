// Tests of query/time_parse.h: absolute and relative times, durations, and the
// formatting of times. Expected epoch values were computed independently with
// Python's datetime (proleptic Gregorian, UTC).
#include "query/time_parse.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "core/clock.h"
#include "testing/events.h"

namespace agentperf::query {
namespace {

constexpr int64_t kNow = testing::kBaseMs * 1000 + 123456;  // an arbitrary "now" (us)

int64_t TimeOk(const std::string& s, int64_t now = kNow) {
  auto r = ParseTime(s, now);
  EXPECT_TRUE(r.ok()) << "'" << s << "': " << r.status().ToString();
  return r.ok() ? *r : INT64_MIN;
}

int64_t DurOk(const std::string& s) {
  auto r = ParseDurationMicros(s);
  EXPECT_TRUE(r.ok()) << "'" << s << "': " << r.status().ToString();
  return r.ok() ? *r : INT64_MIN;
}

TEST(ParseTimeTest, MillisecondsSinceEpoch) {
  EXPECT_EQ(TimeOk("1767225600000"), 1767225600000000);
  EXPECT_EQ(TimeOk("0"), 0);
  EXPECT_EQ(TimeOk("1795487302726"), 1795487302726000);
}

TEST(ParseTimeTest, NowAndRelative) {
  EXPECT_EQ(TimeOk("now"), kNow);
  EXPECT_EQ(TimeOk("now-1h"), kNow - kMicrosPerHour);
  EXPECT_EQ(TimeOk("now+5m"), kNow + 5 * kMicrosPerMinute);
  EXPECT_EQ(TimeOk("now-1h30m"), kNow - 90 * kMicrosPerMinute);
  EXPECT_EQ(TimeOk("now-250"), kNow - 250 * kMicrosPerMilli);  // a bare number is milliseconds
  EXPECT_EQ(TimeOk("-15m"), kNow - 15 * kMicrosPerMinute);
  EXPECT_EQ(TimeOk("-7d"), kNow - 7 * kMicrosPerDay);
  EXPECT_EQ(TimeOk("-1w"), kNow - 7 * kMicrosPerDay);
  EXPECT_EQ(TimeOk("now-0s"), kNow);
}

TEST(ParseTimeTest, IsoDates) {
  EXPECT_EQ(TimeOk("2026-01-01T00:00:00Z"), testing::kBaseMs * 1000);
  EXPECT_EQ(TimeOk("2026-11-24T03:40:00Z"), 1795491600000000);
  EXPECT_EQ(TimeOk("2026-11-24T03:40:00.250+01:00"), 1795488000250000);
  EXPECT_EQ(TimeOk("2026-01-01T00:00:00.123456-05:30"), 1767245400123456);
  EXPECT_EQ(TimeOk("2026-11-24"), 1795478400000000);  // a date alone is midnight UTC
  EXPECT_EQ(TimeOk("2026-11-24Z"), 1795478400000000);
  EXPECT_EQ(TimeOk("2026-11-24T03:40Z"), 1795491600000000);  // seconds are optional
  EXPECT_EQ(TimeOk("2026-11-24T03:40"), 1795491600000000);   // no zone = UTC
  EXPECT_EQ(TimeOk("2026-11-24 03:40:00Z"), 1795491600000000);  // space separator
  EXPECT_EQ(TimeOk("2024-02-29T12:00:00Z"), 1709208000000000);  // leap day
  EXPECT_EQ(TimeOk("2000-03-01"), 951868800000000);             // century leap year
  EXPECT_EQ(TimeOk("1969-12-31T23:59:59Z"), -1000000);          // before the epoch
  EXPECT_EQ(TimeOk("1900-01-01"), -2208988800000000);
  EXPECT_EQ(TimeOk("0001-01-01"), -62135596800000000);
  EXPECT_EQ(TimeOk("9999-12-31T23:59:59Z"), 253402300799000000);
  // Offsets: the same instant three ways.
  EXPECT_EQ(TimeOk("2026-01-01T01:00:00+01:00"), testing::kBaseMs * 1000);
  EXPECT_EQ(TimeOk("2025-12-31T19:00:00-05:00"), testing::kBaseMs * 1000);
  EXPECT_EQ(TimeOk("2026-01-01T05:45:00+05:45"), testing::kBaseMs * 1000);
}

TEST(ParseTimeTest, Fractions) {
  const int64_t base = testing::kBaseMs * 1000;
  EXPECT_EQ(TimeOk("2026-01-01T00:00:00.5Z"), base + 500000);
  EXPECT_EQ(TimeOk("2026-01-01T00:00:00.05Z"), base + 50000);
  EXPECT_EQ(TimeOk("2026-01-01T00:00:00.250Z"), base + 250000);
  EXPECT_EQ(TimeOk("2026-01-01T00:00:00.000001Z"), base + 1);
  EXPECT_EQ(TimeOk("2026-01-01T00:00:00.999999Z"), base + 999999);
  EXPECT_EQ(TimeOk("2026-01-01T00:00:00.1234567Z"), base + 123456);  // beyond microseconds: truncated
  EXPECT_EQ(TimeOk("2026-01-01T00:00:00.123456789+00:00"), base + 123456);
}

TEST(ParseTimeTest, RejectsBadTimes) {
  for (const char* s :
       {"", "now-", "now+", "now*1h", "nowish", "now-1x", "-", "--1h", "-1h-", "yesterday", "2026/01/01",
        "2026-1-1", "26-01-01", "2026-13-01", "2026-00-10", "2026-01-00", "2026-01-32", "2026-02-30",
        "2025-02-29", "2026-04-31", "2026-01-01T", "2026-01-01T1", "2026-01-01T12", "2026-01-01T12:0",
        "2026-01-01T24:00:00Z", "2026-01-01T12:60:00Z", "2026-01-01T12:00:61Z", "2026-01-01T-1:00Z",
        "2026-01-01T12:-1:00Z", "2026-01-01T12:00:-1Z", "2026-01-01T12:00:00+0100", "2026-01-01T12:00:00z",
        "2026-01-01T12:00:00Zjunk", "2026-01-01T12:00:00+01:00junk", "2026-01-01T12:00:00 +01:00",
        "2026-01-01T12:00:00+1:00", "12:00", "1767225600000ms", "1e12", " 1767225600000", "0x10"}) {
    auto r = ParseTime(s, kNow);
    EXPECT_FALSE(r.ok()) << "'" << s << "' parsed as " << (r.ok() ? *r : 0);
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << s;
      EXPECT_FALSE(r.status().message().empty()) << s;
    }
  }
}

TEST(ParseTimeTest, ErrorMessagesNameTheInput) {
  auto r = ParseTime("2026-13-01", kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("2026-13-01"), std::string::npos) << r.status().message();
  auto d = ParseTime("-5parsecs", kNow);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("5parsecs"), std::string::npos) << d.status().message();
}

TEST(ParseTimeTest, HugeValuesAreRejectedNotWrapped) {
  // Milliseconds or durations whose microseconds do not fit in int64 must be
  // refused, not wrap around (and not trip the undefined-behaviour sanitizer).
  for (const char* s : {"9223372036854775807", "9300000000000000", "now-99999999999999w", "-99999999999999999d",
                        "now+9999999999999999ms", "now-1000000000000000000000000000000s"}) {
    auto r = ParseTime(s, kNow);
    EXPECT_FALSE(r.ok()) << "'" << s << "' parsed as " << (r.ok() ? *r : 0);
  }
  // Large but representable values still work.
  EXPECT_EQ(TimeOk("9000000000000000"), int64_t{9000000000000000} * 1000);
  EXPECT_EQ(TimeOk("now-10000w"), kNow - 10000 * 7 * kMicrosPerDay);
}

TEST(ParseDurationTest, Units) {
  EXPECT_EQ(DurOk("250"), 250 * kMicrosPerMilli);  // bare number: milliseconds
  EXPECT_EQ(DurOk("0"), 0);
  EXPECT_EQ(DurOk("250ms"), 250 * kMicrosPerMilli);
  EXPECT_EQ(DurOk("100us"), 100);
  EXPECT_EQ(DurOk("10s"), 10 * kMicrosPerSecond);
  EXPECT_EQ(DurOk("5m"), 5 * kMicrosPerMinute);
  EXPECT_EQ(DurOk("1h"), kMicrosPerHour);
  EXPECT_EQ(DurOk("7d"), 7 * kMicrosPerDay);
  EXPECT_EQ(DurOk("1w"), 7 * kMicrosPerDay);
  EXPECT_EQ(DurOk("0s"), 0);
}

TEST(ParseDurationTest, CompoundAndFractional) {
  EXPECT_EQ(DurOk("1h30m"), 90 * kMicrosPerMinute);
  EXPECT_EQ(DurOk("2h15m30s"), 2 * kMicrosPerHour + 15 * kMicrosPerMinute + 30 * kMicrosPerSecond);
  EXPECT_EQ(DurOk("1d12h"), 36 * kMicrosPerHour);
  EXPECT_EQ(DurOk("1s500ms"), 1500 * kMicrosPerMilli);
  EXPECT_EQ(DurOk("1ms250us"), 1250);
  EXPECT_EQ(DurOk("1w1d1h1m1s1ms1us"),
            8 * kMicrosPerDay + kMicrosPerHour + kMicrosPerMinute + kMicrosPerSecond + kMicrosPerMilli + 1);
  EXPECT_EQ(DurOk("1.5s"), 1500 * kMicrosPerMilli);
  EXPECT_EQ(DurOk("0.25h"), 15 * kMicrosPerMinute);
  EXPECT_EQ(DurOk("1.5ms"), 1500);
  EXPECT_EQ(DurOk("30m1h"), 90 * kMicrosPerMinute);  // order of units is free
}

TEST(ParseDurationTest, RejectsBadDurations) {
  for (const char* s : {"", "-5", "-5m", "+5m", "5x", "m", "ms", "5 m", " 5m", "5m ", "1h30", "5M", "5H", "1.2.3s",
                        "1..5s", ".s", "5mm", "5sec", "5min", "1h-30m", "1h 30m", "abc", "5e3ms", "inf", "nan",
                        "9223372036854775807", "99999999999999999999w", "9999999999999999999999999s",
                        "1e400s"}) {
    auto r = ParseDurationMicros(s);
    EXPECT_FALSE(r.ok()) << "'" << s << "' parsed as " << (r.ok() ? *r : 0);
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << s;
      EXPECT_NE(r.status().message().find("duration"), std::string::npos) << r.status().message();
    }
  }
}

TEST(FormatTimeTest, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(FormatTimeMicros(testing::kBaseMs * 1000), "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatTimeMicros(testing::kBaseMs * 1000 + 250999), "2026-01-01T00:00:00.250Z");
  EXPECT_EQ(FormatTimeMicros(1795491600000000), "2026-11-24T03:40:00.000Z");
  EXPECT_EQ(FormatTimeMicros(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatTimeMicros(-1000), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatTimeMicros(-1000000), "1969-12-31T23:59:59.000Z");
  EXPECT_EQ(FormatTimeMicros(1709208000000000), "2024-02-29T12:00:00.000Z");
}

TEST(FormatTimeTest, RoundTripsThroughParseTime) {
  for (int64_t ms : {int64_t{0}, testing::kBaseMs, testing::kBaseMs + 1, testing::kBaseMs + 86399999,
                     int64_t{951868800123}, int64_t{-1}, int64_t{-86400001}, int64_t{253402300799999}}) {
    std::string s = FormatTimeMicros(ms * 1000);
    EXPECT_EQ(TimeOk(s), ms * 1000) << s;
  }
}

}  // namespace
}  // namespace agentperf::query

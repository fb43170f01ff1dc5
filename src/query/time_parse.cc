#include "query/time_parse.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <ctime>

#include "core/clock.h"

namespace agentperf::query {
namespace {

bool ParseInt(std::string_view s, int64_t* v) {
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), *v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// Unsigned decimal digits only (no sign): the fields of an ISO date.
bool ParseDigits(std::string_view s, int64_t* v) {
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return ParseInt(s, v);
}

bool IsLeapYear(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int64_t DaysInMonth(int64_t y, int64_t m) {
  static constexpr int64_t kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeapYear(y) ? 29 : kDays[m - 1];
}

// Days since 1970-01-01 of a civil date (proleptic Gregorian).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

Result<int64_t> ParseIso(std::string_view s) {
  // YYYY-MM-DD[THH:MM[:SS[.frac]]][Z|±HH:MM]
  auto bad = [&] { return Status::InvalidArgument(fmt::format("cannot parse time '{}'", s)); };
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return bad();
  int64_t y, mo, d, h = 0, mi = 0, sec = 0, frac_us = 0, offset_min = 0;
  if (!ParseDigits(s.substr(0, 4), &y) || !ParseDigits(s.substr(5, 2), &mo) || !ParseDigits(s.substr(8, 2), &d)) {
    return bad();
  }
  if (mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, mo)) return bad();
  size_t p = 10;
  if (p < s.size() && (s[p] == 'T' || s[p] == ' ')) {
    if (s.size() < p + 6 || s[p + 3] != ':') return bad();
    if (!ParseDigits(s.substr(p + 1, 2), &h) || !ParseDigits(s.substr(p + 4, 2), &mi)) return bad();
    p += 6;
    if (p < s.size() && s[p] == ':') {
      if (s.size() < p + 3 || !ParseDigits(s.substr(p + 1, 2), &sec)) return bad();
      p += 3;
      if (p < s.size() && s[p] == '.') {
        ++p;
        int64_t scale = 100000;
        while (p < s.size() && std::isdigit(static_cast<unsigned char>(s[p]))) {
          frac_us += (s[p] - '0') * scale;
          scale /= 10;
          ++p;
        }
      }
    }
    if (h > 23 || mi > 59 || sec > 60) return bad();
  }
  if (p < s.size()) {
    if (s[p] == 'Z' && p + 1 == s.size()) {
      ++p;
    } else if ((s[p] == '+' || s[p] == '-') && s.size() == p + 6 && s[p + 3] == ':') {
      int64_t oh, om;
      if (!ParseDigits(s.substr(p + 1, 2), &oh) || !ParseDigits(s.substr(p + 4, 2), &om)) return bad();
      offset_min = (s[p] == '+' ? 1 : -1) * (oh * 60 + om);
      p = s.size();
    } else {
      return bad();
    }
  }
  int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - offset_min * 60;
  return secs * kMicrosPerSecond + frac_us;
}

}  // namespace

Result<int64_t> ParseDurationMicros(std::string_view s) {
  auto bad = [&] {
    return Status::InvalidArgument(fmt::format("cannot parse duration '{}' (examples: 500ms, 10s, 5m, 1h, 7d)", s));
  };
  if (s.empty()) return bad();
  int64_t plain;
  if (ParseInt(s, &plain)) {
    if (plain < 0 || plain > INT64_MAX / kMicrosPerMilli) return bad();
    return plain * kMicrosPerMilli;
  }
  int64_t total = 0;
  size_t p = 0;
  while (p < s.size()) {
    size_t q = p;
    while (q < s.size() && (std::isdigit(static_cast<unsigned char>(s[q])) || s[q] == '.')) ++q;
    if (q == p) return bad();
    double num;
    auto r = std::from_chars(s.data() + p, s.data() + q, num);
    if (r.ec != std::errc() || r.ptr != s.data() + q) return bad();
    size_t u = q;
    while (u < s.size() && std::isalpha(static_cast<unsigned char>(s[u]))) ++u;
    std::string_view unit = s.substr(q, u - q);
    double mult;
    if (unit == "us") mult = 1;
    else if (unit == "ms") mult = kMicrosPerMilli;
    else if (unit == "s") mult = kMicrosPerSecond;
    else if (unit == "m") mult = kMicrosPerMinute;
    else if (unit == "h") mult = kMicrosPerHour;
    else if (unit == "d") mult = kMicrosPerDay;
    else if (unit == "w") mult = 7.0 * kMicrosPerDay;
    else return bad();
    // Durations beyond ~292 years do not fit in int64 microseconds.
    const double part = num * mult;
    if (!(part < 9.2e18) || __builtin_add_overflow(total, static_cast<int64_t>(part), &total)) return bad();
    p = u;
  }
  return total;
}

Result<int64_t> ParseTime(std::string_view s, int64_t now_us) {
  if (s.empty()) return Status::InvalidArgument("empty time");
  if (s == "now") return now_us;
  if (s.substr(0, 3) == "now") {
    std::string_view rest = s.substr(3);
    if (rest.empty() || (rest[0] != '-' && rest[0] != '+')) {
      return Status::InvalidArgument(fmt::format("cannot parse time '{}'", s));
    }
    AP_ASSIGN_OR_RETURN(int64_t d, ParseDurationMicros(rest.substr(1)));
    int64_t t;
    if (rest[0] == '-' ? __builtin_sub_overflow(now_us, d, &t) : __builtin_add_overflow(now_us, d, &t)) {
      return Status::InvalidArgument(fmt::format("time '{}' is out of range", s));
    }
    return t;
  }
  if (s[0] == '-') {
    AP_ASSIGN_OR_RETURN(int64_t d, ParseDurationMicros(s.substr(1)));
    int64_t t;
    if (__builtin_sub_overflow(now_us, d, &t)) return Status::InvalidArgument(fmt::format("time '{}' is out of range", s));
    return t;
  }
  int64_t ms;
  if (ParseInt(s, &ms)) {
    if (ms > INT64_MAX / kMicrosPerMilli || ms < INT64_MIN / kMicrosPerMilli) {
      return Status::InvalidArgument(fmt::format("time '{}' is out of range", s));
    }
    return ms * kMicrosPerMilli;
  }
  return ParseIso(s);
}

std::string FormatTimeMicros(int64_t us) {
  time_t secs = static_cast<time_t>(us >= 0 ? us / kMicrosPerSecond : (us - kMicrosPerSecond + 1) / kMicrosPerSecond);
  int64_t rem_ms = (us - static_cast<int64_t>(secs) * kMicrosPerSecond) / 1000;
  tm t{};
  gmtime_r(&secs, &t);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday,
                     t.tm_hour, t.tm_min, t.tm_sec, rem_ms);
}

}  // namespace agentperf::query

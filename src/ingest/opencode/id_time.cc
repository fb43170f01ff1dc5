#include "ingest/opencode/id_time.h"

namespace agentperf::ingest::opencode {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool IsDescendingId(std::string_view id) {
  return id.substr(0, 4) == "ses_";
}

bool DecodeIdTime(std::string_view id, int64_t ref_ms, int64_t* out_ms) {
  size_t us = id.find('_');
  if (us == std::string_view::npos || id.size() < us + 1 + 12) return false;
  uint64_t v = 0;
  for (size_t i = us + 1; i < us + 13; ++i) {
    int h = HexValue(id[i]);
    if (h < 0) return false;
    v = (v << 4) | static_cast<uint64_t>(h);
  }
  constexpr uint64_t kMask48 = (uint64_t{1} << 48) - 1;
  if (IsDescendingId(id)) v = ~v & kMask48;
  const int64_t low = static_cast<int64_t>(v >> 12);  // ms mod 2^36
  constexpr int64_t kPeriod = int64_t{1} << 36;
  // The k with k * period + low nearest ref_ms.
  int64_t k = (ref_ms - low) / kPeriod;
  int64_t best = k * kPeriod + low;
  for (int64_t c : {k - 1, k + 1}) {
    int64_t cand = c * kPeriod + low;
    auto dist = [&](int64_t x) { return x > ref_ms ? x - ref_ms : ref_ms - x; };
    if (dist(cand) < dist(best)) best = cand;
  }
  *out_ms = best;
  return true;
}

}  // namespace agentperf::ingest::opencode

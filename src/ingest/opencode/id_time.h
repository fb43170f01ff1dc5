// The time encoded in OpenCode ids (observed in 1.18.33, not documented; see
// docs/design/opencode-integration.md §1.1 and docs/import.md).
//
// An id is "<prefix>_<12 hex digits><14 base62 chars>". The 12 hex digits are
// v = (ms * 4096 + counter) mod 2^48 for ascending ids (evt_, msg_, prt_,
// per_) and its bitwise complement for session ids (ses_, descending). So
// ms ≡ v >> 12 (mod 2^36, ~795 days): the decoder returns the value of that
// class nearest a reference time (the object's own time, or the clock).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string_view>

namespace agentperf::ingest::opencode {

// Milliseconds since the epoch encoded in `id`, the one nearest `ref_ms`.
// False if `id` does not have the shape above (no '_' or fewer than 12 hex
// digits after it).
bool DecodeIdTime(std::string_view id, int64_t ref_ms, int64_t* out_ms);

// True for descending ids (sessions).
bool IsDescendingId(std::string_view id);

}  // namespace agentperf::ingest::opencode

// The string codecs (docs/format/codecs.md, "String codecs"): plain, front
// coding, zstd, and the structured-id codec (structured_id.cc) for OpenCode
// ids. Decoding is DecodeStringsAt, choosing ChooseStrings (codec_internal.h).
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/codec/codec_internal.h"

namespace agentperf::store::codec::strings {

// A chunk may decode to at most kMaxExpansion x its size plus kPerValueSlack
// bytes per string; writers never produce more.
constexpr size_t kMaxExpansion = 1024;
constexpr size_t kPerValueSlack = 64;
// Saturating kMaxExpansion * chunk_size + kPerValueSlack * n, capped below 4 GiB.
size_t DecodeBudget(size_t chunk_size, size_t n);

void PutPlain(const std::string_view* v, size_t n, std::string* out);
void PutFrontCoded(const std::string_view* v, size_t n, std::string* out);
size_t PlainSize(const std::string_view* v, size_t n);
size_t FrontCodedSize(const std::string_view* v, size_t n);

// Structured ids (structured_id.cc).
// True if s has the shape "<prefix>_<12 lowercase hex><14 base62>" with a prefix of at most 32 bytes.
bool IsStructuredId(std::string_view s);
void PutStructuredIds(const std::string_view* v, size_t n, std::string* out);
Status DecodeStructuredIds(std::string_view body, size_t n, std::string* bytes, std::vector<uint32_t>* offsets,
                           int depth, size_t* budget);

}  // namespace agentperf::store::codec::strings

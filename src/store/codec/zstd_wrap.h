// The zstd wrapper shared by int_zstd, double_zstd and string_zstd: `varint R`
// then one zstd frame that decompresses to exactly R bytes (a nested chunk).
//
// Thread-safety: pure; the zstd contexts are thread-local.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "store/codec/column_codec.h"

namespace agentperf::store::codec::zstd_wrap {

// Appends codec byte `id`, varint inner.size() and the compressed frame.
void Put(CodecId id, std::string_view inner, int level, std::string* out);
// Decompresses the body (after the codec byte) into *inner; the stated size
// must be <= max_raw. False on any malformed input.
bool Get(std::string_view body, size_t max_raw, std::string* inner);

}  // namespace agentperf::store::codec::zstd_wrap

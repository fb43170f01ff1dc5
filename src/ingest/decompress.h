// Content-Encoding decoding for request bodies: gzip (and zlib "deflate") and
// zstd, with a hard cap on the decoded size so a small compressed body cannot
// expand into gigabytes (a decompression bomb gives TooLarge -> HTTP 413).
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace agentperf::ingest {

enum class Encoding { kIdentity, kGzip, kDeflate, kZstd };

// Parses a Content-Encoding header value ("", "identity", "gzip", "x-gzip",
// "deflate", "zstd"); InvalidArgument for anything else (HTTP 415).
Result<Encoding> ParseContentEncoding(std::string_view header);

// Decodes `in` into *out (replacing it). `padding` extra bytes of capacity are
// reserved after the data (for simdjson). Errors: InvalidArgument for corrupt
// or truncated input, TooLarge past max_out bytes.
Status Decompress(Encoding enc, std::string_view in, size_t max_out, size_t padding, std::string* out);

// Detects gzip/zstd by magic bytes (for files given to `agentperf ingest`).
Encoding SniffEncoding(std::string_view data);

}  // namespace agentperf::ingest

// Compressing test bodies (the inputs of the decoders under test).
#pragma once

#include <string>

namespace agentperf::testing {

// zlib deflate with the given window bits: 15 = zlib, 15 + 16 = gzip, -15 = raw.
std::string Deflate(const std::string& in, int window_bits, int level = 6);
inline std::string Gzip(const std::string& in, int level = 6) { return Deflate(in, 15 + 16, level); }
inline std::string Zlib(const std::string& in) { return Deflate(in, 15); }
// One zstd frame (with the content size); `checksum` adds the frame checksum.
std::string Zstd(const std::string& in, int level = 3, bool checksum = false);

}  // namespace agentperf::testing

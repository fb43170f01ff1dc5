// libFuzzer target: bytes become a column (ints, doubles or strings, in one of
// several shapes), encoded by the chooser or a forced codec; decode(encode(v))
// must equal v bit for bit.
#include <cstddef>
#include <cstdint>

#include "fuzz/codec_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  agentperf::store::codec::fuzz::RoundTripOne(data, size);
  return 0;
}

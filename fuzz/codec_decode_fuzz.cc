// libFuzzer target: arbitrary bytes into DecodeInts / DecodeDoubles /
// DecodeStrings (type and n from the first three bytes). Must never crash;
// whatever decodes must re-encode and decode to the same values.
#include <cstddef>
#include <cstdint>

#include "fuzz/codec_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  agentperf::store::codec::fuzz::DecodeOne(data, size);
  return 0;
}

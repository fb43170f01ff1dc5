// The regression corpus of the codec fuzzers (fuzz/corpus/codec_*/), run
// through the fuzz targets' bodies as a normal test: seeds from real encodings
// and every input a fuzzer once found a bug with.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "fuzz/codec_fuzz.h"

namespace agentperf::store::codec {
namespace {

std::filesystem::path CorpusDir(const char* name) {
  const char* src = std::getenv("AGENTPERF_SOURCE_DIR");
  // Without the variable (the binary run by hand): this file is tests/store/codec/ of the source tree.
  std::filesystem::path root =
      src ? std::filesystem::path(src) : std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().parent_path();
  return root / "fuzz" / "corpus" / name;
}

size_t RunCorpus(const char* name, void (*fn)(const uint8_t*, size_t)) {
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(CorpusDir(name))) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    fn(reinterpret_cast<const uint8_t*>(data.data()), data.size());
    ++files;
  }
  return files;
}

TEST(CodecFuzzCorpusTest, DecodeCorpus) {
  ASSERT_TRUE(std::filesystem::is_directory(CorpusDir("codec_decode"))) << CorpusDir("codec_decode");
  EXPECT_GT(RunCorpus("codec_decode", &fuzz::DecodeOne), 10u);
}

TEST(CodecFuzzCorpusTest, RoundTripCorpus) {
  ASSERT_TRUE(std::filesystem::is_directory(CorpusDir("codec_roundtrip"))) << CorpusDir("codec_roundtrip");
  EXPECT_GT(RunCorpus("codec_roundtrip", &fuzz::RoundTripOne), 10u);
}

}  // namespace
}  // namespace agentperf::store::codec

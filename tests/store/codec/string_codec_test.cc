#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "store/codec/codec_test_util.h"

namespace agentperf::store::codec {
namespace {

using testing::RoundTripStrings;
using testing::Views;

constexpr CodecId kStringCodecs[] = {CodecId::kStringPlain, CodecId::kFrontCoded, CodecId::kStructuredId,
                                     CodecId::kStringZstd};

std::vector<std::vector<std::string>> EdgeCases() {
  std::vector<std::vector<std::string>> cases = {
      {},
      {""},
      {"", "", ""},
      {"a"},
      {std::string(100000, 'x'), "", std::string(70000, 'y')},
      {"prt_20b621272001huRNMLT3Rc6f2r", "msg_20b620446001n1k6RqcT0klnbx", "ses_df49e020effecLILN3pdUuiMZ1"},
      {"prt_20b621272001huRNMLT3Rc6f2r", "not an id", "", "prt_20B621272001huRNMLT3Rc6f2r",
       "_000000000000zzzzzzzzzzzzzz", "x_ffffffffffff00000000000000", "prt_20b621272001huRNMLT3Rc6f2", "é\x00\xff"},
      {std::string("\0\0\0", 3), "\xff\xfe", "tool", "tool", "tools"},
  };
  std::vector<std::string> labels;
  for (int i = 0; i < 500; ++i) labels.push_back("agent/" + std::to_string(i % 37) + "/model-" + std::to_string(i));
  cases.push_back(labels);
  cases.push_back(testing::OpenCodeIds(1000, "prt", false, 1));
  cases.push_back(testing::OpenCodeIds(300, "ses", true, 2));
  std::vector<std::string> long_prefix = testing::OpenCodeIds(50, std::string(32, 'p').c_str(), false, 3);
  long_prefix.push_back(testing::OpenCodeIds(1, std::string(33, 'q').c_str(), false, 4)[0]);  // prefix too long
  cases.push_back(long_prefix);
  return cases;
}

TEST(StringCodecTest, ChooserRoundTrips) {
  for (const auto& v : EdgeCases()) {
    std::string enc;
    auto views = Views(v);
    EncodeStrings(views.data(), views.size(), &enc);
    EXPECT_EQ(RoundTripStrings(enc, v.size()), v) << CodecName(ChunkCodec(enc));
  }
}

TEST(StringCodecTest, EveryForcedCodecRoundTrips) {
  for (CodecId id : kStringCodecs) {
    for (const auto& v : EdgeCases()) {
      std::string enc;
      auto views = Views(v);
      Status s = EncodeStringsWith(id, views.data(), views.size(), &enc);
      if (!s.ok() && id == CodecId::kStringZstd && v[0].size() == 100000) {
        // 170 KB of two letters compress beyond the decoder's 1024x expansion limit: refused.
        EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
        continue;
      }
      ASSERT_TRUE(s.ok()) << CodecName(uint8_t(id)) << " " << s.ToString();
      EXPECT_EQ(ChunkCodec(enc), static_cast<uint8_t>(id));
      EXPECT_EQ(RoundTripStrings(enc, v.size()), v) << CodecName(uint8_t(id));
    }
  }
  std::string enc;
  std::string_view one[] = {"x"};
  EXPECT_EQ(EncodeStringsWith(CodecId::kIntPlain, one, 1, &enc).code(), StatusCode::kInvalidArgument);
}

TEST(StringCodecTest, StructuredIdsCostAboutTwelveBytes) {
  for (bool descending : {false, true}) {
    auto ids = testing::OpenCodeIds(16384, descending ? "ses" : "prt", descending, 7);
    auto views = Views(ids);
    std::string enc;
    EncodeStrings(views.data(), views.size(), &enc);
    EXPECT_EQ(CodecName(ChunkCodec(enc)), "structured_id");
    EXPECT_EQ(RoundTripStrings(enc, ids.size()), ids);
    EXPECT_LE(static_cast<double>(enc.size()) / ids.size(), 12.0);
  }
}

TEST(StringCodecTest, ChooserPicksExpectedCodecs) {
  auto chosen = [](const std::vector<std::string>& v) {
    auto views = Views(v);
    std::string enc;
    EncodeStrings(views.data(), views.size(), &enc);
    EXPECT_EQ(RoundTripStrings(enc, v.size()), v);
    return std::string(CodecName(ChunkCodec(enc)));
  };
  EXPECT_EQ(chosen({"a", "b", "c"}), "string_plain");
  // Shared prefixes, too small for zstd to be tried.
  EXPECT_EQ(chosen({"agent/planner/a", "agent/planner/b", "agent/planner/c", "agent/tester/d"}), "front_coded");
  std::mt19937 rng(1);
  std::vector<std::string> sorted;  // long shared prefixes: front coding, maybe zstd'd on top
  for (int i = 0; i < 2000; ++i) {
    std::string s = "/home/dev/project/src/components/";
    for (int k = 0; k < 12; ++k) s.push_back(static_cast<char>(rng()));
    sorted.push_back(s);
  }
  std::sort(sorted.begin(), sorted.end());
  auto views = Views(sorted);
  std::string enc, front;
  EncodeStrings(views.data(), views.size(), &enc);
  ASSERT_TRUE(EncodeStringsWith(CodecId::kFrontCoded, views.data(), views.size(), &front).ok());
  EXPECT_LE(enc.size(), front.size());
  EXPECT_LT(front.size(), sorted.size() * 16);
  std::vector<std::string> json;
  for (int i = 0; i < 500; ++i)
    json.push_back(R"({"tool":"bash","exit":)" + std::to_string(rng() % 3) + R"(,"truncated":false,"cwd":"/home/dev"})");
  EXPECT_EQ(chosen(json), "string_zstd");
}

TEST(StringCodecTest, DecodeRejectsWrongCountAndTrailingBytes) {
  auto ids = testing::OpenCodeIds(300, "prt", false, 9);
  ids[17] = "exception";
  auto views = Views(ids);
  for (CodecId id : kStringCodecs) {  // the layouts of all string codecs imply n
    std::string enc;
    ASSERT_TRUE(EncodeStringsWith(id, views.data(), views.size(), &enc).ok());
    std::string bytes;
    std::vector<uint32_t> offsets;
    EXPECT_FALSE(DecodeStrings(enc, ids.size() + 1, &bytes, &offsets).ok()) << CodecName(uint8_t(id));
    EXPECT_EQ(DecodeStrings(enc + "x", ids.size(), &bytes, &offsets).code(), StatusCode::kCorruption)
        << CodecName(uint8_t(id));
  }
}

}  // namespace
}  // namespace agentperf::store::codec

#include "ingest/body.h"

#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <string>
#include <vector>

#include "testing/compress.h"
#include "testing/events.h"

namespace agentperf::ingest {
namespace {

using ::agentperf::testing::Deflate;
using ::agentperf::testing::Zstd;
using ::agentperf::testing::EventJson;
using ::agentperf::testing::kBaseMs;
constexpr int64_t kNowUs = (kBaseMs + 86400000) * 1000;

std::string Encode(Encoding enc, const std::string& plain) {
  switch (enc) {
    case Encoding::kIdentity: return plain;
    case Encoding::kGzip: return Deflate(plain, 15 + 16);
    case Encoding::kDeflate: return Deflate(plain, 15);
    case Encoding::kZstd: return Zstd(plain);
  }
  return plain;
}

struct Outcome {
  Status st;
  event::DecodeError err;
  event::EventBatch batch;
};

Outcome Try(std::string body, Encoding enc, BodyLimits limits = {}, event::Limits ev_limits = {}) {
  Outcome o;
  event::JsonBatchDecoder decoder(ev_limits);
  o.st = DecodeEventsBody(&body, enc, limits, &decoder, kNowUs, &o.batch, &o.err);
  return o;
}

std::string SampleNdjson(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += EventJson().Set("span_id", "sp" + std::to_string(i)).Str() + "\n";
  return s;
}

const Encoding kAll[] = {Encoding::kIdentity, Encoding::kGzip, Encoding::kDeflate, Encoding::kZstd};

TEST(DecodeEventsBody, EveryEncodingDecodesTheSameEvents) {
  const std::string ndjson = SampleNdjson(50);
  const std::string array = "[" + EventJson().Set("agent", "a").Str() + "," + EventJson().Set("agent", "b").Str() + "]";
  for (Encoding enc : kAll) {
    SCOPED_TRACE(static_cast<int>(enc));
    Outcome o = Try(Encode(enc, ndjson), enc);
    ASSERT_TRUE(o.st.ok()) << o.st.ToString();
    ASSERT_EQ(o.batch.size(), 50u);
    EXPECT_EQ(o.batch.events[49].Str(event::StrField::kSpanId), "sp49");
    Outcome a = Try(Encode(enc, array), enc);
    ASSERT_TRUE(a.st.ok()) << a.st.ToString();
    ASSERT_EQ(a.batch.size(), 2u);
    EXPECT_EQ(a.batch.events[1].Str(event::StrField::kAgent), "b");
  }
}

TEST(DecodeEventsBody, IdentityBodyIsPaddedInPlace) {
  std::string body = SampleNdjson(3);
  body.shrink_to_fit();
  const std::string copy = body;
  event::JsonBatchDecoder decoder;
  event::EventBatch batch;
  event::DecodeError err;
  ASSERT_TRUE(DecodeEventsBody(&body, Encoding::kIdentity, {}, &decoder, kNowUs, &batch, &err).ok());
  EXPECT_EQ(batch.size(), 3u);
  EXPECT_EQ(body, copy);  // content unchanged
  EXPECT_GE(body.capacity(), body.size() + event::JsonPadding());
}

TEST(DecodeEventsBody, OversizeIdentityBodyIsTooLarge) {
  const std::string body = SampleNdjson(10);
  BodyLimits limits;
  limits.max_decoded_bytes = body.size() - 1;
  Outcome o = Try(body, Encoding::kIdentity, limits);
  EXPECT_EQ(o.st.code(), StatusCode::kTooLarge) << o.st.ToString();
  EXPECT_FALSE(o.err.message.empty());
  EXPECT_TRUE(o.batch.empty());
  limits.max_decoded_bytes = body.size();
  EXPECT_TRUE(Try(body, Encoding::kIdentity, limits).st.ok());
}

TEST(DecodeEventsBody, OversizeDecodedBodyIsTooLarge) {
  const std::string body = SampleNdjson(200);
  BodyLimits limits;
  limits.max_decoded_bytes = body.size() - 1;
  for (Encoding enc : {Encoding::kGzip, Encoding::kDeflate, Encoding::kZstd}) {
    std::string compressed = Encode(enc, body);
    ASSERT_LT(compressed.size(), limits.max_decoded_bytes);  // small on the wire, large decoded
    Outcome o = Try(compressed, enc, limits);
    EXPECT_EQ(o.st.code(), StatusCode::kTooLarge) << static_cast<int>(enc) << " " << o.st.ToString();
    EXPECT_FALSE(o.err.message.empty());
    EXPECT_TRUE(o.batch.empty());
  }
}

TEST(DecodeEventsBody, CorruptCompressionIsInvalidArgument) {
  for (Encoding enc : {Encoding::kGzip, Encoding::kDeflate, Encoding::kZstd}) {
    std::string compressed = Encode(enc, SampleNdjson(5));
    Outcome o = Try(compressed.substr(0, compressed.size() / 2), enc);
    EXPECT_EQ(o.st.code(), StatusCode::kInvalidArgument) << static_cast<int>(enc);
    EXPECT_FALSE(o.err.message.empty());
    EXPECT_TRUE(o.batch.empty());
    // A plain body labelled as compressed.
    Outcome mislabelled = Try(SampleNdjson(1), enc);
    EXPECT_EQ(mislabelled.st.code(), StatusCode::kInvalidArgument) << static_cast<int>(enc);
  }
}

TEST(DecodeEventsBody, InvalidEventsInsideCompressedBodiesAreLocated) {
  const std::string body = SampleNdjson(2) + EventJson().Set("kind", "nope").Str() + "\n";
  for (Encoding enc : kAll) {
    Outcome o = Try(Encode(enc, body), enc);
    EXPECT_EQ(o.st.code(), StatusCode::kInvalidArgument) << static_cast<int>(enc);
    EXPECT_EQ(o.err.line, 3) << static_cast<int>(enc);
    EXPECT_EQ(o.err.field, "kind");
    EXPECT_TRUE(o.batch.empty());
  }
}

TEST(DecodeEventsBody, DecoderLimitsStillApply) {
  event::Limits ev;
  ev.max_events_per_batch = 2;
  for (Encoding enc : kAll) {
    Outcome o = Try(Encode(enc, SampleNdjson(3)), enc, {}, ev);
    EXPECT_EQ(o.st.code(), StatusCode::kTooLarge) << static_cast<int>(enc);
    EXPECT_TRUE(o.batch.empty());
  }
}

TEST(DecodeEventsBody, StaleErrorIsReset) {
  event::JsonBatchDecoder decoder;
  event::EventBatch batch;
  event::DecodeError err;
  err.line = 99;
  err.field = "stale";
  std::string body = SampleNdjson(1);
  ASSERT_TRUE(DecodeEventsBody(&body, Encoding::kIdentity, {}, &decoder, kNowUs, &batch, &err).ok());
  EXPECT_EQ(err.line, -1);
  EXPECT_EQ(err.field, "");
}

}  // namespace
}  // namespace agentperf::ingest

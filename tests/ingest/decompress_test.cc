#include "ingest/decompress.h"

#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <random>
#include <string>
#include <vector>

#include "testing/compress.h"

namespace agentperf::ingest {
namespace {

using ::agentperf::testing::Deflate;
using ::agentperf::testing::Gzip;
using ::agentperf::testing::Zlib;
using ::agentperf::testing::Zstd;

constexpr size_t kNoLimit = size_t{1} << 30;

// A zstd frame without the content size in its header (streaming
// compression), optionally with a content checksum.
std::string ZstdStreamed(const std::string& in, bool checksum = false) {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  std::string out(ZSTD_compressBound(in.size()) + 64, '\0');
  ZSTD_outBuffer ob{out.data(), out.size(), 0};
  ZSTD_inBuffer ib{in.data(), in.size(), 0};
  EXPECT_FALSE(ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0)));
  EXPECT_FALSE(ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, checksum ? 1 : 0)));
  size_t left;
  do {
    left = ZSTD_compressStream2(cctx, &ob, &ib, ZSTD_e_end);
    EXPECT_FALSE(ZSTD_isError(left));
  } while (left != 0 && !ZSTD_isError(left));
  ZSTD_freeCCtx(cctx);
  out.resize(ob.pos);
  EXPECT_EQ(ZSTD_getFrameContentSize(out.data(), out.size()), ZSTD_CONTENTSIZE_UNKNOWN);
  return out;
}

std::string Text(size_t n, uint64_t seed = 1) {
  std::mt19937_64 rng(seed);
  std::string s;
  s.reserve(n);
  while (s.size() < n) s += "{\"kind\":\"llm_call\",\"n\":" + std::to_string(rng() % 100000) + "}\n";
  s.resize(n);
  return s;
}

std::string Random(size_t n, uint64_t seed = 2) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

Status Try(Encoding enc, const std::string& in, std::string* out, size_t max_out = kNoLimit, size_t padding = 0) {
  return Decompress(enc, in, max_out, padding, out);
}

TEST(Decompress, RoundTripsEveryEncoding) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{100}, size_t{65536}, size_t{1000000}}) {
    for (const std::string& plain : {Text(n), Random(n)}) {
      std::string out;
      ASSERT_TRUE(Try(Encoding::kGzip, Gzip(plain), &out).ok()) << n;
      EXPECT_EQ(out, plain);
      ASSERT_TRUE(Try(Encoding::kDeflate, Zlib(plain), &out).ok()) << n;
      EXPECT_EQ(out, plain);
      ASSERT_TRUE(Try(Encoding::kZstd, Zstd(plain), &out).ok()) << n;
      EXPECT_EQ(out, plain);
      ASSERT_TRUE(Try(Encoding::kZstd, ZstdStreamed(plain), &out).ok()) << n;
      EXPECT_EQ(out, plain);
      ASSERT_TRUE(Try(Encoding::kIdentity, plain, &out).ok()) << n;
      EXPECT_EQ(out, plain);
    }
  }
}

TEST(Decompress, DeflateAlsoAcceptsGzipFraming) {
  // "deflate" auto-detects the zlib or gzip header.
  std::string out;
  ASSERT_TRUE(Try(Encoding::kDeflate, Gzip("hello"), &out).ok());
  EXPECT_EQ(out, "hello");
  // But gzip does not accept a zlib stream.
  EXPECT_EQ(Try(Encoding::kGzip, Zlib("hello"), &out).code(), StatusCode::kInvalidArgument);
}

TEST(Decompress, ReplacesOutputAndReservesPadding) {
  std::string out = "stale contents that must go";
  ASSERT_TRUE(Try(Encoding::kGzip, Gzip("abc"), &out, kNoLimit, 64).ok());
  EXPECT_EQ(out, "abc");
  EXPECT_GE(out.capacity(), out.size() + 64);
  ASSERT_TRUE(Try(Encoding::kIdentity, "xyz", &out, kNoLimit, 64).ok());
  EXPECT_EQ(out, "xyz");
  EXPECT_GE(out.capacity(), 3u + 64);
  ASSERT_TRUE(Try(Encoding::kZstd, Zstd(Text(5000)), &out, kNoLimit, 64).ok());
  EXPECT_GE(out.capacity(), 5000u + 64);
}

TEST(Decompress, ConcatenatedGzipMembers) {
  const std::string a = Text(70000, 3), b = "second member", c = Random(1000);
  std::string out;
  ASSERT_TRUE(Try(Encoding::kGzip, Gzip(a) + Gzip(b) + Gzip(c), &out).ok());
  EXPECT_EQ(out, a + b + c);
  ASSERT_TRUE(Try(Encoding::kGzip, Gzip("") + Gzip("x"), &out).ok());
  EXPECT_EQ(out, "x");
}

TEST(Decompress, ConcatenatedZstdFrames) {
  std::string out;
  ASSERT_TRUE(Try(Encoding::kZstd, Zstd("one ") + ZstdStreamed("two ") + Zstd("three"), &out).ok());
  EXPECT_EQ(out, "one two three");
}

TEST(Decompress, CorruptInputIsInvalidArgument) {
  const std::string plain = Text(50000);
  std::string out = "x";
  for (Encoding enc : {Encoding::kGzip, Encoding::kDeflate, Encoding::kZstd}) {
    EXPECT_EQ(Try(enc, "this is not compressed at all", &out).code(), StatusCode::kInvalidArgument);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(Try(enc, std::string(100, '\0'), &out).code(), StatusCode::kInvalidArgument);
  }
  // Damage in the middle of the compressed stream (checksums catch it).
  std::string gz = Gzip(plain), zl = Zlib(plain), zs = ZstdStreamed(Random(50000), /*checksum=*/true);
  gz[gz.size() / 2] ^= 0x55;
  zl[zl.size() / 2] ^= 0x55;
  zs[zs.size() / 2] ^= 0x55;
  EXPECT_EQ(Try(Encoding::kGzip, gz, &out).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Try(Encoding::kDeflate, zl, &out).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Try(Encoding::kZstd, zs, &out).code(), StatusCode::kInvalidArgument);
  // A wrong CRC in the gzip trailer.
  std::string bad_crc = Gzip("hello");
  bad_crc[bad_crc.size() - 8] ^= 1;
  EXPECT_EQ(Try(Encoding::kGzip, bad_crc, &out).code(), StatusCode::kInvalidArgument);
  // Garbage after a complete gzip member.
  EXPECT_EQ(Try(Encoding::kGzip, Gzip("hello") + "trailing junk", &out).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Try(Encoding::kZstd, Zstd("hello") + "trailing junk", &out).code(), StatusCode::kInvalidArgument);
}

TEST(Decompress, DataAfterTheZlibStreamIsNotSilentlyDropped) {
  // A zlib stream has a definite end; bytes after it (junk, or a second
  // stream a client concatenated) must not be ignored while reporting success
  // with only the first part of the body.
  std::string out;
  EXPECT_EQ(Try(Encoding::kDeflate, Zlib("hello") + "trailing junk", &out).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(out.empty());
  Status st = Try(Encoding::kDeflate, Zlib("first\n") + Zlib("second\n"), &out);
  EXPECT_FALSE(st.ok() && out == "first\n") << "second stream silently dropped";
}

TEST(Decompress, EveryTruncationIsInvalidArgument) {
  const std::string plain = Text(3000);
  struct Case {
    Encoding enc;
    std::string data;
  };
  const Case cases[] = {{Encoding::kGzip, Gzip(plain)},
                        {Encoding::kDeflate, Zlib(plain)},
                        {Encoding::kZstd, Zstd(plain)},
                        {Encoding::kZstd, ZstdStreamed(plain)},
                        {Encoding::kZstd, ZstdStreamed(plain, /*checksum=*/true)}};
  for (const auto& c : cases) {
    for (size_t cut = 0; cut < c.data.size(); ++cut) {
      std::string out;
      Status st = Try(c.enc, c.data.substr(0, cut), &out);
      ASSERT_EQ(st.code(), StatusCode::kInvalidArgument) << "encoding " << static_cast<int>(c.enc) << " cut " << cut;
      ASSERT_TRUE(out.empty());
    }
  }
}

TEST(Decompress, BombIsTooLargeWithoutAllocatingTheWholeOutput) {
  const std::string zeros(50 << 20, '\0');
  const size_t max_out = 1 << 20;
  for (const std::string& bomb : {Deflate(zeros, 15 + 16, 9), Deflate(zeros, 15, 9)}) {
    ASSERT_LT(bomb.size(), size_t{200} << 10);
    std::string out;
    Status st = Try(bomb[0] == '\x1f' ? Encoding::kGzip : Encoding::kDeflate, bomb, &out, max_out);
    EXPECT_EQ(st.code(), StatusCode::kTooLarge) << st.ToString();
    EXPECT_TRUE(out.empty());
    EXPECT_LE(out.capacity(), 2 * max_out);
  }
  // zstd with the size in the header: refused before decoding.
  std::string out;
  Status st = Try(Encoding::kZstd, Zstd(zeros), &out, max_out);
  EXPECT_EQ(st.code(), StatusCode::kTooLarge);
  EXPECT_LE(out.capacity(), 2 * max_out);
  // zstd without the size: refused while decoding.
  std::string streamed = ZstdStreamed(zeros);
  ASSERT_LT(streamed.size(), size_t{200} << 10);
  st = Try(Encoding::kZstd, streamed, &out, max_out);
  EXPECT_EQ(st.code(), StatusCode::kTooLarge);
  EXPECT_TRUE(out.empty());
  EXPECT_LE(out.capacity(), 2 * max_out);
}

TEST(Decompress, OutputOfExactlyTheLimitIsAccepted) {
  for (size_t n : {size_t{1}, size_t{65536}, size_t{100000}}) {
    const std::string plain = Text(n);
    std::string out;
    EXPECT_TRUE(Try(Encoding::kGzip, Gzip(plain), &out, n).ok()) << n;
    EXPECT_EQ(out, plain);
    EXPECT_TRUE(Try(Encoding::kDeflate, Zlib(plain), &out, n).ok()) << n;
    EXPECT_TRUE(Try(Encoding::kZstd, Zstd(plain), &out, n).ok()) << n;
    EXPECT_EQ(out, plain);
    EXPECT_TRUE(Try(Encoding::kZstd, ZstdStreamed(plain), &out, n).ok()) << n;
    EXPECT_EQ(out, plain);
    EXPECT_TRUE(Try(Encoding::kIdentity, plain, &out, n).ok()) << n;
    // One byte over is refused.
    EXPECT_EQ(Try(Encoding::kGzip, Gzip(plain), &out, n - 1).code(), StatusCode::kTooLarge) << n;
    EXPECT_EQ(Try(Encoding::kZstd, Zstd(plain), &out, n - 1).code(), StatusCode::kTooLarge) << n;
    EXPECT_EQ(Try(Encoding::kZstd, ZstdStreamed(plain), &out, n - 1).code(), StatusCode::kTooLarge) << n;
    EXPECT_EQ(Try(Encoding::kIdentity, plain, &out, n - 1).code(), StatusCode::kTooLarge) << n;
  }
}

TEST(Decompress, EmptyInput) {
  std::string out = "x";
  EXPECT_TRUE(Try(Encoding::kIdentity, "", &out).ok());
  EXPECT_EQ(out, "");
  EXPECT_EQ(Try(Encoding::kGzip, "", &out).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Try(Encoding::kDeflate, "", &out).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Try(Encoding::kZstd, "", &out).code(), StatusCode::kInvalidArgument);
}

TEST(ParseContentEncoding, AcceptedValues) {
  struct Case {
    const char* header;
    Encoding enc;
  };
  const Case cases[] = {{"", Encoding::kIdentity},        {"identity", Encoding::kIdentity},
                        {"  identity ", Encoding::kIdentity}, {"gzip", Encoding::kGzip},
                        {"GZIP", Encoding::kGzip},        {"x-gzip", Encoding::kGzip},
                        {" gzip ", Encoding::kGzip},      {"deflate", Encoding::kDeflate},
                        {"Deflate", Encoding::kDeflate},  {"zstd", Encoding::kZstd},
                        {"ZStd", Encoding::kZstd},        {"   ", Encoding::kIdentity}};
  for (const auto& c : cases) {
    Result<Encoding> r = ParseContentEncoding(c.header);
    ASSERT_TRUE(r.ok()) << "'" << c.header << "': " << r.status().ToString();
    EXPECT_EQ(*r, c.enc) << c.header;
  }
}

TEST(ParseContentEncoding, RejectedValues) {
  for (const char* h : {"br", "compress", "gzip, deflate", "gzip;q=1", "zst", "x-zstd", "identity,gzip", "gzip2"}) {
    Result<Encoding> r = ParseContentEncoding(h);
    ASSERT_FALSE(r.ok()) << h;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << h;
    EXPECT_NE(r.status().message().find(h), std::string::npos) << r.status().message();
  }
}

TEST(SniffEncoding, DetectsMagicBytes) {
  EXPECT_EQ(SniffEncoding(Gzip("x")), Encoding::kGzip);
  EXPECT_EQ(SniffEncoding(Zstd("x")), Encoding::kZstd);
  EXPECT_EQ(SniffEncoding(ZstdStreamed("x")), Encoding::kZstd);
  EXPECT_EQ(SniffEncoding("[{\"kind\":\"turn\"}]"), Encoding::kIdentity);
  EXPECT_EQ(SniffEncoding(""), Encoding::kIdentity);
  EXPECT_EQ(SniffEncoding("\x1f"), Encoding::kIdentity);                 // too short
  EXPECT_EQ(SniffEncoding("\x28\xb5\x2f"), Encoding::kIdentity);         // too short
  EXPECT_EQ(SniffEncoding(std::string("\x1f\x8b", 2)), Encoding::kGzip);
  EXPECT_EQ(SniffEncoding(Zlib("x")), Encoding::kIdentity);  // zlib has no reliable magic
}

}  // namespace
}  // namespace agentperf::ingest

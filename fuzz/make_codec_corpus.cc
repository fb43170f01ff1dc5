// Writes seed corpora for the codec fuzzers from real encodings:
//   make_codec_corpus DECODE_DIR ROUNDTRIP_DIR
// Decode seeds: byte type (0 ints, 1 doubles, 2 strings), n (2 bytes LE), the
// chunk. Round-trip seeds: byte type, byte shape, byte forced codec, values
// (see fuzz/codec_fuzz.h).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "store/codec/column_codec.h"

using namespace agentperf::store::codec;

namespace {

int counter = 0;

void Write(const std::filesystem::path& dir, const std::string& data) {
  char name[32];
  std::snprintf(name, sizeof(name), "seed-%04d", counter++);
  std::ofstream(dir / name, std::ios::binary) << data;
}

std::string Header(int type, size_t n) {
  return {static_cast<char>(type), static_cast<char>(n & 0xff), static_cast<char>(n >> 8)};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s DECODE_DIR ROUNDTRIP_DIR\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dec = argv[1], rt = argv[2];
  std::filesystem::create_directories(dec);
  std::filesystem::create_directories(rt);
  std::mt19937_64 rng(1);

  std::vector<std::vector<int64_t>> ints;
  {
    std::vector<int64_t> ts, dur, tok, codes, runs, rnd;
    int64_t t = 1795487301395;
    std::exponential_distribution<double> gap(1.0 / 259);
    std::lognormal_distribution<double> ln(std::log(800.0), 1.2);
    for (int i = 0; i < 200; ++i) {
      ts.push_back((t += std::llround(gap(rng))) * 1000);
      dur.push_back(std::llround(ln(rng)) * 1000);
      tok.push_back(rng() % 100 < 43 ? static_cast<int64_t>(rng() % 5000) : -1);
      codes.push_back(i + 1);
      runs.push_back(i / 37);
      rnd.push_back(static_cast<int64_t>(rng()));
    }
    ints = {ts, dur, tok, codes, runs, rnd, {INT64_MIN, INT64_MAX, 0, -1}, std::vector<int64_t>(300, 5)};
  }
  for (const auto& v : ints) {
    std::string enc;
    EncodeInts(v.data(), v.size(), &enc);
    Write(dec, Header(0, v.size()) + enc);
    for (uint8_t id = 1; id <= 10; ++id) {
      std::string forced;
      if (EncodeIntsWith(static_cast<CodecId>(id), v.data(), v.size(), &forced).ok())
        Write(dec, Header(0, v.size()) + forced);
    }
  }
  std::vector<std::vector<double>> doubles;
  {
    std::vector<double> costs, lat, sparse, rnd;
    for (int i = 0; i < 200; ++i) {
      costs.push_back(static_cast<double>(1000 + rng() % 5000) / 1e7);
      lat.push_back(static_cast<double>(rng() % 20000) / 10);
      sparse.push_back(rng() % 2 ? std::nan("") : static_cast<double>(rng() % 100) / 4);
      uint64_t b = rng();
      double d;
      std::memcpy(&d, &b, 8);
      rnd.push_back(d);
    }
    doubles = {costs, lat, sparse, rnd, {-0.0, 0.0, INFINITY, -INFINITY, 1e308}};
  }
  for (const auto& v : doubles) {
    std::string enc;
    EncodeDoubles(v.data(), v.size(), &enc);
    Write(dec, Header(1, v.size()) + enc);
    for (uint8_t id = 32; id <= 37; ++id) {
      std::string forced;
      if (EncodeDoublesWith(static_cast<CodecId>(id), v.data(), v.size(), &forced).ok())
        Write(dec, Header(1, v.size()) + forced);
    }
  }
  std::vector<std::vector<std::string>> strings;
  {
    static const char kB62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    std::vector<std::string> ids, labels;
    uint64_t ms = 1795487301395;
    for (int i = 0; i < 60; ++i) {
      char hex[16];
      ms += rng() % 100;
      std::snprintf(hex, sizeof(hex), "%012llx", static_cast<unsigned long long>((ms * 0x1000 + 1) & 0xffffffffffffULL));
      std::string s = std::string("prt_") + hex;
      for (int k = 0; k < 14; ++k) s.push_back(kB62[rng() % 62]);
      ids.push_back(i == 7 ? "odd" : s);
      labels.push_back("agent/" + std::to_string(i % 5) + "/tool-" + std::to_string(i));
    }
    strings = {ids, labels, {"", "a", "", "bb"}};
  }
  for (const auto& v : strings) {
    std::vector<std::string_view> views(v.begin(), v.end());
    std::string enc;
    EncodeStrings(views.data(), views.size(), &enc);
    Write(dec, Header(2, v.size()) + enc);
    for (uint8_t id = 64; id <= 67; ++id) {
      std::string forced;
      if (EncodeStringsWith(static_cast<CodecId>(id), views.data(), views.size(), &forced).ok())
        Write(dec, Header(2, v.size()) + forced);
    }
  }
  // Round-trip seeds: every type x shape family x a few forced codecs.
  for (int type = 0; type < 3; ++type) {
    for (int shape : {0, 1, 2, 3, 0x81}) {
      for (int forced : {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}) {
        std::string s = {static_cast<char>(type), static_cast<char>(shape), static_cast<char>(forced)};
        for (int i = 0; i < 96; ++i) s.push_back(static_cast<char>(rng() % (shape == 0 ? 256 : 7)));
        Write(rt, s);
      }
    }
  }
  std::printf("wrote %d seeds\n", counter);
  return 0;
}

// Micro-benchmark of the column codecs (src/store/codec/) on realistic column
// chunks of 16,384 values (one segment block): encode and decode speed
// (values/s; bytes/s of the raw 8-byte values, or of the strings' bytes) and
// the size in bytes per value, for the chooser and for forced codecs.
//
//   build-codec/bench/agentperf_codec_bench [--benchmark_filter=REGEX] [--benchmark_format=json]
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "store/codec/column_codec.h"
#include "tests/store/codec/codec_data.h"

namespace {

using namespace agentperf::store::codec;

constexpr size_t kN = 16384;

// ---- Realistic data ----------------------------------------------------------

std::vector<int64_t> SortedTimestampsUs(double gap_ms, uint64_t seed) {  // whole ms, exponential gaps
  return testing::SortedTimestampsUs(kN, gap_ms, seed);
}
std::vector<int64_t> LognormalDurationsUs() {  // whole ms, median 800 ms
  std::mt19937_64 rng(2);
  std::lognormal_distribution<double> d(std::log(800.0), 1.2);
  std::vector<int64_t> v(kN);
  for (auto& x : v) x = std::llround(d(rng)) * 1000;
  return v;
}
std::vector<int64_t> TokenCounts() {  // present on 43% of rows, -1 = absent
  std::mt19937_64 rng(3);
  std::bernoulli_distribution present(0.43);
  std::lognormal_distribution<double> t(std::log(300.0), 1.0);
  std::vector<int64_t> v(kN);
  for (auto& x : v) x = present(rng) ? std::llround(t(rng)) : -1;
  return v;
}
std::vector<int64_t> DictCodes() {  // first appearance order: 1, 2, 3, ... with repeats
  std::mt19937_64 rng(4);
  std::vector<int64_t> v(kN);
  int64_t next = 1;
  for (auto& x : v) x = rng() % 4 == 0 && next > 1 ? 1 + static_cast<int64_t>(rng() % (next - 1)) : next++;
  return v;
}
std::vector<int64_t> SessionRuns() {  // agent code constant over a session's ~100 rows
  std::mt19937_64 rng(5);
  std::vector<int64_t> v;
  while (v.size() < kN) v.insert(v.end(), 50 + rng() % 100, static_cast<int64_t>(1 + rng() % 6));
  v.resize(kN);
  return v;
}
std::vector<int64_t> RegularTimestampsUs() {  // a 1 s sampler whose interval drifts
  std::vector<int64_t> v(kN);
  int64_t t = 1795487301395000, interval = 1000000;
  for (auto& x : v) x = (t += (interval += 3));
  return v;
}
std::vector<int64_t> UniformBits(int bits) {
  std::mt19937_64 rng(6);
  std::vector<int64_t> v(kN);
  for (auto& x : v) x = static_cast<int64_t>(rng() & ((uint64_t{1} << bits) - 1));
  return v;
}

std::vector<double> Costs(double share) {  // like 0.0002352 (7 decimals), NaN = absent
  std::mt19937_64 rng(7);
  std::bernoulli_distribution present(share);
  std::lognormal_distribution<double> c(std::log(2400.0), 0.7);
  std::vector<double> v(kN);
  for (auto& x : v) {
    if (!present(rng)) {
      x = std::nan("");
      continue;
    }
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.7f", std::round(c(rng)) / 1e7);
    x = std::strtod(buf, nullptr);
  }
  return v;
}
std::vector<double> LatenciesMs() {  // like 523.5
  std::mt19937_64 rng(8);
  std::lognormal_distribution<double> ms(std::log(500.0), 0.6);
  std::vector<double> v(kN);
  for (auto& x : v) x = std::round(ms(rng) * 10) / 10;
  return v;
}
std::vector<double> RandomDoubles() {
  std::mt19937_64 rng(9);
  std::vector<double> v(kN);
  for (auto& x : v) {
    uint64_t b = rng();
    std::memcpy(&x, &b, 8);
  }
  return v;
}

std::vector<std::string> OpenCodeIds(const char* prefix, bool descending, double gap_ms) {
  return testing::OpenCodeIds(kN, prefix, descending, 10, gap_ms);
}
std::vector<std::string> Labels() {
  static const char* kTools[] = {"bash", "read", "edit", "write", "grep", "glob", "task", "webfetch", "todowrite"};
  std::vector<std::string> out;
  for (size_t i = 0; i < 2000; ++i)
    out.push_back(std::string("/home/dev/project/") + kTools[i % 9] + "/" + std::to_string(i * 7919 % 100000));
  return out;
}

// ---- Benchmarks ----------------------------------------------------------------

constexpr int kChooser = 0;

template <class Encode>
std::string EncodeOnce(Encode&& encode) {
  std::string out;
  encode(&out);
  return out;
}

void Report(benchmark::State& state, size_t n, size_t raw_bytes, size_t enc_bytes, const std::string& codec) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * raw_bytes));
  state.counters["bytes_per_value"] = static_cast<double>(enc_bytes) / static_cast<double>(n);
  state.SetLabel(codec);
}

// The same calls for both numeric column types.
void EncodeAuto(const int64_t* v, size_t n, std::string* out) { EncodeInts(v, n, out); }
void EncodeAuto(const double* v, size_t n, std::string* out) { EncodeDoubles(v, n, out); }
agentperf::Status EncodeForced(CodecId id, const int64_t* v, size_t n, std::string* out) { return EncodeIntsWith(id, v, n, out); }
agentperf::Status EncodeForced(CodecId id, const double* v, size_t n, std::string* out) { return EncodeDoublesWith(id, v, n, out); }
agentperf::Status DecodeAny(std::string_view in, size_t n, int64_t* out) { return DecodeInts(in, n, out); }
agentperf::Status DecodeAny(std::string_view in, size_t n, double* out) { return DecodeDoubles(in, n, out); }

// Registers encode and decode benchmarks of `v` for each codec id (or kChooser).
template <typename T>
void RegisterNumeric(const std::string& kind, const std::string& name, std::vector<T> v, std::vector<int> codecs) {
  auto data = std::make_shared<std::vector<T>>(std::move(v));
  for (int id : codecs) {
    auto encode = [data, id](std::string* out) {
      if (id == kChooser) EncodeAuto(data->data(), data->size(), out);
      else (void)EncodeForced(static_cast<CodecId>(id), data->data(), data->size(), out);
    };
    auto enc = std::make_shared<std::string>(EncodeOnce(encode));
    const std::string codec = std::string(CodecName(ChunkCodec(*enc)));
    const std::string tag = id == kChooser ? "auto" : codec;
    benchmark::RegisterBenchmark((kind + "/" + name + "/" + tag + "/encode").c_str(), [=](benchmark::State& state) {
      std::string out;
      for (auto _ : state) {
        out.clear();
        encode(&out);
        benchmark::DoNotOptimize(out.data());
      }
      Report(state, data->size(), data->size() * 8, enc->size(), codec);
    });
    benchmark::RegisterBenchmark((kind + "/" + name + "/" + tag + "/decode").c_str(), [=](benchmark::State& state) {
      std::vector<T> out(data->size());
      for (auto _ : state) {
        if (!DecodeAny(*enc, data->size(), out.data()).ok()) state.SkipWithError("decode failed");
        benchmark::DoNotOptimize(out.data());
      }
      // Bitwise: NaN payloads must survive too.
      if (std::memcmp(out.data(), data->data(), data->size() * sizeof(T)) != 0) {
        state.SkipWithError("round trip mismatch");
      }
      Report(state, data->size(), data->size() * 8, enc->size(), codec);
    });
  }
}

void RegisterInts(const std::string& name, std::vector<int64_t> v, std::vector<int> codecs) {
  RegisterNumeric("ints", name, std::move(v), std::move(codecs));
}

void RegisterDoubles(const std::string& name, std::vector<double> v, std::vector<int> codecs) {
  RegisterNumeric("doubles", name, std::move(v), std::move(codecs));
}

void RegisterStrings(const std::string& name, std::vector<std::string> v, std::vector<int> codecs) {
  auto owned = std::make_shared<std::vector<std::string>>(std::move(v));
  auto views = std::make_shared<std::vector<std::string_view>>(owned->begin(), owned->end());
  size_t raw = 0;
  for (const auto& s : *owned) raw += s.size();
  for (int id : codecs) {
    auto encode = [views, id](std::string* out) {
      if (id == kChooser) EncodeStrings(views->data(), views->size(), out);
      else (void)EncodeStringsWith(static_cast<CodecId>(id), views->data(), views->size(), out);
    };
    auto enc = std::make_shared<std::string>(EncodeOnce(encode));
    const std::string codec = std::string(CodecName(ChunkCodec(*enc)));
    const std::string tag = id == kChooser ? "auto" : codec;
    benchmark::RegisterBenchmark(("strings/" + name + "/" + tag + "/encode").c_str(), [=](benchmark::State& state) {
      std::string out;
      for (auto _ : state) {
        out.clear();
        encode(&out);
        benchmark::DoNotOptimize(out.data());
      }
      Report(state, views->size(), raw, enc->size(), codec);
    });
    benchmark::RegisterBenchmark(("strings/" + name + "/" + tag + "/decode").c_str(), [=](benchmark::State& state) {
      std::string bytes;
      std::vector<uint32_t> offsets;
      for (auto _ : state) {
        if (!DecodeStrings(*enc, views->size(), &bytes, &offsets).ok()) state.SkipWithError("decode failed");
        benchmark::DoNotOptimize(bytes.data());
      }
      Report(state, views->size(), raw, enc->size(), codec);
    });
  }
}

int Id(CodecId id) { return static_cast<int>(id); }

}  // namespace

int main(int argc, char** argv) {
  RegisterInts("sorted_ts_us_259ms", SortedTimestampsUs(259, 1),
               {kChooser, Id(CodecId::kDelta), Id(CodecId::kDeltaOfDelta), Id(CodecId::kForBitpack), Id(CodecId::kIntAns)});
  RegisterInts("lognormal_dur_us", LognormalDurationsUs(), {kChooser, Id(CodecId::kForBitpack), Id(CodecId::kIntAns)});
  RegisterInts("tokens_43pct", TokenCounts(), {kChooser, Id(CodecId::kForBitpack), Id(CodecId::kIntAns)});
  RegisterInts("dict_codes", DictCodes(), {kChooser, Id(CodecId::kDelta)});
  RegisterInts("session_runs", SessionRuns(), {kChooser, Id(CodecId::kForBitpack)});
  RegisterInts("regular_ts_us", RegularTimestampsUs(), {kChooser, Id(CodecId::kDelta)});
  RegisterInts("uniform_8bit", UniformBits(8), {Id(CodecId::kForBitpack), Id(CodecId::kIntAns)});
  RegisterInts("uniform_20bit", UniformBits(20), {Id(CodecId::kForBitpack), Id(CodecId::kIntPlain)});
  RegisterDoubles("costs_usd", Costs(1.0), {kChooser, Id(CodecId::kGorilla), Id(CodecId::kDoublePlain)});
  RegisterDoubles("costs_40pct_nan", Costs(0.4), {kChooser});
  RegisterDoubles("latency_ms", LatenciesMs(), {kChooser, Id(CodecId::kGorilla)});
  RegisterDoubles("random_bits", RandomDoubles(), {kChooser});
  RegisterStrings("prt_ids_40ms", OpenCodeIds("prt", false, 40), {kChooser, Id(CodecId::kStringPlain), Id(CodecId::kStringZstd)});
  RegisterStrings("prt_ids_259ms", OpenCodeIds("prt", false, 259), {kChooser});
  RegisterStrings("ses_ids_desc", OpenCodeIds("ses", true, 60000), {kChooser});
  RegisterStrings("labels", Labels(), {kChooser, Id(CodecId::kStringPlain)});
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

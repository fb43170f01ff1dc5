// Property tests: decode(encode(v)) == v for arbitrary vectors, with the
// chooser and with every forced codec (bit-exact for doubles).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cstring>

#include "store/codec/column_codec.h"

namespace agentperf::store::codec {
namespace {

const CodecId kIntCodecs[] = {CodecId::kIntPlain, CodecId::kForBitpack, CodecId::kDelta, CodecId::kDeltaOfDelta,
                              CodecId::kRle,      CodecId::kIntSparse,  CodecId::kGcd,   CodecId::kIntZstd,
                              CodecId::kIntAns};
const CodecId kDoubleCodecs[] = {CodecId::kDoublePlain, CodecId::kGorilla, CodecId::kDecimal, CodecId::kDoubleSparse,
                                 CodecId::kDoubleZstd};
const CodecId kStringCodecs[] = {CodecId::kStringPlain, CodecId::kFrontCoded, CodecId::kStructuredId,
                                 CodecId::kStringZstd};

// Arbitrary values, or structured ones (walks with a scale, runs, absents)
// that reach the interesting codecs.
rc::Gen<std::vector<int64_t>> IntColumns() {
  return rc::gen::oneOf(
      rc::gen::arbitrary<std::vector<int64_t>>(),
      rc::gen::map(rc::gen::tuple(rc::gen::container<std::vector<int8_t>>(rc::gen::arbitrary<int8_t>()),
                                  rc::gen::element<int64_t>(1, 1000, -7, INT64_C(1) << 40),
                                  rc::gen::arbitrary<int64_t>(), rc::gen::inRange(0, 4)),
                   [](const std::tuple<std::vector<int8_t>, int64_t, int64_t, int>& t) {
                     const auto& [steps, scale, start, mode] = t;
                     std::vector<int64_t> v;
                     uint64_t x = static_cast<uint64_t>(start);
                     for (size_t i = 0; i < steps.size(); ++i) {
                       x += static_cast<uint64_t>(steps[i] * scale);
                       int64_t value = static_cast<int64_t>(x);
                       if (mode == 1 && steps[i] % 3 == 0) value = -1;           // absent
                       if (mode == 2) value = static_cast<int64_t>(steps[i] / 40);  // runs
                       v.push_back(value);
                     }
                     return v;
                   }));
}

rc::Gen<std::vector<double>> DoubleColumns() {
  return rc::gen::oneOf(
      rc::gen::map(rc::gen::arbitrary<std::vector<uint64_t>>(),
                   [](const std::vector<uint64_t>& bits) {
                     std::vector<double> v(bits.size());
                     if (!bits.empty()) std::memcpy(v.data(), bits.data(), bits.size() * 8);
                     return v;
                   }),
      rc::gen::map(rc::gen::tuple(rc::gen::arbitrary<std::vector<int32_t>>(), rc::gen::inRange(0, 9)),
                   [](const std::tuple<std::vector<int32_t>, int>& t) {
                     const auto& [digits, e] = t;
                     std::vector<double> v;
                     for (int32_t d : digits) v.push_back(d % 5 == 0 ? std::nan("") : d / std::pow(10.0, e));
                     return v;
                   }),
      rc::gen::arbitrary<std::vector<double>>());
}

rc::Gen<std::vector<std::string>> StringColumns() {
  static const char kB62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  return rc::gen::oneOf(
      rc::gen::arbitrary<std::vector<std::string>>(),
      rc::gen::container<std::vector<std::string>>(rc::gen::map(
          rc::gen::tuple(rc::gen::element<std::string>("prt", "msg", "ses", "", "x_y"),
                         rc::gen::arbitrary<uint64_t>(), rc::gen::arbitrary<uint64_t>(), rc::gen::inRange(0, 20)),
          [](const std::tuple<std::string, uint64_t, uint64_t, int>& t) {
            const auto& [prefix, hex, rnd, spoil] = t;
            char buf[16];
            std::snprintf(buf, sizeof(buf), "%012llx", static_cast<unsigned long long>(hex & 0xffffffffffffULL));
            std::string s = prefix + "_" + buf;
            uint64_t r = rnd;
            for (int k = 0; k < 14; ++k) {
              s.push_back(kB62[r % 62]);
              r = r / 62 + static_cast<uint64_t>(k) * 7919;
            }
            if (spoil == 0) s[s.size() - 3] = '-';  // not base62
            if (spoil == 1) s.pop_back();
            return s;
          })));
}

void CheckInts(const std::vector<int64_t>& v, const std::string& enc) {
  std::vector<int64_t> out(v.size());
  Status s = DecodeInts(enc, v.size(), out.data());
  if (!s.ok()) RC_FAIL(std::string(CodecName(ChunkCodec(enc))) + ": " + s.ToString());
  RC_ASSERT(out == v);
}

void CheckDoubles(const std::vector<double>& v, const std::string& enc) {
  std::vector<double> out(v.size());
  Status s = DecodeDoubles(enc, v.size(), out.data());
  if (!s.ok()) RC_FAIL(std::string(CodecName(ChunkCodec(enc))) + ": " + s.ToString());
  const bool same = v.empty() || std::memcmp(out.data(), v.data(), v.size() * 8) == 0;  // (RC_ASSERT does not short-circuit)
  RC_ASSERT(same);
}

void CheckStrings(const std::vector<std::string>& v, const std::string& enc) {
  std::string bytes;
  std::vector<uint32_t> offsets;
  Status s = DecodeStrings(enc, v.size(), &bytes, &offsets);
  if (!s.ok()) RC_FAIL(std::string(CodecName(ChunkCodec(enc))) + ": " + s.ToString());
  RC_ASSERT(offsets.size() == v.size() + 1);
  for (size_t i = 0; i < v.size(); ++i) RC_ASSERT(bytes.substr(offsets[i], offsets[i + 1] - offsets[i]) == v[i]);
}

RC_GTEST_PROP(CodecProperty, IntsRoundTrip, ()) {
  const auto v = *IntColumns();
  std::string enc;
  EncodeInts(v.data(), v.size(), &enc);
  CheckInts(v, enc);
}

RC_GTEST_PROP(CodecProperty, IntsRoundTripWithEveryCodec, ()) {
  const auto v = *IntColumns();
  for (CodecId id : kIntCodecs) {
    std::string enc;
    RC_ASSERT(EncodeIntsWith(id, v.data(), v.size(), &enc).ok());
    CheckInts(v, enc);
  }
}

RC_GTEST_PROP(CodecProperty, DoublesRoundTripBitExact, ()) {
  const auto v = *DoubleColumns();
  std::string enc;
  EncodeDoubles(v.data(), v.size(), &enc);
  CheckDoubles(v, enc);
  for (CodecId id : kDoubleCodecs) {
    std::string forced;
    RC_ASSERT(EncodeDoublesWith(id, v.data(), v.size(), &forced).ok());
    CheckDoubles(v, forced);
  }
}

RC_GTEST_PROP(CodecProperty, StringsRoundTrip, ()) {
  const auto v = *StringColumns();
  std::vector<std::string_view> views(v.begin(), v.end());
  std::string enc;
  EncodeStrings(views.data(), views.size(), &enc);
  CheckStrings(v, enc);
  for (CodecId id : kStringCodecs) {
    std::string forced;
    RC_ASSERT(EncodeStringsWith(id, views.data(), views.size(), &forced).ok());
    CheckStrings(v, forced);
  }
}

RC_GTEST_PROP(CodecProperty, ConstantWhenAllEqual, (int64_t x, uint8_t n)) {
  std::vector<int64_t> v(n, x);
  std::string enc;
  RC_ASSERT(EncodeIntsWith(CodecId::kIntConstant, v.data(), v.size(), &enc).ok());
  CheckInts(v, enc);
}

}  // namespace
}  // namespace agentperf::store::codec

#include "store/codec/float_codecs.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "store/codec/bit_stream.h"
#include "store/codec/bitpack.h"
#include "store/codec/bitmap.h"
#include "store/codec/zstd_wrap.h"

namespace agentperf::store::codec {
namespace doubles {
namespace {

using detail::BitsDouble;
using detail::DoubleBits;

constexpr double kMaxDigits = 2251799813685248.0;  // 2^51: the rounding trick below is exact below it
constexpr double kRoundMagic = 6755399441055744.0;  // 1.5 * 2^52

// True if bits == (double)d / 10^e for d = round(value * 10^e), |d| < 2^51.
inline bool Fits(uint64_t bits, int e, int64_t* d) {
  const double v = BitsDouble(bits);
  const double x = v * kPow10[e];
  if (!(std::fabs(x) < kMaxDigits)) return false;  // also NaN
  const double r = (x + kRoundMagic) - kRoundMagic;  // round to nearest even, no libm call
  const auto di = static_cast<int64_t>(r);
  if (DoubleBits(static_cast<double>(di) / kPow10[e]) != bits) return false;
  *d = di;
  return true;
}

}  // namespace

int ChooseExponent(const detail::U64Alias* v, size_t n, double* fit_share) {
  const size_t k = std::min<size_t>(n, 64);
  int best_e = 0;
  double best_cost = 1e300;
  size_t best_fits = 0;
  for (int e = 0; e <= kMaxExponent; ++e) {
    size_t fits = 0;
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (size_t i = 0; i < k; ++i) {
      int64_t d;
      if (Fits(v[i * n / k], e, &d)) {
        ++fits;
        lo = std::min(lo, d);
        hi = std::max(hi, d);
      }
    }
    const int width = fits ? bitpack::BitWidth(static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo)) : 0;
    const double cost = static_cast<double>(fits) * width + static_cast<double>(k - fits) * 80.0;
    if (cost < best_cost) {
      best_cost = cost;
      best_e = e;
      best_fits = fits;
    }
    if (fits == k) break;  // a larger e only widens the digits
  }
  *fit_share = k ? static_cast<double>(best_fits) / static_cast<double>(k) : 1.0;
  return best_e;
}

void PutPlain(const detail::U64Alias* v, size_t n, std::string* out) {
  out->push_back(static_cast<char>(CodecId::kDoublePlain));
  out->append(reinterpret_cast<const char*>(v), n * 8);
}

void PutConstant(uint64_t bits, std::string* out) {
  out->push_back(static_cast<char>(CodecId::kDoubleConstant));
  coding::PutFixed64(out, bits);
}

void PutGorilla(const detail::U64Alias* v, size_t n, std::string* out) {
  out->push_back(static_cast<char>(CodecId::kGorilla));
  if (n == 0) return;
  BitWriter w(out);
  w.Put(v[0], 64);
  uint64_t prev = v[0];
  int wlead = -1, wlen = 0;  // the current window
  for (size_t i = 1; i < n; ++i) {
    const uint64_t x = v[i] ^ prev;
    prev = v[i];
    if (x == 0) {
      w.Put(0, 1);
      continue;
    }
    const int lead = __builtin_clzll(x);
    const int trail = __builtin_ctzll(x);
    if (wlead >= 0 && lead >= wlead && trail >= 64 - wlead - wlen) {
      w.Put(0b01, 2);  // bits "1, 0"
      w.Put(x >> (64 - wlead - wlen), wlen);
    } else {
      const int len = 64 - lead - trail;
      w.Put(0b11, 2);  // bits "1, 1"
      w.Put(static_cast<uint64_t>(lead), 6);
      w.Put(static_cast<uint64_t>(len - 1), 6);
      w.Put(x >> trail, len);
      wlead = lead;
      wlen = len;
    }
  }
  w.Finish();
}

void PutDecimal(const detail::U64Alias* v, size_t n, int e, std::string* out) {
  std::vector<int64_t> digits(n);
  std::vector<size_t> exceptions;
  int64_t last = 0;
  for (size_t i = 0; i < n; ++i) {
    int64_t d;
    if (Fits(v[i], e, &d)) {
      digits[i] = last = d;
    } else {
      digits[i] = last;
      exceptions.push_back(i);
    }
  }
  out->push_back(static_cast<char>(CodecId::kDecimal));
  out->push_back(static_cast<char>(e));
  coding::PutVarint64(out, exceptions.size());
  std::string nested;
  detail::ChooseInts(digits.data(), n, detail::kAllCodecs & ~detail::Bit(CodecId::kIntZstd), &nested);
  coding::PutLengthPrefixed(out, nested);
  size_t prev = 0;
  for (size_t j = 0; j < exceptions.size(); ++j) {
    coding::PutVarint64(out, j == 0 ? exceptions[0] : exceptions[j] - prev - 1);
    prev = exceptions[j];
  }
  for (size_t pos : exceptions) coding::PutFixed64(out, v[pos]);
}

void PutSparse(const detail::U64Alias* v, size_t n, uint64_t def, detail::CodecMask inner, std::string* out) {
  std::vector<uint64_t> words(bitmap::Words(n), 0);
  std::vector<uint64_t> values;
  for (size_t i = 0; i < n; ++i) {
    if (v[i] != def) {
      words[i / 64] |= uint64_t{1} << (i % 64);
      values.push_back(v[i]);
    }
  }
  out->push_back(static_cast<char>(CodecId::kDoubleSparse));
  coding::PutFixed64(out, def);
  bitmap::PutBitmap(words.data(), n, out);
  detail::ChooseDoubles(values.data(), values.size(), inner, out);
}

}  // namespace doubles

// ---- Decoding --------------------------------------------------------------

namespace detail {
namespace {

using doubles::kPow10;

Status DecodeGorilla(std::string_view body, size_t n, U64Alias* out) {
  const std::string_view name = "gorilla";
  if (n == 0) return body.empty() ? Status::OK() : Corrupt(name, "trailing bytes");
  BitReader r(body);
  uint64_t prev = r.Get(64);
  out[0] = prev;
  int wlead = -1, wlen = 0;
  for (size_t i = 1; i < n; ++i) {
    if (r.Get(1) != 0) {
      if (r.Get(1) == 0) {
        if (wlead < 0) return Corrupt(name, "window used before it was set");
        prev ^= r.Get(wlen) << (64 - wlead - wlen);
      } else {
        wlead = static_cast<int>(r.Get(6));
        wlen = static_cast<int>(r.Get(6)) + 1;
        if (wlead + wlen > 64) return Corrupt(name, "window too wide");
        prev ^= r.Get(wlen) << (64 - wlead - wlen);
      }
    }
    if (r.failed()) return Corrupt(name, "truncated");
    out[i] = prev;
  }
  if (r.failed()) return Corrupt(name, "truncated");
  if (r.BytesUsed() != body.size()) return Corrupt(name, "trailing bytes");
  return Status::OK();
}

Status DecodeDecimal(std::string_view body, size_t n, U64Alias* out, int depth) {
  const std::string_view name = "decimal";
  uint8_t e;
  uint64_t x;
  std::string_view digits_chunk;
  if (!coding::GetByte(&body, &e) || e > doubles::kMaxExponent || !GetBoundedVarint(&body, n, &x) ||
      !GetNested(&body, &digits_chunk))
    return Corrupt(name, "bad header");
  std::vector<int64_t> d(n);
  AP_RETURN_IF_ERROR(DecodeIntsAt(digits_chunk, n, d.data(), depth + 1));
  const double p = kPow10[e];
  for (size_t i = 0; i < n; ++i) out[i] = DoubleBits(static_cast<double>(d[i]) / p);
  // Positions first, then the raw values: x <= n, and each position takes >= 1 byte.
  if (x > body.size()) return Corrupt(name, "truncated exceptions");
  std::vector<size_t> pos(x);
  size_t next = 0;
  for (uint64_t j = 0; j < x; ++j) {
    uint64_t gap;
    if (!coding::GetVarint64(&body, &gap) || gap >= n - next) return Corrupt(name, "bad exception position");
    pos[j] = next + gap;
    next = pos[j] + 1;
  }
  if (body.size() != x * 8) return Corrupt(name, "wrong exception bytes");
  for (uint64_t j = 0; j < x; ++j) out[pos[j]] = coding::DecodeFixed64(body.data() + 8 * j);
  return Status::OK();
}

Status DecodeSparse(std::string_view body, size_t n, U64Alias* out, int depth) {
  const std::string_view name = "double_sparse";
  uint64_t def;
  if (!coding::GetFixed64(&body, &def)) return Corrupt(name, "bad header");
  std::vector<uint64_t> words(bitmap::Words(n));
  size_t m;
  if (!bitmap::GetBitmap(&body, n, words.data(), &m)) return Corrupt(name, "bad bitmap");
  std::vector<uint64_t> values(m + 1);
  AP_RETURN_IF_ERROR(DecodeDoublesAt(body, m, values.data(), depth + 1));
  size_t j = 0;
  for (size_t wi = 0; wi < words.size(); ++wi) {
    const uint64_t w = words[wi];
    const size_t base = wi * 64;
    const size_t cnt = std::min<size_t>(64, n - base);
    for (size_t b = 0; b < cnt; ++b) {
      const size_t bit = (w >> b) & 1;
      out[base + b] = bit ? values[j] : def;
      j += bit;
    }
  }
  return Status::OK();
}

size_t MaxZstdRaw(size_t n) { return n > (SIZE_MAX - 64) / 16 ? SIZE_MAX : 64 + 16 * n; }

}  // namespace

Status DecodeDoublesAt(std::string_view in, size_t n, U64Alias* out, int depth) {
  if (depth > kMaxDepth) return Corrupt("doubles", "nesting too deep");
  if (in.empty()) return Corrupt("doubles", "empty chunk");
  const auto id = static_cast<uint8_t>(in[0]);
  std::string_view body = in.substr(1);
  switch (static_cast<CodecId>(id)) {
    case CodecId::kDoublePlain:
      if (body.size() % 8 != 0 || body.size() / 8 != n) return Corrupt("double_plain", "wrong length");
      if (n > 0) std::memcpy(out, body.data(), n * 8);
      return Status::OK();
    case CodecId::kDoubleConstant: {
      if (body.size() != 8) return Corrupt("double_constant", "wrong length");
      std::fill(out, out + n, coding::DecodeFixed64(body.data()));
      return Status::OK();
    }
    case CodecId::kGorilla:
      return DecodeGorilla(body, n, out);
    case CodecId::kDecimal:
      return DecodeDecimal(body, n, out, depth);
    case CodecId::kDoubleSparse:
      return DecodeSparse(body, n, out, depth);
    case CodecId::kDoubleZstd: {
      std::string inner;
      if (!zstd_wrap::Get(body, MaxZstdRaw(n), &inner)) return Corrupt("double_zstd", "bad zstd frame");
      return DecodeDoublesAt(inner, n, out, depth + 1);
    }
    default:
      return Corrupt("doubles", "unknown codec " + std::to_string(id));
  }
}

// ---- Choosing --------------------------------------------------------------

namespace {

constexpr CodecMask kNoNesting = ~Bit(CodecId::kDoubleZstd);

}  // namespace

void ChooseDoubles(const detail::U64Alias* v, size_t n, CodecMask allowed, std::string* out) {
  if (n == 0) {
    doubles::PutPlain(v, 0, out);
    return;
  }
  bool all_same = true;
  for (size_t i = 1; i < n && all_same; ++i) all_same = v[i] == v[0];
  if (all_same && (allowed & Bit(CodecId::kDoubleConstant))) {
    doubles::PutConstant(v[0], out);
    return;
  }
  const size_t start = out->size();
  std::string best;
  size_t best_size = 1 + 8 * n;  // double_plain
  auto consider = [&](std::string&& cand) {
    if (cand.size() < best_size) {
      best_size = cand.size();
      best = std::move(cand);
    }
  };
  if ((allowed & Bit(CodecId::kDoubleSparse)) && n >= 16) {
    size_t count;
    const uint64_t def = detail::MostCommonValue<uint64_t>(v, n, &count);
    if (count * 4 >= n && count < n) {
      std::string cand;
      doubles::PutSparse(v, n, def, allowed & kNoNesting & ~Bit(CodecId::kDoubleSparse), &cand);
      consider(std::move(cand));
    }
  }
  if (allowed & Bit(CodecId::kDecimal)) {
    double share;
    const int e = doubles::ChooseExponent(v, n, &share);
    if (share >= 0.5) {
      std::string cand;
      doubles::PutDecimal(v, n, e, &cand);
      consider(std::move(cand));
    }
  }
  if ((allowed & Bit(CodecId::kGorilla)) && best_size > n * 2) {  // gorilla rarely beats 2 bytes/value
    std::string cand;
    doubles::PutGorilla(v, n, &cand);
    consider(std::move(cand));
  }
  if (best.empty()) doubles::PutPlain(v, n, out);
  else out->append(best);
  if ((allowed & Bit(CodecId::kDoubleZstd)) && out->size() - start >= 128) {
    std::string_view inner(out->data() + start, out->size() - start);
    std::string z;
    zstd_wrap::Put(CodecId::kDoubleZstd, inner, 1, &z);
    if (z.size() * 10 <= inner.size() * 9) {
      out->resize(start);
      out->append(z);
    }
  }
}

Status EncodeDoublesAs(CodecId id, const detail::U64Alias* v, size_t n, std::string* out) {
  const CodecMask all = kAllCodecs & kNoNesting;
  switch (id) {
    case CodecId::kDoublePlain:
      doubles::PutPlain(v, n, out);
      return Status::OK();
    case CodecId::kDoubleConstant:
      for (size_t i = 1; i < n; ++i)
        if (v[i] != v[0]) return Status::InvalidArgument("double_constant: values differ");
      doubles::PutConstant(n == 0 ? 0 : v[0], out);
      return Status::OK();
    case CodecId::kGorilla:
      doubles::PutGorilla(v, n, out);
      return Status::OK();
    case CodecId::kDecimal: {
      double share;
      doubles::PutDecimal(v, n, n == 0 ? 0 : doubles::ChooseExponent(v, n, &share), out);
      return Status::OK();
    }
    case CodecId::kDoubleSparse: {
      size_t count = 0;
      doubles::PutSparse(v, n, n == 0 ? 0 : detail::MostCommonValue<uint64_t>(v, n, &count), all & ~Bit(CodecId::kDoubleSparse), out);
      return Status::OK();
    }
    case CodecId::kDoubleZstd: {
      std::string inner;
      ChooseDoubles(v, n, all, &inner);
      zstd_wrap::Put(CodecId::kDoubleZstd, inner, 3, out);
      return Status::OK();
    }
    default:
      return Status::InvalidArgument(std::string("not a double codec: ") + std::string(CodecName(uint8_t(id))));
  }
}

}  // namespace detail
}  // namespace agentperf::store::codec

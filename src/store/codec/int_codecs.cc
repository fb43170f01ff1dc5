#include "store/codec/int_codecs.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <vector>

#include "store/codec/ans.h"
#include "store/codec/bitmap.h"
#include "store/codec/bitpack.h"
#include "store/codec/zstd_wrap.h"

namespace agentperf::store::codec {
namespace ints {
namespace {

using coding::UnZigZag;
using coding::ZigZag;

// Modular inverse of an odd m modulo 2^64 (Newton: each step doubles the correct bits).
uint64_t InverseOdd(uint64_t m) {
  uint64_t x = m;  // correct to 3 bits
  for (int i = 0; i < 5; ++i) x *= 2 - m * x;
  return x;
}

// Divisibility by g = 2^s * m (m odd) without a division: x is a multiple of
// m iff x * inverse(m) <= UINT64_MAX / m.
struct Divisor {
  explicit Divisor(uint64_t g)
      : shift(__builtin_ctzll(g)), inv(InverseOdd(g >> shift)), limit(UINT64_MAX / (g >> shift)) {}
  bool Divides(uint64_t x) const {
    return (x & ((uint64_t{1} << shift) - 1)) == 0 && (x >> shift) * inv <= limit;
  }
  uint64_t Quotient(uint64_t x) const { return (x >> shift) * inv; }  // REQUIRES Divides(x)
  int shift;
  uint64_t inv;
  uint64_t limit;
};

}  // namespace

uint64_t CommonFactor(const int64_t* v, size_t n, int64_t min) {
  uint64_t g = 0;
  Divisor div(1);
  for (size_t i = 0; i < n; ++i) {
    uint64_t x = static_cast<uint64_t>(v[i]) - static_cast<uint64_t>(min);
    if (x == 0) continue;
    if (g == 0) {
      g = x;
      div = Divisor(g);
    } else if (!div.Divides(x)) {
      g = std::gcd(g, x);
      if (g == 1) return 1;
      div = Divisor(g);
    }
  }
  return g;
}

void DivideExact(const int64_t* v, size_t n, int64_t offset, uint64_t factor, uint64_t* u) {
  Divisor div(factor);
  for (size_t i = 0; i < n; ++i) u[i] = div.Quotient(static_cast<uint64_t>(v[i]) - static_cast<uint64_t>(offset));
}

void PutPlain(const int64_t* v, size_t n, std::string* out) {
  out->push_back(static_cast<char>(CodecId::kIntPlain));
  out->append(reinterpret_cast<const char*>(v), n * sizeof(int64_t));
}

void PutConstant(int64_t value, std::string* out) {
  out->push_back(static_cast<char>(CodecId::kIntConstant));
  coding::PutVarsint64(out, value);
}

void PutFor(int64_t ref, const uint64_t* u, size_t n, std::string* out) {
  out->push_back(static_cast<char>(CodecId::kForBitpack));
  coding::PutVarsint64(out, ref);
  bitpack::PutPacked(u, n, out);
}

void PutDelta(int64_t first, DeltaParams p, const uint64_t* u, size_t m, std::string* out) {
  out->push_back(static_cast<char>(CodecId::kDelta));
  out->push_back(static_cast<char>(p.zigzag ? 1 : 0));
  coding::PutVarsint64(out, first);
  coding::PutVarsint64(out, p.base);
  bitpack::PutPacked(u, m, out);
}

void PutDod(int64_t first, int64_t first_delta, DeltaParams p, const uint64_t* u, size_t m, std::string* out) {
  out->push_back(static_cast<char>(CodecId::kDeltaOfDelta));
  out->push_back(static_cast<char>(p.zigzag ? 1 : 0));
  coding::PutVarsint64(out, first);
  coding::PutVarsint64(out, first_delta);
  coding::PutVarsint64(out, p.base);
  bitpack::PutPacked(u, m, out);
}

void PutRle(const int64_t* v, size_t n, detail::CodecMask inner, std::string* out) {
  std::vector<int64_t> values, lengths;
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && v[j] == v[i]) ++j;
    values.push_back(v[i]);
    lengths.push_back(static_cast<int64_t>(j - i - 1));
    i = j;
  }
  out->push_back(static_cast<char>(CodecId::kRle));
  coding::PutVarint64(out, values.size());
  std::string nested;
  detail::ChooseInts(values.data(), values.size(), inner, &nested);
  coding::PutLengthPrefixed(out, nested);
  detail::ChooseInts(lengths.data(), lengths.size(), inner, out);
}

void PutSparse(const int64_t* v, size_t n, int64_t def, detail::CodecMask inner, std::string* out) {
  std::vector<uint64_t> words(bitmap::Words(n), 0);
  std::vector<int64_t> values;
  for (size_t i = 0; i < n; ++i) {
    if (v[i] != def) {
      words[i / 64] |= uint64_t{1} << (i % 64);
      values.push_back(v[i]);
    }
  }
  out->push_back(static_cast<char>(CodecId::kIntSparse));
  coding::PutVarsint64(out, def);
  bitmap::PutBitmap(words.data(), n, out);
  detail::ChooseInts(values.data(), values.size(), inner, out);
}

void PutGcd(const int64_t* v, size_t n, int64_t offset, uint64_t factor, detail::CodecMask inner, std::string* out) {
  std::vector<uint64_t> u(n);
  DivideExact(v, n, offset, factor, u.data());
  out->push_back(static_cast<char>(CodecId::kGcd));
  coding::PutVarsint64(out, offset);
  coding::PutVarint64(out, factor);
  detail::ChooseInts(reinterpret_cast<const int64_t*>(u.data()), n, inner, out);
}

}  // namespace ints

// ---- Decoding --------------------------------------------------------------

namespace detail {
namespace {

template <bool kZigZag>
bool DecodeDeltas(std::string_view* body, size_t n, int64_t first, int64_t base, uint64_t* out) {
  out[0] = static_cast<uint64_t>(first);
  uint64_t prev = out[0];
  const auto b = static_cast<uint64_t>(base);
  return bitpack::GetPacked(body, n - 1, out + 1, [&](uint64_t* blk, size_t len) {
    for (size_t j = 0; j < len; ++j) {
      prev += b + (kZigZag ? static_cast<uint64_t>(coding::UnZigZag(blk[j])) : blk[j]);
      blk[j] = prev;
    }
  });
}

template <bool kZigZag>
bool DecodeDods(std::string_view* body, size_t n, int64_t first, int64_t first_delta, int64_t base,
                uint64_t* out) {
  out[0] = static_cast<uint64_t>(first);
  if (n == 1) return true;
  uint64_t delta = static_cast<uint64_t>(first_delta);
  out[1] = out[0] + delta;
  uint64_t prev = out[1];
  const auto b = static_cast<uint64_t>(base);
  return bitpack::GetPacked(body, n - 2, out + 2, [&](uint64_t* blk, size_t len) {
    for (size_t j = 0; j < len; ++j) {
      delta += b + (kZigZag ? static_cast<uint64_t>(coding::UnZigZag(blk[j])) : blk[j]);
      prev += delta;
      blk[j] = prev;
    }
  });
}

size_t MaxZstdRaw(size_t n) { return n > (SIZE_MAX - 64) / 16 ? SIZE_MAX : 64 + 16 * n; }

}  // namespace

Status DecodeIntsAt(std::string_view in, size_t n, int64_t* out, int depth) {
  if (depth > kMaxDepth) return Corrupt("ints", "nesting too deep");
  if (in.empty()) return Corrupt("ints", "empty chunk");
  const auto id = static_cast<uint8_t>(in[0]);
  std::string_view body = in.substr(1);
  auto* u = reinterpret_cast<uint64_t*>(out);  // same object representation, aliasing allowed
  const std::string_view name = CodecName(id);
  switch (static_cast<CodecId>(id)) {
    case CodecId::kIntPlain: {
      if (body.size() % 8 != 0 || body.size() / 8 != n) return Corrupt(name, "wrong length");
      if (n > 0) std::memcpy(out, body.data(), n * 8);
      return Status::OK();
    }
    case CodecId::kIntConstant: {
      int64_t c;
      if (!coding::GetVarsint64(&body, &c) || !body.empty()) return Corrupt(name, "bad value");
      std::fill(out, out + n, c);
      return Status::OK();
    }
    case CodecId::kForBitpack: {
      int64_t ref;
      if (!coding::GetVarsint64(&body, &ref)) return Corrupt(name, "truncated header");
      const auto r = static_cast<uint64_t>(ref);
      if (!bitpack::GetPacked(&body, n, u, [r](uint64_t* blk, size_t len) {
            for (size_t j = 0; j < len; ++j) blk[j] += r;
          }))
        return Corrupt(name, "bad packed stream");
      break;
    }
    case CodecId::kDelta:
    case CodecId::kDeltaOfDelta: {
      const bool dod = static_cast<CodecId>(id) == CodecId::kDeltaOfDelta;
      uint8_t flags;
      int64_t first, first_delta = 0, base;
      if (!coding::GetByte(&body, &flags) || flags > 1 || !coding::GetVarsint64(&body, &first) ||
          (dod && !coding::GetVarsint64(&body, &first_delta)) || !coding::GetVarsint64(&body, &base))
        return Corrupt(name, "bad header");
      if (n == 0) break;
      bool ok;
      if (dod) {
        ok = flags ? DecodeDods<true>(&body, n, first, first_delta, base, u)
                   : DecodeDods<false>(&body, n, first, first_delta, base, u);
      } else {
        ok = flags ? DecodeDeltas<true>(&body, n, first, base, u) : DecodeDeltas<false>(&body, n, first, base, u);
      }
      if (!ok) return Corrupt(name, "bad packed stream");
      break;
    }
    case CodecId::kRle: {
      uint64_t r;
      std::string_view values_chunk;
      if (!GetBoundedVarint(&body, n, &r) || (r == 0) != (n == 0) || !GetNested(&body, &values_chunk))
        return Corrupt(name, "bad header");
      std::vector<int64_t> values(r), lengths(r);
      AP_RETURN_IF_ERROR(DecodeIntsAt(values_chunk, r, values.data(), depth + 1));
      AP_RETURN_IF_ERROR(DecodeIntsAt(body, r, lengths.data(), depth + 1));
      size_t pos = 0;
      for (size_t i = 0; i < r; ++i) {
        auto len = static_cast<uint64_t>(lengths[i]);
        if (len >= n - pos) return Corrupt(name, "run lengths exceed n");
        std::fill(out + pos, out + pos + len + 1, values[i]);
        pos += len + 1;
      }
      if (pos != n) return Corrupt(name, "run lengths do not add up");
      return Status::OK();
    }
    case CodecId::kIntSparse: {
      int64_t def;
      if (!coding::GetVarsint64(&body, &def)) return Corrupt(name, "bad header");
      std::vector<uint64_t> words(bitmap::Words(n));
      size_t m;
      if (!bitmap::GetBitmap(&body, n, words.data(), &m)) return Corrupt(name, "bad bitmap");
      std::vector<int64_t> values(m + 1);
      AP_RETURN_IF_ERROR(DecodeIntsAt(body, m, values.data(), depth + 1));
      size_t j = 0;
      for (size_t wi = 0; wi < words.size(); ++wi) {
        const uint64_t w = words[wi];
        const size_t base = wi * 64;
        const size_t cnt = std::min<size_t>(64, n - base);
        if (w == 0) {
          std::fill(out + base, out + base + cnt, def);
          continue;
        }
        for (size_t b = 0; b < cnt; ++b) {
          const size_t bit = (w >> b) & 1;
          out[base + b] = bit ? values[j] : def;
          j += bit;
        }
      }
      return Status::OK();
    }
    case CodecId::kGcd: {
      int64_t offset;
      uint64_t factor;
      if (!coding::GetVarsint64(&body, &offset) || !coding::GetVarint64(&body, &factor) || factor == 0)
        return Corrupt(name, "bad header");
      AP_RETURN_IF_ERROR(DecodeIntsAt(body, n, out, depth + 1));
      const auto off = static_cast<uint64_t>(offset);
      for (size_t i = 0; i < n; ++i) u[i] = off + factor * u[i];
      return Status::OK();
    }
    case CodecId::kIntZstd: {
      std::string inner;
      if (!zstd_wrap::Get(body, MaxZstdRaw(n), &inner)) return Corrupt(name, "bad zstd frame");
      return DecodeIntsAt(inner, n, out, depth + 1);
    }
    case CodecId::kIntAns:
      return ans::Decode(body, n, out);
    default:
      return Corrupt("ints", "unknown codec " + std::to_string(id));
  }
  if (!body.empty()) return Corrupt(name, "trailing bytes");
  return Status::OK();
}

}  // namespace detail
}  // namespace agentperf::store::codec

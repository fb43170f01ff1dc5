#include "store/codec/string_codecs.h"

#include <algorithm>

#include "store/codec/zstd_wrap.h"

namespace agentperf::store::codec {
namespace strings {

size_t DecodeBudget(size_t chunk_size, size_t n) {
  constexpr size_t kCap = UINT32_MAX;
  if (chunk_size > kCap / kMaxExpansion || n > kCap / kPerValueSlack) return kCap;
  return std::min(kCap, chunk_size * kMaxExpansion + n * kPerValueSlack);
}

size_t PlainSize(const std::string_view* v, size_t n) {
  size_t s = 1;
  for (size_t i = 0; i < n; ++i) s += detail::VarintLength(v[i].size()) + v[i].size();
  return s;
}

static size_t Shared(std::string_view a, std::string_view b) {
  const size_t m = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < m && a[i] == b[i]) ++i;
  return i;
}

size_t FrontCodedSize(const std::string_view* v, size_t n) {
  size_t s = 1;
  for (size_t i = 0; i < n; ++i) {
    const size_t shared = i == 0 ? 0 : Shared(v[i - 1], v[i]);
    const size_t suffix = v[i].size() - shared;
    s += detail::VarintLength(shared) + detail::VarintLength(suffix) + suffix;
  }
  return s;
}

void PutPlain(const std::string_view* v, size_t n, std::string* out) {
  out->push_back(static_cast<char>(CodecId::kStringPlain));
  for (size_t i = 0; i < n; ++i) coding::PutVarint64(out, v[i].size());
  for (size_t i = 0; i < n; ++i) out->append(v[i]);
}

void PutFrontCoded(const std::string_view* v, size_t n, std::string* out) {
  out->push_back(static_cast<char>(CodecId::kFrontCoded));
  std::vector<uint32_t> shared(n);
  for (size_t i = 0; i < n; ++i) {
    shared[i] = i == 0 ? 0 : static_cast<uint32_t>(Shared(v[i - 1], v[i]));
    coding::PutVarint64(out, shared[i]);
    coding::PutVarint64(out, v[i].size() - shared[i]);
  }
  for (size_t i = 0; i < n; ++i) out->append(v[i].substr(shared[i]));
}

}  // namespace strings

namespace detail {
namespace {

Status DecodePlain(std::string_view body, size_t n, std::string* bytes, std::vector<uint32_t>* offsets,
                   size_t* budget) {
  const std::string_view name = "string_plain";
  if (n > body.size()) return Corrupt(name, "truncated lengths");  // each length takes >= 1 byte
  std::string_view lens = body;
  uint64_t total = 0;
  for (size_t i = 0; i < n; ++i) {
    uint64_t len;
    if (!coding::GetVarint64(&body, &len) || len > body.size() || total + len > body.size())
      return Corrupt(name, "bad length");
    total += len;
  }
  if (total != body.size()) return Corrupt(name, "lengths do not match the bytes");
  if (total > *budget) return Corrupt(name, "too large");
  *budget -= total;
  auto base = static_cast<uint64_t>(bytes->size());
  for (size_t i = 0; i < n; ++i) {
    uint64_t len;
    coding::GetVarint64(&lens, &len);  // validated above
    base += len;
    offsets->push_back(static_cast<uint32_t>(base));
  }
  bytes->append(body);
  return Status::OK();
}

Status DecodeFrontCoded(std::string_view body, size_t n, std::string* bytes, std::vector<uint32_t>* offsets,
                        size_t* budget) {
  const std::string_view name = "front_coded";
  if (n > body.size() / 2) return Corrupt(name, "truncated lengths");  // each pair takes >= 2 bytes
  std::vector<uint64_t> pairs(2 * n);
  uint64_t suffix_total = 0, out_total = 0, prev_len = 0;
  for (size_t i = 0; i < n; ++i) {
    uint64_t shared, suffix;
    if (!coding::GetVarint64(&body, &shared) || !coding::GetVarint64(&body, &suffix) || shared > prev_len ||
        suffix > body.size())
      return Corrupt(name, "bad pair");
    suffix_total += suffix;
    if (suffix_total > body.size()) return Corrupt(name, "suffixes exceed the chunk");
    prev_len = shared + suffix;
    out_total += prev_len;
    if (out_total > *budget) return Corrupt(name, "too large");
    pairs[2 * i] = shared;
    pairs[2 * i + 1] = suffix;
  }
  if (suffix_total != body.size()) return Corrupt(name, "suffixes do not match the bytes");
  *budget -= out_total;
  bytes->reserve(bytes->size() + out_total);
  size_t prev_start = bytes->size();
  for (size_t i = 0; i < n; ++i) {
    const size_t start = bytes->size();
    bytes->append(*bytes, prev_start, pairs[2 * i]);  // shared <= previous length (checked)
    bytes->append(body.data(), pairs[2 * i + 1]);
    body.remove_prefix(pairs[2 * i + 1]);
    offsets->push_back(static_cast<uint32_t>(bytes->size()));
    prev_start = start;
  }
  return Status::OK();
}

}  // namespace

Status DecodeStringsAt(std::string_view in, size_t n, std::string* bytes, std::vector<uint32_t>* offsets, int depth,
                       size_t* budget) {
  if (depth > kMaxDepth) return Corrupt("strings", "nesting too deep");
  if (in.empty()) return Corrupt("strings", "empty chunk");
  const auto id = static_cast<uint8_t>(in[0]);
  std::string_view body = in.substr(1);
  switch (static_cast<CodecId>(id)) {
    case CodecId::kStringPlain:
      return DecodePlain(body, n, bytes, offsets, budget);
    case CodecId::kFrontCoded:
      return DecodeFrontCoded(body, n, bytes, offsets, budget);
    case CodecId::kStructuredId:
      return strings::DecodeStructuredIds(body, n, bytes, offsets, depth, budget);
    case CodecId::kStringZstd: {
      // The nested chunk is at most its output plus 20 bytes of lengths per string.
      const size_t max_raw = *budget + 64 + (n > UINT32_MAX ? size_t{UINT32_MAX} * 20 : 20 * n);
      std::string inner;
      if (!zstd_wrap::Get(body, max_raw, &inner)) return Corrupt("string_zstd", "bad zstd frame");
      return DecodeStringsAt(inner, n, bytes, offsets, depth + 1, budget);
    }
    default:
      return Corrupt("strings", "unknown codec " + std::to_string(id));
  }
}

namespace {

// Whether the decoder's expansion limit admits `total` output bytes from a chunk of `size`.
bool Admissible(size_t total, size_t size, size_t n) { return total <= strings::DecodeBudget(size, n); }

bool LooksStructured(const std::string_view* v, size_t n) {
  const size_t k = std::min<size_t>(n, 32);
  size_t hits = 0;
  for (size_t i = 0; i < k; ++i) hits += strings::IsStructuredId(v[i * n / k]);
  return hits * 2 >= k;
}

}  // namespace

void ChooseStrings(const std::string_view* v, size_t n, CodecMask allowed, std::string* out) {
  size_t total = 0;
  for (size_t i = 0; i < n; ++i) total += v[i].size();
  const size_t plain = strings::PlainSize(v, n);
  const bool front_ok = (allowed & Bit(CodecId::kFrontCoded)) && n > 1;
  const size_t front = front_ok ? strings::FrontCodedSize(v, n) : SIZE_MAX;
  const bool use_front = front < plain && Admissible(total, front, n);
  const size_t base_size = use_front ? front : plain;
  auto put_base = [&](std::string* dst) {  // plain or front coded: also what zstd would compress
    if (use_front) strings::PutFrontCoded(v, n, dst);
    else strings::PutPlain(v, n, dst);
  };
  std::string best;
  if ((allowed & Bit(CodecId::kStructuredId)) && n > 0 && LooksStructured(v, n)) {
    strings::PutStructuredIds(v, n, &best);
    if (best.size() >= base_size || !Admissible(total, best.size(), n)) best.clear();
  }
  // zstd cannot squeeze the random part of structured ids: not tried when they won.
  if (best.empty() && (allowed & Bit(CodecId::kStringZstd)) && total >= 128) {
    std::string base, z;
    put_base(&base);
    zstd_wrap::Put(CodecId::kStringZstd, base, 3, &z);
    if (z.size() * 10 <= base.size() * 9 && Admissible(total, z.size(), n)) best = std::move(z);
    else best = std::move(base);
  }
  if (best.empty()) put_base(&best);
  out->append(best);
}

Status EncodeStringsAs(CodecId id, const std::string_view* v, size_t n, std::string* out) {
  size_t total = 0;
  for (size_t i = 0; i < n; ++i) total += v[i].size();
  std::string enc;
  switch (id) {
    case CodecId::kStringPlain:
      strings::PutPlain(v, n, out);
      return Status::OK();
    case CodecId::kFrontCoded:
      strings::PutFrontCoded(v, n, &enc);
      break;
    case CodecId::kStructuredId:
      strings::PutStructuredIds(v, n, &enc);
      break;
    case CodecId::kStringZstd: {
      std::string inner;
      ChooseStrings(v, n, kAllCodecs & ~Bit(CodecId::kStringZstd), &inner);
      zstd_wrap::Put(CodecId::kStringZstd, inner, 3, &enc);
      break;
    }
    default:
      return Status::InvalidArgument(std::string("not a string codec: ") + std::string(CodecName(uint8_t(id))));
  }
  if (!Admissible(total, enc.size(), n)) {
    return Status::InvalidArgument(std::string(CodecName(uint8_t(id))) + ": expands beyond the decoder's limit");
  }
  out->append(enc);
  return Status::OK();
}

}  // namespace detail
}  // namespace agentperf::store::codec

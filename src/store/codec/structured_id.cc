// The structured-id codec (docs/format/codecs.md, codec 66): OpenCode ids
// "<prefix>_<12 hex><14 base62>" become a prefix code, the hex part as two
// int columns (milliseconds and counter, delta coded by the int chooser) and
// the random part as two 42-bit numbers (84 bits instead of 14 bytes).
#include <algorithm>
#include <unordered_map>

#include "store/codec/bitpack.h"
#include "store/codec/string_codecs.h"

namespace agentperf::store::codec::strings {
namespace {

constexpr size_t kTailLen = 27;  // '_' + 12 hex + 14 base62
constexpr size_t kMaxPrefix = 32;
constexpr int kHalfBits = 42;
constexpr uint64_t kHalfLimit = 3521614606208ULL;  // 62^7 < 2^42
constexpr char kBase62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr char kHex[] = "0123456789abcdef";

// Character values (-1: not a digit of that kind), as tables: random base-62
// characters would defeat branch prediction.
struct DigitTables {
  int8_t hex[256];
  int8_t b62[256];
  constexpr DigitTables() : hex(), b62() {
    for (int c = 0; c < 256; ++c) hex[c] = b62[c] = -1;
    for (int i = 0; i < 16; ++i) hex[static_cast<uint8_t>(kHex[i])] = static_cast<int8_t>(i);
    for (int i = 0; i < 62; ++i) b62[static_cast<uint8_t>(kBase62[i])] = static_cast<int8_t>(i);
  }
};
constexpr DigitTables kDigits;

inline int HexValue(char c) { return kDigits.hex[static_cast<uint8_t>(c)]; }
inline int Base62Value(char c) { return kDigits.b62[static_cast<uint8_t>(c)]; }

struct ParsedId {
  std::string_view prefix;
  uint64_t hex = 0;
  uint64_t half[2] = {0, 0};
};

bool Parse(std::string_view s, ParsedId* id) {
  if (s.size() < kTailLen || s.size() > kTailLen + kMaxPrefix) return false;
  const size_t pl = s.size() - kTailLen;
  if (s[pl] != '_') return false;
  uint64_t hex = 0;
  int bad = 0;  // OR of all digit values: negative if any character is not a digit
  for (size_t i = 0; i < 12; ++i) {
    const int h = HexValue(s[pl + 1 + i]);
    bad |= h;
    hex = hex << 4 | static_cast<uint64_t>(h & 15);
  }
  for (int half = 0; half < 2; ++half) {
    uint64_t x = 0;
    for (size_t i = 0; i < 7; ++i) {
      const int b = Base62Value(s[pl + 13 + 7 * static_cast<size_t>(half) + i]);
      bad |= b;
      x = x * 62 + static_cast<uint64_t>(b & 63);
    }
    id->half[half] = x;
  }
  if (bad < 0) return false;
  id->prefix = s.substr(0, pl);
  id->hex = hex;
  return true;
}

// Two base-62 digits per entry (62^2 = 3,844 pairs) and two hex digits per
// byte: the tail is written with few, short multiply chains.
struct Tables {
  char pair62[3844][2];
  char hex2[256][2];
  constexpr Tables() : pair62(), hex2() {
    for (int i = 0; i < 3844; ++i) {
      pair62[i][0] = kBase62[i / 62];
      pair62[i][1] = kBase62[i % 62];
    }
    for (int i = 0; i < 256; ++i) {
      hex2[i][0] = kHex[i >> 4];
      hex2[i][1] = kHex[i & 15];
    }
  }
};
constexpr Tables kTables;

// Seven base-62 digits of h (< 62^7) at p, most significant first.
inline void FormatHalf(uint64_t h, char* p) {
  const uint64_t hi = h / 14776336;  // 62^4: hi < 62^3
  const uint64_t lo = h % 14776336;
  p[0] = kBase62[hi / 3844];
  std::memcpy(p + 1, kTables.pair62[hi % 3844], 2);
  std::memcpy(p + 3, kTables.pair62[lo / 3844], 2);
  std::memcpy(p + 5, kTables.pair62[lo % 3844], 2);
}

// Writes the 27-byte tail for hex and the two base-62 halves at p.
void Format(uint64_t hex, uint64_t h0, uint64_t h1, char* p) {
  p[0] = '_';
  for (int i = 5; i >= 0; --i) {
    std::memcpy(p + 1 + 2 * i, kTables.hex2[hex & 0xff], 2);
    hex >>= 8;
  }
  FormatHalf(h0, p + 13);
  FormatHalf(h1, p + 20);
}

constexpr detail::CodecMask kInner = detail::kAllCodecs & ~detail::Bit(CodecId::kIntZstd);

}  // namespace

bool IsStructuredId(std::string_view s) {
  ParsedId id;
  return Parse(s, &id);
}

void PutStructuredIds(const std::string_view* v, size_t n, std::string* out) {
  std::unordered_map<std::string_view, int64_t> codes;
  std::vector<std::string_view> prefixes;
  std::vector<int64_t> code, ms, counter;
  std::vector<uint64_t> halves;
  std::vector<size_t> exceptions;
  int64_t last_code = 0;
  for (size_t i = 0; i < n; ++i) {
    ParsedId id;
    if (!Parse(v[i], &id)) {
      exceptions.push_back(i);
      continue;
    }
    if (code.empty() || id.prefix != prefixes[static_cast<size_t>(last_code)]) {  // usually the same as before
      auto [it, inserted] = codes.try_emplace(id.prefix, static_cast<int64_t>(prefixes.size()));
      if (inserted) prefixes.push_back(id.prefix);
      last_code = it->second;
    }
    code.push_back(last_code);
    ms.push_back(static_cast<int64_t>(id.hex >> 12));
    counter.push_back(static_cast<int64_t>(id.hex & 0xfff));
    halves.push_back(id.half[0]);
    halves.push_back(id.half[1]);
  }
  out->push_back(static_cast<char>(CodecId::kStructuredId));
  coding::PutVarint64(out, prefixes.size());
  for (std::string_view p : prefixes) coding::PutLengthPrefixed(out, p);
  coding::PutVarint64(out, exceptions.size());
  for (const auto* col : {&code, &ms, &counter}) {
    std::string nested;
    detail::ChooseInts(col->data(), col->size(), kInner, &nested);
    coding::PutLengthPrefixed(out, nested);
  }
  bitpack::PackBits(halves.data(), halves.size(), kHalfBits, out);
  size_t prev = 0;
  for (size_t j = 0; j < exceptions.size(); ++j) {
    coding::PutVarint64(out, j == 0 ? exceptions[0] : exceptions[j] - prev - 1);
    prev = exceptions[j];
  }
  for (size_t pos : exceptions) coding::PutLengthPrefixed(out, v[pos]);
}

Status DecodeStructuredIds(std::string_view body, size_t n, std::string* bytes, std::vector<uint32_t>* offsets,
                           int depth, size_t* budget) {
  const std::string_view name = "structured_id";
  uint64_t np;
  if (!detail::GetBoundedVarint(&body, body.size(), &np)) return detail::Corrupt(name, "bad prefix count");
  std::vector<std::string_view> prefixes(np);
  for (auto& p : prefixes) {
    if (!coding::GetLengthPrefixed(&body, &p) || p.size() > kMaxPrefix) return detail::Corrupt(name, "bad prefix");
  }
  uint64_t x;
  if (!detail::GetBoundedVarint(&body, n, &x)) return detail::Corrupt(name, "bad exception count");
  const size_t m = n - x;
  if (m > 0 && np == 0) return detail::Corrupt(name, "ids without prefixes");
  if (m > body.size() / 10) return detail::Corrupt(name, "truncated");  // each id's random part is 10.5 bytes
  std::vector<int64_t> cols[3];
  for (int c = 0; c < 3; ++c) {
    std::string_view nested;
    if (!detail::GetNested(&body, &nested)) return detail::Corrupt(name, "truncated column");
    cols[c].resize(m);
    AP_RETURN_IF_ERROR(detail::DecodeIntsAt(nested, m, cols[c].data(), depth + 1));
  }
  std::vector<uint64_t> halves(2 * m);
  if (!bitpack::UnpackBits(&body, 2 * m, kHalfBits, halves.data())) return detail::Corrupt(name, "truncated random part");
  uint64_t total = 0;
  for (size_t i = 0; i < m; ++i) {
    const auto code = static_cast<uint64_t>(cols[0][i]);
    if (code >= np || static_cast<uint64_t>(cols[1][i]) >> 36 != 0 || static_cast<uint64_t>(cols[2][i]) >> 12 != 0 ||
        halves[2 * i] >= kHalfLimit || halves[2 * i + 1] >= kHalfLimit)
      return detail::Corrupt(name, "value out of range");
    total += prefixes[code].size() + kTailLen;
  }
  if (x > body.size()) return detail::Corrupt(name, "truncated exceptions");
  std::vector<size_t> pos(x);
  size_t next = 0;
  for (size_t j = 0; j < x; ++j) {
    uint64_t gap;
    if (!coding::GetVarint64(&body, &gap) || gap >= n - next) return detail::Corrupt(name, "bad exception position");
    pos[j] = next + gap;
    next = pos[j] + 1;
  }
  std::vector<std::string_view> exc(x);
  for (auto& e : exc) {
    if (!coding::GetLengthPrefixed(&body, &e)) return detail::Corrupt(name, "truncated exception");
    total += e.size();
  }
  if (!body.empty()) return detail::Corrupt(name, "trailing bytes");
  if (total > *budget) return detail::Corrupt(name, "too large");
  *budget -= total;
  const size_t start = bytes->size();
  bytes->resize(start + total);
  char* p = bytes->data() + start;
  size_t ei = 0, ii = 0;
  for (size_t i = 0; i < n; ++i) {
    if (ei < x && pos[ei] == i) {
      if (!exc[ei].empty()) std::memcpy(p, exc[ei].data(), exc[ei].size());
      p += exc[ei++].size();
    } else {
      std::string_view prefix = prefixes[static_cast<size_t>(cols[0][ii])];
      if (!prefix.empty()) std::memcpy(p, prefix.data(), prefix.size());
      p += prefix.size();
      const uint64_t hex = static_cast<uint64_t>(cols[1][ii]) << 12 | static_cast<uint64_t>(cols[2][ii]);
      Format(hex, halves[2 * ii], halves[2 * ii + 1], p);
      p += kTailLen;
      ++ii;
    }
    offsets->push_back(static_cast<uint32_t>(p - bytes->data()));
  }
  return Status::OK();
}

}  // namespace agentperf::store::codec::strings

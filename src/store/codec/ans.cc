#include "store/codec/ans.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "store/codec/bit_stream.h"
#include "store/codec/bitpack.h"

namespace agentperf::store::codec::ans {
namespace {

using coding::UnZigZag;
using coding::ZigZag;

// rANS with a 32-bit state and byte-wise renormalisation (after ryg_rans):
// the state stays in [kLow, kLow << 8).
constexpr uint32_t kLow = 1u << 23;
constexpr int kMaxScale = 15;  // frequencies and slot offsets fit 16 bits

inline uint64_t Map(uint64_t d, const Transform& t) {
  const uint64_t x = d - static_cast<uint64_t>(t.ref);
  return t.zigzag ? ZigZag(static_cast<int64_t>(x)) : x;
}

// Token of u, the number of raw low bits after it, and u's value without them.
inline uint32_t Token(uint64_t u, TokenConfig c, int* raw_bits) {
  if (u < (uint64_t{1} << c.split)) {
    *raw_bits = 0;
    return static_cast<uint32_t>(u);
  }
  const int e = 63 - __builtin_clzll(u);
  const int low = e - c.msb;
  *raw_bits = low;
  const auto top = static_cast<uint32_t>((u >> low) & ((1u << c.msb) - 1));
  return (1u << c.split) + (static_cast<uint32_t>(e - c.split) << c.msb) + top;
}

// The value of token t with zero raw bits, and how many raw bits follow.
inline uint64_t TokenBase(uint32_t t, TokenConfig c, int* raw_bits) {
  if (t < (1u << c.split)) {
    *raw_bits = 0;
    return t;
  }
  const uint32_t q = t - (1u << c.split);
  const int e = c.split + static_cast<int>(q >> c.msb);
  const uint64_t top = q & ((1u << c.msb) - 1);
  *raw_bits = e - c.msb;
  return (uint64_t{1} << e) | (top << (e - c.msb));
}

// Brings a decoder state back to >= kLow; a valid stream needs at most two
// bytes (after a step x >= 2^(23 - scale) >= 2^8). False if the stream ends
// before.
__attribute__((always_inline)) inline bool Renormalize(uint32_t* x, const uint8_t** p, const uint8_t* end) {
  if (*x >= kLow) return true;
  if (end - *p < 2) {
    while (*x < kLow && *p != end) *x = *x << 8 | *(*p)++;
    return *x >= kLow;
  }
  *x = *x << 8 | *(*p)++;
  if (*x < kLow) *x = *x << 8 | *(*p)++;
  return *x >= kLow;
}

// ---- Estimation ------------------------------------------------------------

// Fine histogram: values below 256 exactly, larger ones by (highest bit e,
// the 4 bits below it): enough to count the tokens of every configuration
// with split <= 8 and msb <= 4.
constexpr int kFineExact = 256;
constexpr int kFineBins = kFineExact + (64 - 8) * 16;

inline int FineBin(uint64_t u) {
  if (u < kFineExact) return static_cast<int>(u);
  const int e = 63 - __builtin_clzll(u);
  return kFineExact + (e - 8) * 16 + static_cast<int>((u >> (e - 4)) & 15);
}

// Representative value of a fine bin (exact below 256; else the bin's smallest value).
inline uint64_t FineValue(int bin) {
  if (bin < kFineExact) return static_cast<uint64_t>(bin);
  const int e = 8 + (bin - kFineExact) / 16;
  const uint64_t top = static_cast<uint64_t>((bin - kFineExact) % 16);
  return (uint64_t{1} << e) | (top << (e - 4));
}

// c * log2(c) for counts, from a table below 4096.
double CLog2C(uint64_t c) {
  static const std::array<float, 4096> table = [] {
    std::array<float, 4096> t{};
    for (size_t i = 1; i < t.size(); ++i) t[i] = static_cast<float>(static_cast<double>(i) * std::log2(static_cast<double>(i)));
    return t;
  }();
  if (c < table.size()) return table[c];
  const double d = static_cast<double>(c);
  return d * std::log2(d);
}

constexpr TokenConfig kConfigs[] = {{0, 0}, {1, 0}, {2, 0}, {2, 1}, {3, 1}, {4, 1}, {4, 2},
                                    {5, 2}, {6, 2}, {6, 3}, {8, 3}, {8, 4}};

int ScaleBits(size_t m, size_t present) {
  int b = std::clamp(bitpack::BitWidth(m), 1, 12);
  while ((size_t{1} << b) < present && b < kMaxScale) ++b;
  return b;
}

// ---- Frequency tables --------------------------------------------------------

// Normalises counts (sum m) to frequencies summing to 2^b, every used token >= 1.
void Normalize(const std::vector<uint32_t>& counts, size_t m, int b, std::vector<uint32_t>* freq) {
  const uint64_t total = uint64_t{1} << b;
  freq->assign(counts.size(), 0);
  uint64_t sum = 0;
  size_t biggest = 0;
  for (size_t t = 0; t < counts.size(); ++t) {
    if (counts[t] == 0) continue;
    uint64_t f = (static_cast<uint64_t>(counts[t]) * total + m / 2) / m;
    if (f == 0) f = 1;
    (*freq)[t] = static_cast<uint32_t>(f);
    sum += f;
    if (counts[t] > counts[biggest]) biggest = t;
  }
  if (sum < total) {
    (*freq)[biggest] += static_cast<uint32_t>(total - sum);
  } else {
    while (sum > total) {  // take the excess from the largest frequencies, keeping each >= 1
      size_t big = 0;
      for (size_t t = 1; t < freq->size(); ++t) {
        if ((*freq)[t] > (*freq)[big]) big = t;
      }
      const uint64_t take = std::min<uint64_t>(sum - total, (*freq)[big] - 1);
      (*freq)[big] -= static_cast<uint32_t>(take);
      sum -= take;
    }
  }
}

// Table: varint A, then A frequencies as varints; a 0 is followed by a varint
// count of further zeros.
void PutTable(const std::vector<uint32_t>& freq, size_t alphabet, std::string* out) {
  coding::PutVarint64(out, alphabet);
  for (size_t t = 0; t < alphabet;) {
    coding::PutVarint64(out, freq[t]);
    if (freq[t] != 0) {
      ++t;
      continue;
    }
    size_t run = 0;
    while (t + 1 + run < alphabet && freq[t + 1 + run] == 0) ++run;
    coding::PutVarint64(out, run);
    t += 1 + run;
  }
}

// Decodes m tokens of the rANS stream (two interleaved states) into their
// base values dst[0..m); *total_raw gets the raw bits they need. False on a
// malformed stream.
bool DecodeTokens(std::string_view stream, TokenConfig c, int b, const std::vector<uint32_t>& freqs,
                  const std::vector<uint32_t>& cums, size_t m, uint64_t* __restrict dst, uint64_t* total_raw) {
  const size_t alphabet = freqs.size();
  const uint32_t total = 1u << b;
  // Per slot: frequency | (slot - cumulative) << 16 (the state update), and the token.
  std::vector<uint32_t> slot_update_v(total);
  std::vector<uint16_t> slot_token_v(total);
  std::vector<uint64_t> base_v(alphabet);
  std::vector<uint32_t> raw_v(alphabet);
  uint32_t* __restrict slot_update = slot_update_v.data();
  uint16_t* __restrict slot_token = slot_token_v.data();
  for (uint32_t k = 0; k < alphabet; ++k) {
    int rb;
    base_v[k] = TokenBase(k, c, &rb);
    raw_v[k] = static_cast<uint32_t>(rb);
    for (uint32_t j = 0; j < freqs[k]; ++j) {
      slot_update[cums[k] + j] = freqs[k] | j << 16;
      slot_token[cums[k] + j] = static_cast<uint16_t>(k);
    }
  }
  const uint64_t* __restrict base = base_v.data();
  const uint32_t* __restrict raw = raw_v.data();
  const auto* p = reinterpret_cast<const uint8_t*>(stream.data());
  const uint8_t* const end = p + stream.size();
  auto load32 = [](const uint8_t* q) {
    return static_cast<uint32_t>(q[0]) | static_cast<uint32_t>(q[1]) << 8 | static_cast<uint32_t>(q[2]) << 16 |
           static_cast<uint32_t>(q[3]) << 24;
  };
  uint32_t x0 = load32(p), x1 = load32(p + 4);
  p += 8;
  const uint32_t mask = total - 1;
  uint64_t raw_sum = 0;
  size_t i = 0;
  // Fast path while 4 bytes remain: branch-free renormalisation (0, 1 or 2
  // bytes per state); the checked path below takes over near the end.
  for (; i + 1 < m && end - p >= 4; i += 2) {
    const uint32_t s0 = x0 & mask, s1 = x1 & mask;
    const uint32_t e0 = slot_update[s0], e1 = slot_update[s1];
    x0 = (e0 & 0xffff) * (x0 >> b) + (e0 >> 16);
    x1 = (e1 & 0xffff) * (x1 >> b) + (e1 >> 16);
    const uint32_t k0 = slot_token[s0], k1 = slot_token[s1];
    dst[i] = base[k0];
    dst[i + 1] = base[k1];
    raw_sum += raw[k0] + raw[k1];
    const int n0 = (x0 < kLow) + (x0 < (kLow >> 8));
    x0 = (x0 << (8 * n0)) | ((static_cast<uint32_t>(p[0]) << 8 | p[1]) >> (8 * (2 - n0)));
    p += n0;
    const int n1 = (x1 < kLow) + (x1 < (kLow >> 8));
    x1 = (x1 << (8 * n1)) | ((static_cast<uint32_t>(p[0]) << 8 | p[1]) >> (8 * (2 - n1)));
    p += n1;
  }
  for (; i < m; ++i) {
    uint32_t& x = (i & 1) ? x1 : x0;
    const uint32_t s0 = x & mask;
    const uint32_t e0 = slot_update[s0];
    x = (e0 & 0xffff) * (x >> b) + (e0 >> 16);
    const uint32_t k0 = slot_token[s0];
    dst[i] = base[k0];
    raw_sum += raw[k0];
    if (!Renormalize(&x, &p, end)) return false;
  }
  *total_raw = raw_sum;
  return p == end && x0 == kLow && x1 == kLow;
}

// ORs each value's raw low bits (its count follows from its base value) from
// `bits` into dst[0..m). REQUIRES: bits holds at least all of them.
void AddRawBits(std::string_view bits, TokenConfig c, size_t m, uint64_t* __restrict dst) {
  std::string padded(bits.size() + 16, '\0');
  std::memcpy(padded.data(), bits.data(), bits.size());
  const auto* q = reinterpret_cast<const uint8_t*>(padded.data());
  const uint64_t direct = uint64_t{1} << c.split;
  const int msb = c.msb;
  uint64_t pos = 0;
  for (size_t j = 0; j < m; ++j) {  // branch-free but for values wider than 56 bits
    const uint64_t v = dst[j];
    const int wide = 63 - __builtin_clzll(v | 1) - msb;
    const int w = v >= direct ? wide : 0;
    const uint64_t byte = pos >> 3;
    const int shift = static_cast<int>(pos & 7);
    uint64_t x = detail::Load64(q + byte) >> shift;
    if (__builtin_expect(shift + w > 64, 0)) x |= static_cast<uint64_t>(q[byte + 8]) << (64 - shift);
    dst[j] = v | (x & ((uint64_t{1} << w) - 1));
    pos += static_cast<uint64_t>(w);
  }
}

}  // namespace

size_t Apply(const int64_t* v, size_t n, const Transform& t, uint64_t* u) {
  if (n <= static_cast<size_t>(t.order)) return 0;
  const size_t m = n - static_cast<size_t>(t.order);
  const auto* w = reinterpret_cast<const uint64_t*>(v);
  if (t.order == 0) {
    for (size_t i = 0; i < m; ++i) u[i] = Map(w[i], t);
  } else if (t.order == 1) {
    for (size_t i = 0; i < m; ++i) u[i] = Map(w[i + 1] - w[i], t);
  } else {
    for (size_t i = 0; i < m; ++i) u[i] = Map((w[i + 2] - w[i + 1]) - (w[i + 1] - w[i]), t);
  }
  return m;
}

size_t EstimateSize(const uint64_t* u, size_t m, TokenConfig* best) {
  *best = TokenConfig{};
  if (m == 0) return 0;
  std::array<uint32_t, kFineBins> fine{};
  for (size_t i = 0; i < m; ++i) ++fine[static_cast<size_t>(FineBin(u[i]))];
  int used_bins[kFineBins];
  int nbins = 0;
  for (int bin = 0; bin < kFineBins; ++bin) {
    if (fine[static_cast<size_t>(bin)] != 0) used_bins[nbins++] = bin;
  }
  double best_bits = 1e300;
  std::vector<uint32_t> counts;
  for (const TokenConfig c : kConfigs) {
    counts.assign(static_cast<size_t>(TokenCount(c)), 0);
    double raw = 0;
    for (int j = 0; j < nbins; ++j) {
      const int bin = used_bins[j];
      int raw_bits;
      const uint32_t t = Token(FineValue(bin), c, &raw_bits);
      counts[t] += fine[static_cast<size_t>(bin)];
      raw += static_cast<double>(raw_bits) * fine[static_cast<size_t>(bin)];
    }
    // Entropy of the tokens, plus about 1.5 bytes of table per used token and 2 per gap.
    double bits = CLog2C(m) + raw;
    size_t used = 0, gaps = 0;
    bool in_gap = false;
    for (uint32_t k : counts) {
      if (k == 0) {
        gaps += !in_gap;
        in_gap = true;
        continue;
      }
      in_gap = false;
      ++used;
      bits -= CLog2C(k);
    }
    bits += 8.0 * (1.5 * static_cast<double>(used) + 2.0 * static_cast<double>(gaps));
    if (bits < best_bits) {
      best_bits = bits;
      *best = c;
    }
  }
  return static_cast<size_t>(best_bits / 8) + 12;  // + config, scale, sizes, the final state
}

void Put(const int64_t* v, size_t n, const Transform& t, TokenConfig c, std::string* out) {
  out->push_back(static_cast<char>(CodecId::kIntAns));
  out->push_back(static_cast<char>(t.order | (t.zigzag ? 4 : 0)));
  if (t.order >= 1) coding::PutVarsint64(out, n >= 1 ? v[0] : 0);
  if (t.order == 2) {
    coding::PutVarsint64(out, n >= 2 ? static_cast<int64_t>(static_cast<uint64_t>(v[1]) - static_cast<uint64_t>(v[0])) : 0);
  }
  coding::PutVarsint64(out, t.ref);
  std::vector<uint64_t> u(n);
  const size_t m = Apply(v, n, t, u.data());
  if (m == 0) return;

  std::vector<uint32_t> tokens(m), counts(static_cast<size_t>(TokenCount(c)), 0);
  std::vector<uint8_t> raw_bits(m);
  size_t alphabet = 0, present = 0;
  for (size_t i = 0; i < m; ++i) {
    int rb;
    tokens[i] = Token(u[i], c, &rb);
    raw_bits[i] = static_cast<uint8_t>(rb);
    present += counts[tokens[i]]++ == 0;
    alphabet = std::max<size_t>(alphabet, tokens[i] + 1);
  }
  const int b = ScaleBits(m, present);
  std::vector<uint32_t> freq, cum(alphabet + 1, 0);
  Normalize(counts, m, b, &freq);
  for (size_t k = 0; k < alphabet; ++k) cum[k + 1] = cum[k] + freq[k];
  out->push_back(static_cast<char>(c.split | c.msb << 4));
  out->push_back(static_cast<char>(b));
  PutTable(freq, alphabet, out);

  // rANS, two interleaved states (token i uses state i % 2): encode
  // backwards, emitting renormalisation bytes; then reverse the stream.
  struct EncSym {
    uint64_t x_max;  // renormalise while x >= x_max
    uint64_t rcp;    // floor(2^48 / f) + 1: x / f == (x * rcp) >> 48 for x < 2^31
    uint32_t freq, cum;
  };
  std::vector<EncSym> enc(alphabet);
  for (size_t k = 0; k < alphabet; ++k) {
    if (freq[k] == 0) continue;
    enc[k] = {(static_cast<uint64_t>(kLow >> b) << 8) * freq[k], (uint64_t{1} << 48) / freq[k] + 1, freq[k], cum[k]};
  }
  std::string stream;
  stream.reserve(m + 16);
  uint32_t state[2] = {kLow, kLow};
  for (size_t i = m; i-- > 0;) {
    const EncSym& e = enc[tokens[i]];
    uint32_t& x = state[i & 1];
    while (x >= e.x_max) {
      stream.push_back(static_cast<char>(x & 0xff));
      x >>= 8;
    }
    const auto q = static_cast<uint32_t>((static_cast<unsigned __int128>(x) * e.rcp) >> 48);
    x = (q << b) + (x - q * e.freq) + e.cum;
  }
  for (int s = 1; s >= 0; --s) {  // state 1 first: after the reversal state 0 leads
    for (int k = 3; k >= 0; --k) stream.push_back(static_cast<char>((state[s] >> (8 * k)) & 0xff));
  }
  std::reverse(stream.begin(), stream.end());
  coding::PutVarint64(out, stream.size());
  out->append(stream);

  BitWriter w(out);
  for (size_t i = 0; i < m; ++i) {
    const int rb = raw_bits[i];
    if (rb > 0) w.Put(u[i] & ((uint64_t{1} << rb) - 1), rb);
  }
  w.Finish();
}

Status Decode(std::string_view body, size_t n, int64_t* out) {
  const std::string_view name = "int_ans";
  uint8_t flags;
  if (!coding::GetByte(&body, &flags) || (flags & 3) > 2 || (flags & ~7) != 0) return detail::Corrupt(name, "bad flags");
  Transform t;
  t.order = flags & 3;
  t.zigzag = (flags & 4) != 0;
  int64_t first = 0, first_delta = 0;
  if ((t.order >= 1 && !coding::GetVarsint64(&body, &first)) ||
      (t.order == 2 && !coding::GetVarsint64(&body, &first_delta)) || !coding::GetVarsint64(&body, &t.ref))
    return detail::Corrupt(name, "bad header");
  auto* u = reinterpret_cast<uint64_t*>(out);
  const size_t order = static_cast<size_t>(t.order);
  const size_t m = n > order ? n - order : 0;
  if (m > 0) {
    uint8_t config, b;
    uint64_t alphabet;
    if (!coding::GetByte(&body, &config) || !coding::GetByte(&body, &b)) return detail::Corrupt(name, "bad header");
    TokenConfig c{config & 15, config >> 4};
    if (c.split > kMaxSplit || c.msb > kMaxMsb || c.msb > c.split || b < 1 || b > kMaxScale)
      return detail::Corrupt(name, "bad token configuration");
    if (!detail::GetBoundedVarint(&body, static_cast<uint64_t>(TokenCount(c)), &alphabet) || alphabet == 0)
      return detail::Corrupt(name, "bad alphabet");
    const uint32_t total = 1u << b;
    std::vector<uint32_t> freq(alphabet), cum(alphabet);
    uint64_t sum = 0;
    for (size_t k = 0; k < alphabet;) {
      uint64_t f;
      if (!detail::GetBoundedVarint(&body, total, &f)) return detail::Corrupt(name, "bad frequency");
      freq[k] = static_cast<uint32_t>(f);
      cum[k] = static_cast<uint32_t>(sum);
      sum += f;
      ++k;
      if (f == 0) {
        uint64_t run;
        if (!detail::GetBoundedVarint(&body, alphabet - k, &run)) return detail::Corrupt(name, "bad zero run");
        for (uint64_t r = 0; r < run; ++r, ++k) cum[k] = static_cast<uint32_t>(sum);  // freq stays 0
      }
    }
    if (sum != total) return detail::Corrupt(name, "frequencies do not sum to the scale");
    std::string_view stream;
    if (!detail::GetNested(&body, &stream) || stream.size() < 8) return detail::Corrupt(name, "truncated stream");
    uint64_t total_raw;
    if (!DecodeTokens(stream, c, b, freq, cum, m, u + order, &total_raw)) return detail::Corrupt(name, "bad stream");
    // Raw low bits: exactly ceil(total/8) bytes, read through a zero-padded copy.
    if (body.size() != (total_raw + 7) / 8) return detail::Corrupt(name, "wrong raw bit bytes");
    if (total_raw > 0) AddRawBits(body, c, m, u + order);
  } else if (!body.empty()) {
    return detail::Corrupt(name, "trailing bytes");
  }
  if (n == 0) return Status::OK();
  const auto ref = static_cast<uint64_t>(t.ref);
  auto unmap = [&](uint64_t x) { return ref + (t.zigzag ? static_cast<uint64_t>(UnZigZag(x)) : x); };
  if (t.order == 0) {
    for (size_t i = 0; i < n; ++i) u[i] = unmap(u[i]);
  } else if (t.order == 1) {
    u[0] = static_cast<uint64_t>(first);
    for (size_t i = 1; i < n; ++i) u[i] = u[i - 1] + unmap(u[i]);
  } else {
    u[0] = static_cast<uint64_t>(first);
    uint64_t delta = static_cast<uint64_t>(first_delta);
    if (n >= 2) u[1] = u[0] + delta;
    for (size_t i = 2; i < n; ++i) {
      delta += unmap(u[i]);
      u[i] = u[i - 1] + delta;
    }
  }
  return Status::OK();
}

}  // namespace agentperf::store::codec::ans

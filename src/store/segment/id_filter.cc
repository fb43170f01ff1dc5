#include "store/segment/id_filter.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/coding.h"

namespace agentperf::store {
using namespace coding;  // NOLINT(google-build-using-namespace)
namespace {

inline uint64_t FastRange(uint64_t x, uint64_t n) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(x) * n) >> 64);
}

// ---- Binary fuse filter (3-wise), after Graf & Lemire, "Binary Fuse Filters" (2022).

constexpr uint64_t kFuseKind = 1;
constexpr int kMaxSegmentLengthLog = 18;
constexpr int kSeedsPerSize = 8;  // construction attempts before the array grows
constexpr int kSizes = 4;         // array sizes tried before the Bloom fallback

inline uint64_t KeyOf(const Hash128& id) { return id.lo ^ Mix64(id.hi); }
inline uint64_t FuseHash(uint64_t key, uint64_t seed) { return Mix64(key + seed); }
inline uint32_t Fingerprint(uint64_t h, int bits) { return static_cast<uint32_t>(h ^ (h >> 32)) & ((1u << bits) - 1); }

struct Geometry {
  uint32_t segment_length = 0;        // power of two
  uint32_t segment_count_length = 0;  // segment_count * segment_length
  uint64_t array_length() const { return segment_length == 0 ? 0 : uint64_t{segment_count_length} + 2ull * segment_length; }
};

inline void Positions(uint64_t h, const Geometry& g, uint32_t pos[3]) {
  const uint32_t mask = g.segment_length - 1;
  const auto h0 = static_cast<uint32_t>((static_cast<unsigned __int128>(h) * g.segment_count_length) >> 64);
  pos[0] = h0;
  pos[1] = (h0 + g.segment_length) ^ (static_cast<uint32_t>(h >> 18) & mask);
  pos[2] = (h0 + 2 * g.segment_length) ^ (static_cast<uint32_t>(h) & mask);
}

// Sizes for n keys (the paper's parameters); `grow` > 0 adds 10 % per step.
Geometry FuseGeometry(size_t n, int grow) {
  Geometry g;
  if (n == 0) return g;
  const double dn = static_cast<double>(n);
  int log_len = n <= 1 ? 2 : static_cast<int>(std::floor(std::log(dn) / std::log(3.33) + 2.25));
  log_len = std::clamp(log_len, 2, kMaxSegmentLengthLog);
  g.segment_length = 1u << log_len;
  const double factor = n <= 1 ? 1.0 : std::max(1.125, 0.875 + 0.25 * std::log(1e6) / std::log(dn));
  const double capacity = dn * factor * (1.0 + 0.1 * grow);
  const auto total_segments = static_cast<uint64_t>(std::ceil(capacity / g.segment_length));
  const uint64_t segment_count = total_segments > 2 ? total_segments - 2 : 1;
  g.segment_count_length = static_cast<uint32_t>(segment_count * g.segment_length);
  return g;
}

// Peels the keys (REQUIRES distinct) into an order in which each key owns one
// of its positions; false if the peeling gets stuck.
bool Peel(const std::vector<uint64_t>& keys, uint64_t seed, const Geometry& g, std::vector<uint32_t>* order,
          std::vector<uint8_t>* owned) {
  const size_t len = g.array_length();
  std::vector<uint8_t> count(len, 0);   // keys at the slot, times 4, | xor of their position index (0..2)
  std::vector<uint32_t> xored(len, 0);  // xor of the indices of the keys at the slot
  uint32_t pos[3];
  for (size_t i = 0; i < keys.size(); ++i) {
    Positions(FuseHash(keys[i], seed), g, pos);
    for (uint32_t k = 0; k < 3; ++k) {
      if (count[pos[k]] >= 252) return false;  // would overflow: hopeless with this seed anyway
      count[pos[k]] = static_cast<uint8_t>((count[pos[k]] + 4) ^ k);
      xored[pos[k]] ^= static_cast<uint32_t>(i);
    }
  }
  std::vector<uint32_t> alone;
  alone.reserve(len / 4);
  for (uint32_t s = 0; s < len; ++s) {
    if ((count[s] >> 2) == 1) alone.push_back(s);
  }
  order->clear();
  owned->clear();
  while (!alone.empty()) {
    const uint32_t s = alone.back();
    alone.pop_back();
    if ((count[s] >> 2) != 1) continue;
    const uint32_t i = xored[s];
    const uint32_t found = count[s] & 3;
    order->push_back(i);
    owned->push_back(static_cast<uint8_t>(found));
    Positions(FuseHash(keys[i], seed), g, pos);
    for (uint32_t k = 0; k < 3; ++k) {
      if (k == found) continue;
      const uint32_t o = pos[k];
      count[o] = static_cast<uint8_t>((count[o] - 4) ^ k);
      xored[o] ^= i;
      if ((count[o] >> 2) == 1) alone.push_back(o);
    }
    count[s] = 0;
  }
  return order->size() == keys.size();
}

inline uint32_t GetPacked(const uint8_t* p, uint64_t index, int bits) {
  const uint64_t bit = index * static_cast<uint64_t>(bits);
  const uint32_t two = static_cast<uint32_t>(p[bit >> 3]) | static_cast<uint32_t>(p[(bit >> 3) + 1]) << 8;
  return (two >> (bit & 7)) & ((1u << bits) - 1);
}

inline void OrPacked(uint8_t* p, uint64_t index, int bits, uint32_t v) {
  const uint64_t bit = index * static_cast<uint64_t>(bits);
  const uint32_t shifted = v << (bit & 7);
  p[bit >> 3] |= static_cast<uint8_t>(shifted & 0xff);
  p[(bit >> 3) + 1] |= static_cast<uint8_t>(shifted >> 8);
}

// ---- Blocked Bloom filter (the segment format's first filter).

inline void BloomAdd(std::vector<uint64_t>* words, uint64_t blocks, int probes, const Hash128& id) {
  uint64_t* block = &(*words)[FastRange(id.lo, blocks) * 8];
  uint64_t h = id.hi;
  for (int i = 0; i < probes; ++i) {
    if (i > 0 && i % 7 == 0) h = Mix64(h);
    uint32_t bit = static_cast<uint32_t>(h >> (9 * (i % 7))) & 511;
    block[bit >> 6] |= uint64_t{1} << (bit & 63);
  }
}

}  // namespace

IdFilter::IdFilter(uint64_t expected_ids) : kind_(Kind::kBuilder) {
  // The Bloom fallback is kept alongside (10 bits per id, at least one block).
  blocks_ = std::max<uint64_t>(1, (expected_ids * 10 + 511) / 512);
  words_.assign(blocks_ * kWordsPerBlock, 0);
  keys_.reserve(expected_ids);
}

void IdFilter::Add(const Hash128& id) {
  if (kind_ != Kind::kBuilder) return;
  keys_.push_back(KeyOf(id));
  BloomAdd(&words_, blocks_, probes_, id);
}

bool IdFilter::MayContain(const Hash128& id) const {
  switch (kind_) {
    case Kind::kEmpty: return false;
    case Kind::kBuilder: return true;
    case Kind::kBloom: return BloomMayContain(id);
    case Kind::kFuse: return FuseMayContain(id);
  }
  return true;
}

bool IdFilter::BloomMayContain(const Hash128& id) const {
  if (blocks_ == 0) return false;
  const uint64_t* block = &words_[FastRange(id.lo, blocks_) * kWordsPerBlock];
  uint64_t h = id.hi;
  for (int i = 0; i < probes_; ++i) {
    if (i > 0 && i % 7 == 0) h = Mix64(h);
    uint32_t bit = static_cast<uint32_t>(h >> (9 * (i % 7))) & 511;
    if ((block[bit >> 6] & (uint64_t{1} << (bit & 63))) == 0) return false;
  }
  return true;
}

bool IdFilter::FuseMayContain(const Hash128& id) const {
  if (segment_length_ == 0) return false;
  const uint64_t h = FuseHash(KeyOf(id), seed_);
  uint32_t pos[3];
  Positions(h, Geometry{segment_length_, segment_count_length_}, pos);
  const auto* p = reinterpret_cast<const uint8_t*>(fingerprints_.data());
  return Fingerprint(h, fp_bits_) ==
         (GetPacked(p, pos[0], fp_bits_) ^ GetPacked(p, pos[1], fp_bits_) ^ GetPacked(p, pos[2], fp_bits_));
}

void IdFilter::EncodeBloomTo(std::string* out) const {
  PutVarint64(out, blocks_);
  PutVarint64(out, static_cast<uint64_t>(probes_));
  for (uint64_t w : words_) PutFixed64(out, w);
}

void IdFilter::EncodeTo(std::string* out) const {
  if (kind_ != Kind::kBuilder) {  // a decoded or empty filter: re-encode what it is
    if (kind_ == Kind::kBloom) EncodeBloomTo(out);
    if (kind_ != Kind::kFuse && kind_ != Kind::kEmpty) return;
  }
  const int bits = kind_ == Kind::kFuse ? fp_bits_ : kFingerprintBits;
  uint64_t seed = 0x726b2b9d438b9d4dULL;
  Geometry g;
  std::string packed;
  if (kind_ == Kind::kFuse) {
    seed = seed_;
    g = Geometry{segment_length_, segment_count_length_};
    packed = fingerprints_.substr(0, (g.array_length() * static_cast<uint64_t>(bits) + 7) / 8);
  } else if (kind_ == Kind::kBuilder && !keys_.empty()) {
    std::vector<uint64_t> keys = keys_;
    std::vector<uint32_t> order;
    std::vector<uint8_t> owned;
    bool built = false;
    bool deduplicated = false;
    for (int size = 0; size < kSizes && !built; ++size) {
      g = FuseGeometry(keys.size(), size);
      if (g.array_length() >= (uint64_t{1} << 32)) break;
      for (int attempt = 0; attempt < kSeedsPerSize && !built; ++attempt) {
        seed = Mix64(seed + 0x9e3779b97f4a7c15ULL);
        built = Peel(keys, seed, g, &order, &owned);
        if (!built && !deduplicated && attempt == 1) {  // repeated ids never peel: drop them once
          std::sort(keys.begin(), keys.end());
          keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
          deduplicated = true;
          g = FuseGeometry(keys.size(), size);
        }
      }
    }
    if (!built) {
      EncodeBloomTo(out);
      return;
    }
    // Assign in reverse peeling order: each key's owned slot makes its three xor to its fingerprint.
    const uint64_t len = g.array_length();
    std::vector<uint8_t> fp(len, 0);
    uint32_t pos[3];
    for (size_t j = order.size(); j-- > 0;) {
      const uint64_t h = FuseHash(keys[order[j]], seed);
      Positions(h, g, pos);
      const uint32_t own = owned[j];
      fp[pos[own]] = static_cast<uint8_t>(Fingerprint(h, bits) ^ fp[pos[(own + 1) % 3]] ^ fp[pos[(own + 2) % 3]]);
    }
    packed.assign((len * static_cast<uint64_t>(bits) + 7) / 8 + 1, '\0');
    for (uint64_t s = 0; s < len; ++s) OrPacked(reinterpret_cast<uint8_t*>(packed.data()), s, bits, fp[s]);
    packed.pop_back();  // the extra byte only absorbed OrPacked's second byte
  }
  PutVarint64(out, 0);  // 0 blocks, 0 probes: not a Bloom filter
  PutVarint64(out, 0);
  PutVarint64(out, kFuseKind);
  PutFixed64(out, seed);
  const int log_len = g.segment_length == 0 ? 0 : __builtin_ctz(g.segment_length);
  PutVarint64(out, static_cast<uint64_t>(log_len));
  PutVarint64(out, g.segment_length == 0 ? 0 : g.segment_count_length >> log_len);
  out->push_back(static_cast<char>(bits));
  out->append(packed);
}

Result<IdFilter> IdFilter::Decode(std::string_view in) {
  IdFilter f;
  uint64_t blocks, probes;
  if (!GetVarint64(&in, &blocks) || !GetVarint64(&in, &probes)) return Status::Corruption("id filter header");
  if (blocks != 0 || probes != 0) {  // blocked Bloom filter
    if (probes == 0 || probes > 32 || blocks > (uint64_t{1} << 40) / 64 || in.size() != blocks * 64) {
      return Status::Corruption("id filter size");
    }
    f.kind_ = Kind::kBloom;
    f.blocks_ = blocks;
    f.probes_ = static_cast<int>(probes);
    f.words_.resize(blocks * kWordsPerBlock);
    for (auto& w : f.words_) {
      w = DecodeFixed64(in.data());
      in.remove_prefix(8);
    }
    return f;
  }
  uint64_t kind, log_len, segment_count;
  uint8_t bits;
  if (!GetVarint64(&in, &kind) || kind != kFuseKind || !GetFixed64(&in, &f.seed_) || !GetVarint64(&in, &log_len) ||
      !GetVarint64(&in, &segment_count) || !GetByte(&in, &bits)) {
    return Status::Corruption("id filter header");
  }
  if (log_len > kMaxSegmentLengthLog || bits < 1 || bits > 8 || segment_count > (uint64_t{1} << 32) >> log_len) {
    return Status::Corruption("id filter geometry");
  }
  const uint64_t segment_length = uint64_t{1} << log_len;
  if (segment_count * segment_length + 2 * segment_length >= (uint64_t{1} << 32)) {
    return Status::Corruption("id filter geometry");
  }
  f.kind_ = Kind::kFuse;
  f.fp_bits_ = bits;
  if (segment_count == 0) {  // empty
    if (!in.empty()) return Status::Corruption("id filter size");
    return f;
  }
  f.segment_length_ = static_cast<uint32_t>(segment_length);
  f.segment_count_length_ = static_cast<uint32_t>(segment_count * segment_length);
  const uint64_t len = Geometry{f.segment_length_, f.segment_count_length_}.array_length();
  if (in.size() != (len * bits + 7) / 8) return Status::Corruption("id filter size");
  f.fingerprints_.reserve(in.size() + 2);
  f.fingerprints_.assign(in);
  f.fingerprints_.append(2, '\0');  // GetPacked reads two bytes
  return f;
}

}  // namespace agentperf::store

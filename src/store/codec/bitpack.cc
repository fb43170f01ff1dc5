#include "store/codec/bitpack.h"

#include <array>
#include <cstring>
#include <utility>

#include "store/codec/codec_internal.h"

namespace agentperf::store::codec::bitpack {
namespace {

using detail::Load64;
using detail::Store64;

// ---- Unpacking kernels: 128 values of a compile-time width ----------------
//
// Eight values of width W take exactly W bytes, so the kernel walks 16 groups
// of W bytes; inside a group every offset and shift is a constant. Each value
// is one unaligned 64-bit load, a shift and a mask (plus one byte for widths
// above 56 when the value straddles nine bytes). A kernel reads at most
// 16*W + 8 bytes: callers guarantee 8 bytes of slack after the packed data.

template <int W, size_t J>
inline void UnpackOne(const uint8_t* in, uint64_t* out) {
  constexpr size_t kBit = J * W;
  constexpr size_t kByte = kBit / 8;
  constexpr int kShift = static_cast<int>(kBit % 8);
  uint64_t x = Load64(in + kByte) >> kShift;
  if constexpr (kShift + W > 64) x |= static_cast<uint64_t>(in[kByte + 8]) << (64 - kShift);
  if constexpr (W < 64) x &= (uint64_t{1} << W) - 1;
  out[J] = x;
}

template <int W, size_t... J>
inline void Unpack8(const uint8_t* in, uint64_t* out, std::index_sequence<J...>) {
  (UnpackOne<W, J>(in, out), ...);
}

template <int W>
void Unpack128(const uint8_t* in, uint64_t* out) {
  if constexpr (W == 0) {
    std::memset(out, 0, kBlock * sizeof(uint64_t));
  } else {
    for (int g = 0; g < 16; ++g) Unpack8<W>(in + g * W, out + g * 8, std::make_index_sequence<8>{});
  }
}

using UnpackFn = void (*)(const uint8_t*, uint64_t*);

template <size_t... W>
constexpr std::array<UnpackFn, sizeof...(W)> MakeUnpackTable(std::index_sequence<W...>) {
  return {&Unpack128<static_cast<int>(W)>...};
}
constexpr std::array<UnpackFn, 65> kUnpack = MakeUnpackTable(std::make_index_sequence<65>{});

// Unpacks `count` (<= 128) values of width w from exactly `bytes` readable
// bytes: directly when there is slack, else through a zero-padded copy.
inline void UnpackUpTo128(const uint8_t* in, size_t bytes, size_t avail, size_t count, int w, uint64_t* out) {
  if (count == kBlock && avail >= static_cast<size_t>(16 * w) + 8) {
    kUnpack[w](in, out);
    return;
  }
  alignas(8) uint8_t buf[kBlock * 8 + 16];
  std::memcpy(buf, in, bytes);
  std::memset(buf + bytes, 0, sizeof(buf) - bytes);
  uint64_t tmp[kBlock];
  kUnpack[w](buf, tmp);
  std::memcpy(out, tmp, count * sizeof(uint64_t));
}

inline size_t PackedBytes(size_t n, int w) { return (n * static_cast<size_t>(w) + 7) / 8; }

// Unpacks a few (count <= 128) values of width w (1..64) one by one; `avail`
// bytes are readable at `in` (at least PackedBytes(count, w)).
void UnpackFew(const uint8_t* in, size_t avail, size_t count, int w, uint64_t* out) {
  const size_t bytes = PackedBytes(count, w);
  alignas(8) uint8_t buf[kBlock * 8 + 16];
  if (avail < bytes + 9) {  // no slack for 9-byte reads: a zero-padded copy
    std::memcpy(buf, in, bytes);
    std::memset(buf + bytes, 0, 16);
    in = buf;
  }
  const uint64_t mask = w == 64 ? ~uint64_t{0} : (uint64_t{1} << w) - 1;
  for (size_t j = 0; j < count; ++j) {
    const size_t bit = j * static_cast<size_t>(w);
    const int shift = static_cast<int>(bit % 8);
    uint64_t x = Load64(in + bit / 8) >> shift;
    if (shift + w > 64) x |= static_cast<uint64_t>(in[bit / 8 + 8]) << (64 - shift);
    out[j] = x & mask;
  }
}

// ---- Packing kernels: 64 values of a compile-time width into W words -------
//
// Value J lands at bit J*W of the little-endian stream, i.e. in word J*W/64
// (and, when it straddles, the next one); all indices and shifts are
// constants, so the words live in registers. REQUIRES: in[j] < 2^W.

template <int W, size_t J>
inline void PackOne(const uint64_t* in, uint64_t* words) {
  constexpr size_t kBit = J * W;
  constexpr size_t kWord = kBit / 64;
  constexpr int kShift = static_cast<int>(kBit % 64);
  words[kWord] |= in[J] << kShift;
  if constexpr (kShift + W > 64) words[kWord + 1] |= in[J] >> (64 - kShift);
}

template <int W, size_t... J>
inline void Pack64(const uint64_t* in, uint64_t* words, std::index_sequence<J...>) {
  (PackOne<W, J>(in, words), ...);
}

template <int W>
void Pack128(const uint64_t* in, uint8_t* out) {  // writes exactly 16*W bytes
  if constexpr (W == 64) {
    std::memcpy(out, in, kBlock * 8);
  } else if constexpr (W > 0) {
    for (int half = 0; half < 2; ++half) {
      uint64_t words[W] = {};
      Pack64<W>(in + 64 * half, words, std::make_index_sequence<64>{});
      std::memcpy(out + 8 * W * half, words, 8 * W);
    }
  }
}

using PackFn = void (*)(const uint64_t*, uint8_t*);

template <size_t... W>
constexpr std::array<PackFn, sizeof...(W)> MakePackTable(std::index_sequence<W...>) {
  return {&Pack128<static_cast<int>(W)>...};
}
constexpr std::array<PackFn, 65> kPack = MakePackTable(std::make_index_sequence<65>{});

struct BlockPlan {
  int w = 0;        // width of the low parts
  int k = 0;        // exceptions
  int hw = 0;       // width of the exceptions' high parts
  size_t bytes = 0;  // the block's encoded size
};

// Picks the width minimising the block's bytes, with exceptions for the
// values that do not fit.
BlockPlan Plan(const uint64_t* u, size_t len) {
  // Four byte-sized histograms (at most 35 counts each): no store-forwarding
  // chain when consecutive values have the same width.
  uint8_t hist[4][72];
  std::memset(hist, 0, sizeof(hist));
  size_t i = 0;
  for (; i + 4 <= len; i += 4) {
    ++hist[0][BitWidth(u[i])];
    ++hist[1][BitWidth(u[i + 1])];
    ++hist[2][BitWidth(u[i + 2])];
    ++hist[3][BitWidth(u[i + 3])];
  }
  for (; i < len; ++i) ++hist[0][BitWidth(u[i])];
  // Byte-wise sums of the four histograms as word additions (no byte exceeds 128).
  uint8_t cnt[72];
  for (int k = 0; k < 9; ++k) {
    uint64_t a, b, c, d;
    std::memcpy(&a, hist[0] + 8 * k, 8);
    std::memcpy(&b, hist[1] + 8 * k, 8);
    std::memcpy(&c, hist[2] + 8 * k, 8);
    std::memcpy(&d, hist[3] + 8 * k, 8);
    a += b + c + d;
    std::memcpy(cnt + 8 * k, &a, 8);
  }
  int maxb = 64;
  while (maxb > 0 && cnt[maxb] == 0) --maxb;
  BlockPlan best;
  best.w = maxb;
  best.bytes = 1 + PackedBytes(len, maxb);
  size_t above = 0;  // values wider than b
  for (int b = maxb - 1; b >= 0; --b) {
    above += cnt[b + 1];
    if (above > kBlock / 2) break;  // exceptions cost more than they save from here on
    int hw = maxb - b;
    size_t bytes = 3 + above + PackedBytes(above, hw) + PackedBytes(len, b);
    if (bytes < best.bytes) best = {b, static_cast<int>(above), hw, bytes};
  }
  return best;
}

}  // namespace

void PackBits(const uint64_t* v, size_t n, int w, std::string* out) {
  if (w == 0 || n == 0) return;
  const size_t start = out->size();
  out->resize(start + PackedBytes(n, w));
  auto* q = reinterpret_cast<uint8_t*>(out->data() + start);
  const uint64_t mask = w == 64 ? ~uint64_t{0} : (uint64_t{1} << w) - 1;
  uint64_t block[kBlock];
  for (size_t i = 0; i < n; i += kBlock) {
    const size_t len = n - i < kBlock ? n - i : kBlock;
    for (size_t j = 0; j < len; ++j) block[j] = v[i + j] & mask;
    if (len == kBlock) {
      kPack[w](block, q);
    } else {
      std::memset(block + len, 0, (kBlock - len) * 8);
      uint8_t buf[kBlock * 8];
      kPack[w](block, buf);
      std::memcpy(q, buf, PackedBytes(len, w));
    }
    q += PackedBytes(len, w);
  }
}

bool UnpackBits(std::string_view* in, size_t n, int w, uint64_t* out) {
  if (w < 0 || w > 64) return false;
  if (n > (SIZE_MAX - 7) / 64) return false;
  const size_t bytes = PackedBytes(n, w);
  if (in->size() < bytes) return false;
  const auto* p = reinterpret_cast<const uint8_t*>(in->data());
  size_t avail = in->size();
  for (size_t i = 0; i < n; i += kBlock) {
    size_t count = n - i < kBlock ? n - i : kBlock;
    size_t chunk = PackedBytes(count, w);
    UnpackUpTo128(p, chunk, avail, count, w, out + i);
    p += chunk;
    avail -= chunk;
  }
  in->remove_prefix(bytes);
  return true;
}

size_t BlockSize(const uint64_t* u, size_t len) { return Plan(u, len).bytes; }

size_t PackedSize(const uint64_t* u, size_t n) {
  size_t total = 0;
  for (size_t i = 0; i < n; i += kBlock) total += Plan(u + i, n - i < kBlock ? n - i : kBlock).bytes;
  return total;
}

void PutPacked(const uint64_t* u, size_t n, std::string* out) {
  for (size_t i = 0; i < n; i += kBlock) {
    const size_t len = n - i < kBlock ? n - i : kBlock;
    const uint64_t* b = u + i;
    BlockPlan plan = Plan(b, len);
    out->push_back(static_cast<char>(plan.w | (plan.k > 0 ? 0x80 : 0)));
    if (plan.k > 0) {
      out->push_back(static_cast<char>(plan.k));
      out->push_back(static_cast<char>(plan.hw));
      uint64_t high[kBlock];
      int k = 0;
      for (size_t j = 0; j < len; ++j) {
        uint64_t h = b[j] >> plan.w;  // plan.w < 64 when there are exceptions
        if (h != 0) {
          out->push_back(static_cast<char>(j));
          high[k++] = h;
        }
      }
      PackBits(high, static_cast<size_t>(k), plan.hw, out);
    }
    PackBits(b, len, plan.w, out);
  }
}

bool GetBlock(const uint8_t** p, const uint8_t* end, size_t len, uint64_t* out) {
  const uint8_t* q = *p;
  if (q >= end) return false;
  const uint8_t h = *q++;
  const int w = h & 0x7f;
  if (w > 64) return false;
  int k = 0, hw = 0;
  const uint8_t* pos = nullptr;
  const uint8_t* high = nullptr;
  size_t high_bytes = 0;
  if (h & 0x80) {
    if (end - q < 2) return false;
    k = q[0];
    hw = q[1];
    q += 2;
    if (k == 0 || static_cast<size_t>(k) > len || hw == 0 || w + hw > 64) return false;
    if (end - q < k) return false;
    pos = q;
    q += k;
    high_bytes = PackedBytes(static_cast<size_t>(k), hw);
    if (static_cast<size_t>(end - q) < high_bytes) return false;
    high = q;
    q += high_bytes;
  }
  const size_t low_bytes = PackedBytes(len, w);
  const auto avail = static_cast<size_t>(end - q);
  if (avail < low_bytes) return false;
  UnpackUpTo128(q, low_bytes, avail, len, w, out);
  q += low_bytes;
  if (k > 0) {
    uint64_t hv[kBlock];
    UnpackFew(high, static_cast<size_t>(end - high), static_cast<size_t>(k), hw, hv);
    for (int j = 0; j < k; ++j) {
      if (pos[j] >= len) return false;
      out[pos[j]] |= hv[j] << w;
    }
  }
  *p = q;
  return true;
}

}  // namespace agentperf::store::codec::bitpack

#include "store/codec/bitmap.h"

#include <cstring>

#include "store/codec/codec_internal.h"

namespace agentperf::store::codec::bitmap {
namespace {

constexpr uint8_t kRaw = 0;
constexpr uint8_t kRuns = 1;

// First position >= pos (and < n) whose bit equals `bit`; n if none.
size_t Find(const uint64_t* words, size_t n, size_t pos, bool bit) {
  while (pos < n) {
    size_t wi = pos / 64;
    uint64_t w = bit ? words[wi] : ~words[wi];
    w &= ~uint64_t{0} << (pos % 64);
    if (w != 0) {
      size_t r = wi * 64 + static_cast<size_t>(__builtin_ctzll(w));
      return r < n ? r : n;
    }
    pos = (wi + 1) * 64;
  }
  return n;
}

// Calls f(run_length) for the alternating runs, starting with a 0-run.
template <class F>
void ForEachRun(const uint64_t* words, size_t n, F&& f) {
  size_t pos = 0;
  bool bit = false;
  while (pos < n) {
    size_t next = Find(words, n, pos, !bit);
    f(next - pos);
    pos = next;
    bit = !bit;
  }
}

void SetRange(uint64_t* words, size_t a, size_t b) {  // sets bits [a, b)
  while (a < b) {
    size_t wi = a / 64;
    size_t lo = a % 64;
    size_t hi = (b - wi * 64) < 64 ? (b - wi * 64) : 64;
    uint64_t mask = (hi == 64 ? ~uint64_t{0} : (uint64_t{1} << hi) - 1) & (~uint64_t{0} << lo);
    words[wi] |= mask;
    a = wi * 64 + hi;
  }
}

size_t RunsSize(const uint64_t* words, size_t n, size_t* count) {
  size_t c = 0, bytes = 0;
  ForEachRun(words, n, [&](size_t len) {
    ++c;
    bytes += detail::VarintLength(len);
  });
  *count = c;
  return detail::VarintLength(c) + bytes;
}

}  // namespace

size_t BitmapSize(const uint64_t* words, size_t n) {
  size_t c;
  size_t runs = RunsSize(words, n, &c);
  size_t raw = (n + 7) / 8;
  return 1 + (runs < raw ? runs : raw);
}

void PutBitmap(const uint64_t* words, size_t n, std::string* out) {
  size_t c;
  size_t runs = RunsSize(words, n, &c);
  size_t raw = (n + 7) / 8;
  if (runs < raw) {
    out->push_back(static_cast<char>(kRuns));
    coding::PutVarint64(out, c);
    ForEachRun(words, n, [&](size_t len) { coding::PutVarint64(out, len); });
  } else {
    out->push_back(static_cast<char>(kRaw));
    size_t start = out->size();
    out->resize(start + raw);
    if (raw > 0) std::memcpy(out->data() + start, words, raw);  // little-endian words are the byte order
  }
}

bool GetBitmap(std::string_view* in, size_t n, uint64_t* words, size_t* popcount) {
  uint8_t mode;
  if (!coding::GetByte(in, &mode)) return false;
  const size_t nw = Words(n);
  if (nw > 0) std::memset(words, 0, nw * sizeof(uint64_t));
  size_t pop = 0;
  if (mode == kRaw) {
    size_t raw = (n + 7) / 8;
    if (in->size() < raw) return false;
    if (raw > 0) std::memcpy(words, in->data(), raw);
    in->remove_prefix(raw);
    if (n % 64 != 0 && (words[nw - 1] >> (n % 64)) != 0) return false;  // bits past n
    for (size_t i = 0; i < nw; ++i) pop += static_cast<size_t>(__builtin_popcountll(words[i]));
  } else if (mode == kRuns) {
    uint64_t c;
    if (!coding::GetVarint64(in, &c) || c > in->size()) return false;  // each run is >= 1 byte
    size_t pos = 0;
    bool bit = false;
    for (uint64_t i = 0; i < c; ++i) {
      uint64_t len;
      if (!coding::GetVarint64(in, &len) || len > n - pos) return false;
      if (bit) {
        SetRange(words, pos, pos + len);
        pop += len;
      }
      pos += len;
      bit = !bit;
    }
    if (pos != n) return false;
  } else {
    return false;
  }
  *popcount = pop;
  return true;
}

}  // namespace agentperf::store::codec::bitmap

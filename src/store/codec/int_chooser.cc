// The integer chooser: one cheap analysis pass (min, max, runs, common factor,
// most common value from a sample), exact sizes of the packed codecs computed
// without writing them, the entropy-coded size (int_ans) estimated from a
// histogram for the plain values and the best delta transform, real encodings
// only for the nested candidates (gcd, rle, sparse) and an int_ans that looks
// smaller, and zstd over the winner when that saves at least 10%.
#include <algorithm>
#include <vector>

#include "store/codec/ans.h"
#include "store/codec/bitpack.h"
#include "store/codec/int_codecs.h"
#include "store/codec/zstd_wrap.h"

namespace agentperf::store::codec::detail {
namespace {

using ints::DeltaParams;

constexpr CodecMask kNoNesting = ~(Bit(CodecId::kIntZstd));
// int_ans is tried for chunks of at least this many values whose best
// encoding so far takes at least this many bytes (below, its table does not pay).
constexpr size_t kMinAnsValues = 32;
constexpr size_t kMinAnsBytes = 48;

struct Stats {
  int64_t min = 0, max = 0;
  size_t runs = 0;              // number of maximal runs of equal values
  int64_t min_delta = 0;        // smallest v[i+1] - v[i] (wrapping, as signed), n >= 2
  int64_t min_dod = 0;          // smallest second difference, n >= 3
};

inline uint64_t Diff(const int64_t* v, size_t i) {  // v[i+1] - v[i], wrapping
  return static_cast<uint64_t>(v[i + 1]) - static_cast<uint64_t>(v[i]);
}

Stats Analyze(const int64_t* v, size_t n) {
  // Two independent lanes (a: odd i, b: even i) in registers: no loop-carried
  // cmov chain of length n.
  int64_t lo_a = v[0], lo_b = v[0], hi_a = v[0], hi_b = v[0];
  int64_t md_a = INT64_MAX, md_b = INT64_MAX, mdd_a = INT64_MAX, mdd_b = INT64_MAX;
  size_t ch_a = 0, ch_b = 0;
  uint64_t prev_d = n >= 2 ? Diff(v, 0) : 0;
  if (n >= 2) {
    lo_a = std::min(lo_a, v[1]);
    hi_a = std::max(hi_a, v[1]);
    ch_a += prev_d != 0;
    md_a = static_cast<int64_t>(prev_d);
  }
  size_t i = 2;
  for (; i + 1 < n; i += 2) {
    const uint64_t d0 = Diff(v, i - 1), d1 = Diff(v, i);
    lo_a = std::min(lo_a, v[i]);
    lo_b = std::min(lo_b, v[i + 1]);
    hi_a = std::max(hi_a, v[i]);
    hi_b = std::max(hi_b, v[i + 1]);
    ch_a += d0 != 0;
    ch_b += d1 != 0;
    md_a = std::min(md_a, static_cast<int64_t>(d0));
    md_b = std::min(md_b, static_cast<int64_t>(d1));
    mdd_a = std::min(mdd_a, static_cast<int64_t>(d0 - prev_d));
    mdd_b = std::min(mdd_b, static_cast<int64_t>(d1 - d0));
    prev_d = d1;
  }
  if (i < n) {
    const uint64_t d0 = Diff(v, i - 1);
    lo_a = std::min(lo_a, v[i]);
    hi_a = std::max(hi_a, v[i]);
    ch_a += d0 != 0;
    md_a = std::min(md_a, static_cast<int64_t>(d0));
    mdd_a = std::min(mdd_a, static_cast<int64_t>(d0 - prev_d));
  }
  Stats s;
  s.min = std::min(lo_a, lo_b);
  s.max = std::max(hi_a, hi_b);
  s.runs = 1 + ch_a + ch_b;
  s.min_delta = std::min(md_a, md_b);
  s.min_dod = std::min(mdd_a, mdd_b);
  return s;
}


// The best of the packed codecs (for_bitpack, delta, dod), by size estimated
// on a sample of blocks (exact for up to 16 blocks).
struct PackedChoice {
  CodecId id = CodecId::kIntPlain;
  size_t size = SIZE_MAX;
  DeltaParams params;
  // The better of delta and dod, as an int_ans transform (order 0: neither
  // applies), and the estimated packed sizes of the values and of that transform.
  ans::Transform delta_transform;
  size_t for_size = SIZE_MAX, delta_size = SIZE_MAX;
  void Set(CodecId i, size_t s, DeltaParams p) {
    id = i;
    size = s;
    params = p;
  }
};

size_t HeaderSize(std::initializer_list<int64_t> svarints) {
  size_t s = 0;
  for (int64_t x : svarints) s += VarintLength(coding::ZigZag(x));
  return s;
}

// Estimated packed-stream size of the sequence f(0..m).
template <class F>
size_t EstimatePacked(size_t m, F&& f) {
  if (m == 0) return 0;
  const size_t blocks = (m + bitpack::kBlock - 1) / bitpack::kBlock;
  const size_t want = blocks <= 16 ? blocks : std::max<size_t>(16, blocks / 8);
  uint64_t buf[bitpack::kBlock];
  size_t total = 0;
  for (size_t k = 0; k < want; ++k) {
    const size_t start = (k * blocks / want) * bitpack::kBlock;
    const size_t len = std::min(bitpack::kBlock, m - start);
    for (size_t j = 0; j < len; ++j) buf[j] = f(start + j);
    total += bitpack::BlockSize(buf, len);
  }
  return want == blocks ? total : total * blocks / want;
}

// Median of up to 64 evenly spaced f(0..m), as the zigzag base.
template <class F>
int64_t SampleMedian(size_t m, F&& f) {
  int64_t sample[64];
  const size_t k = std::min<size_t>(m, 64);
  for (size_t i = 0; i < k; ++i) sample[i] = static_cast<int64_t>(f(i * m / k));
  std::nth_element(sample, sample + k / 2, sample + k);
  return sample[k / 2];
}

// Tries base = min without zigzag and base = median with zigzag on the
// differences f(0..m); returns the better estimated size.
template <class F>
size_t BestParams(size_t m, int64_t min, F&& f, DeltaParams* best) {
  const auto lo = static_cast<uint64_t>(min);
  const size_t sa = EstimatePacked(m, [&](size_t i) { return f(i) - lo; }) + HeaderSize({min});
  const int64_t median = SampleMedian(m, f);
  const auto mid = static_cast<uint64_t>(median);
  const size_t sb =
      EstimatePacked(m, [&](size_t i) { return coding::ZigZag(static_cast<int64_t>(f(i) - mid)); }) + HeaderSize({median});
  *best = sa <= sb ? DeltaParams{false, min} : DeltaParams{true, median};
  return std::min(sa, sb);
}

PackedChoice ChoosePacked(const int64_t* v, size_t n, const Stats& s, CodecMask allowed) {
  PackedChoice best;
  if (allowed & Bit(CodecId::kForBitpack)) {
    const auto lo = static_cast<uint64_t>(s.min);
    size_t size = 1 + HeaderSize({s.min}) + EstimatePacked(n, [&](size_t i) { return static_cast<uint64_t>(v[i]) - lo; });
    if (size < best.size) best.Set(CodecId::kForBitpack, size, {});
    best.for_size = size;
  }
  size_t delta_size = SIZE_MAX;
  if (n >= 2 && (allowed & (Bit(CodecId::kDelta) | Bit(CodecId::kIntAns)))) {
    DeltaParams p;
    size_t size = 2 + HeaderSize({v[0]}) + BestParams(n - 1, s.min_delta, [&](size_t i) { return Diff(v, i); }, &p);
    if (size < best.size && (allowed & Bit(CodecId::kDelta))) best.Set(CodecId::kDelta, size, p);
    delta_size = best.delta_size = size;
    best.delta_transform = {1, p.zigzag, p.base};
  }
  if (n >= 3 && (allowed & (Bit(CodecId::kDeltaOfDelta) | Bit(CodecId::kIntAns)))) {
    DeltaParams p;
    size_t size = 2 + HeaderSize({v[0], static_cast<int64_t>(Diff(v, 0))}) +
                  BestParams(n - 2, s.min_dod, [&](size_t i) { return Diff(v, i + 1) - Diff(v, i); }, &p);
    if (size < best.size && (allowed & Bit(CodecId::kDeltaOfDelta))) best.Set(CodecId::kDeltaOfDelta, size, p);
    if (size < delta_size) {
      best.delta_transform = {2, p.zigzag, p.base};
      best.delta_size = size;
    }
  }
  return best;
}

void WritePacked(const PackedChoice& c, const int64_t* v, size_t n, int64_t min, std::string* out) {
  std::vector<uint64_t> u(n);
  const auto base = static_cast<uint64_t>(c.params.base);
  auto apply = [&](size_t m, auto&& f) {
    if (c.params.zigzag) {
      for (size_t i = 0; i < m; ++i) u[i] = coding::ZigZag(static_cast<int64_t>(f(i) - base));
    } else {
      for (size_t i = 0; i < m; ++i) u[i] = f(i) - base;
    }
  };
  switch (c.id) {
    case CodecId::kForBitpack:
      for (size_t i = 0; i < n; ++i) u[i] = static_cast<uint64_t>(v[i]) - static_cast<uint64_t>(min);
      ints::PutFor(min, u.data(), n, out);
      break;
    case CodecId::kDelta:
      apply(n - 1, [&](size_t i) { return Diff(v, i); });
      ints::PutDelta(v[0], c.params, u.data(), n - 1, out);
      break;
    case CodecId::kDeltaOfDelta:
      apply(n - 2, [&](size_t i) { return Diff(v, i + 1) - Diff(v, i); });
      ints::PutDod(v[0], static_cast<int64_t>(Diff(v, 0)), c.params, u.data(), n - 2, out);
      break;
    default:
      ints::PutPlain(v, n, out);
  }
}

}  // namespace

void ChooseInts(const int64_t* v, size_t n, CodecMask allowed, std::string* out) {
  if (n == 0) {
    ints::PutPlain(v, 0, out);
    return;
  }
  const Stats s = Analyze(v, n);
  if (s.min == s.max && (allowed & Bit(CodecId::kIntConstant))) {
    ints::PutConstant(v[0], out);
    return;
  }
  const size_t start = out->size();
  size_t best_size = 1 + 8 * n;  // int_plain
  std::string best;              // the best nested candidate's encoding, when it wins

  const uint64_t factor = (allowed & Bit(CodecId::kGcd)) ? ints::CommonFactor(v, n, s.min) : 1;
  PackedChoice packed;
  if (factor >= 2) {
    std::string cand;
    ints::PutGcd(v, n, s.min, factor, allowed & kNoNesting & ~Bit(CodecId::kGcd) & ~Bit(CodecId::kIntSparse), &cand);
    if (cand.size() < best_size) {
      best_size = cand.size();
      best = std::move(cand);
    }
  }
  if (factor < 2 || n < 64) {  // with a common factor the gcd wrapper already holds the packed codecs
    packed = ChoosePacked(v, n, s, allowed);
    if (packed.size < best_size) {
      best_size = packed.size;
      best.clear();
    }
  }
  if ((allowed & Bit(CodecId::kRle)) && s.runs * 4 <= n) {
    std::string cand;
    ints::PutRle(v, n, allowed & kNoNesting & ~Bit(CodecId::kRle), &cand);
    if (cand.size() < best_size) {
      best_size = cand.size();
      best = std::move(cand);
      packed.size = SIZE_MAX;
    }
  }
  if ((allowed & Bit(CodecId::kIntSparse)) && n >= 16) {
    size_t count;
    const int64_t def = detail::MostCommonValue<int64_t>(v, n, &count);
    if (count * 4 >= n && count < n) {
      std::string cand;
      ints::PutSparse(v, n, def, allowed & kNoNesting & ~Bit(CodecId::kIntSparse), &cand);
      if (cand.size() < best_size) {
        best_size = cand.size();
        best = std::move(cand);
        packed.size = SIZE_MAX;
      }
    }
  }
  // Last: entropy coding must beat every other candidate by its margin.
  const bool have_packed = factor < 2 || n < 64;
  if (have_packed && (allowed & Bit(CodecId::kIntAns)) && n >= kMinAnsValues && best_size >= kMinAnsBytes) {
    // Entropy coding of the values and of their better delta transform, by estimate; written only if it may win.
    std::vector<uint64_t> u(n);
    ans::Transform chosen;
    ans::TokenConfig config;
    size_t est = SIZE_MAX;
    // Both transforms unless bit-packing clearly prefers one (then so does entropy coding).
    const size_t fs = packed.for_size, ds = packed.delta_size;
    const bool has_delta = packed.delta_transform.order != 0 && ds != SIZE_MAX;
    const bool values = !(has_delta && fs != SIZE_MAX && ds * 5 <= fs * 4);
    const bool deltas = has_delta && !(fs != SIZE_MAX && fs * 5 <= ds * 4);
    const ans::Transform transforms[2] = {{0, false, s.min}, packed.delta_transform};
    for (const ans::Transform& t : transforms) {
      if (&t == transforms ? !values : !deltas) continue;
      ans::TokenConfig c;
      const size_t m = ans::Apply(v, n, t, u.data());
      const size_t e = ans::EstimateSize(u.data(), m, &c);
      if (e < est) {
        est = e;
        chosen = t;
        config = c;
      }
    }
    // It decodes several times slower than bit-packing: it must save at
    // least 3 % and at least 1/8 bit per value.
    auto pays = [&](size_t size) { return size * 100 < best_size * 97 && size + n / 64 < best_size; };
    if (pays(est)) {
      std::string cand;
      ans::Put(v, n, chosen, config, &cand);
      if (pays(cand.size())) {
        best_size = cand.size();
        best = std::move(cand);
        packed.size = SIZE_MAX;
      }
    }
  }
  if (!best.empty()) {
    out->append(best);
  } else if (packed.size == best_size) {
    WritePacked(packed, v, n, s.min, out);
    if (out->size() - start > 1 + 8 * n) {  // a sampled estimate can be wrong: never worse than plain
      out->resize(start);
      ints::PutPlain(v, n, out);
    }
  } else {
    ints::PutPlain(v, n, out);
  }
  // zstd cannot squeeze an entropy-coded chunk: not tried then.
  if ((allowed & Bit(CodecId::kIntZstd)) && out->size() - start >= 128 &&
      static_cast<uint8_t>((*out)[start]) != static_cast<uint8_t>(CodecId::kIntAns)) {
    std::string_view inner(out->data() + start, out->size() - start);
    std::string z;
    zstd_wrap::Put(CodecId::kIntZstd, inner, 1, &z);
    if (z.size() * 10 <= inner.size() * 9) {
      out->resize(start);
      out->append(z);
    }
  }
}

Status EncodeIntsAs(CodecId id, const int64_t* v, size_t n, std::string* out) {
  const CodecMask all = kAllCodecs & kNoNesting;
  int64_t min = 0;
  for (size_t i = 0; i < n; ++i) min = i == 0 ? v[0] : std::min(min, v[i]);
  switch (id) {
    case CodecId::kIntPlain:
      ints::PutPlain(v, n, out);
      return Status::OK();
    case CodecId::kIntConstant:
      for (size_t i = 1; i < n; ++i)
        if (v[i] != v[0]) return Status::InvalidArgument("int_constant: values differ");
      ints::PutConstant(n == 0 ? 0 : v[0], out);
      return Status::OK();
    case CodecId::kForBitpack:
    case CodecId::kDelta:
    case CodecId::kDeltaOfDelta: {
      if (id == CodecId::kDelta && n < 2) {  // no deltas: header only
        ints::PutDelta(n ? v[0] : 0, {}, nullptr, 0, out);
        return Status::OK();
      }
      if (id == CodecId::kDeltaOfDelta && n < 3) {
        const int64_t fd = n == 2 ? static_cast<int64_t>(static_cast<uint64_t>(v[1]) - static_cast<uint64_t>(v[0])) : 0;
        ints::PutDod(n ? v[0] : 0, fd, {}, nullptr, 0, out);
        return Status::OK();
      }
      if (n == 0) {  // for_bitpack of nothing
        ints::PutFor(0, nullptr, 0, out);
        return Status::OK();
      }
      PackedChoice c = ChoosePacked(v, n, Analyze(v, n), Bit(id));
      WritePacked(c, v, n, min, out);
      return Status::OK();
    }
    case CodecId::kRle:
      ints::PutRle(v, n, all & ~Bit(CodecId::kRle), out);
      return Status::OK();
    case CodecId::kIntSparse: {
      size_t count = 0;
      const int64_t def = n == 0 ? 0 : detail::MostCommonValue<int64_t>(v, n, &count);
      ints::PutSparse(v, n, def, all & ~Bit(CodecId::kIntSparse), out);
      return Status::OK();
    }
    case CodecId::kGcd: {
      uint64_t factor = n == 0 ? 1 : ints::CommonFactor(v, n, min);
      if (factor == 0) factor = 1;
      ints::PutGcd(v, n, min, factor, all & ~Bit(CodecId::kGcd) & ~Bit(CodecId::kIntSparse), out);
      return Status::OK();
    }
    case CodecId::kIntZstd: {
      std::string inner;
      ChooseInts(v, n, all, &inner);
      zstd_wrap::Put(CodecId::kIntZstd, inner, 3, out);
      return Status::OK();
    }
    case CodecId::kIntAns: {  // the better of the values and their best delta transform, by estimate
      ans::Transform chosen{0, false, min};
      ans::TokenConfig config;
      std::vector<uint64_t> u(n);
      size_t est = ans::EstimateSize(u.data(), ans::Apply(v, n, chosen, u.data()), &config);
      if (n >= 3) {
        const ans::Transform t = ChoosePacked(v, n, Analyze(v, n), Bit(CodecId::kIntAns)).delta_transform;
        ans::TokenConfig c;
        const size_t e = ans::EstimateSize(u.data(), ans::Apply(v, n, t, u.data()), &c);
        if (e < est) {
          chosen = t;
          config = c;
        }
      }
      ans::Put(v, n, chosen, config, out);
      return Status::OK();
    }
    default:
      return Status::InvalidArgument(std::string("not an integer codec: ") + std::string(CodecName(uint8_t(id))));
  }
}

}  // namespace agentperf::store::codec::detail

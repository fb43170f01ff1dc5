#include "store/segment/id_filter.h"

#include <algorithm>

#include "core/coding.h"

namespace agentperf::store {
using namespace coding;  // NOLINT(google-build-using-namespace)
namespace {

inline uint64_t FastRange(uint64_t x, uint64_t n) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(x) * n) >> 64);
}

}  // namespace

IdFilter::IdFilter(uint64_t expected_ids) {
  // 10 bits per id, at least one block.
  blocks_ = std::max<uint64_t>(1, (expected_ids * 10 + 511) / 512);
  words_.assign(blocks_ * kWordsPerBlock, 0);
}

void IdFilter::Add(const Hash128& id) {
  if (blocks_ == 0) return;
  uint64_t* block = &words_[FastRange(id.lo, blocks_) * kWordsPerBlock];
  uint64_t h = id.hi;
  for (int i = 0; i < probes_; ++i) {
    if (i > 0 && i % 7 == 0) h = Mix64(h);
    uint32_t bit = static_cast<uint32_t>(h >> (9 * (i % 7))) & 511;
    block[bit >> 6] |= uint64_t{1} << (bit & 63);
  }
}

bool IdFilter::MayContain(const Hash128& id) const {
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

void IdFilter::EncodeTo(std::string* out) const {
  PutVarint64(out, blocks_);
  PutVarint64(out, static_cast<uint64_t>(probes_));
  for (uint64_t w : words_) PutFixed64(out, w);
}

Result<IdFilter> IdFilter::Decode(std::string_view in) {
  IdFilter f;
  uint64_t blocks, probes;
  if (!GetVarint64(&in, &blocks) || !GetVarint64(&in, &probes)) return Status::Corruption("id filter header");
  if (probes == 0 || probes > 32 || blocks > (uint64_t{1} << 40) / 64 || in.size() != blocks * 64) {
    return Status::Corruption("id filter size");
  }
  f.blocks_ = blocks;
  f.probes_ = static_cast<int>(probes);
  f.words_.resize(blocks * kWordsPerBlock);
  for (auto& w : f.words_) {
    w = DecodeFixed64(in.data());
    in.remove_prefix(8);
  }
  return f;
}

}  // namespace agentperf::store

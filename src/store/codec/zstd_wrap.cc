#include "store/codec/zstd_wrap.h"

#include <zstd.h>

#include "core/coding.h"

namespace agentperf::store::codec::zstd_wrap {
namespace {

struct Contexts {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_DCtx* d = ZSTD_createDCtx();
  ~Contexts() {
    ZSTD_freeCCtx(c);
    ZSTD_freeDCtx(d);
  }
};
Contexts& Local() {
  thread_local Contexts ctx;
  return ctx;
}

}  // namespace

void Put(CodecId id, std::string_view inner, int level, std::string* out) {
  out->push_back(static_cast<char>(id));
  coding::PutVarint64(out, inner.size());
  const size_t start = out->size();
  const size_t bound = ZSTD_compressBound(inner.size());
  out->resize(start + bound);
  size_t r = ZSTD_compressCCtx(Local().c, out->data() + start, bound, inner.data(), inner.size(), level);
  if (ZSTD_isError(r)) {
    // Cannot happen with a bound-sized buffer; keep the output decodable anyway.
    out->resize(start);
    return;
  }
  out->resize(start + r);
}

bool Get(std::string_view body, size_t max_raw, std::string* inner) {
  uint64_t raw;
  if (!coding::GetVarint64(&body, &raw) || raw > max_raw) return false;
  if (ZSTD_findFrameCompressedSize(body.data(), body.size()) != body.size()) return false;  // one frame, nothing after
  unsigned long long content = ZSTD_getFrameContentSize(body.data(), body.size());
  if (content != raw) return false;
  inner->resize(raw);
  size_t r = ZSTD_decompressDCtx(Local().d, inner->data(), raw, body.data(), body.size());
  return !ZSTD_isError(r) && r == raw;
}

}  // namespace agentperf::store::codec::zstd_wrap

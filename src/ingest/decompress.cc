#include "ingest/decompress.h"

#include <fmt/format.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <memory>

namespace agentperf::ingest {

Result<Encoding> ParseContentEncoding(std::string_view h) {
  while (!h.empty() && h.front() == ' ') h.remove_prefix(1);
  while (!h.empty() && h.back() == ' ') h.remove_suffix(1);
  std::string v(h);
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  if (v.empty() || v == "identity") return Encoding::kIdentity;
  if (v == "gzip" || v == "x-gzip") return Encoding::kGzip;
  if (v == "deflate") return Encoding::kDeflate;
  if (v == "zstd") return Encoding::kZstd;
  return Status::InvalidArgument(
      fmt::format("unsupported Content-Encoding '{}' (supported: gzip, deflate, zstd, identity)", h));
}

Encoding SniffEncoding(std::string_view d) {
  if (d.size() >= 2 && static_cast<unsigned char>(d[0]) == 0x1f && static_cast<unsigned char>(d[1]) == 0x8b) {
    return Encoding::kGzip;
  }
  if (d.size() >= 4 && static_cast<unsigned char>(d[0]) == 0x28 && static_cast<unsigned char>(d[1]) == 0xb5 &&
      static_cast<unsigned char>(d[2]) == 0x2f && static_cast<unsigned char>(d[3]) == 0xfd) {
    return Encoding::kZstd;
  }
  return Encoding::kIdentity;
}

namespace {

Status TooLarge(size_t max_out) {
  return Status::TooLarge(fmt::format("decompressed body exceeds {} bytes", max_out));
}

Status Inflate(std::string_view in, bool gzip, size_t max_out, std::string* out) {
  z_stream zs{};
  // 15 window bits; +32 = auto-detect gzip or zlib header, +16 = gzip only.
  if (inflateInit2(&zs, gzip ? 15 + 16 : 15 + 32) != Z_OK) return Status::Internal("inflateInit2 failed");
  std::unique_ptr<z_stream, void (*)(z_stream*)> guard(&zs, [](z_stream* z) { inflateEnd(z); });
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  size_t cap = std::min(max_out, std::max<size_t>(in.size() * 4, 64 * 1024));
  out->resize(cap);
  size_t produced = 0;
  for (;;) {
    if (produced == out->size()) {
      if (out->size() >= max_out) return TooLarge(max_out);
      out->resize(std::min(max_out, out->size() * 2));
    }
    zs.next_out = reinterpret_cast<Bytef*>(out->data() + produced);
    zs.avail_out = static_cast<uInt>(out->size() - produced);
    int rc = inflate(&zs, Z_NO_FLUSH);
    produced = out->size() - zs.avail_out;
    if (rc == Z_STREAM_END) {
      if (zs.avail_in != 0 && gzip) {
        // Concatenated gzip members: continue with the next one.
        if (inflateReset(&zs) != Z_OK) return Status::InvalidArgument("corrupt gzip body");
        continue;
      }
      // A zlib stream has a definite end: never drop what follows it.
      if (zs.avail_in != 0) return Status::InvalidArgument("unexpected data after the end of the compressed body");
      break;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) return Status::InvalidArgument("truncated compressed body");
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return Status::InvalidArgument(fmt::format("corrupt compressed body: {}", zs.msg ? zs.msg : "inflate error"));
    }
  }
  out->resize(produced);
  return Status::OK();
}

Status Unzstd(std::string_view in, size_t max_out, std::string* out) {
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!ctx) return Status::Internal("ZSTD_createDCtx failed");
  unsigned long long hint = ZSTD_getFrameContentSize(in.data(), in.size());
  size_t cap = 64 * 1024;
  if (hint != ZSTD_CONTENTSIZE_ERROR && hint != ZSTD_CONTENTSIZE_UNKNOWN) {
    if (hint > max_out) return TooLarge(max_out);
    cap = std::max<size_t>(static_cast<size_t>(hint), 1);
  }
  out->resize(std::min(cap, max_out));
  ZSTD_inBuffer ib{in.data(), in.size(), 0};
  size_t produced = 0;
  size_t last = 1;
  while (ib.pos < ib.size || last != 0) {
    if (produced == out->size()) {
      if (out->size() >= max_out) return TooLarge(max_out);
      out->resize(std::min(max_out, out->size() * 2));
    }
    ZSTD_outBuffer ob{out->data() + produced, out->size() - produced, 0};
    last = ZSTD_decompressStream(ctx.get(), &ob, &ib);
    produced += ob.pos;
    if (ZSTD_isError(last)) {
      return Status::InvalidArgument(fmt::format("corrupt zstd body: {}", ZSTD_getErrorName(last)));
    }
    if (ib.pos == ib.size && ob.pos == 0 && last != 0 && produced < out->size()) {
      return Status::InvalidArgument("truncated zstd body");
    }
  }
  out->resize(produced);
  return Status::OK();
}

}  // namespace

Status Decompress(Encoding enc, std::string_view in, size_t max_out, size_t padding, std::string* out) {
  Status st;
  switch (enc) {
    case Encoding::kIdentity:
      if (in.size() > max_out) return TooLarge(max_out);
      out->assign(in.data(), in.size());
      break;
    case Encoding::kGzip: st = Inflate(in, true, max_out, out); break;
    case Encoding::kDeflate: st = Inflate(in, false, max_out, out); break;
    case Encoding::kZstd: st = Unzstd(in, max_out, out); break;
  }
  if (!st.ok()) {
    out->clear();
    return st;
  }
  out->reserve(out->size() + padding);
  return Status::OK();
}

}  // namespace agentperf::ingest

// DescribeChunk: the codec tree of an encoded chunk as text, for diagnostics
// (`agentperf inspect`). Parses only headers (and zstd frames); never trusts
// the input more than the decoders do: anything it cannot follow is shown as
// "?".
#include <vector>

#include "store/codec/bitmap.h"
#include "store/codec/codec_internal.h"
#include "store/codec/string_codecs.h"
#include "store/codec/zstd_wrap.h"

namespace agentperf::store::codec {
namespace {

std::string Describe(std::string_view in, size_t n, ChunkType type, int depth);

std::string Nested(std::string_view in, size_t n, ChunkType type, int depth) {
  return depth >= detail::kMaxDepth ? std::string("?") : Describe(in, n, type, depth + 1);
}

std::string Describe(std::string_view in, size_t n, ChunkType type, int depth) {
  if (in.empty()) return "?";
  const auto id = static_cast<uint8_t>(in[0]);
  std::string name(CodecName(id));
  std::string_view body = in.substr(1);
  // The decoders' bounds on what a zstd frame may hold (ints/doubles: 64 + 16 n bytes).
  const size_t cap = n > (SIZE_MAX - 64) / 20 ? SIZE_MAX : 64 + 20 * n;
  const size_t max_raw = type == ChunkType::kStrings ? std::min<size_t>(SIZE_MAX - cap, strings::DecodeBudget(in.size(), n)) + cap
                                                     : n > (SIZE_MAX - 64) / 16 ? SIZE_MAX : 64 + 16 * n;
  switch (static_cast<CodecId>(id)) {
    case CodecId::kIntZstd:
    case CodecId::kDoubleZstd:
    case CodecId::kStringZstd: {
      std::string inner;
      if (!zstd_wrap::Get(body, max_raw, &inner)) return name + "(?)";
      return name + "(" + Nested(inner, n, type, depth) + ")";
    }
    case CodecId::kGcd: {
      int64_t offset;
      uint64_t factor;
      if (!coding::GetVarsint64(&body, &offset) || !coding::GetVarint64(&body, &factor)) return name + "(?)";
      return name + "(" + Nested(body, n, ChunkType::kInts, depth) + ")";
    }
    case CodecId::kRle: {
      uint64_t r;
      std::string_view values;
      if (!detail::GetBoundedVarint(&body, n, &r) || !detail::GetNested(&body, &values)) return name + "(?)";
      return name + "(" + Nested(values, r, ChunkType::kInts, depth) + "," + Nested(body, r, ChunkType::kInts, depth) + ")";
    }
    case CodecId::kIntSparse:
    case CodecId::kDoubleSparse: {
      int64_t def;
      uint64_t bits;
      const bool ok = id == static_cast<uint8_t>(CodecId::kIntSparse) ? coding::GetVarsint64(&body, &def)
                                                                      : coding::GetFixed64(&body, &bits);
      if (!ok || n > (size_t{1} << 32)) return name + "(?)";
      std::vector<uint64_t> words(bitmap::Words(n));
      size_t m;
      if (!bitmap::GetBitmap(&body, n, words.data(), &m)) return name + "(?)";
      return name + "(" + Nested(body, m, type, depth) + ")";
    }
    case CodecId::kDecimal: {
      uint8_t e;
      uint64_t x;
      std::string_view digits;
      if (!coding::GetByte(&body, &e) || !detail::GetBoundedVarint(&body, n, &x) || !detail::GetNested(&body, &digits))
        return name + "(?)";
      return name + "(" + Nested(digits, n, ChunkType::kInts, depth) + ")";
    }
    default:
      return name;
  }
}

}  // namespace

std::string DescribeChunk(std::string_view chunk, size_t n, ChunkType type) { return Describe(chunk, n, type, 0); }

}  // namespace agentperf::store::codec

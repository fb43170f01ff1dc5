#include "store/codec/column_codec.h"

#include "store/codec/codec_internal.h"
#include "store/codec/string_codecs.h"

namespace agentperf::store::codec {

std::string_view CodecName(uint8_t id) {
  switch (static_cast<CodecId>(id)) {
    case CodecId::kIntPlain: return "int_plain";
    case CodecId::kIntConstant: return "int_constant";
    case CodecId::kForBitpack: return "for_bitpack";
    case CodecId::kDelta: return "delta";
    case CodecId::kDeltaOfDelta: return "dod";
    case CodecId::kRle: return "rle";
    case CodecId::kIntSparse: return "int_sparse";
    case CodecId::kGcd: return "gcd";
    case CodecId::kIntZstd: return "int_zstd";
    case CodecId::kIntAns: return "int_ans";
    case CodecId::kDoublePlain: return "double_plain";
    case CodecId::kDoubleConstant: return "double_constant";
    case CodecId::kGorilla: return "gorilla";
    case CodecId::kDecimal: return "decimal";
    case CodecId::kDoubleSparse: return "double_sparse";
    case CodecId::kDoubleZstd: return "double_zstd";
    case CodecId::kStringPlain: return "string_plain";
    case CodecId::kFrontCoded: return "front_coded";
    case CodecId::kStructuredId: return "structured_id";
    case CodecId::kStringZstd: return "string_zstd";
  }
  return "unknown";
}

uint8_t ChunkCodec(std::string_view chunk) { return chunk.empty() ? 0 : static_cast<uint8_t>(chunk[0]); }

void EncodeInts(const int64_t* v, size_t n, std::string* out) { detail::ChooseInts(v, n, detail::kAllCodecs, out); }

void EncodeDoubles(const double* v, size_t n, std::string* out) {
  detail::ChooseDoubles(reinterpret_cast<const detail::U64Alias*>(v), n, detail::kAllCodecs, out);
}

void EncodeStrings(const std::string_view* v, size_t n, std::string* out) {
  detail::ChooseStrings(v, n, detail::kAllCodecs, out);
}

Status DecodeInts(std::string_view in, size_t n, int64_t* out) { return detail::DecodeIntsAt(in, n, out, 0); }

Status DecodeDoubles(std::string_view in, size_t n, double* out) {
  static_assert(sizeof(double) == sizeof(uint64_t));
  // Decoders write the bits through a may_alias view of the caller's array.
  return detail::DecodeDoublesAt(in, n, reinterpret_cast<detail::U64Alias*>(out), 0);
}

Status DecodeStrings(std::string_view in, size_t n, std::string* bytes, std::vector<uint32_t>* offsets) {
  bytes->clear();
  offsets->clear();
  offsets->reserve((n < in.size() * 8 ? n : in.size() * 8) + 1);  // a hint only: n is not trusted yet
  offsets->push_back(0);
  size_t budget = strings::DecodeBudget(in.size(), n);
  return detail::DecodeStringsAt(in, n, bytes, offsets, 0, &budget);
}

Status EncodeIntsWith(CodecId id, const int64_t* v, size_t n, std::string* out) {
  return detail::EncodeIntsAs(id, v, n, out);
}

Status EncodeDoublesWith(CodecId id, const double* v, size_t n, std::string* out) {
  return detail::EncodeDoublesAs(id, reinterpret_cast<const detail::U64Alias*>(v), n, out);
}

Status EncodeStringsWith(CodecId id, const std::string_view* v, size_t n, std::string* out) {
  return detail::EncodeStringsAs(id, v, n, out);
}

}  // namespace agentperf::store::codec

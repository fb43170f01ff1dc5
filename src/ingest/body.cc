#include "ingest/body.h"

namespace agentperf::ingest {

Status DecodeEventsBody(std::string* body, Encoding enc, const BodyLimits& limits, event::JsonBatchDecoder* decoder,
                        int64_t now_us, event::EventBatch* out, event::DecodeError* err) {
  *err = event::DecodeError{};
  std::string decoded;
  std::string* json = body;
  if (enc != Encoding::kIdentity) {
    Status st = Decompress(enc, *body, limits.max_decoded_bytes, event::JsonPadding(), &decoded);
    if (!st.ok()) {
      err->message = st.message();
      return st;
    }
    json = &decoded;
  } else if (body->size() > limits.max_decoded_bytes) {
    err->message = "body too large";
    return Status::TooLarge(err->message);
  } else if (body->capacity() < body->size() + event::JsonPadding()) {
    body->reserve(body->size() + event::JsonPadding());
  }
  return decoder->Decode(*json, json->capacity(), now_us, out, err);
}

}  // namespace agentperf::ingest

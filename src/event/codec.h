// Binary encoding of an EventBatch: the payload of a WAL record (format in
// docs/format/wal.md, "Event batch payload, version 1").
//
// EncodeBatch appends to a string; DecodeBatch parses a payload into events
// whose string views point INTO the payload, so the payload must outlive the
// batch (adopt it into the batch's arena first, see DecodeOwnedBatch).
// Decoding never trusts the input: any malformed payload gives Corruption.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "event/event.h"

namespace agentperf::event {

constexpr uint8_t kBatchFormatV1 = 1;

// Attribute list encoding (shared by the batch payload and the store's blobs):
// varint count, then per attribute (varint len, key), u8 type, value.
void EncodeAttrs(const Attr* attrs, uint32_t n, std::string* dst);
// Appends the decoded attributes (views into `in`) to out.
Status DecodeAttrs(std::string_view in, std::vector<Attr>* out);

void EncodeBatch(const EventBatch& batch, std::string* dst);
// Encodes only the events whose index has keep[i] true (keep.size() == batch.size()).
void EncodeBatchSubset(const EventBatch& batch, const std::vector<bool>& keep, std::string* dst);
// On error `out` is left as it was.
Status DecodeBatch(std::string_view payload, EventBatch* out);
// Moves `payload` into out->arena and decodes from there.
Status DecodeOwnedBatch(std::string payload, EventBatch* out);

}  // namespace agentperf::event

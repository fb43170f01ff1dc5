#include "ingest/opencode/sse_parser.h"

namespace agentperf::ingest::opencode {

void SseParser::Reset() {
  line_.clear();
  data_.clear();
  has_data_ = oversized_ = after_cr_ = false;
  at_start_ = true;
  bom_.clear();
}

void SseParser::Feed(std::string_view bytes, const DataFn& on_data) {
  if (at_start_) {
    static constexpr std::string_view kBom = "\xEF\xBB\xBF";
    bool mismatch = false;
    while (!bytes.empty() && bom_.size() < kBom.size() && !mismatch) {
      bom_.push_back(bytes[0]);
      bytes.remove_prefix(1);
      mismatch = kBom.substr(0, bom_.size()) != bom_;
    }
    if (mismatch) {
      at_start_ = false;
      std::string head = std::move(bom_);
      bom_.clear();
      FeedLines(head, on_data);
    } else if (bom_.size() == kBom.size()) {
      at_start_ = false;  // a BOM: skipped
      bom_.clear();
    } else {
      return;  // maybe a BOM: wait for more bytes
    }
  }
  FeedLines(bytes, on_data);
}

void SseParser::FeedLines(std::string_view bytes, const DataFn& on_data) {
  size_t i = 0;
  while (i < bytes.size()) {
    if (after_cr_ && bytes[i] == '\n') {  // the LF of a CRLF
      after_cr_ = false;
      ++i;
      continue;
    }
    after_cr_ = false;
    size_t j = bytes.find_first_of("\r\n", i);
    if (j == std::string_view::npos) {
      line_.append(bytes.substr(i));
      if (line_.size() > max_event_bytes_ + 16) {  // a line alone past the limit: keep only its head
        oversized_ = true;
        line_.resize(16);
      }
      return;
    }
    after_cr_ = bytes[j] == '\r';
    if (line_.empty()) {
      Line(bytes.substr(i, j - i), on_data);
    } else {
      line_.append(bytes.substr(i, j - i));
      std::string line = std::move(line_);
      line_.clear();
      Line(line, on_data);
    }
    i = j + 1;
  }
}

void SseParser::Line(std::string_view line, const DataFn& on_data) {
  if (line.empty()) {  // dispatch
    if (oversized_) {
      ++dropped_;
    } else if (has_data_) {
      ++events_;
      on_data(data_);
    }
    data_.clear();
    has_data_ = oversized_ = false;
    return;
  }
  if (line[0] == ':') return;  // comment
  std::string_view field = line, value;
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
  }
  if (field != "data") return;  // event, id, retry and unknown fields
  if (oversized_) return;
  if (has_data_) data_.push_back('\n');
  data_.append(value);
  has_data_ = true;
  if (data_.size() > max_event_bytes_) {
    oversized_ = true;
    data_.clear();
  }
}

}  // namespace agentperf::ingest::opencode

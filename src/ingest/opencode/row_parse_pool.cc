#include "ingest/opencode/row_parse_pool.h"

#include <utility>

namespace agentperf::ingest::opencode {

void RowChunk::Add(uint32_t unit, std::string_view id, std::string_view session_id, std::string_view message_id,
                   std::string_view json) {
  Row r;
  r.unit = unit;
  r.id_len = static_cast<uint32_t>(id.size());
  r.session_len = static_cast<uint32_t>(session_id.size());
  r.message_len = static_cast<uint32_t>(message_id.size());
  r.json_len = static_cast<uint32_t>(json.size());
  r.off = bytes_.size();
  bytes_.append(id).append(session_id).append(message_id).append(json);
  bytes_.append(ObjectParser::kPadding, '\0');
  rows_.push_back(r);
}

void RowChunk::Parse(ObjectParser* parser) {
  const bool is_part = table_ == Table::kPart;
  if (is_part) {
    parts_.reserve(rows_.size());
  } else {
    messages_.reserve(rows_.size());
  }
  units_.reserve(rows_.size());
  for (const Row& r : rows_) {
    const char* at = bytes_.data() + r.off;
    std::string_view id(at, r.id_len);
    std::string_view session_id(at + r.id_len, r.session_len);
    std::string_view message_id(at + r.id_len + r.session_len, r.message_len);
    std::string_view json(at + r.id_len + r.session_len + r.message_len, r.json_len);
    Status st;
    if (is_part) {
      PartInfo& p = parts_.emplace_back();
      p.id = id;
      p.message_id = message_id;
      p.session_id = session_id;
      st = parser->ParsePartPadded(json, &p);
      if (!st.ok()) parts_.pop_back();
    } else {
      MessageInfo& m = messages_.emplace_back();
      m.id = id;
      m.session_id = session_id;
      st = parser->ParseMessagePadded(json, &m);
      if (!st.ok()) messages_.pop_back();
    }
    if (st.ok()) {
      units_.push_back(r.unit);
    } else {
      bad_.push_back(Bad{std::string(id), st.message()});
    }
  }
  std::string().swap(bytes_);
  std::vector<Row>().swap(rows_);
}

RowParsePool::RowParsePool(int helpers) {
  for (int i = 0; i < helpers; ++i) helpers_.emplace_back([this] { Helper(); });
}

RowParsePool::~RowParsePool() {
  {
    std::lock_guard<std::mutex> l(mu_);
    closing_ = true;
  }
  cv_.notify_all();
  for (auto& t : helpers_) t.join();
}

void RowParsePool::Submit(std::unique_ptr<RowChunk> chunk) {
  {
    std::lock_guard<std::mutex> l(mu_);
    chunks_.push_back(std::move(chunk));
  }
  cv_.notify_one();
}

RowChunk* RowParsePool::Next(std::unique_lock<std::mutex>&) {
  if (next_ >= chunks_.size()) return nullptr;
  return chunks_[next_++].get();
}

void RowParsePool::Helper() {
  ObjectParser parser;
  std::unique_lock<std::mutex> l(mu_);
  for (;;) {
    cv_.wait(l, [this] { return closing_ || next_ < chunks_.size(); });
    RowChunk* c = Next(l);
    if (c == nullptr) return;  // closing, nothing left
    l.unlock();
    c->Parse(&parser);
    l.lock();
    ++parsed_;
    done_cv_.notify_all();
  }
}

std::vector<std::unique_ptr<RowChunk>> RowParsePool::Finish() {
  ObjectParser parser;
  std::unique_lock<std::mutex> l(mu_);
  while (RowChunk* c = Next(l)) {
    l.unlock();
    c->Parse(&parser);
    l.lock();
    ++parsed_;
  }
  done_cv_.wait(l, [this] { return parsed_ == chunks_.size(); });
  closing_ = true;
  cv_.notify_all();
  std::vector<std::unique_ptr<RowChunk>> out = std::move(chunks_);
  chunks_.clear();
  next_ = parsed_ = 0;
  return out;
}

}  // namespace agentperf::ingest::opencode

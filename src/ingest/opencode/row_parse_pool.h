// RowParsePool: parses the JSON `data` of opencode.db `message` and `part`
// rows on several threads while the reading thread keeps stepping SQLite
// (DbReader's full scan). The reader copies rows into RowChunks (ids and the
// JSON, each JSON followed by ObjectParser::kPadding bytes so that the parser
// reads it in place) and submits each full chunk; helper threads parse
// submitted chunks; Finish() makes the calling thread parse what is left and
// returns every chunk, parsed, in submission order (so the caller sees rows
// in table order and the results do not depend on the thread count).
//
// Thread-safety: Submit and Finish are called from one thread (the reader);
// a chunk belongs to the pool from Submit until Finish returns it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "ingest/opencode/objects.h"

namespace agentperf::ingest::opencode {

class RowChunk {
 public:
  enum class Table : uint8_t { kMessage, kPart };
  explicit RowChunk(Table table) : table_(table) {}

  // Adds one row; `unit` is the caller's index of its session.
  void Add(uint32_t unit, std::string_view id, std::string_view session_id, std::string_view message_id,
           std::string_view json);
  size_t rows() const { return rows_.size(); }
  size_t bytes() const { return bytes_.size(); }
  Table table() const { return table_; }

  // Fills the results; frees the copied JSON. Rows that do not parse go to bad().
  void Parse(ObjectParser* parser);

  // Results, in row order (valid after Parse).
  struct Bad {
    std::string id, why;
  };
  std::vector<MessageInfo>& messages() { return messages_; }
  std::vector<PartInfo>& parts() { return parts_; }
  const std::vector<uint32_t>& units() const { return units_; }  // per result
  const std::vector<Bad>& bad() const { return bad_; }            // rows not in the results

 private:
  struct Row {
    uint32_t unit;
    uint32_t id_len, session_len, message_len;
    uint64_t off;  // id, session id, message id, JSON, padding
    uint32_t json_len;
  };
  Table table_;
  std::string bytes_;
  std::vector<Row> rows_;
  std::vector<MessageInfo> messages_;
  std::vector<PartInfo> parts_;
  std::vector<uint32_t> units_;
  std::vector<Bad> bad_;
};

class RowParsePool {
 public:
  // `helpers` extra threads (0: Finish parses everything on the caller).
  explicit RowParsePool(int helpers);
  ~RowParsePool();
  RowParsePool(const RowParsePool&) = delete;
  RowParsePool& operator=(const RowParsePool&) = delete;

  void Submit(std::unique_ptr<RowChunk> chunk);
  // Parses the chunks no helper took, waits for the helpers, and returns all
  // chunks in submission order. Call once.
  std::vector<std::unique_ptr<RowChunk>> Finish();

 private:
  // Takes the next unparsed chunk (nullptr when none is queued).
  RowChunk* Next(std::unique_lock<std::mutex>& l);
  void Helper();

  std::mutex mu_;
  std::condition_variable cv_;       // work queued, or closing
  std::condition_variable done_cv_;  // a chunk finished
  std::vector<std::unique_ptr<RowChunk>> chunks_;  // guarded by mu_
  size_t next_ = 0;                                // first chunk not taken; guarded by mu_
  size_t parsed_ = 0;                              // guarded by mu_
  bool closing_ = false;                           // guarded by mu_
  std::vector<std::thread> helpers_;
};

}  // namespace agentperf::ingest::opencode

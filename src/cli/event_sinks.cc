#include "cli/event_sinks.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "cli/common.h"
#include "event/json_encoder.h"

namespace agentperf::cli {

BulkLocalSink::~BulkLocalSink() {
  // The store's callbacks refer to this sink.
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait(l, [this] { return in_flight_ == 0; });
}

Result<store::AppendResult> BulkLocalSink::Send(event::EventBatch batch) {
  {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [this] { return in_flight_ < kMaxInFlight; });
    if (!error_.ok()) return error_;
    ++in_flight_;
  }
  store_->AppendUnloggedAsync(std::move(batch), [this](const Result<store::AppendResult>& r, const event::DecodeError*) {
    std::lock_guard<std::mutex> l(mu_);
    if (r.ok()) {
      counts_.accepted += r->accepted;
      counts_.duplicates += r->duplicates;
    } else if (error_.ok()) {
      error_ = r.status();
    }
    --in_flight_;
    cv_.notify_all();
  });
  return store::AppendResult{};
}

Status BulkLocalSink::Finish() {
  {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [this] { return in_flight_ == 0; });
    if (!error_.ok()) return error_;
  }
  return store_->Flush();
}

store::AppendResult BulkLocalSink::Deferred() const {
  std::lock_guard<std::mutex> l(mu_);
  return counts_;
}

Result<store::AppendResult> ServerSink::Send(event::EventBatch batch) {
  // One session can give a batch beyond the server's per-request limit
  // (100,000 events): post it in slices.
  constexpr size_t kMaxPerRequest = 50000;
  store::AppendResult total;
  for (size_t begin = 0; begin < batch.size(); begin += kMaxPerRequest) {
    std::string body;
    event::EncodeBatchNdjson(event::SliceView(batch, begin, std::min(batch.size(), begin + kMaxPerRequest)), &body);
    AP_ASSIGN_OR_RETURN(net::HttpResponse r, client_->Post("/v1/events", body, "application/x-ndjson"));
    if (r.status != 200) return ServerError(r);
    auto num = [&](std::string_view key) -> uint64_t {
      size_t k = r.body.find(fmt::format("\"{}\":", key));
      return k == std::string::npos ? 0 : std::strtoull(r.body.c_str() + k + key.size() + 3, nullptr, 10);
    };
    total.accepted += num("accepted");
    total.duplicates += num("duplicates");
  }
  return total;
}

}  // namespace agentperf::cli

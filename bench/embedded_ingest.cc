#include "bench/embedded_ingest.h"

#include <condition_variable>
#include <mutex>

#include <fmt/format.h>

#include "bench/bench_util.h"
#include "core/clock.h"
#include "store/embedded_store.h"

namespace agentperf::bench {

EmbeddedIngestResult RunEmbeddedIngest(const std::vector<Span>& spans, size_t batch, int window,
                                       const std::string& dir, bool keep) {
  EmbeddedIngestResult res;
  {
    store::EmbeddedStoreOptions so;
    so.data_dir = dir;
    auto opened = store::EmbeddedStore::Open(so);
    if (!opened.ok()) {
      res.error = "open: " + opened.status().ToString();
      return res;
    }
    store::EmbeddedStore& st = **opened;
    std::mutex mu;
    std::condition_variable cv;
    int in_flight = 0;
    std::string first_error;
    const int64_t t0 = MonotonicNanos();
    for (size_t i = 0; i < spans.size(); i += batch) {
      event::EventBatch b;
      const size_t end = std::min(spans.size(), i + batch);
      b.events.reserve(end - i);
      for (size_t k = i; k < end; ++k) Workload::AppendToBatch(spans[k], &b);
      {
        std::unique_lock<std::mutex> l(mu);
        cv.wait(l, [&] { return in_flight < window; });
        ++in_flight;
      }
      st.AppendAsync(std::move(b), [&](const Result<store::AppendResult>& r, const event::DecodeError*) {
        std::lock_guard<std::mutex> l(mu);
        if (!r.ok() && first_error.empty()) first_error = r.status().ToString();
        --in_flight;
        cv.notify_all();
      });
    }
    {
      std::unique_lock<std::mutex> l(mu);
      cv.wait(l, [&] { return in_flight == 0; });
    }
    res.ingest_s = static_cast<double>(MonotonicNanos() - t0) / 1e9;
    const int64_t f0 = MonotonicNanos();
    Status fs = st.Flush();
    res.flush_s = static_cast<double>(MonotonicNanos() - f0) / 1e9;
    res.events = st.events();
    res.events_per_s = res.ingest_s > 0 ? static_cast<double>(res.events) / res.ingest_s : 0;
    if (!first_error.empty()) res.error = "append: " + first_error;
    else if (!fs.ok()) res.error = "flush: " + fs.ToString();
    else if (res.events != spans.size()) res.error = fmt::format("the store holds {} of {} events", res.events, spans.size());
  }
  if (!keep) RemoveTree(dir);
  return res;
}

}  // namespace agentperf::bench

#include "store/store.h"

#include <future>

namespace agentperf::store {

Result<AppendResult> Store::Append(event::EventBatch batch, event::DecodeError* err) {
  std::promise<Result<AppendResult>> promise;
  auto future = promise.get_future();
  AppendAsync(std::move(batch), [&promise, err](const Result<AppendResult>& r, const event::DecodeError* e) {
    if (e != nullptr && err != nullptr) *err = *e;
    promise.set_value(r);
  });
  return future.get();
}

}  // namespace agentperf::store

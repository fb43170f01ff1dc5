// EmbeddedStore: appends that bypass the WAL (bulk loading; see
// AppendUnloggedAsync in embedded_store.h).
#include "store/embedded_store.h"

namespace agentperf::store {

void EmbeddedStore::AppendUnloggedAsync(event::EventBatch batch, AppendCallback done) {
  if (batch.empty()) {
    done(AppendResult{}, nullptr);
    return;
  }
  event::DecodeError err;
  CardinalityGuard::Added added;
  Status st = guard_.Admit(batch, &err, &added);
  if (!st.ok()) {
    refused_.fetch_add(1, std::memory_order_relaxed);
    done(st, &err);
    return;
  }
  batches_.fetch_add(1, std::memory_order_relaxed);
  auto shared = std::make_shared<event::EventBatch>(std::move(batch));
  auto cb = std::make_shared<AppendCallback>(std::move(done));
  // The applier is the head's only writer: everything happens there.
  applier_->Submit([this, shared, cb] {
    // Sequence 0: no WAL record holds these rows (head_seq_* stay as they are).
    std::vector<bool> keep(shared->size(), true);
    ApplyResult r = ApplyDurable(0, *shared, &keep);
    accepted_.fetch_add(r.added, std::memory_order_relaxed);
    duplicates_.fetch_add(r.duplicates, std::memory_order_relaxed);
    (*cb)(AppendResult{r.added, r.duplicates}, nullptr);
  });
}

}  // namespace agentperf::store

// CardinalityGuard: caps the number of distinct values of each label field
// (agent, model, provider, tool, error_class, source) so that a buggy or
// hostile sender cannot explode the label index. Admission is all or nothing
// per batch: if one new value would pass the cap, the batch is refused (HTTP
// 400 naming the event and field) and nothing of it is admitted.
//
// Thread-safety: all methods are thread-safe.
#pragma once

#include <array>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/status.h"
#include "event/event.h"
#include "event/json_decoder.h"

namespace agentperf::store {

class CardinalityGuard {
 public:
  explicit CardinalityGuard(size_t max_values_per_label) : max_(max_values_per_label) {}

  // Records a value as known (used when reopening a store).
  void Seed(event::StrField field, std::string_view value);
  // Label values a batch added (field, value).
  using Added = std::vector<std::pair<event::StrField, std::string>>;

  // Admits every label value of the batch, or none; on refusal fills *err.
  // The values new to the guard are appended to *added (may be null).
  Status Admit(const event::EventBatch& batch, event::DecodeError* err, Added* added = nullptr);
  // Forgets values admitted for a batch that was then not stored, unless
  // `still_used(field, value)` says they are stored after all (another batch
  // may have brought the same value meanwhile).
  void Release(const Added& added, const std::function<bool(event::StrField, std::string_view)>& still_used);
  size_t Count(event::StrField field) const;
  size_t max_values_per_label() const { return max_; }

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  using Set = std::unordered_set<std::string, StringHash, std::equal_to<>>;
  const size_t max_;
  mutable std::mutex mu_;
  std::array<Set, event::kNumStrFields> values_;  // only label fields are used
};

}  // namespace agentperf::store

#include "store/cardinality_guard.h"

#include <fmt/format.h>


#include "event/fields.h"

namespace agentperf::store {

using event::kStrFields;

void CardinalityGuard::Seed(event::StrField field, std::string_view value) {
  std::lock_guard<std::mutex> l(mu_);
  values_[static_cast<int>(field)].emplace(value);
}

void CardinalityGuard::Release(const Added& added,
                               const std::function<bool(event::StrField, std::string_view)>& still_used) {
  std::lock_guard<std::mutex> l(mu_);
  for (const auto& [field, value] : added) {
    if (!still_used(field, value)) values_[static_cast<int>(field)].erase(value);
  }
}

size_t CardinalityGuard::Count(event::StrField field) const {
  std::lock_guard<std::mutex> l(mu_);
  return values_[static_cast<int>(field)].size();
}

Status CardinalityGuard::Admit(const event::EventBatch& batch, event::DecodeError* err, Added* added) {
  std::array<std::unordered_set<std::string_view>, event::kNumStrFields> fresh;
  std::array<std::string_view, event::kNumStrFields> last{};
  std::lock_guard<std::mutex> l(mu_);
  for (size_t i = 0; i < batch.events.size(); ++i) {
    const event::Event& e = batch.events[i];
    for (int f = 0; f < event::kNumStrFields; ++f) {
      if (!kStrFields[f].is_label) continue;
      std::string_view v = e.str[f];
      if (v.empty() || v == last[f]) continue;
      last[f] = v;
      if (values_[f].find(v) != values_[f].end()) continue;
      if (fresh[f].count(v) != 0) continue;
      if (values_[f].size() + fresh[f].size() + 1 > max_) {
        if (err != nullptr) {
          *err = event::DecodeError{};
          err->index = static_cast<int64_t>(i);
          err->field = std::string(kStrFields[f].json_name);
          err->message = fmt::format(
              "label '{}' already has {} distinct values (the limit); refusing new value '{}' to protect the index",
              kStrFields[f].json_name, values_[f].size() + fresh[f].size(), v.substr(0, 64));
        }
        return Status::InvalidArgument(fmt::format("event {}: field '{}': too many distinct values (limit {})", i,
                                                   kStrFields[f].json_name, max_));
      }
      fresh[f].insert(v);
    }
  }
  for (int f = 0; f < event::kNumStrFields; ++f) {
    for (std::string_view v : fresh[f]) {
      values_[f].emplace(v);
      if (added != nullptr) added->emplace_back(static_cast<event::StrField>(f), std::string(v));
    }
  }
  return Status::OK();
}

}  // namespace agentperf::store

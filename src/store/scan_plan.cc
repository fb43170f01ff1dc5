#include "store/scan_plan.h"

#include "event/fields.h"

namespace agentperf::store {


segment::ColumnSet NeededColumns(const query::QuerySpec& spec) {
  segment::ColumnSet cols;
  cols.set(segment::kColStart).set(segment::kColKind).set(segment::kColStatus);
  auto label = [&](const query::Label& l) {
    if (l.type == query::Label::kStr) cols.set(segment::kColStr0 + static_cast<int>(l.str));
  };
  for (const auto& m : spec.matchers) label(m.label);
  for (const auto& g : spec.group_by) label(g);
  for (const auto& a : spec.aggregates) {
    if (!a.has_field) continue;
    switch (a.field.type) {
      case query::Field::kDurationMs: cols.set(segment::kColDur); break;
      case query::Field::kInt: cols.set(segment::kColInt0 + a.field.index); break;
      case query::Field::kFloat: cols.set(segment::kColFloat0 + a.field.index); break;
    }
  }
  return cols;
}



bool SegmentMayMatch(const segment::SegmentReader& seg, const query::QuerySpec& spec) {
  for (const auto& m : spec.matchers) {
    if (m.label.type != query::Label::kStr || !event::IsLabelField(m.label.str)) continue;
    if (m.Matches("")) continue;  // rows without the label may pass
    auto d = seg.Dict(m.label.str);
    if (!d.ok()) continue;
    bool any = false;
    for (uint32_t code = 1; code < (*d)->Size() && !any; ++code) any = m.Matches((*d)->Lookup(code));
    if (!any) return false;
  }
  return true;
}

bool IsTopByMaxDuration(const query::QuerySpec& spec) {
  if (!spec.order_by.enabled || !spec.order_by.descending || spec.step_us != 0 || spec.limit == 0) return false;
  for (const auto& a : spec.aggregates) {
    if (a.op != query::Aggregate::kMax || !a.has_field || a.field.type != query::Field::kDurationMs) return false;
  }
  return true;
}

}  // namespace agentperf::store

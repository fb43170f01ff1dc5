#include "query/spec.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "event/fields.h"
#include "query/time_parse.h"

namespace agentperf::query {

using event::kFloatFields;
using event::kIntFields;
using event::kStrFields;

std::string_view Label::Name() const {
  switch (type) {
    case kKind: return "kind";
    case kStatus: return "status";
    case kStr: return kStrFields[static_cast<int>(str)].json_name;
  }
  return "?";
}

std::vector<std::string_view> AllLabelNames() {
  std::vector<std::string_view> names{"kind", "status"};
  for (const auto& f : kStrFields) names.push_back(f.json_name);
  return names;
}

Result<Label> ParseLabel(std::string_view name) {
  Label l;
  if (name == "kind") {
    l.type = Label::kKind;
    return l;
  }
  if (name == "status") {
    l.type = Label::kStatus;
    return l;
  }
  if (const auto* f = event::FindStrField(name)) {
    l.type = Label::kStr;
    l.str = f->field;
    return l;
  }
  std::string all;
  for (auto n : AllLabelNames()) all += (all.empty() ? "" : ", ") + std::string(n);
  return Status::InvalidArgument(fmt::format("unknown label '{}' (labels: {})", name, all));
}

std::string_view Field::Name() const {
  switch (type) {
    case kDurationMs: return "duration_ms";
    case kInt: return kIntFields[index].name;
    case kFloat: return kFloatFields[index].name;
  }
  return "?";
}

Result<Field> ParseField(std::string_view name) {
  Field f;
  if (name == "duration_ms") return f;
  for (size_t i = 0; i < kIntFields.size(); ++i) {
    if (kIntFields[i].name == name) {
      f.type = Field::kInt;
      f.index = static_cast<uint8_t>(i);
      return f;
    }
  }
  for (size_t i = 0; i < kFloatFields.size(); ++i) {
    if (kFloatFields[i].name == name) {
      f.type = Field::kFloat;
      f.index = static_cast<uint8_t>(i);
      return f;
    }
  }
  std::string all = "duration_ms";
  for (const auto& i : kIntFields) all += ", " + std::string(i.name);
  for (const auto& i : kFloatFields) all += ", " + std::string(i.name);
  return Status::InvalidArgument(fmt::format("unknown field '{}' (fields: {})", name, all));
}

bool Matcher::Matches(std::string_view value) const {
  switch (op) {
    case kEq: return value == values[0];
    case kNe: return value != values[0];
    case kIn: return std::find(values.begin(), values.end(), value) != values.end();
    case kNotIn: return std::find(values.begin(), values.end(), value) == values.end();
    case kRegex: return std::regex_match(value.begin(), value.end(), *re);
    case kNotRegex: return !std::regex_match(value.begin(), value.end(), *re);
  }
  return false;
}

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

std::string FormatQ(double q) {
  // 0.95 -> "95", 0.999 -> "99.9"
  return fmt::format("{}", std::round(q * 100 * 1e6) / 1e6);
}

}  // namespace

Result<Aggregate> ParseAggregate(std::string_view text) {
  text = Trim(text);
  Aggregate a;
  auto bad = [&](std::string why) {
    return Status::InvalidArgument(fmt::format(
        "aggregate '{}': {} (forms: count, errors, error_rate, count(f), sum(f), avg(f), min(f), max(f), "
        "p50(f)..p99.9(f), quantile(q, f))",
        text, why));
  };
  if (text == "count") {
    a.name = "count";
    return a;
  }
  if (text == "errors") {
    a.op = Aggregate::kErrors;
    a.name = "errors";
    return a;
  }
  if (text == "error_rate") {
    a.op = Aggregate::kErrorRate;
    a.name = "error_rate";
    return a;
  }
  size_t open = text.find('(');
  if (open == std::string_view::npos || text.back() != ')') return bad("expected name(field)");
  std::string_view fn = Trim(text.substr(0, open));
  std::string_view arg = Trim(text.substr(open + 1, text.size() - open - 2));
  if (fn == "quantile") {
    size_t comma = arg.find(',');
    if (comma == std::string_view::npos) return bad("quantile needs (q, field)");
    std::string_view qs = Trim(arg.substr(0, comma));
    arg = Trim(arg.substr(comma + 1));
    auto r = std::from_chars(qs.data(), qs.data() + qs.size(), a.q);
    if (r.ec != std::errc() || r.ptr != qs.data() + qs.size() || !(a.q >= 0 && a.q <= 1)) {
      return bad("q must be a number between 0 and 1");
    }
    a.op = Aggregate::kQuantile;
  } else if (fn.size() >= 2 && fn[0] == 'p' && (std::isdigit(static_cast<unsigned char>(fn[1])) != 0)) {
    double pct;
    auto r = std::from_chars(fn.data() + 1, fn.data() + fn.size(), pct);
    if (r.ec != std::errc() || r.ptr != fn.data() + fn.size() || !(pct >= 0 && pct <= 100)) {
      return bad("percentile must be p0..p100");
    }
    a.op = Aggregate::kQuantile;
    a.q = pct / 100;
  } else if (fn == "count") {
    a.op = Aggregate::kCount;
  } else if (fn == "sum") {
    a.op = Aggregate::kSum;
  } else if (fn == "avg") {
    a.op = Aggregate::kAvg;
  } else if (fn == "min") {
    a.op = Aggregate::kMin;
  } else if (fn == "max") {
    a.op = Aggregate::kMax;
  } else if (fn == "mad") {
    a.op = Aggregate::kMad;
  } else {
    return bad("unknown function");
  }
  auto f = ParseField(arg);
  if (!f.ok()) return bad(f.status().message());
  a.field = *f;
  a.has_field = true;
  std::string fname(a.field.Name());
  if (a.op == Aggregate::kQuantile) {
    a.name = "p" + FormatQ(a.q) + "(" + fname + ")";
  } else {
    a.name = std::string(fn) + "(" + fname + ")";
  }
  return a;
}

namespace {

namespace dom = simdjson::dom;

// "max(duration_ms) desc" -> the aggregate's canonical name and the direction.
Status ParseOrderBy(std::string_view text, std::string* agg_name, bool* descending) {
  std::string_view t = Trim(text);
  *descending = true;
  auto strip_suffix = [&](std::string_view word) {
    if (t.size() > word.size() && t.substr(t.size() - word.size()) == word &&
        t[t.size() - word.size() - 1] == ' ') {
      t = Trim(t.substr(0, t.size() - word.size()));
      return true;
    }
    return false;
  };
  if (strip_suffix("desc") || strip_suffix("DESC")) {
    *descending = true;
  } else if (strip_suffix("asc") || strip_suffix("ASC")) {
    *descending = false;
  }
  if (t.empty()) {
    return Status::InvalidArgument(
        fmt::format("order_by '{}': expected an aggregate, then asc or desc (e.g. \"max(duration_ms) desc\")", text));
  }
  auto a = ParseAggregate(t);
  if (!a.ok()) return Status::InvalidArgument(fmt::format("order_by: {}", a.status().message()));
  *agg_name = a->name;
  return Status::OK();
}

Result<int64_t> TimeOf(dom::element el, std::string_view what, int64_t now_us) {
  if (el.is_string()) return ParseTime(std::string_view(el.get_string().value_unsafe()), now_us);
  if (el.is_number()) {
    double ms = el.get_double().value_unsafe();
    if (!std::isfinite(ms) || std::fabs(ms) > 9e15) return Status::InvalidArgument(std::string(what) + ": out of range");
    return static_cast<int64_t>(std::llround(ms * 1000));
  }
  return Status::InvalidArgument(std::string(what) + ": must be a time string or milliseconds since the epoch");
}

Result<Matcher> ParseMatcher(dom::element el) {
  if (!el.is_object()) return Status::InvalidArgument("filters: each filter must be an object {label, op, value}");
  Matcher m;
  std::string_view label_name, op = "=";
  bool have_value = false, have_values = false;
  dom::object el_obj = el.get_object().value_unsafe();
  for (auto [k, v] : el_obj) {
    if (k == "label") {
      if (!v.is_string()) return Status::InvalidArgument("filters: label must be a string");
      label_name = v.get_string().value_unsafe();
    } else if (k == "op") {
      if (!v.is_string()) return Status::InvalidArgument("filters: op must be a string");
      op = v.get_string().value_unsafe();
    } else if (k == "value") {
      if (!v.is_string()) return Status::InvalidArgument("filters: value must be a string");
      m.values.emplace_back(v.get_string().value_unsafe());
      have_value = true;
    } else if (k == "values") {
      if (!v.is_array()) return Status::InvalidArgument("filters: values must be an array of strings");
      dom::array v_arr = v.get_array().value_unsafe();
      for (auto x : v_arr) {
        if (!x.is_string()) return Status::InvalidArgument("filters: values must be an array of strings");
        m.values.emplace_back(x.get_string().value_unsafe());
      }
      have_values = true;
    } else {
      return Status::InvalidArgument(fmt::format("filters: unknown key '{}' (expected label, op, value, values)", k));
    }
  }
  if (label_name.empty()) return Status::InvalidArgument("filters: each filter needs a \"label\"");
  AP_ASSIGN_OR_RETURN(m.label, ParseLabel(label_name));
  if (op == "=" || op == "==" || op == "eq") m.op = Matcher::kEq;
  else if (op == "!=" || op == "ne") m.op = Matcher::kNe;
  else if (op == "=~" || op == "re") m.op = Matcher::kRegex;
  else if (op == "!~" || op == "nre") m.op = Matcher::kNotRegex;
  else if (op == "in") m.op = Matcher::kIn;
  else if (op == "not_in" || op == "nin") m.op = Matcher::kNotIn;
  else return Status::InvalidArgument(fmt::format("filters: unknown op '{}' (=, !=, =~, !~, in, not_in)", op));
  bool multi = m.op == Matcher::kIn || m.op == Matcher::kNotIn;
  if (multi && (!have_values || have_value)) {
    return Status::InvalidArgument(fmt::format("filters: op '{}' needs \"values\": [...] (and no \"value\")", op));
  }
  if (!multi && (!have_value || have_values)) {
    return Status::InvalidArgument(fmt::format("filters: op '{}' needs exactly one \"value\"", op));
  }
  if (m.op == Matcher::kRegex || m.op == Matcher::kNotRegex) {
    m.pattern = m.values[0];
    if (m.pattern.size() > 1024) return Status::InvalidArgument("filters: regex longer than 1024 bytes");
    try {
      m.re = std::make_shared<const std::regex>(m.pattern, std::regex::ECMAScript | std::regex::optimize);
    } catch (const std::regex_error& e) {
      return Status::InvalidArgument(fmt::format("filters: bad regex '{}': {}", m.pattern, e.what()));
    }
  }
  return m;
}

}  // namespace

Result<QuerySpec> ParseQuerySpec(std::string_view json, int64_t now_us) {
  thread_local dom::parser parser;
  dom::element root;
  auto ec = parser.parse(json.data(), json.size()).get(root);
  if (ec) return Status::InvalidArgument(fmt::format("query is not valid JSON: {}", simdjson::error_message(ec)));
  if (!root.is_object()) return Status::InvalidArgument("query must be a JSON object");
  QuerySpec spec;
  std::string order_by_name;  // resolved once all aggregates are known
  dom::object root_obj = root.get_object().value_unsafe();
  for (auto [key, v] : root_obj) {
    if (key == "from") {
      AP_ASSIGN_OR_RETURN(spec.from_us, TimeOf(v, "from", now_us));
    } else if (key == "to") {
      AP_ASSIGN_OR_RETURN(spec.to_us, TimeOf(v, "to", now_us));
    } else if (key == "filters") {
      if (!v.is_array()) return Status::InvalidArgument("filters must be an array");
      dom::array v_arr = v.get_array().value_unsafe();
      for (auto f : v_arr) {
        AP_ASSIGN_OR_RETURN(Matcher m, ParseMatcher(f));
        spec.matchers.push_back(std::move(m));
      }
    } else if (key == "group_by") {
      if (!v.is_array()) return Status::InvalidArgument("group_by must be an array of label names");
      dom::array v_arr = v.get_array().value_unsafe();
      for (auto g : v_arr) {
        if (!g.is_string()) return Status::InvalidArgument("group_by must be an array of label names");
        AP_ASSIGN_OR_RETURN(Label l, ParseLabel(g.get_string().value_unsafe()));
        if (std::find(spec.group_by.begin(), spec.group_by.end(), l) != spec.group_by.end()) {
          return Status::InvalidArgument(fmt::format("group_by: '{}' given twice", l.Name()));
        }
        spec.group_by.push_back(l);
      }
      if (spec.group_by.size() > QuerySpec::kMaxGroupBy) {
        return Status::InvalidArgument(fmt::format("group_by: at most {} labels", QuerySpec::kMaxGroupBy));
      }
    } else if (key == "step") {
      if (v.is_string()) {
        AP_ASSIGN_OR_RETURN(spec.step_us, ParseDurationMicros(v.get_string().value_unsafe()));
      } else if (v.is_number()) {
        double ms = v.get_double().value_unsafe();
        if (!(ms >= 0 && ms < 1e13)) return Status::InvalidArgument("step: out of range");
        spec.step_us = static_cast<int64_t>(ms * 1000);
      } else if (!v.is_null()) {
        return Status::InvalidArgument("step must be a duration such as \"1m\" or milliseconds");
      }
      // null means no step; an explicit zero is a mistake, not "no step".
      if (!v.is_null() && spec.step_us < 1000) return Status::InvalidArgument("step must be at least 1ms");
    } else if (key == "aggregates") {
      if (!v.is_array()) return Status::InvalidArgument("aggregates must be an array of strings");
      dom::array v_arr = v.get_array().value_unsafe();
      for (auto a : v_arr) {
        if (!a.is_string()) return Status::InvalidArgument("aggregates must be an array of strings");
        AP_ASSIGN_OR_RETURN(Aggregate agg, ParseAggregate(a.get_string().value_unsafe()));
        for (const auto& prev : spec.aggregates) {
          if (prev.name == agg.name) {
            return Status::InvalidArgument(fmt::format("aggregates: '{}' given twice", agg.name));
          }
        }
        spec.aggregates.push_back(std::move(agg));
      }
    } else if (key == "limit") {
      if (!v.is_number()) return Status::InvalidArgument("limit must be a number");
      double l = v.get_double().value_unsafe();
      if (!(l >= 1 && l <= 1e6)) return Status::InvalidArgument("limit must be between 1 and 1000000");
      spec.limit = static_cast<size_t>(l);
    } else if (key == "order_by") {
      if (v.is_null()) continue;
      if (!v.is_string()) {
        return Status::InvalidArgument("order_by must be a string: an aggregate, then asc or desc");
      }
      AP_RETURN_IF_ERROR(ParseOrderBy(v.get_string().value_unsafe(), &order_by_name, &spec.order_by.descending));
      spec.order_by.enabled = true;
    } else {
      return Status::InvalidArgument(fmt::format(
          "unknown query key '{}' (expected from, to, filters, group_by, step, aggregates, order_by, limit)", key));
    }
  }
  if (spec.aggregates.empty()) spec.aggregates.push_back(ParseAggregate("count").value());
  if (spec.order_by.enabled) {
    auto it = std::find_if(spec.aggregates.begin(), spec.aggregates.end(),
                           [&](const Aggregate& a) { return a.name == order_by_name; });
    if (it == spec.aggregates.end()) {
      std::string have;
      for (const auto& a : spec.aggregates) have += (have.empty() ? "" : ", ") + a.name;
      return Status::InvalidArgument(fmt::format(
          "order_by: '{}' is not one of the query's aggregates ({}); add it to \"aggregates\"", order_by_name, have));
    }
    spec.order_by.aggregate = static_cast<size_t>(it - spec.aggregates.begin());
    if (spec.step_us > 0) {
      return Status::InvalidArgument(
          "order_by ranks series by one value each: leave out \"step\" (one point per series) to use it");
    }
  }
  if (spec.from_us >= spec.to_us) return Status::InvalidArgument("'from' must be before 'to'");
  if (spec.step_us > 0 && spec.from_us != INT64_MIN && spec.to_us != INT64_MAX) {
    // Unsigned: to - from may exceed INT64_MAX.
    auto buckets = (static_cast<uint64_t>(spec.to_us) - static_cast<uint64_t>(spec.from_us)) /
                       static_cast<uint64_t>(spec.step_us) + 1;
    if (buckets > QuerySpec::kMaxCells) {
      return Status::InvalidArgument(
          fmt::format("{} time buckets: use a larger step or a shorter range (limit {})", buckets, QuerySpec::kMaxCells));
    }
  }
  return spec;
}

}  // namespace agentperf::query

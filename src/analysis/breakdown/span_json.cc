#include "analysis/breakdown/span_json.h"

#include <simdjson.h>

#include <cmath>

namespace agentperf::analysis {

namespace {

using decompose::Span;

// The string fields, in JSON order.
struct StrMember {
  const char* key;
  std::string Span::*field;
};
constexpr StrMember kStrings[] = {
    {"session_id", &Span::session_id}, {"parent_session_id", &Span::parent_session_id},
    {"span_id", &Span::span_id},       {"parent_span_id", &Span::parent_span_id},
    {"message_id", &Span::message_id}, {"agent", &Span::agent},
    {"model", &Span::model},           {"provider", &Span::provider},
    {"tool", &Span::tool},             {"child_session_id", &Span::child_session_id},
};
struct NumMember {
  const char* key;
  double Span::*field;
};
constexpr NumMember kNumbers[] = {
    {"wall_ms", &Span::wall_ms},
    {"permission_wait_ms", &Span::permission_wait_ms},
    {"tools_ms", &Span::tools_ms},
    {"first_part_ms", &Span::first_part_ms},
    {"ttfc_ms", &Span::ttfc_ms},
};

bool Present(const NumMember& n, double v) { return std::string_view(n.key) == "ttfc_ms" ? !std::isnan(v) : v >= 0; }

}  // namespace

void WriteSpansJson(const std::vector<Span>& spans, JsonWriter* w) {
  w->BeginArray();
  for (const Span& s : spans) {
    w->BeginObject().Field("kind", event::KindName(s.kind)).Field("status", event::StatusName(s.status));
    w->Field("start_us", s.start_us).Field("end_us", s.end_us);
    for (const StrMember& m : kStrings) {
      if (!(s.*m.field).empty()) w->Field(m.key, s.*m.field);
    }
    for (const NumMember& n : kNumbers) {
      if (Present(n, s.*n.field)) w->Field(n.key, s.*n.field);
    }
    w->EndObject();
  }
  w->EndArray();
}

Result<std::vector<Span>> ParseSpansJson(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) return Status::Corruption("spans: not JSON");
  simdjson::dom::array arr;
  if (root.get_array().get(arr) != simdjson::SUCCESS) return Status::Corruption("spans: expected an array");
  std::vector<Span> out;
  out.reserve(arr.size());
  for (simdjson::dom::element e : arr) {
    Span s;
    std::string_view v;
    if (e["kind"].get_string().get(v) != simdjson::SUCCESS || !event::ParseKind(v, &s.kind)) {
      return Status::Corruption("spans: a span without a known kind");
    }
    if (e["status"].get_string().get(v) == simdjson::SUCCESS && !event::ParseStatus(v, &s.status)) {
      return Status::Corruption("spans: unknown status");
    }
    if (e["start_us"].get_int64().get(s.start_us) != simdjson::SUCCESS ||
        e["end_us"].get_int64().get(s.end_us) != simdjson::SUCCESS) {
      return Status::Corruption("spans: start_us and end_us are required integers");
    }
    for (const StrMember& m : kStrings) {
      if (e[m.key].get_string().get(v) == simdjson::SUCCESS) s.*m.field = std::string(v);
    }
    for (const NumMember& n : kNumbers) {
      double d;
      if (e[n.key].get_double().get(d) == simdjson::SUCCESS) {
        s.*n.field = d;
      } else if (int64_t i; e[n.key].get_int64().get(i) == simdjson::SUCCESS) {
        s.*n.field = static_cast<double>(i);
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace agentperf::analysis

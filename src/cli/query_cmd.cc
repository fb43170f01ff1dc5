// agentperf query [SPEC] [--from ...] [--filter ...] [--group-by ...] [--step ...] [--agg ...]
#include <fmt/format.h>
#include <simdjson.h>

#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/clock.h"
#include "core/json_writer.h"
#include "query/spec.h"
#include "query/time_parse.h"

namespace agentperf::cli {
namespace {

// "agent=coder", "tool!=bash", "model=~gpt.*", "agent!~test.*", "tool=bash|read" (in).
Status AppendFilter(std::string_view f, JsonWriter* w) {
  static const std::string_view kOps[] = {"!=", "=~", "!~", "="};
  for (std::string_view op : kOps) {
    size_t k = f.find(op);
    if (k == std::string_view::npos || k == 0) continue;
    std::string_view label = f.substr(0, k), value = f.substr(k + op.size());
    w->BeginObject().Field("label", label);
    if (op == "=" && value.find('|') != std::string_view::npos) {
      w->Field("op", "in").Key("values").BeginArray();
      while (true) {
        size_t bar = value.find('|');
        w->String(value.substr(0, bar));
        if (bar == std::string_view::npos) break;
        value.remove_prefix(bar + 1);
      }
      w->EndArray();
    } else {
      w->Field("op", op).Field("value", value);
    }
    w->EndObject();
    return Status::OK();
  }
  return Status::InvalidArgument(fmt::format("--filter '{}': expected LABEL=VALUE, !=, =~ or !~", f));
}

Status ReadSpec(const std::string& arg, std::string* out) {
  if (arg == "-" || (!arg.empty() && arg[0] == '@')) {
    std::string path = arg == "-" ? "" : arg.substr(1);
    FILE* f = path.empty() ? stdin : std::fopen(path.c_str(), "rb");
    if (f == nullptr) return Status::NotFound(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out->append(buf, n);
    if (f != stdin) std::fclose(f);
    return Status::OK();
  }
  *out = arg;
  return Status::OK();
}

// Renders the result JSON (the server's and the local store's are the same) as a table.
Status PrintTable(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json).get(root)) return Status::Internal("unreadable query result");
  std::vector<std::string> aggs;
  for (auto a : root["aggregates"].get_array()) aggs.emplace_back(std::string_view(a.get_string()));
  bool stepped = root["step_ms"].is_number();
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  bool header_done = false;
  for (auto s : root["series"].get_array()) {
    std::vector<std::string> labels;
    for (auto [k, v] : s["labels"].get_object()) {
      if (!header_done) header.emplace_back(k);
      std::string_view sv = v.get_string();
      labels.emplace_back(sv.empty() ? "-" : std::string(sv));
    }
    if (!header_done) {
      if (stepped) header.emplace_back("time");
      for (auto& a : aggs) header.push_back(a);
      header_done = true;
    }
    for (auto p : s["points"].get_array()) {
      std::vector<std::string> row = labels;
      if (stepped) {
        double t = p["t"].get_double();
        row.push_back(query::FormatTimeMicros(static_cast<int64_t>(t * 1000)));
      }
      for (auto& a : aggs) {
        auto v = p[a];
        row.push_back(v.is_null() ? "-" : FormatNumber(v.get_double()));
      }
      rows.push_back(std::move(row));
    }
  }
  if (!header_done) {
    fmt::print("(no matching events)\n");
    return Status::OK();
  }
  fmt::print("{}", RenderTable(header, rows));
  return Status::OK();
}

}  // namespace

std::function<int()> SetupQuery(CLI::App* cmd) {
  struct Opts {
    std::string spec;
    Target target;
    bool json = false;
    std::string from, to, step;
    std::vector<std::string> filters, group_by, aggs;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("SPEC", o->spec, "query as JSON (docs/query.md), @FILE, or - for stdin; or use the flags below");
  AddTargetOptions(cmd, &o->target);
  cmd->add_flag("--json", o->json, "print the result as JSON");
  cmd->add_option("--from", o->from, "start: -1h, now-7d, 2026-11-24T00:00:00Z, or epoch ms");
  cmd->add_option("--to", o->to, "end (default now)");
  cmd->add_option("--filter", o->filters, "LABEL=VALUE, LABEL!=VALUE, LABEL=~REGEX, LABEL!~REGEX, LABEL=A|B (repeatable)");
  cmd->add_option("--group-by", o->group_by, "label to group by (repeatable)");
  cmd->add_option("--step", o->step, "time bucket, e.g. 1m, 1h");
  cmd->add_option("--agg", o->aggs, "aggregate: count, sum(f), avg(f), min(f), max(f), p95(f), quantile(q,f)");
  return [o]() -> int {
    std::string spec;
    bool flags = !o->from.empty() || !o->to.empty() || !o->step.empty() || !o->filters.empty() ||
                 !o->group_by.empty() || !o->aggs.empty();
    if (!o->spec.empty()) {
      if (flags) return Fail(Status::InvalidArgument("give a JSON SPEC or query flags, not both"));
      Status st = ReadSpec(o->spec, &spec);
      if (!st.ok()) return Fail(st);
    } else {
      JsonWriter w;
      w.BeginObject();
      if (!o->from.empty()) w.Field("from", o->from);
      if (!o->to.empty()) w.Field("to", o->to);
      if (!o->step.empty()) w.Field("step", o->step);
      if (!o->filters.empty()) {
        w.Key("filters").BeginArray();
        for (const auto& f : o->filters) {
          Status st = AppendFilter(f, &w);
          if (!st.ok()) return Fail(st);
        }
        w.EndArray();
      }
      if (!o->group_by.empty()) {
        w.Key("group_by").BeginArray();
        for (const auto& g : o->group_by) w.String(g);
        w.EndArray();
      }
      if (!o->aggs.empty()) {
        w.Key("aggregates").BeginArray();
        for (const auto& a : o->aggs) w.String(a);
        w.EndArray();
      }
      w.EndObject();
      spec = w.Take();
    }
    std::string result;
    if (o->target.remote()) {
      auto c = ConnectServer(o->target);
      if (!c.ok()) return Fail(c.status());
      auto r = c->Post("/v1/query", spec);
      if (!r.ok()) return Fail(r.status());
      if (r->status != 200) return Fail(ServerError(*r));
      result = std::move(r->body);
    } else {
      auto parsed = query::ParseQuerySpec(spec, WallMicros());
      if (!parsed.ok()) return Fail(parsed.status());
      auto s = OpenLocalStore(o->target);
      if (!s.ok()) return Fail(s.status());
      auto r = (*s)->Query(*parsed);
      if (!r.ok()) return Fail(r.status());
      result = query::QueryResultToJson(*r);
    }
    if (o->json) {
      fmt::print("{}\n", StdoutIsTerminal() ? PrettyJson(result) : result);
      return 0;
    }
    Status st = PrintTable(result);
    return st.ok() ? 0 : Fail(st);
  };
}

}  // namespace agentperf::cli

#include "cli/report_render.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "query/time_parse.h"

namespace agentperf::cli {

namespace {

using simdjson::dom::element;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double Num(element e, std::string_view key) {
  element v;
  if (e[key].get(v) != simdjson::SUCCESS) return kNaN;
  double d;
  if (v.get_double().get(d) == simdjson::SUCCESS) return d;
  int64_t i;
  if (v.get_int64().get(i) == simdjson::SUCCESS) return static_cast<double>(i);
  uint64_t u;
  if (v.get_uint64().get(u) == simdjson::SUCCESS) return static_cast<double>(u);
  return kNaN;
}

std::string Label(element row, std::string_view key) {
  std::string_view s;
  if (row["labels"][key].get_string().get(s) != simdjson::SUCCESS || s.empty()) return "(none)";
  return std::string(s);
}

std::string Pct(double f) {
  if (!std::isfinite(f)) return "-";
  if (f == 0) return "0%";
  if (f < 0.001) return "<0.1%";
  return fmt::format("{:.1f}%", f * 100);
}

std::string Count(double v) {
  if (!std::isfinite(v)) return "-";
  if (v >= 1e6) return fmt::format("{:.1f}M", v / 1e6);
  if (v >= 1e4) return fmt::format("{:.1f}k", v / 1e3);
  return fmt::format("{:.0f}", v);
}

std::string Cost(double v, bool estimated) {
  if (!std::isfinite(v)) return "-";
  std::string s = v >= 1 ? fmt::format("${:.2f}", v) : v >= 0.01 ? fmt::format("${:.3f}", v) : fmt::format("${:.5f}", v);
  return estimated ? s + "*" : s;
}

std::string Plural(double n, std::string_view noun) {
  return fmt::format("{} {}{}", Count(n), noun, n == 1 ? "" : "s");
}

std::string Fixed(double v, int digits) { return std::isfinite(v) ? fmt::format("{:.{}f}", v, digits) : "-"; }

// A table whose cells may hold ANSI colour codes; numbers right-aligned.
class Table {
 public:
  Table(std::vector<std::string> header, std::string right_aligned)
      : header_(std::move(header)), right_(std::move(right_aligned)) {}
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  std::string Render(bool color) const {
    std::vector<size_t> w(header_.size());
    for (size_t c = 0; c < header_.size(); ++c) w[c] = Visible(header_[c]);
    for (const auto& r : rows_) {
      for (size_t c = 0; c < r.size() && c < w.size(); ++c) w[c] = std::max(w[c], Visible(r[c]));
    }
    std::string out;
    auto line = [&](const std::vector<std::string>& cells, bool head) {
      std::string l;
      for (size_t c = 0; c < w.size(); ++c) {
        const std::string& cell = c < cells.size() ? cells[c] : std::string();
        const std::string pad(w[c] - Visible(cell), ' ');
        if (c > 0) l += "  ";
        const bool right = c < right_.size() && right_[c] == 'r';
        l += right ? pad + cell : cell + pad;
      }
      while (!l.empty() && l.back() == ' ') l.pop_back();
      out += head && color ? "\x1b[1m" + l + "\x1b[0m\n" : l + "\n";
    };
    line(header_, true);
    for (const auto& r : rows_) line(r, false);
    return out;
  }

 private:
  static size_t Visible(const std::string& s) {
    size_t n = 0;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '\x1b') {
        while (i < s.size() && s[i] != 'm') ++i;
        continue;
      }
      if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) ++n;  // UTF-8 lead bytes only
    }
    return n;
  }
  std::vector<std::string> header_;
  std::string right_;
  std::vector<std::vector<std::string>> rows_;
};

struct Painter {
  bool on;
  std::string Bold(std::string_view s) const { return on ? fmt::format("\x1b[1m{}\x1b[0m", s) : std::string(s); }
  std::string Red(std::string_view s) const { return on ? fmt::format("\x1b[31m{}\x1b[0m", s) : std::string(s); }
  std::string Yellow(std::string_view s) const { return on ? fmt::format("\x1b[33m{}\x1b[0m", s) : std::string(s); }
  std::string Dim(std::string_view s) const { return on ? fmt::format("\x1b[2m{}\x1b[0m", s) : std::string(s); }
  // Error rates: red from 5 %, yellow above 0.
  std::string Rate(double f) const {
    std::string s = Pct(f);
    if (!std::isfinite(f) || f == 0) return s;
    return f >= 0.05 ? Red(s) : Yellow(s);
  }
};

struct Bottleneck {
  double ms;
  std::string text;
};

// What a time category means, for a sentence.
std::string CategoryText(std::string_view name) {
  if (name == "overhead") return "OpenCode's own work before model requests";
  if (name == "gap") return "OpenCode's own work between steps";
  if (name == "model") return "model (and OpenCode's work inside steps)";
  if (name == "model.generating") return "model generating";
  if (name == "model.first_chunk") return "waiting for the model's first chunk";
  if (name == "permission") return "waiting for permission";
  if (name == "retry") return "retries and back-off";
  if (name == "compaction") return "context compaction";
  if (name == "idle") return "idle between turns";
  if (name.substr(0, 5) == "tool:") return std::string(name.substr(5)) + " tool";
  return std::string(name);
}

}  // namespace

std::string HumanMs(double ms) {
  if (!std::isfinite(ms)) return "-";
  if (ms < 0) return "-" + HumanMs(-ms);
  if (ms < 1) return fmt::format("{:.2f}ms", ms);
  if (ms < 1000) return fmt::format("{:.0f}ms", ms);
  if (ms < 10000) return fmt::format("{:.2f}s", ms / 1000);
  if (ms < 60000) return fmt::format("{:.1f}s", ms / 1000);
  const auto s = static_cast<int64_t>(std::llround(ms / 1000));
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
}

Result<std::string> RenderReport(std::string_view json, const RenderOptions& opt) {
  simdjson::dom::parser parser;
  element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
    return Status::Corruption("the report answer is not JSON");
  }
  simdjson::dom::array agents, tools, waits;
  if (root["agents"]["rows"].get_array().get(agents) != simdjson::SUCCESS ||
      root["tools"]["rows"].get_array().get(tools) != simdjson::SUCCESS ||
      root["permission_waits"]["rows"].get_array().get(waits) != simdjson::SUCCESS) {
    return Status::Corruption("not a report answer (agents, tools, permission_waits)");
  }
  const Painter p{opt.color};
  std::string out;
  const double from = Num(root["window"], "from_ms"), to = Num(root["window"], "to_ms");
  out += p.Bold(fmt::format("agentperf report: {} → {} ({})", query::FormatTimeMicros(int64_t(from) * 1000),
                            query::FormatTimeMicros(int64_t(to) * 1000), HumanMs(to - from)));
  out += "\n\n";
  if (agents.size() == 0) {
    out += "No model steps in this window. Import history (agentperf import opencode), install the plugin\n"
           "(agentperf opencode install) or try a longer window (--since 30d).\n";
    return out;
  }

  // Agents: steps, latency, TTFC, throughput, tokens, cost.
  bool any_estimate = false;
  Table at({"agent", "steps", "errors", "p50", "p90", "p95", "p99", "max", "MAD", "TTFC p50", "tok/s", "turns",
            "steps/turn", "tokens in", "out", "cache hit", "cost", "cost/turn"},
           "lrrrrrrrrrrrrrrrrr");
  std::map<std::string, double> agent_step_ms;
  std::vector<Bottleneck> bottlenecks, from_shares, failures;
  for (element r : agents) {
    const std::string agent = Label(r, "agent");
    const double est = Num(r, "cost_estimated");
    any_estimate |= est > 0;
    element tok = r["tokens"];
    at.Add({agent, Count(Num(r, "count")), p.Rate(Num(r, "error_rate")), HumanMs(Num(r, "p50_ms")),
            HumanMs(Num(r, "p90_ms")), HumanMs(Num(r, "p95_ms")), HumanMs(Num(r, "p99_ms")), HumanMs(Num(r, "max_ms")),
            HumanMs(Num(r, "mad_ms")), HumanMs(Num(r, "ttfc_p50_ms")), Fixed(Num(r, "output_tokens_per_s"), 0), Count(Num(r, "turns")),
            Fixed(Num(r, "steps_per_turn"), 1), Count(Num(tok, "input") + Num(tok, "cache_read")),
            Count(Num(tok, "output") + Num(tok, "reasoning")), Pct(Num(r, "cache_hit_ratio")),
            Cost(Num(r, "cost"), est > 0), Cost(Num(r, "cost_per_turn"), est > 0)});
    agent_step_ms[agent] = Num(r, "total_ms");
    const double model = Num(r, "model_ms"), total = Num(r, "total_ms");
    if (model > 0) {
      // Few steps: the sketch's p95 is an order statistic of a handful; the maximum says more.
      const bool few = Num(r, "count") < 20;
      bottlenecks.push_back({model, fmt::format("{}: model and OpenCode time in steps {} ({} of its step time; {} step "
                                                "{}, TTFC p50 {})",
                                                agent, HumanMs(model), Pct(model / total), few ? "slowest" : "p95",
                                                HumanMs(Num(r, few ? "max_ms" : "p95_ms")),
                                                HumanMs(Num(r, "ttfc_p50_ms")))});
    }
    const double errors = Num(r, "errors");
    if (errors > 0) {
      failures.push_back({Num(r, "mean_ms") * errors,
                             fmt::format("{}: {} of {} steps failed ({})", agent, Count(errors),
                                         Count(Num(r, "count")), Pct(Num(r, "error_rate")))});
    }
  }
  out += p.Bold("Model steps per agent") + p.Dim("  (durations: step wall time incl. its tools)") + "\n";
  out += at.Render(opt.color);
  if (any_estimate) out += p.Dim("* cost estimated from model prices (OpenCode recorded 0; docs/prices.md)") + "\n";
  out += "\n";

  // Tools per agent.
  Table tt({"agent", "tool", "calls", "errors", "p50", "p95", "p99", "total", "of agent's tool time"}, "llrrrrrrr");
  std::map<std::string, double> agent_tool_ms;
  for (element r : tools) agent_tool_ms[Label(r, "agent")] += Num(r, "total_ms");
  for (element r : tools) {
    const std::string agent = Label(r, "agent"), tool = Label(r, "tool");
    const double total = Num(r, "total_ms");
    tt.Add({agent, tool, Count(Num(r, "count")), p.Rate(Num(r, "error_rate")), HumanMs(Num(r, "p50_ms")),
            HumanMs(Num(r, "p95_ms")), HumanMs(Num(r, "p99_ms")), HumanMs(total),
            Pct(agent_tool_ms[agent] > 0 ? total / agent_tool_ms[agent] : kNaN)});
    if (total > 0) {
      bottlenecks.push_back({total, fmt::format("{}: {} {} over {} (p95 {}{})", agent, tool, HumanMs(total),
                                                Plural(Num(r, "count"), "call"), HumanMs(Num(r, "p95_ms")),
                                                Num(r, "errors") > 0 ? fmt::format(", {} failed", Count(Num(r, "errors"))) : "")});
    }
  }
  if (!tt.empty()) {
    out += p.Bold("Tool calls") + p.Dim("  (tool time without permission waits)") + "\n" + tt.Render(opt.color) + "\n";
  }

  // Permission waits.
  Table wt({"agent", "waits", "total", "p50", "p95", "of step time"}, "lrrrrr");
  for (element r : waits) {
    const std::string agent = Label(r, "agent");
    const double total = Num(r, "total_ms");
    const double steps = agent_step_ms.count(agent) ? agent_step_ms[agent] : kNaN;
    wt.Add({agent, Count(Num(r, "count")), HumanMs(total), HumanMs(Num(r, "p50_ms")), HumanMs(Num(r, "p95_ms")),
            Pct(steps > 0 ? total / steps : kNaN)});
    if (total > 0) {
      bottlenecks.push_back({total, fmt::format("{}: waiting for permission {} over {}", agent, HumanMs(total),
                                                Plural(Num(r, "count"), "prompt"))});
    }
  }
  if (!wt.empty()) out += p.Bold("Permission waits") + "\n" + wt.Render(opt.color) + "\n";

  // Where the time went (the decomposition of every turn of the window).
  simdjson::dom::array shares;
  if (root["time_shares"]["agents"].get_array().get(shares) == simdjson::SUCCESS && shares.size() > 0) {
    std::string_view method;
    if (root["time_shares"]["method"].get_string().get(method) != simdjson::SUCCESS) method = "exact";
    out += p.Bold("Where the time went") +
           p.Dim(method == "exact"
                     ? "  (per agent, over its turns; parts add up to the turns' wall time; a subagent's time also "
                       "counts in its parent)"
                     : "  (per agent, from sums of span durations over its turns: parallel work counted once per "
                       "span, shares of the summed time; `agentperf explain` for exact sessions)") +
           "\n";
    Table st({"agent", "turns", "wall", "parallel", "time by category"}, "lrrrl");
    for (element a : shares) {
      std::string_view agent;
      if (a["agent"].get_string().get(agent) != simdjson::SUCCESS) agent = "";
      const double wall_us = Num(a, "wall_us");
      std::string cats;
      simdjson::dom::array list;
      size_t shown = 0;
      double other = 0;
      if (a["categories"].get_array().get(list) == simdjson::SUCCESS) {
        for (element c : list) {
          std::string_view name;
          if (c["name"].get_string().get(name) != simdjson::SUCCESS) continue;
          const double share = Num(c, "share");
          if (shown < 5) {
            cats += fmt::format("{}{} {}", shown ? " · " : "", name, Pct(share));
            ++shown;
          } else {
            other += share;
          }
          const double us = Num(c, "us");
          // A subagent's time is listed under the subagent itself.
          if (us > 0 && share >= 0.05 && name.substr(0, 9) != "subagent:") {
            from_shares.push_back({us / 1000, fmt::format("{}: {} {} ({} of its turn time)", std::string(agent),
                                                          CategoryText(name), HumanMs(us / 1000), Pct(share))});
          }
        }
      }
      if (other > 0) cats += fmt::format(" · other {}", Pct(other));
      const double serial = Num(a, "serial_us");
      st.Add({agent.empty() ? "(none)" : std::string(agent), Count(Num(a, "turns")), HumanMs(wall_us / 1000),
              wall_us > 0 ? fmt::format("{:.2f}x", serial / wall_us) : "-", cats});
    }
    out += st.Render(opt.color) + "\n";
  }

  // The decomposition, when there is one, says more than the baselines' sums.
  if (!from_shares.empty()) bottlenecks = std::move(from_shares);
  bottlenecks.insert(bottlenecks.end(), failures.begin(), failures.end());
  std::stable_sort(bottlenecks.begin(), bottlenecks.end(),
                   [](const Bottleneck& a, const Bottleneck& b) { return a.ms > b.ms; });
  out += p.Bold("Top bottlenecks") + p.Dim("  (by time spent)") + "\n";
  for (size_t i = 0; i < bottlenecks.size() && i < 5; ++i) out += fmt::format("{:>2}. {}\n", i + 1, bottlenecks[i].text);
  return out;
}

namespace {

std::string SignedMs(double ms) {
  if (!std::isfinite(ms)) return "-";
  return (ms >= 0 ? "+" : "-") + HumanMs(std::fabs(ms));
}

std::string PValue(double p) {
  if (!std::isfinite(p)) return "-";
  return p < 1e-4 ? fmt::format("{:.1e}", p) : fmt::format("{:.4f}", p);
}

// USD with 4 significant digits, trailing zeros dropped: "$0.0123", "$1.235",
// "$1235"; with_sign: "+$0.0123", "-$0.0005".
std::string Usd(double v, bool with_sign) {
  if (!std::isfinite(v)) return "-";
  const double a = std::fabs(v);
  std::string digits = "0";
  if (a > 0) {
    const int magnitude = static_cast<int>(std::floor(std::log10(a)));
    const int decimals = std::clamp(3 - magnitude, 0, 12);
    digits = fmt::format("{:.{}f}", a, decimals);
    if (digits.find('.') != std::string::npos) {
      while (digits.back() == '0') digits.pop_back();
      if (digits.back() == '.') digits.pop_back();
    }
  }
  const char* sign = with_sign ? (v < 0 ? "-" : "+") : (v < 0 ? "-" : "");
  return fmt::format("{}${}", sign, digits);
}

// A share of the change: may be negative (a value that worked against it) or above 100 %.
std::string SharePct(double f) {
  if (!std::isfinite(f)) return "-";
  return fmt::format("{:.1f}%", f * 100);
}

// How one compare answer's numbers read, by its "unit": ms, USD, tokens or
// fraction (an error rate: percentages, changes in percentage points).
struct CompareUnit {
  std::string unit;
  std::string Value(double v) const {
    if (!std::isfinite(v)) return "-";
    if (unit == "USD") return Usd(v, false);
    if (unit == "tokens") return fmt::format("{:.1f}", v);
    if (unit == "fraction") return fmt::format("{:.1f}%", v * 100);
    return HumanMs(v);
  }
  std::string Change(double v) const {
    if (!std::isfinite(v)) return "-";
    if (unit == "USD") return Usd(v, true);
    if (unit == "tokens") return fmt::format("{:+.1f}", v);
    if (unit == "fraction") return fmt::format("{:+.1f} pp", v * 100);
    return SignedMs(v);
  }
  // After tends to be larger / smaller: "slower after", "cheaper after", ...
  std::string_view Verdict(bool larger) const {
    if (unit == "USD") return larger ? "more expensive after" : "cheaper after";
    if (unit == "tokens") return larger ? "more tokens after" : "fewer tokens after";
    if (unit == "fraction") return larger ? "more errors after" : "fewer errors after";
    return larger ? "slower after" : "faster after";
  }
  // What happened to a value's spans: "got slower", "failed more often", ...
  std::string_view Moved(bool up) const {
    if (unit == "USD") return up ? "got more expensive" : "got cheaper";
    if (unit == "tokens") return up ? "used more tokens" : "used fewer tokens";
    if (unit == "fraction") return up ? "failed more often" : "failed less often";
    return up ? "got slower" : "got faster";
  }
  std::string_view MeanWord() const { return unit == "fraction" ? "error rate" : "mean"; }
};

}  // namespace

Result<std::string> RenderCompare(std::string_view json, const RenderOptions& opt) {
  simdjson::dom::parser parser;
  element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
    return Status::Corruption("the compare answer is not JSON");
  }
  element before, after, change;
  simdjson::dom::array explained;
  if (root["before"].get(before) != simdjson::SUCCESS || root["after"].get(after) != simdjson::SUCCESS ||
      root["change"].get(change) != simdjson::SUCCESS || root["explained"].get_array().get(explained) != simdjson::SUCCESS) {
    return Status::Corruption("not a compare answer (before, after, change, explained)");
  }
  const Painter p{opt.color};
  std::string_view kind, metric, unit_name;
  if (root["kind"].get_string().get(kind) != simdjson::SUCCESS) kind = "?";
  if (root["metric"].get_string().get(metric) != simdjson::SUCCESS) metric = "duration_ms";
  if (root["unit"].get_string().get(unit_name) != simdjson::SUCCESS) unit_name = "ms";
  const CompareUnit u{std::string(unit_name)};
  std::string out = p.Bold(fmt::format("agentperf compare: {} {}", kind, metric)) + "\n";
  auto when = [](element w) {
    return fmt::format("{} → {}", query::FormatTimeMicros(int64_t(Num(w, "from_ms")) * 1000),
                       query::FormatTimeMicros(int64_t(Num(w, "to_ms")) * 1000));
  };
  out += fmt::format("before: {}\nafter:  {}\n\n", when(before), when(after));
  const double mb = Num(before, "mean"), ma = Num(after, "mean");
  Table t({"", "before", "after", "change"}, "lrrr");
  t.Add({"spans", Count(Num(before, "count")), Count(Num(after, "count")), ""});
  t.Add({"mean", u.Value(mb), u.Value(ma),
         fmt::format("{} ({})", u.Change(ma - mb), mb > 0 ? fmt::format("{:+.1f}%", (ma / mb - 1) * 100) : "-")});
  element sig;
  const bool has_sig = change["significance"].get(sig) == simdjson::SUCCESS && sig.is_object();
  auto ci = [&](const char* key) -> std::string {
    simdjson::dom::array a;
    if (change[key].get_array().get(a) != simdjson::SUCCESS || a.size() != 2) return "";
    double lo, hi;
    if (a.at(0).get_double().get(lo) != simdjson::SUCCESS || a.at(1).get_double().get(hi) != simdjson::SUCCESS) return "";
    return fmt::format(", 95% CI [{}, {}]", u.Change(lo), u.Change(hi));
  };
  if (u.unit != "fraction") {  // no quantiles of 0/1 values
    t.Add({"p50", u.Value(Num(before, "p50")), u.Value(Num(after, "p50")),
           u.Change(Num(change, "p50")) + ci("p50_change_ci95")});
    t.Add({"p95", u.Value(Num(before, "p95")), u.Value(Num(after, "p95")),
           u.Change(Num(change, "p95")) + ci("p95_change_ci95")});
  }
  out += t.Render(opt.color);
  bool significant = false;
  if (has_sig) {
    const double pv = Num(sig, "p_value"), effect = Num(sig, "effect");
    significant = pv < 0.01;
    std::string verdict = significant ? std::string(u.Verdict(effect > 0)) : "no significant shift";
    out += fmt::format("Mann-Whitney U on {} / {} sampled spans: p = {}, effect {:+.2f} → {}\n",
                       Count(Num(sig, "n_before")), Count(Num(sig, "n_after")), PValue(pv), effect,
                       significant ? (effect > 0 ? p.Red(verdict) : p.Bold(verdict)) : verdict);
  } else {
    out += "Not enough spans in one of the windows to test the change.\n";
  }
  out += "\n" + p.Bold(fmt::format("What explains the change of the mean ({})", u.Change(ma - mb))) +
         p.Dim("  (contribution = mix: its share of spans moved + rate: its own mean moved)") + "\n";
  Table e({"dimension", "value", "share", "contribution", "mix", "rate", "mean before", "after", "p (MW)"},
          "llrrrrrrr");
  // The headline: a value carrying at least half of the change through its
  // own rate, significantly; failing that, one carrying it through its share
  // of spans (mix: more spans went to a slower, costlier... value).
  std::string headline, mix_headline;
  double best = 0, best_mix = 0;
  for (element d : explained) {
    std::string_view dim;
    if (d["dimension"].get_string().get(dim) != simdjson::SUCCESS) continue;
    simdjson::dom::array values;
    if (d["values"].get_array().get(values) != simdjson::SUCCESS) continue;
    for (element v : values) {
      std::string_view value;
      if (v["value"].get_string().get(value) != simdjson::SUCCESS) continue;
      element vs;
      const double vp = v["significance"].get(vs) == simdjson::SUCCESS && vs.is_object() ? Num(vs, "p_value") : NAN;
      const double share = Num(v, "share");
      const double rate = Num(v, "rate"), mix = Num(v, "mix");
      const double mean_before = Num(v, "mean_before"), mean_after = Num(v, "mean_after");
      // A value absent from a window has no mean there (the contribution
      // split borrows the other window's, so that its effect is all mix).
      e.Add({std::string(dim), value.empty() ? "(none)" : std::string(value), SharePct(share),
             u.Change(Num(v, "contribution")), u.Change(mix), u.Change(rate),
             Num(v, "weight_before") > 0 ? u.Value(mean_before) : "-",
             Num(v, "weight_after") > 0 ? u.Value(mean_after) : "-", PValue(vp)});
      if (value.empty() || !(share >= 0.5)) continue;
      if (vp < 0.01 && std::fabs(rate) > std::fabs(mix) && share > best) {
        best = share;
        headline =
            fmt::format("{} {}'s spans {}: {} {} → {}, {} of the change; its share of spans {} ({} mix).", dim, value,
                        u.Moved(rate > 0), u.MeanWord(), u.Value(mean_before), u.Value(mean_after), SharePct(share),
                        std::fabs(mix) < 0.1 * std::fabs(rate) ? "barely moved" : "moved too", u.Change(mix));
      } else if (std::fabs(mix) > std::fabs(rate) && share > best_mix) {
        best_mix = share;
        const double wb = Num(v, "weight_before"), wa = Num(v, "weight_after");
        mix_headline = fmt::format(
            "{} {} went from {} to {} of the spans ({} {} against {} overall before), {} of the change ({} mix, {} "
            "rate).",
            dim, value, Pct(wb), Pct(wa), u.MeanWord(), u.Value(mean_before), u.Value(mb), SharePct(share),
            u.Change(mix), u.Change(rate));
      }
    }
  }
  out += e.Render(opt.color);
  out += "\n";
  if (headline.empty()) headline = mix_headline;
  if (!headline.empty() && significant) {
    out += p.Bold("Likely cause: ") + headline + "\n";
  } else if (significant) {
    out += "No single value carries most of the change; see the table.\n";
  }
  return out;
}

namespace {

std::string Str(element e, std::string_view key) {
  std::string_view v;
  return e[key].get_string().get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
}

// The endpoint's answer under `key` of {"window":..,key:{..}}, and the window line.
Status Unwrap(std::string_view json, simdjson::dom::parser* parser, std::string_view key, element* inner,
              std::string* window) {
  element root;
  if (parser->parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
    return Status::Corruption(fmt::format("the {} answer is not JSON", key));
  }
  element w;
  if (root[key].get(*inner) != simdjson::SUCCESS || root["window"].get(w) != simdjson::SUCCESS) {
    return Status::Corruption(fmt::format("not a {} answer (window, {})", key, key));
  }
  *window = fmt::format("{} → {}", query::FormatTimeMicros(int64_t(Num(w, "from_ms")) * 1000),
                        query::FormatTimeMicros(int64_t(Num(w, "to_ms")) * 1000));
  return Status::OK();
}

}  // namespace

Result<std::string> RenderOutliers(std::string_view json, const RenderOptions& opt) {
  simdjson::dom::parser parser;
  element r;
  std::string window;
  AP_RETURN_IF_ERROR(Unwrap(json, &parser, "outliers", &r, &window));
  simdjson::dom::array groups, sessions;
  if (r["groups"].get_array().get(groups) != simdjson::SUCCESS ||
      r["sessions"].get_array().get(sessions) != simdjson::SUCCESS) {
    return Status::Corruption("not an outliers answer (groups, sessions)");
  }
  const Painter p{opt.color};
  std::string out = p.Bold(fmt::format("agentperf outliers: spans slower than their group's median by more than "
                                       "{} robust standard deviations",
                                       Fixed(Num(r, "threshold"), 1))) +
                    "\n" + p.Dim("(modified z = (duration - median) / (1.4826 MAD), per kind x agent, x tool for tools)") +
                    "\nwindow: " + window + "\n\n";
  Table t({"kind", "agent", "tool", "spans", "median", "MAD", "outliers", "slowest", "z", "× median", "session"},
          "lllrrrrrrrl");
  for (element g : groups) {
    simdjson::dom::array spans;
    element top;
    const bool has_top = g["spans"].get_array().get(spans) == simdjson::SUCCESS && spans.size() > 0 &&
                         spans.at(0).get(top) == simdjson::SUCCESS;
    const double outliers = Num(g, "outliers");
    t.Add({Str(g, "kind"), Str(g, "agent").empty() ? "(none)" : Str(g, "agent"), Str(g, "tool"), Count(Num(g, "count")),
           HumanMs(Num(g, "median_ms")), HumanMs(Num(g, "mad_ms")),
           outliers / std::max(1.0, Num(g, "count")) >= 0.05 ? p.Red(Count(outliers)) : p.Yellow(Count(outliers)),
           has_top ? HumanMs(Num(top, "duration_ms")) : "-", has_top ? Fixed(Num(top, "z"), 1) : "-",
           has_top ? Fixed(Num(top, "x_median"), 1) : "-", has_top ? Str(top, "session_id") : ""});
  }
  out += t.empty() ? "No outliers: every span is within the threshold of its group.\n" : t.Render(opt.color);
  out += p.Dim(fmt::format("{} groups examined, {} spans read", Count(Num(r, "groups_examined")),
                           Count(Num(r["source"], "spans_read")))) +
         "\n";
  if (sessions.size() > 0) {
    out += "\n" + p.Bold("Sessions with the most outlying spans") + p.Dim("  (agentperf explain SESSION)") + "\n";
    Table s({"session", "agent", "outlying spans", "max z"}, "llrr");
    for (element x : sessions) {
      s.Add({Str(x, "session_id"), Str(x, "agent"), Count(Num(x, "outlying_spans")), Fixed(Num(x, "max_z"), 1)});
    }
    out += s.Render(opt.color);
  }
  return out;
}

Result<std::string> RenderCorrelations(std::string_view json, const RenderOptions& opt) {
  simdjson::dom::parser parser;
  element r;
  std::string window;
  AP_RETURN_IF_ERROR(Unwrap(json, &parser, "correlations", &r, &window));
  simdjson::dom::array findings;
  if (r["findings"].get_array().get(findings) != simdjson::SUCCESS) {
    return Status::Corruption("not a correlations answer (findings)");
  }
  const Painter p{opt.color};
  std::string out = p.Bold("agentperf correlations: what durations go with") + "\n" +
                    p.Dim(fmt::format("(Spearman rank correlation; reported when the Benjamini-Hochberg q < {} and "
                                      "|rho| >= {})",
                                      Num(r, "alpha"), Num(r, "min_effect"))) +
                    "\nwindow: " + window + "\n\n";
  Table t({"kind", "agent", "model / tool", "duration of", "grows with", "n", "rho", "q", "strength", "slope"},
          "llllrrrrlr");
  for (element f : findings) {
    const std::string group = !Str(f, "tool").empty() ? Str(f, "tool") : Str(f, "model");
    const double rho = Num(f, "rho");
    t.Add({Str(f, "kind"), Str(f, "agent"), group, Str(f, "y"), Str(f, "x"), Count(Num(f, "n")),
           fmt::format("{:+.2f}", rho), PValue(Num(f, "q_value")),
           Str(f, "strength") == "strong" ? p.Red(Str(f, "strength")) : Str(f, "strength"),
           fmt::format("{:+.3g} {}", Num(f, "slope"), Str(f, "slope_unit"))});
  }
  out += t.empty() ? "No significant correlation large enough to matter.\n" : t.Render(opt.color);
  out += p.Dim(fmt::format("{} tested, {} not significant or too weak, {} with too few points",
                           Plural(Num(r, "tested"), "pair"), Count(Num(r, "not_significant")), Count(Num(r, "too_few")))) +
         "\n";
  return out;
}

}  // namespace agentperf::cli

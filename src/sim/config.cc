#include "sim/config.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <cmath>
#include <fstream>
#include <sstream>

namespace agentperf::sim {

namespace {

namespace dom = simdjson::dom;

// By value: a range-for over `x.get_array().value_unsafe()` would iterate a
// reference into a destroyed temporary.
dom::array AsArray(dom::element e) {
  return e.get_array().value_unsafe();
}
dom::object AsObject(dom::element e) {
  return e.get_object().value_unsafe();
}

Status Bad(std::string_view path, std::string_view what) {
  return Status::InvalidArgument(fmt::format("{}: {}", path, what));
}

Result<double> Number(dom::element v, std::string_view path) {
  if (!v.is_number()) return Bad(path, "must be a number");
  double d = v.get_double().value_unsafe();
  if (!std::isfinite(d)) return Bad(path, "must be finite");
  return d;
}

Result<int64_t> Integer(dom::element v, std::string_view path) {
  if (v.is_int64()) return v.get_int64().value_unsafe();
  if (v.is_uint64()) return Bad(path, "is too large");
  return Bad(path, "must be an integer");
}

Result<std::string> String(dom::element v, std::string_view path) {
  if (!v.is_string()) return Bad(path, "must be a string");
  return std::string(v.get_string().value_unsafe());
}

Result<double> Rate(dom::element v, std::string_view path) {
  AP_ASSIGN_OR_RETURN(double r, Number(v, path));
  if (r < 0 || r > 1) return Bad(path, "must be between 0 and 1");
  return r;
}

Result<Distribution> ParseDistribution(dom::element v, const std::string& path) {
  if (v.is_number()) {
    AP_ASSIGN_OR_RETURN(double x, Number(v, path));
    Distribution d = Distribution::Fixed(x);
    Status st = d.Validate();
    if (!st.ok()) return Bad(path, st.message());
    return d;
  }
  if (!v.is_object()) return Bad(path, "must be a number or an object {\"dist\": ...}");
  Distribution d;
  std::string kind;
  bool have_min = false, have_max = false;
  double mn = 0, mx = 0;
  struct Param {
    const char* name;
    double value;
    bool set;
  };
  Param params[] = {{"value", 0, false}, {"mean", 0, false}, {"sd", 0, false}, {"median", 0, false}, {"p95", 0, false}};
  for (auto [k, x] : AsObject(v)) {
    const std::string field = fmt::format("{}.{}", path, k);
    if (k == "dist") {
      AP_ASSIGN_OR_RETURN(kind, String(x, field));
      continue;
    }
    if (k == "min" || k == "max") {
      AP_ASSIGN_OR_RETURN(double n, Number(x, field));
      (k == "min" ? have_min : have_max) = true;
      (k == "min" ? mn : mx) = n;
      continue;
    }
    bool known = false;
    for (auto& p : params) {
      if (k == p.name) {
        AP_ASSIGN_OR_RETURN(p.value, Number(x, field));
        p.set = known = true;
      }
    }
    if (!known) return Bad(field, "unknown key (expected dist, value, mean, sd, median, p95, min, max)");
  }
  auto need = [&](const char* name) -> Result<double> {
    for (auto& p : params) {
      if (std::string_view(p.name) == name) {
        if (!p.set) return Bad(path, fmt::format("\"{}\" needs \"{}\"", kind, name));
        return p.value;
      }
    }
    return Bad(path, "internal: unknown parameter");
  };
  if (kind == "fixed") {
    d.kind = Distribution::Kind::kFixed;
    AP_ASSIGN_OR_RETURN(d.a, need("value"));
  } else if (kind == "uniform") {
    d.kind = Distribution::Kind::kUniform;
    if (!have_min || !have_max) return Bad(path, "\"uniform\" needs \"min\" and \"max\"");
    d.a = mn;
    d.b = mx;
  } else if (kind == "normal") {
    d.kind = Distribution::Kind::kNormal;
    AP_ASSIGN_OR_RETURN(d.a, need("mean"));
    AP_ASSIGN_OR_RETURN(d.b, need("sd"));
  } else if (kind == "lognormal") {
    d.kind = Distribution::Kind::kLognormal;
    AP_ASSIGN_OR_RETURN(d.a, need("median"));
    AP_ASSIGN_OR_RETURN(d.b, need("p95"));
  } else if (kind == "exponential") {
    d.kind = Distribution::Kind::kExponential;
    AP_ASSIGN_OR_RETURN(d.a, need("mean"));
  } else if (kind.empty()) {
    return Bad(path, "needs \"dist\" (fixed, uniform, normal, lognormal or exponential)");
  } else {
    return Bad(path, fmt::format("unknown dist \"{}\" (fixed, uniform, normal, lognormal or exponential)", kind));
  }
  if (have_min) d.min = mn;
  if (have_max) d.max = mx;
  Status st = d.Validate();
  if (!st.ok()) return Bad(path, st.message());
  return d;
}

Result<ModelConfig> ParseModel(std::string_view name, dom::element v, const std::string& path) {
  if (!v.is_object()) return Bad(path, "must be an object");
  ModelConfig m;
  m.name = std::string(name);
  for (auto [k, x] : AsObject(v)) {
    const std::string field = fmt::format("{}.{}", path, k);
    if (k == "ttfc_ms") {
      AP_ASSIGN_OR_RETURN(m.ttfc_ms, ParseDistribution(x, field));
    } else if (k == "tokens_per_s") {
      AP_ASSIGN_OR_RETURN(m.tokens_per_s, ParseDistribution(x, field));
    } else if (k == "error_rate") {
      AP_ASSIGN_OR_RETURN(m.error_rate, Rate(x, field));
    } else if (k == "error_status") {
      AP_ASSIGN_OR_RETURN(int64_t s, Integer(x, field));
      if (s < 400 || s > 599) return Bad(field, "must be an HTTP error status (400..599)");
      m.error_status = static_cast<int>(s);
    } else if (k == "rate_limit_rate") {
      AP_ASSIGN_OR_RETURN(m.rate_limit_rate, Rate(x, field));
    } else if (k == "retry_after_ms") {
      AP_ASSIGN_OR_RETURN(m.retry_after_ms, Integer(x, field));
      if (m.retry_after_ms < 0) return Bad(field, "must be >= 0");
    } else if (k == "chars_per_token") {
      AP_ASSIGN_OR_RETURN(m.chars_per_token, Number(x, field));
      if (m.chars_per_token <= 0) return Bad(field, "must be > 0");
    } else if (k == "cache") {
      AP_ASSIGN_OR_RETURN(std::string c, String(x, field));
      if (c != "prefix" && c != "none") return Bad(field, "must be \"prefix\" or \"none\"");
      m.prefix_cache = c == "prefix";
    } else {
      return Bad(field,
                 "unknown key (expected ttfc_ms, tokens_per_s, error_rate, error_status, rate_limit_rate, "
                 "retry_after_ms, chars_per_token, cache)");
    }
  }
  if (m.tokens_per_s.kind == Distribution::Kind::kFixed && m.tokens_per_s.a <= 0) {
    return Bad(path + ".tokens_per_s", "must be > 0");
  }
  return m;
}

Result<ToolCallSpec> ParseTool(dom::element v, const std::string& path) {
  if (!v.is_object()) return Bad(path, "must be an object {\"name\", \"args\"}");
  ToolCallSpec t;
  t.args_json = "{}";
  for (auto [k, x] : AsObject(v)) {
    const std::string field = fmt::format("{}.{}", path, k);
    if (k == "name") {
      AP_ASSIGN_OR_RETURN(t.name, String(x, field));
    } else if (k == "args") {
      if (!x.is_object()) return Bad(field, "must be an object");
      t.args_json = simdjson::minify(x);
    } else {
      return Bad(field, "unknown key (expected name, args)");
    }
  }
  if (t.name.empty()) return Bad(path, "needs a \"name\"");
  return t;
}

Result<StepSpec> ParseStep(dom::element v, const std::string& path) {
  if (!v.is_object()) return Bad(path, "must be an object");
  StepSpec s;
  for (auto [k, x] : AsObject(v)) {
    const std::string field = fmt::format("{}.{}", path, k);
    if (k == "text") {
      AP_ASSIGN_OR_RETURN(s.text, String(x, field));
    } else if (k == "tools") {
      if (!x.is_array()) return Bad(field, "must be an array");
      size_t i = 0;
      for (auto t : AsArray(x)) {
        AP_ASSIGN_OR_RETURN(ToolCallSpec tc, ParseTool(t, fmt::format("{}[{}]", field, i++)));
        s.tools.push_back(std::move(tc));
      }
    } else if (k == "fail") {
      if (!x.is_array()) return Bad(field, "must be an array");
      size_t i = 0;
      for (auto f : AsArray(x)) {
        const std::string fp = fmt::format("{}[{}]", field, i++);
        if (!f.is_object()) return Bad(fp, "must be an object {\"status\", \"attempts\"}");
        FailSpec fs;
        for (auto [fk, fx] : AsObject(f)) {
          const std::string ff = fmt::format("{}.{}", fp, fk);
          if (fk == "status") {
            AP_ASSIGN_OR_RETURN(int64_t st, Integer(fx, ff));
            if (st < 400 || st > 599) return Bad(ff, "must be an HTTP error status (400..599)");
            fs.status = static_cast<int>(st);
          } else if (fk == "attempts") {
            AP_ASSIGN_OR_RETURN(int64_t a, Integer(fx, ff));
            if (a < 1 || a > 1000) return Bad(ff, "must be between 1 and 1000");
            fs.attempts = static_cast<int>(a);
          } else {
            return Bad(ff, "unknown key (expected status, attempts)");
          }
        }
        s.fail.push_back(fs);
      }
    } else if (k == "output_tokens") {
      AP_ASSIGN_OR_RETURN(int64_t n, Integer(x, field));
      if (n < 0) return Bad(field, "must be >= 0");
      s.output_tokens = n;
    } else {
      return Bad(field, "unknown key (expected text, tools, fail, output_tokens)");
    }
  }
  return s;
}

Result<Script> ParseSteps(dom::element v, const std::string& path) {
  if (!v.is_array()) return Bad(path, "must be an array of steps");
  Script sc;
  size_t i = 0;
  for (auto st : AsArray(v)) {
    AP_ASSIGN_OR_RETURN(StepSpec s, ParseStep(st, fmt::format("{}[{}]", path, i++)));
    sc.steps.push_back(std::move(s));
  }
  if (sc.steps.empty()) return Bad(path, "needs at least one step");
  return sc;
}

Result<AgentSpec> ParseAgent(std::string_view name, dom::element v, const std::string& path) {
  if (!v.is_object()) return Bad(path, "must be an object {\"match\", \"steps\"}");
  AgentSpec a;
  a.name = std::string(name);
  bool have_steps = false;
  for (auto [k, x] : AsObject(v)) {
    const std::string field = fmt::format("{}.{}", path, k);
    if (k == "match") {
      AP_ASSIGN_OR_RETURN(a.match, String(x, field));
    } else if (k == "steps") {
      AP_ASSIGN_OR_RETURN(a.script, ParseSteps(x, field));
      have_steps = true;
    } else {
      return Bad(field, "unknown key (expected match, steps)");
    }
  }
  if (a.match.empty()) return Bad(path, "needs a non-empty \"match\" (text that occurs in the agent's system prompt)");
  if (!have_steps) return Bad(path, "needs \"steps\"");
  return a;
}

Result<TriggerSpec> ParseTrigger(dom::element v, const std::string& path) {
  if (!v.is_object()) return Bad(path, "must be an object {\"user_contains\", \"steps\"}");
  TriggerSpec t;
  bool have_steps = false;
  for (auto [k, x] : AsObject(v)) {
    const std::string field = fmt::format("{}.{}", path, k);
    if (k == "user_contains") {
      AP_ASSIGN_OR_RETURN(t.user_contains, String(x, field));
    } else if (k == "agent") {
      AP_ASSIGN_OR_RETURN(t.agent, String(x, field));
    } else if (k == "steps") {
      AP_ASSIGN_OR_RETURN(t.script, ParseSteps(x, field));
      have_steps = true;
    } else {
      return Bad(field, "unknown key (expected user_contains, agent, steps)");
    }
  }
  if (t.user_contains.empty()) return Bad(path, "needs a non-empty \"user_contains\"");
  if (!have_steps) return Bad(path, "needs \"steps\"");
  return t;
}

}  // namespace

const ModelConfig& SimConfig::Model(std::string_view name) const {
  const ModelConfig* star = nullptr;
  for (const auto& m : models) {
    if (m.name == name) return m;
    if (m.name == "*") star = &m;
  }
  if (star != nullptr) return *star;
  static const ModelConfig kDefault = [] {
    ModelConfig m;
    m.name = "*";
    return m;
  }();
  return kDefault;
}

Result<SimConfig> ParseConfig(std::string_view json) {
  dom::parser parser;
  dom::element root;
  auto err = parser.parse(json.data(), json.size()).get(root);
  if (err) return Status::InvalidArgument(fmt::format("config is not valid JSON: {}", simdjson::error_message(err)));
  if (!root.is_object()) return Status::InvalidArgument("config must be a JSON object");
  SimConfig c;
  c.default_script.steps.push_back(StepSpec{"OK", {}, {}, std::nullopt});
  for (auto [k, v] : AsObject(root)) {
    const std::string field(k);
    if (k == "seed") {
      if (v.is_uint64()) {
        c.seed = v.get_uint64().value_unsafe();
      } else if (v.is_int64()) {
        c.seed = static_cast<uint64_t>(v.get_int64().value_unsafe());
      } else {
        return Bad(field, "must be an integer");
      }
    } else if (k == "models") {
      if (!v.is_object()) return Bad(field, "must be an object of models by name");
      for (auto [name, m] : AsObject(v)) {
        AP_ASSIGN_OR_RETURN(ModelConfig mc, ParseModel(name, m, fmt::format("models.{}", name)));
        c.models.push_back(std::move(mc));
      }
    } else if (k == "title") {
      if (!v.is_object()) return Bad(field, "must be an object {\"text\"}");
      for (auto [tk, tv] : AsObject(v)) {
        if (tk != "text") return Bad(fmt::format("title.{}", tk), "unknown key (expected text)");
        AP_ASSIGN_OR_RETURN(c.title_text, String(tv, "title.text"));
      }
    } else if (k == "agents") {
      if (!v.is_object()) return Bad(field, "must be an object of agents by name");
      for (auto [name, a] : AsObject(v)) {
        AP_ASSIGN_OR_RETURN(AgentSpec as, ParseAgent(name, a, fmt::format("agents.{}", name)));
        c.agents.push_back(std::move(as));
      }
    } else if (k == "triggers") {
      if (!v.is_array()) return Bad(field, "must be an array");
      size_t i = 0;
      for (auto t : AsArray(v)) {
        AP_ASSIGN_OR_RETURN(TriggerSpec ts, ParseTrigger(t, fmt::format("triggers[{}]", i++)));
        c.triggers.push_back(std::move(ts));
      }
    } else if (k == "default") {
      if (!v.is_object()) return Bad(field, "must be an object {\"steps\"}");
      for (auto [dk, dv] : AsObject(v)) {
        if (dk != "steps") return Bad(fmt::format("default.{}", dk), "unknown key (expected steps)");
        AP_ASSIGN_OR_RETURN(c.default_script, ParseSteps(dv, "default.steps"));
      }
    } else {
      return Bad(field, "unknown key (expected seed, models, title, agents, triggers, default)");
    }
  }
  return c;
}

Result<SimConfig> LoadConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(fmt::format("cannot open config file {}", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  auto c = ParseConfig(ss.str());
  if (!c.ok()) return c.status().WithContext(path);
  return c;
}

}  // namespace agentperf::sim

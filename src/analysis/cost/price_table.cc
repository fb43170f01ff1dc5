#include "analysis/cost/price_table.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace agentperf::analysis {

namespace {

// USD per million tokens: input, output, cache read, cache write. List prices
// of the providers' public pricing pages as of 2025-08 (docs/prices.md);
// entered by hand, not fetched (this machine has no internet). Override or
// extend them with the user file.
const ModelPrice kBundled[] = {
    {"anthropic", "claude-opus-4", 15.0, 75.0, 1.50, 18.75},
    {"anthropic", "claude-opus-4-1", 15.0, 75.0, 1.50, 18.75},
    {"anthropic", "claude-sonnet-4", 3.0, 15.0, 0.30, 3.75},
    {"anthropic", "claude-sonnet-4-5", 3.0, 15.0, 0.30, 3.75},
    {"anthropic", "claude-3-7-sonnet", 3.0, 15.0, 0.30, 3.75},
    {"anthropic", "claude-3-5-sonnet", 3.0, 15.0, 0.30, 3.75},
    {"anthropic", "claude-3-5-haiku", 0.80, 4.0, 0.08, 1.0},
    {"anthropic", "claude-haiku-4-5", 1.0, 5.0, 0.10, 1.25},
    {"openai", "gpt-4o", 2.50, 10.0, 1.25, 0},
    {"openai", "gpt-4o-mini", 0.15, 0.60, 0.075, 0},
    {"openai", "gpt-4.1", 2.0, 8.0, 0.50, 0},
    {"openai", "gpt-4.1-mini", 0.40, 1.60, 0.10, 0},
    {"openai", "gpt-4.1-nano", 0.10, 0.40, 0.025, 0},
    {"openai", "o3", 2.0, 8.0, 0.50, 0},
    {"openai", "o4-mini", 1.10, 4.40, 0.275, 0},
    {"openai", "gpt-5", 1.25, 10.0, 0.125, 0},
    {"openai", "gpt-5-mini", 0.25, 2.0, 0.025, 0},
    {"openai", "gpt-5-nano", 0.05, 0.40, 0.005, 0},
    {"google", "gemini-2.5-pro", 1.25, 10.0, 0.31, 0},
    {"google", "gemini-2.5-flash", 0.30, 2.50, 0.075, 0},
    {"deepseek", "deepseek-chat", 0.27, 1.10, 0.07, 0},
    {"deepseek", "deepseek-reasoner", 0.55, 2.19, 0.14, 0},
};

std::string_view StripVendor(std::string_view model) {
  size_t slash = model.rfind('/');
  return slash == std::string_view::npos ? model : model.substr(slash + 1);
}

// How well `entry` names `model`: -1 = not at all, else the entry's length.
int MatchLength(std::string_view entry, std::string_view model) {
  if (model == entry) return static_cast<int>(entry.size());
  if (model.size() > entry.size() && model.compare(0, entry.size(), entry) == 0 && model[entry.size()] == '-') {
    return static_cast<int>(entry.size());
  }
  return -1;
}

}  // namespace

std::string_view PriceTable::BundledSource() {
  return "bundled list prices (providers' public pricing pages, 2025-08; docs/prices.md)";
}

PriceTable PriceTable::Bundled() {
  PriceTable t;
  for (const ModelPrice& p : kBundled) t.entries_.push_back(p);
  return t;
}

std::string PriceTable::DefaultUserFile() {
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x != nullptr && *x != '\0') {
    return std::string(x) + "/agentperf/prices.json";
  }
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : ".") + "/.config/agentperf/prices.json";
}

Result<PriceTable> PriceTable::WithUserFile(const std::string& path) {
  PriceTable t = Bundled();
  std::ifstream in(path, std::ios::binary);
  if (!in) return t;
  std::stringstream ss;
  ss << in.rdbuf();
  Status st = t.AddJson(ss.str());
  if (!st.ok()) return Status::InvalidArgument(fmt::format("{}: {}", path, st.message()));
  return t;
}

Status PriceTable::AddJson(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
    return Status::InvalidArgument("not valid JSON");
  }
  simdjson::dom::array models;
  if (root["models"].get_array().get(models) != simdjson::SUCCESS) {
    return Status::InvalidArgument("expected {\"models\": [...]}");
  }
  std::vector<ModelPrice> added;
  size_t i = 0;
  for (simdjson::dom::element m : models) {
    ModelPrice p;
    std::string_view s;
    if (m["model"].get_string().get(s) != simdjson::SUCCESS || s.empty()) {
      return Status::InvalidArgument(fmt::format("models[{}]: \"model\" (a non-empty string) is required", i));
    }
    p.model = std::string(s);
    if (m["provider"].get_string().get(s) == simdjson::SUCCESS) p.provider = std::string(s);
    struct {
      const char* key;
      double* dst;
    } fields[] = {{"input", &p.input}, {"output", &p.output}, {"cache_read", &p.cache_read},
                  {"cache_write", &p.cache_write}};
    for (auto& f : fields) {
      simdjson::dom::element v;
      if (m[f.key].get(v) != simdjson::SUCCESS) continue;
      double d = 0;
      if (v.is_int64()) {
        d = static_cast<double>(int64_t(v));
      } else if (v.get_double().get(d) != simdjson::SUCCESS) {
        return Status::InvalidArgument(fmt::format("models[{}].{}: expected a number", i, f.key));
      }
      if (!(d >= 0)) return Status::InvalidArgument(fmt::format("models[{}].{}: must be >= 0", i, f.key));
      *f.dst = d;
    }
    added.push_back(std::move(p));
    ++i;
  }
  entries_.insert(entries_.begin(), added.begin(), added.end());
  return Status::OK();
}

const ModelPrice* PriceTable::Find(std::string_view provider, std::string_view model) const {
  model = StripVendor(model);
  const ModelPrice* best = nullptr;
  int best_len = -1;
  bool best_provider = false;
  for (const ModelPrice& p : entries_) {
    if (!p.provider.empty() && p.provider != provider) continue;  // tried below
    int len = MatchLength(p.model, model);
    if (len < 0) continue;
    bool with_provider = !p.provider.empty();
    if (len > best_len || (len == best_len && with_provider && !best_provider)) {
      best = &p;
      best_len = len;
      best_provider = with_provider;
    }
  }
  if (best != nullptr) return best;
  // No entry for this provider: the model name alone (a router such as
  // openrouter with "anthropic/claude-sonnet-4", or an unusual provider id).
  for (const ModelPrice& p : entries_) {
    int len = MatchLength(p.model, model);
    if (len > best_len) {
      best = &p;
      best_len = len;
    }
  }
  return best;
}

std::optional<double> PriceTable::Estimate(std::string_view provider, std::string_view model,
                                           const TokenCounts& t) const {
  const ModelPrice* p = Find(provider, model);
  if (p == nullptr) return std::nullopt;
  return (t.input * p->input + (t.output + t.reasoning) * p->output + t.cache_read * p->cache_read +
          t.cache_write * p->cache_write) /
         1e6;
}

}  // namespace agentperf::analysis

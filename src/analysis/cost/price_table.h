// PriceTable: model prices in USD per million tokens, for filling in the cost
// of LLM calls that were recorded with cost 0 (OpenCode records 0 when its
// model config has no price). The bundled table (price_table.cc, sources and
// date in docs/prices.md) can be extended or overridden by a user file with
// the same schema:
//
//   {"models": [{"provider": "anthropic", "model": "claude-sonnet-4",
//                "input": 3.0, "output": 15.0, "cache_read": 0.3, "cache_write": 3.75}]}
//
// "provider" is optional (any provider). A model id matches an entry when the
// id, after dropping a "vendor/" prefix (OpenRouter style), equals the entry's
// model or starts with it followed by '-' (dated ids: claude-sonnet-4-20250514);
// the longest match wins, and an entry with a matching provider beats one
// without. User entries come before bundled ones of the same specificity.
//
// Thread-safety: immutable after construction; const methods are safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace agentperf::analysis {

struct ModelPrice {
  std::string provider;  // empty = any
  std::string model;
  double input = 0, output = 0, cache_read = 0, cache_write = 0;  // USD per 1M tokens
};

struct TokenCounts {
  double input = 0, output = 0, reasoning = 0, cache_read = 0, cache_write = 0;
};

class PriceTable {
 public:
  // The bundled prices only.
  static PriceTable Bundled();
  // Bundled plus the entries of a user file (they win). A missing file is not an error.
  static Result<PriceTable> WithUserFile(const std::string& path);
  // $XDG_CONFIG_HOME/agentperf/prices.json, else ~/.config/agentperf/prices.json.
  static std::string DefaultUserFile();
  // An empty table (tests).
  PriceTable() = default;

  // Adds entries from the JSON text above, ahead of those already present.
  Status AddJson(std::string_view json);

  const ModelPrice* Find(std::string_view provider, std::string_view model) const;
  // Estimated USD for these tokens (reasoning tokens are billed as output), or
  // nullopt when the model is unknown.
  std::optional<double> Estimate(std::string_view provider, std::string_view model, const TokenCounts& t) const;

  const std::vector<ModelPrice>& entries() const { return entries_; }
  // Where the bundled prices come from (shown in reports).
  static std::string_view BundledSource();

 private:
  std::vector<ModelPrice> entries_;  // user entries first
};

}  // namespace agentperf::analysis

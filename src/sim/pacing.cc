#include "sim/pacing.h"

#include <algorithm>

namespace agentperf::sim {

namespace {
bool IsSpace(char c) {
  return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}
}  // namespace

std::vector<std::string> SplitWords(std::string_view text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = i;
    while (j < text.size() && IsSpace(text[j]) && out.empty()) ++j;  // leading whitespace
    while (j < text.size() && !IsSpace(text[j])) ++j;
    while (j < text.size() && IsSpace(text[j])) ++j;
    out.emplace_back(text.substr(i, j - i));
    i = j;
  }
  return out;
}

std::vector<std::string> SplitBytes(std::string_view s, size_t bytes) {
  std::vector<std::string> out;
  if (bytes == 0) bytes = 1;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = std::min(s.size(), i + bytes);
    // Never end a piece inside a UTF-8 sequence (continuation bytes are 10xxxxxx).
    while (j < s.size() && (static_cast<unsigned char>(s[j]) & 0xC0) == 0x80) ++j;
    out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

std::vector<Emission> Pace(const ResponsePlan& plan, double min_gap_ms) {
  // The output units in order; a tool call's start goes with its first argument piece.
  struct Unit {
    std::vector<Piece> pieces;
  };
  std::vector<Unit> units;
  for (auto& w : SplitWords(plan.text)) units.push_back(Unit{{Piece{Piece::Kind::kText, 0, std::move(w)}}});
  for (size_t t = 0; t < plan.tool_calls.size(); ++t) {
    const int ti = static_cast<int>(t);
    auto args = SplitBytes(plan.tool_calls[t].args_json, 4);
    if (args.empty()) args.emplace_back();
    for (size_t k = 0; k < args.size(); ++k) {
      Unit u;
      if (k == 0) u.pieces.push_back(Piece{Piece::Kind::kToolStart, ti, {}});
      if (!args[k].empty()) u.pieces.push_back(Piece{Piece::Kind::kToolArgs, ti, std::move(args[k])});
      units.push_back(std::move(u));
    }
  }
  const double ttfc = std::max(0.0, plan.ttfc_ms);
  const double gen = std::max(0.0, plan.GenerationMs());
  std::vector<Emission> out;
  out.push_back(Emission{ttfc, {Piece{Piece::Kind::kRole, 0, {}}}, false});
  const size_t n = units.size();
  for (size_t k = 0; k < n; ++k) {
    const double due = ttfc + gen * static_cast<double>(k + 1) / static_cast<double>(n);
    Emission& cur = out.back();
    if (due > cur.at_ms) {
      out.push_back(Emission{std::max(due, cur.at_ms + min_gap_ms), {}, false});
    }
    auto& dst = out.back().pieces;
    for (auto& p : units[k].pieces) dst.push_back(std::move(p));
  }
  if (n == 0 && gen > 0) out.push_back(Emission{ttfc + std::max(gen, min_gap_ms), {}, false});
  out.back().last = true;
  return out;
}

}  // namespace agentperf::sim

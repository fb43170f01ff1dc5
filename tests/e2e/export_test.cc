// `agentperf export`: every stored event comes back whole, in the ingest
// schema with its stable id, from the WAL and from column segments; the
// output ingests again unchanged (ids preserved).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "testing/events.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace agentperf::e2e {
namespace {

using testing::AgentperfBin;
using testing::EventJson;
using testing::ProcessResult;

ProcessResult Agentperf(std::vector<std::string> args) {
  args.insert(args.begin(), AgentperfBin());
  return testing::RunProcess(args, "", {"AGENTPERF_LOG=warn"});
}

// An event as a flat map: "tokens.input" -> "163", "attrs.finish" -> "\"stop\"".
// Numbers are normalised (1000 and 1000.0 are equal).
using Flat = std::map<std::string, std::string>;

void FlattenInto(simdjson::dom::element v, const std::string& prefix, Flat* out) {
  switch (v.type()) {
    case simdjson::dom::element_type::OBJECT:
      for (auto [k, x] : v.get_object())
        FlattenInto(x, prefix.empty() ? std::string(k) : prefix + "." + std::string(k), out);
      break;
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE:
      (*out)[prefix] = fmt::format("{}", double(v.get_double()));
      break;
    default:
      (*out)[prefix] = simdjson::minify(v);
  }
}

Flat Flatten(const std::string& json) {
  simdjson::dom::parser p;
  Flat f;
  FlattenInto(p.parse(json), "", &f);
  return f;
}

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

// A mix of everything the schema has: every kind, statuses, labels, ids,
// tokens, floats, attributes of each type, and the three id rules.
std::vector<std::string> SampleEvents() {
  std::vector<std::string> ev;
  const char* kinds[] = {"session", "turn", "llm_call", "tool_call", "permission_wait", "retry", "compaction"};
  for (int i = 0; i < 40; ++i) {
    EventJson e;
    e.Set("kind", kinds[i % 7])
        .Set("start_ms", testing::kBaseMs + int64_t{i} * 60000)
        .Remove("duration_ms")
        .Set("end_ms", testing::kBaseMs + int64_t{i} * 60000 + 250 + i)
        .Set("session_id", fmt::format("ses_{}", i % 3))
        .Set("span_id", fmt::format("span-{}", i))
        .Set("agent", i % 2 ? "coder" : "tester")
        .Set("source", "import");
    if (i % 3 == 0) e.Set("status", "error").Set("error_class", "tool_error");
    if (i % 4 == 0) e.Set("message_id", fmt::format("msg_{}", i)).Set("parent_span_id", fmt::format("p{}", i));
    if (i % 5 == 0) e.Set("parent_session_id", "ses_root").Set("tool", "bash");
    if (i % 2 == 0) {
      e.Set("model", "mock-model").Set("provider", "mock").Set("cost", 0.0002352 * i).Set("ttfc_ms", 12.5);
      e.Raw("tokens",
            fmt::format(R"({{"input":{},"output":28,"reasoning":0,"cache_read":162,"cache_write":3}})", 100 + i));
    }
    if (i % 3 == 1) e.Raw("attrs", fmt::format(R"({{"finish":"tool-calls","tools_ms":{},"auto":true}})", i * 10));
    ev.push_back(e.Str());
  }
  // Rule 1 (explicit id) and rule 3 (content id, no span_id).
  ev.push_back(EventJson().Set("id", "client-id-7").Set("kind", "tool_call").Set("tool", "read").Str());
  ev.push_back(EventJson()
                   .Set("kind", "sample")
                   .Remove("duration_ms")
                   .Set("end_ms", testing::kBaseMs + 1000)
                   .Set("cpu_s", 0.75)
                   .Set("rss_bytes", int64_t{123456789})
                   .Set("io_read_bytes", int64_t{4096})
                   .Set("io_write_bytes", int64_t{0})
                   .Str());
  return ev;
}

void WriteFile(const std::string& path, const std::string& s) {
  std::ofstream(path, std::ios::binary) << s;
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(Export, ReturnsEveryStoredEventWholeWithItsId) {
  testing::TempDir dir;
  const std::string data = dir.Sub("data");
  const auto input = SampleEvents();
  WriteFile(dir.Sub("in.ndjson"), testing::Ndjson(input));
  ASSERT_EQ(Agentperf({"ingest", "--data", data, dir.Sub("in.ndjson")}).exit_code, 0);

  auto out = Agentperf({"export", "--data", data});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  auto lines = Lines(out.out);
  ASSERT_EQ(lines.size(), input.size());
  // Match each exported record to its input by span_id (or the other ids),
  // then compare field by field: the input's fields plus "id" and nothing else.
  std::map<std::string, Flat> by_key;
  for (const auto& l : lines) {
    Flat f = Flatten(l);
    ASSERT_EQ(f.count("id"), 1u) << l;
    EXPECT_EQ(f["id"].rfind("\"ap1:", 0), 0u) << l;
    std::string key = f.count("span_id") ? f["span_id"] : f.count("tool") ? f["tool"] : f["kind"];
    by_key[key] = f;
  }
  ASSERT_EQ(by_key.size(), input.size());
  for (const auto& in : input) {
    Flat want = Flatten(in);
    std::string key = want.count("span_id") ? want["span_id"] : want.count("tool") ? want["tool"] : want["kind"];
    ASSERT_EQ(by_key.count(key), 1u) << in;
    Flat got = by_key[key];
    got.erase("id");
    want.erase("id");
    if (want.count("duration_ms")) {
      want["end_ms"] = fmt::format("{}", std::stod(want["start_ms"]) + std::stod(want["duration_ms"]));
      want.erase("duration_ms");
    }
    EXPECT_EQ(got, want) << in;
  }
}

TEST(Export, RoundTripsThroughIngestAndReadsSegments) {
  testing::TempDir dir;
  const std::string a = dir.Sub("a"), b = dir.Sub("b");
  WriteFile(dir.Sub("in.ndjson"), testing::Ndjson(SampleEvents()));
  ASSERT_EQ(Agentperf({"ingest", "--data", a, dir.Sub("in.ndjson")}).exit_code, 0);
  auto first = Agentperf({"export", "--data", a});
  ASSERT_EQ(first.exit_code, 0) << first.err;

  // Ingesting the export elsewhere keeps every id: the second export is identical.
  WriteFile(dir.Sub("export.ndjson"), first.out);
  auto again = Agentperf({"ingest", "--data", b, "--json", dir.Sub("export.ndjson")});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  auto second = Agentperf({"export", "--data", b});
  ASSERT_EQ(second.exit_code, 0);
  EXPECT_EQ(Sorted(Lines(second.out)), Sorted(Lines(first.out)));
  // Ingesting it into the original store adds nothing.
  auto dup = Agentperf({"ingest", "--data", a, "--json", dir.Sub("export.ndjson")});
  EXPECT_NE(dup.out.find("\"accepted\":0"), std::string::npos) << dup.out;

  // Flushed into column segments (an import ends with a flush; an empty
  // legacy tree imports nothing), the export is still the same.
  std::filesystem::create_directories(dir.Sub("storage/session"));
  auto imp = Agentperf({"import", "opencode", "--storage", dir.Sub("storage"), "--data", a, "--quiet"});
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  ASSERT_FALSE(std::filesystem::is_empty(a + "/segments"));
  auto third = Agentperf({"export", "--data", a});
  ASSERT_EQ(third.exit_code, 0) << third.err;
  EXPECT_EQ(Sorted(Lines(third.out)), Sorted(Lines(first.out)));
}

TEST(Export, FiltersByKindAndTime) {
  testing::TempDir dir;
  const std::string data = dir.Sub("data");
  const auto input = SampleEvents();
  WriteFile(dir.Sub("in.ndjson"), testing::Ndjson(input));
  ASSERT_EQ(Agentperf({"ingest", "--data", data, dir.Sub("in.ndjson")}).exit_code, 0);
  auto tools = Agentperf({"export", "--data", data, "--kind", "tool_call"});
  ASSERT_EQ(tools.exit_code, 0) << tools.err;
  size_t want = std::count_if(input.begin(), input.end(), [](const std::string& s) {
    return s.find("\"kind\":\"tool_call\"") != std::string::npos;
  });
  auto lines = Lines(tools.out);
  EXPECT_EQ(lines.size(), want);
  for (const auto& l : lines) EXPECT_NE(l.find("\"kind\":\"tool_call\""), std::string::npos);
  // Events i = 10..19 start at kBaseMs + i minutes.
  auto window = Agentperf({"export", "--data", data, "--from", std::to_string(testing::kBaseMs + 10 * 60000), "--to",
                           std::to_string(testing::kBaseMs + 20 * 60000), "--kind", "session", "--kind", "turn"});
  ASSERT_EQ(window.exit_code, 0) << window.err;
  // Among i = 10..19: kinds i%7 == 0 (session) at 14, == 1 (turn) at 15.
  EXPECT_EQ(Lines(window.out).size(), 2u) << window.out;
  auto bad = Agentperf({"export", "--data", data, "--kind", "nonsense"});
  EXPECT_NE(bad.exit_code, 0);
  auto missing = Agentperf({"export", "--data", dir.Sub("nothing")});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("does not exist"), std::string::npos);
}

}  // namespace
}  // namespace agentperf::e2e

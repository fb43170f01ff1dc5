// Golden query tests (see README.md in this folder): each case folder holds
// events.ndjson and pairs of <query>.query.json / <query>.expected.json. Every
// case's events go into a fresh EmbeddedStore; every query runs through
// ParseQuerySpec + Store::Query + QueryResultToJson(result, false) and must
// give the expected JSON (same structure, keys in the same order, equal
// strings, numbers equal to 1e-12 relative).
//
// AGENTPERF_UPDATE_GOLDEN=1 rewrites the expected files instead of comparing.
// Whoever does that must verify every changed file (README.md).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "core/json_writer.h"
#include "query/result.h"
#include "query/spec.h"
#include "store/embedded_store.h"
#include "testing/events.h"
#include "testing/temp_dir.h"

namespace agentperf {
namespace {

namespace fsys = std::filesystem;

// "now" for relative times in golden queries: 2026-01-01T01:00:00Z, one hour
// after testing::kBaseMs ("-1h" is kBaseMs).
constexpr int64_t kGoldenNowUs = (testing::kBaseMs + 3600 * 1000) * 1000;

fsys::path CasesDir() {
  if (const char* src = std::getenv("AGENTPERF_SOURCE_DIR"); src != nullptr && *src != '\0') {
    return fsys::path(src) / "tests" / "golden" / "cases";
  }
  return fsys::path(__FILE__).parent_path() / "cases";
}

bool UpdateMode() {
  const char* u = std::getenv("AGENTPERF_UPDATE_GOLDEN");
  return u != nullptr && std::string(u) == "1";
}

std::string ReadFile(const fsys::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct GoldenQuery {
  std::string case_name;
  std::string query_name;
  fsys::path dir;
};

void PrintTo(const GoldenQuery& q, std::ostream* os) { *os << q.case_name << "/" << q.query_name; }

std::vector<GoldenQuery> FindQueries() {
  std::vector<GoldenQuery> out;
  std::error_code ec;
  fsys::path root = CasesDir();
  if (!fsys::is_directory(root, ec)) return out;
  for (const auto& c : fsys::directory_iterator(root, ec)) {
    if (!c.is_directory()) continue;
    for (const auto& f : fsys::directory_iterator(c.path(), ec)) {
      std::string name = f.path().filename().string();
      const std::string suffix = ".query.json";
      if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
        out.push_back({c.path().filename().string(), name.substr(0, name.size() - suffix.size()), c.path()});
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const GoldenQuery& a, const GoldenQuery& b) {
    return std::tie(a.case_name, a.query_name) < std::tie(b.case_name, b.query_name);
  });
  return out;
}

// Structural comparison of two JSON values; appends differences to *diffs.
void CompareJson(simdjson::dom::element got, simdjson::dom::element want, const std::string& path,
                 std::vector<std::string>* diffs) {
  using simdjson::dom::element_type;
  auto is_num = [](element_type t) {
    return t == element_type::INT64 || t == element_type::UINT64 || t == element_type::DOUBLE;
  };
  element_type gt = got.type(), wt = want.type();
  if (is_num(gt) && is_num(wt)) {
    double g = got.get_double().value_unsafe(), w = want.get_double().value_unsafe();
    if (!(g == w || std::fabs(g - w) <= std::fabs(w) * 1e-12)) {
      diffs->push_back(fmt::format("{}: got {} want {}", path, g, w));
    }
    return;
  }
  if (gt != wt) {
    diffs->push_back(fmt::format("{}: got {} want {}", path, simdjson::to_string(got), simdjson::to_string(want)));
    return;
  }
  switch (gt) {
    case element_type::OBJECT: {
      std::vector<std::pair<std::string_view, simdjson::dom::element>> g, w;
      // (Locals: a range-for over get_object().value_unsafe() would outlive its temporary.)
      simdjson::dom::object go = got.get_object().value_unsafe(), wo = want.get_object().value_unsafe();
      for (auto [k, v] : go) g.emplace_back(k, v);
      for (auto [k, v] : wo) w.emplace_back(k, v);
      for (size_t i = 0; i < std::max(g.size(), w.size()); ++i) {
        if (i >= g.size()) {
          diffs->push_back(fmt::format("{}: missing key '{}'", path, w[i].first));
        } else if (i >= w.size()) {
          diffs->push_back(fmt::format("{}: unexpected key '{}'", path, g[i].first));
        } else if (g[i].first != w[i].first) {
          diffs->push_back(fmt::format("{}: key #{} is '{}', want '{}'", path, i, g[i].first, w[i].first));
        } else {
          CompareJson(g[i].second, w[i].second, path + "." + std::string(g[i].first), diffs);
        }
      }
      break;
    }
    case element_type::ARRAY: {
      simdjson::dom::array ga = got.get_array().value_unsafe(), wa = want.get_array().value_unsafe();
      if (ga.size() != wa.size()) {
        diffs->push_back(fmt::format("{}: {} elements, want {}", path, ga.size(), wa.size()));
      }
      size_t n = std::min(ga.size(), wa.size());
      for (size_t i = 0; i < n; ++i) CompareJson(ga.at(i).value(), wa.at(i).value(), fmt::format("{}[{}]", path, i), diffs);
      break;
    }
    case element_type::STRING:
      if (got.get_string().value_unsafe() != want.get_string().value_unsafe()) {
        diffs->push_back(fmt::format("{}: got {} want {}", path, simdjson::to_string(got), simdjson::to_string(want)));
      }
      break;
    case element_type::BOOL:
      if (got.get_bool().value_unsafe() != want.get_bool().value_unsafe()) diffs->push_back(path + ": bool differs");
      break;
    default:
      break;  // null == null
  }
}

// Number of non-blank lines of an NDJSON body.
size_t CountLines(const std::string& body) {
  size_t n = 0;
  std::istringstream in(body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) ++n;
  }
  return n;
}

class GoldenTest : public ::testing::TestWithParam<GoldenQuery> {};

TEST_P(GoldenTest, MatchesExpected) {
  const GoldenQuery& g = GetParam();
  const fsys::path query_path = g.dir / (g.query_name + ".query.json");
  const fsys::path expected_path = g.dir / (g.query_name + ".expected.json");
  const std::string body = ReadFile(g.dir / "events.ndjson");
  ASSERT_FALSE(body.empty()) << g.dir << "/events.ndjson is missing or empty";

  testing::TempDir dir;
  store::EmbeddedStoreOptions opts;
  opts.data_dir = dir.path();
  auto opened = store::EmbeddedStore::Open(opts);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  std::unique_ptr<store::EmbeddedStore> st = std::move(opened).value();
  event::EventBatch batch = testing::Decode(body);
  ASSERT_FALSE(::testing::Test::HasFailure());
  ASSERT_EQ(batch.size(), CountLines(body));
  auto appended = st->Append(std::move(batch));
  ASSERT_TRUE(appended.ok()) << appended.status().ToString();
  // Every line is a distinct event (no accidental duplicates).
  ASSERT_EQ(appended->accepted, CountLines(body)) << appended->duplicates << " duplicate events";

  const std::string query = ReadFile(query_path);
  auto spec = query::ParseQuerySpec(query, kGoldenNowUs);
  ASSERT_TRUE(spec.ok()) << query_path << ": " << spec.status().ToString();
  // First from the in-memory head, then again once everything is flushed
  // into column segments: both must give the expected answer.
  auto run = [&]() -> std::string {
    auto result = st->Query(*spec);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? PrettyJson(query::QueryResultToJson(*result, /*include_stats=*/false)) + "\n" : "";
  };
  const std::string got = run();
  ASSERT_FALSE(got.empty());
  ASSERT_TRUE(st->Flush().ok());
  ASSERT_EQ(st->segments(), 1u);
  const std::string got_from_segments = run();

  if (UpdateMode()) {
    std::ofstream out(expected_path, std::ios::binary | std::ios::trunc);
    out << got;
    ASSERT_TRUE(out.good()) << "cannot write " << expected_path;
    std::cout << "[golden] wrote " << expected_path.string() << " (verify it!)\n";
    return;
  }
  ASSERT_TRUE(fsys::exists(expected_path))
      << expected_path << " is missing; run with AGENTPERF_UPDATE_GOLDEN=1 and verify the file (README.md). Got:\n"
      << got;
  const std::string want = ReadFile(expected_path);
  simdjson::dom::parser pw;
  simdjson::dom::element ew;
  ASSERT_EQ(pw.parse(want).get(ew), simdjson::SUCCESS) << expected_path << " is not valid JSON";
  for (const std::string* answer : {&got, &got_from_segments}) {
    const char* where = answer == &got ? "the head" : "column segments";
    simdjson::dom::parser pg;
    simdjson::dom::element eg;
    ASSERT_EQ(pg.parse(*answer).get(eg), simdjson::SUCCESS) << *answer;
    std::vector<std::string> diffs;
    CompareJson(eg, ew, "$", &diffs);
    if (!diffs.empty()) {
      std::string all;
      for (const auto& d : diffs) all += "  " + d + "\n";
      ADD_FAILURE() << g.case_name << "/" << g.query_name << " from " << where << " differs from " << expected_path
                    << ":\n" << all << "got:\n" << *answer;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, GoldenTest, ::testing::ValuesIn(FindQueries()),
                         [](const ::testing::TestParamInfo<GoldenQuery>& i) {
                           std::string n = i.param.case_name + "_" + i.param.query_name;
                           for (char& c : n) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return n;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(GoldenTest);

TEST(GoldenFilesTest, CasesArePresentAndComplete) {
  std::vector<GoldenQuery> queries = FindQueries();
  ASSERT_GE(queries.size(), 30u) << "golden cases not found under " << CasesDir();
  std::error_code ec;
  for (const auto& c : fsys::directory_iterator(CasesDir(), ec)) {
    if (!c.is_directory()) continue;
    EXPECT_TRUE(fsys::exists(c.path() / "events.ndjson")) << c.path();
    size_t events = CountLines(ReadFile(c.path() / "events.ndjson"));
    EXPECT_GE(events, 10u) << c.path() << ": keep cases between 10 and 40 events";
    EXPECT_LE(events, 40u) << c.path() << ": keep cases between 10 and 40 events";
    for (const auto& f : fsys::directory_iterator(c.path(), ec)) {
      std::string name = f.path().filename().string();
      const std::string suffix = ".expected.json";
      if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
        std::string q = name.substr(0, name.size() - suffix.size()) + ".query.json";
        EXPECT_TRUE(fsys::exists(c.path() / q)) << f.path() << " has no " << q;
      }
    }
  }
  for (const auto& q : queries) {
    EXPECT_TRUE(UpdateMode() || fsys::exists(q.dir / (q.query_name + ".expected.json")))
        << q.dir / (q.query_name + ".query.json") << " has no expected file";
  }
}

}  // namespace
}  // namespace agentperf

// Differential test of the query path: random events go into an EmbeddedStore
// (through the JSON decoder, the WAL and the head) and into an in-memory SQLite
// table; random query specs run through ParseQuerySpec + Store::Query and
// through equivalent SQL, and every cell is compared:
//   count, count(f), min, max: exactly;
//   sum, avg: within 1e-9 relative;
//   quantiles: within the sketch's 0.5% relative error of the exact order
//     statistic at floor(q * (n - 1)), which SQLite computes with
//     ROW_NUMBER() OVER (PARTITION BY <cell> ORDER BY value) (q = 0 and q = 1
//     exactly: the minimum and maximum).
// The set of cells (labels x time buckets), the series order and the point
// times are compared too. Everything is seeded: failures reproduce.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <regex>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "core/clock.h"
#include "core/json_writer.h"
#include "event/fields.h"
#include "query/engine.h"
#include "query/spec.h"
#include "query/differential_data.h"
#include "query/time_parse.h"
#include "store/embedded_store.h"
#include "testing/events.h"
#include "testing/temp_dir.h"

namespace agentperf::query {
namespace {

using event::SpanKind;
using event::SpanStatus;

using namespace differential;  // NOLINT(google-build-using-namespace): the test's own data

// ---- SQLite ----

// regexp(pattern, value): anchored ECMAScript match, as the query language.
// Results are cached per (pattern, value): labels have few distinct values.
void SqlRegexp(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  static std::map<std::string, std::regex> regexes;
  static std::unordered_map<std::string, bool> results;
  const auto* pat = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
  const auto* val = reinterpret_cast<const char*>(sqlite3_value_text(argv[1]));
  std::string p = pat ? pat : "", v = val ? val : "";
  std::string key = p + '\0' + v;
  auto r = results.find(key);
  if (r == results.end()) {
    auto it = regexes.find(p);
    if (it == regexes.end()) it = regexes.emplace(p, std::regex(p, std::regex::ECMAScript)).first;
    r = results.emplace(key, std::regex_match(v, it->second)).first;
  }
  sqlite3_result_int(ctx, r->second ? 1 : 0);
}

using Param = std::variant<int64_t, double, std::string>;

class Sql {
 public:
  Sql() {
    EXPECT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK);
    EXPECT_EQ(sqlite3_create_function(db_, "regexp", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr, SqlRegexp,
                                      nullptr, nullptr),
              SQLITE_OK);
  }
  ~Sql() { sqlite3_close(db_); }
  Sql(const Sql&) = delete;
  Sql& operator=(const Sql&) = delete;

  void Exec(const std::string& sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    ASSERT_EQ(rc, SQLITE_OK) << sql << ": " << (err ? err : "");
    sqlite3_free(err);
  }

  // Runs one statement; fn sees each row.
  void Query(const std::string& sql, const std::vector<Param>& params, const std::function<void(sqlite3_stmt*)>& fn) {
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sql << ": " << sqlite3_errmsg(db_);
    for (size_t i = 0; i < params.size(); ++i) {
      int idx = static_cast<int>(i + 1);
      if (auto* v = std::get_if<int64_t>(&params[i])) sqlite3_bind_int64(st, idx, *v);
      else if (auto* d = std::get_if<double>(&params[i])) sqlite3_bind_double(st, idx, *d);
      else sqlite3_bind_text(st, idx, std::get<std::string>(params[i]).c_str(), -1, SQLITE_TRANSIENT);
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) fn(st);
    EXPECT_EQ(rc, SQLITE_DONE) << sql << ": " << sqlite3_errmsg(db_);
    sqlite3_finalize(st);
  }

  void Load(const std::vector<GenEvent>& events) {
    Exec("CREATE TABLE ev (start_us INTEGER NOT NULL, dur_us INTEGER NOT NULL, kind TEXT NOT NULL, "
         "status TEXT NOT NULL, agent TEXT NOT NULL, model TEXT NOT NULL, tool TEXT NOT NULL, provider TEXT NOT NULL, "
         "tokens_in INTEGER, tokens_out INTEGER, cost REAL, ttfc REAL)");
    Exec("BEGIN");
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db_, "INSERT INTO ev VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", -1, &st, nullptr), SQLITE_OK);
    for (const GenEvent& e : events) {
      sqlite3_bind_int64(st, 1, e.start_us);
      sqlite3_bind_int64(st, 2, e.dur_us);
      std::string kind(event::KindName(e.kind)), status(event::StatusName(e.status));
      sqlite3_bind_text(st, 3, kind.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(st, 4, status.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(st, 5, e.agent.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(st, 6, e.model.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(st, 7, e.tool.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(st, 8, e.provider.c_str(), -1, SQLITE_TRANSIENT);
      if (e.tokens_in == event::kAbsentInt) sqlite3_bind_null(st, 9);
      else sqlite3_bind_int64(st, 9, e.tokens_in);
      if (e.tokens_out == event::kAbsentInt) sqlite3_bind_null(st, 10);
      else sqlite3_bind_int64(st, 10, e.tokens_out);
      if (std::isnan(e.cost)) sqlite3_bind_null(st, 11);
      else sqlite3_bind_double(st, 11, e.cost);
      if (std::isnan(e.ttfc)) sqlite3_bind_null(st, 12);
      else sqlite3_bind_double(st, 12, e.ttfc);
      ASSERT_EQ(sqlite3_step(st), SQLITE_DONE);
      sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    Exec("COMMIT");
  }

 private:
  sqlite3* db_ = nullptr;
};

// ---- Random queries ----

struct RFilter {
  int label = 0;
  Matcher::Op op = Matcher::kEq;
  std::string op_text;
  std::vector<std::string> values;
};

struct RAgg {
  Aggregate::Op op = Aggregate::kCount;
  int field = -1;  // -1: count()
  double q = 0;    // intended quantile
  std::string text;
};

struct RQuery {
  std::optional<int64_t> from_us, to_us;
  std::string from_json, to_json;
  std::vector<RFilter> filters;
  std::vector<int> group_by;
  int64_t step_us = 0;
  std::string step_json;
  std::vector<RAgg> aggs;

  std::string Json() const {
    std::string s = "{";
    auto sep = [&] {
      if (s.size() > 1) s += ",";
    };
    if (from_us) {
      sep();
      s += R"("from":)" + from_json;
    }
    if (to_us) {
      sep();
      s += R"("to":)" + to_json;
    }
    if (!filters.empty()) {
      sep();
      s += R"("filters":[)";
      for (size_t i = 0; i < filters.size(); ++i) {
        const RFilter& f = filters[i];
        if (i) s += ",";
        s += fmt::format(R"({{"label":"{}","op":)", Labels()[f.label].name);
        AppendJsonString(&s, f.op_text);
        if (f.op == Matcher::kIn || f.op == Matcher::kNotIn) {
          s += R"(,"values":[)";
          for (size_t k = 0; k < f.values.size(); ++k) {
            if (k) s += ",";
            AppendJsonString(&s, f.values[k]);
          }
          s += "]}";
        } else {
          s += R"(,"value":)";
          AppendJsonString(&s, f.values[0]);
          s += "}";
        }
      }
      s += "]";
    }
    if (!group_by.empty()) {
      sep();
      s += R"("group_by":[)";
      for (size_t i = 0; i < group_by.size(); ++i) s += fmt::format(R"({}"{}")", i ? "," : "", Labels()[group_by[i]].name);
      s += "]";
    }
    if (step_us > 0) {
      sep();
      s += R"("step":)" + step_json;
    }
    sep();
    s += R"("aggregates":[)";
    for (size_t i = 0; i < aggs.size(); ++i) {
      if (i) s += ",";
      AppendJsonString(&s, aggs[i].text);
    }
    return s + "],\"limit\":1000000}";
  }
};

// A time bound as a JSON value: ms number (possibly fractional) or RFC 3339.
std::string BoundJson(Rng& r, int64_t* us) {
  if (r.P(0.25)) {
    *us -= ((*us % 1000) + 1000) % 1000;  // whole ms for the string form
    return "\"" + FormatTimeMicros(*us) + "\"";
  }
  return Millis(*us);
}

RQuery RandomQuery(Rng& r, const std::vector<GenEvent>& events) {
  RQuery q;
  auto random_time = [&] {
    // Half the time exactly an event's start (bounds are inclusive/exclusive).
    if (r.P(0.5)) return events[static_cast<size_t>(r.Int(0, static_cast<int64_t>(events.size()) - 1))].start_us;
    return kT0 + r.Int(-600000000, kSpanUs + 3600000000LL);
  };
  double t = r.U();
  if (t < 0.3) {
    // open range
  } else if (t < 0.75) {
    int64_t a = random_time();
    int64_t len = r.P(0.5) ? r.Int(1000, 3600000000LL) : r.Int(3600000000LL, 8 * 3600000000LL);
    int64_t b = a + len;
    q.from_json = BoundJson(r, &a);
    q.to_json = BoundJson(r, &b);
    if (a >= b) b = a + 1000, q.to_json = Millis(b);
    q.from_us = a;
    q.to_us = b;
  } else if (t < 0.88) {
    int64_t a = random_time();
    q.from_json = BoundJson(r, &a);
    q.from_us = a;
  } else {
    int64_t b = random_time();
    q.to_json = BoundJson(r, &b);
    q.to_us = b;
  }
  // Filters.
  int nf = static_cast<int>(r.Int(0, 3));
  static const std::vector<std::pair<Matcher::Op, std::vector<std::string>>> kOps = {
      {Matcher::kEq, {"=", "==", "eq"}},    {Matcher::kNe, {"!=", "ne"}},  {Matcher::kRegex, {"=~", "re"}},
      {Matcher::kNotRegex, {"!~", "nre"}}, {Matcher::kIn, {"in"}},         {Matcher::kNotIn, {"not_in", "nin"}}};
  for (int i = 0; i < nf; ++i) {
    RFilter f;
    f.label = static_cast<int>(r.Int(0, static_cast<int64_t>(Labels().size()) - 1));
    const auto& op = r.Pick(kOps);
    f.op = op.first;
    f.op_text = r.Pick(op.second);
    const LabelInfo& li = Labels()[f.label];
    if (f.op == Matcher::kRegex || f.op == Matcher::kNotRegex) {
      f.values = {r.Pick(li.regexes)};
    } else if (f.op == Matcher::kIn || f.op == Matcher::kNotIn) {
      int nv = static_cast<int>(r.Int(0, 3));
      for (int k = 0; k < nv; ++k) f.values.push_back(r.Pick(li.values));
    } else {
      f.values = {r.Pick(li.values)};
    }
    q.filters.push_back(f);
  }
  // Group by: a random subset in random order.
  std::vector<int> all = {0, 1, 2, 3, 4, 5};
  std::shuffle(all.begin(), all.end(), std::mt19937_64(static_cast<uint64_t>(r.Int(0, 1 << 30))));
  int ng = static_cast<int>(r.P(0.05) ? 4 : r.Int(0, 3));
  q.group_by.assign(all.begin(), all.begin() + ng);
  // Step.
  static const std::vector<std::pair<std::string, int64_t>> kSteps = {
      {"\"1m\"", 60000000},      {"\"5m\"", 300000000},   {"\"15m\"", 900000000}, {"\"1h\"", 3600000000LL},
      {"7777", 7777000},         {"\"90s\"", 90000000},   {"\"2h\"", 7200000000LL}, {"\"1h30m\"", 5400000000LL},
      {"\"10m\"", 600000000}};
  if (r.P(0.5)) {
    const auto& s = r.Pick(kSteps);
    q.step_json = s.first;
    q.step_us = s.second;
  }
  // Aggregates: 1..5 distinct ones.
  struct QForm {
    const char* fmt;  // {} = field
    double q;
  };
  static const std::vector<QForm> kQuantiles = {
      {"p50({})", 0.5},   {"p90({})", 0.9},   {"p95({})", 0.95}, {"p99({})", 0.99}, {"p99.9({})", 0.999},
      {"quantile(0.25, {})", 0.25}, {"quantile(0.001,{})", 0.001}, {"p0({})", 0}, {"p100({})", 1}, {"p10({})", 0.1}};
  int na = static_cast<int>(r.Int(1, 5));
  std::vector<std::string> seen;
  for (int attempts = 0; static_cast<int>(q.aggs.size()) < na && attempts < 50; ++attempts) {
    RAgg a;
    int kind = static_cast<int>(r.Int(0, 9));
    if (kind == 0) {
      // count, or (one time in three each) errors / error_rate.
      switch (r.Int(0, 2)) {
        case 0: a.op = Aggregate::kCount; a.text = "count"; break;
        case 1: a.op = Aggregate::kErrors; a.text = "errors"; break;
        default: a.op = Aggregate::kErrorRate; a.text = "error_rate"; break;
      }
    } else {
      a.field = static_cast<int>(r.Int(0, static_cast<int64_t>(Fields().size()) - 1));
      std::string fname = Fields()[a.field].name;
      switch (kind) {
        case 1: a.op = Aggregate::kCount; a.text = "count(" + fname + ")"; break;
        case 2: a.op = Aggregate::kSum; a.text = "sum(" + fname + ")"; break;
        case 3: a.op = Aggregate::kAvg; a.text = "avg(" + fname + ")"; break;
        case 4: a.op = Aggregate::kMin; a.text = "min(" + fname + ")"; break;
        case 5: a.op = Aggregate::kMax; a.text = "max(" + fname + ")"; break;
        default: {
          const QForm& f = r.Pick(kQuantiles);
          a.op = Aggregate::kQuantile;
          a.q = f.q;
          a.text = fmt::format(fmt::runtime(f.fmt), fname);
        }
      }
    }
    if (std::find(seen.begin(), seen.end(), a.text) != seen.end()) continue;
    seen.push_back(a.text);
    q.aggs.push_back(a);
  }
  return q;
}

// The WHERE clause of a query (with its parameters).
std::string WhereSql(const RQuery& q, std::vector<Param>* params) {
  std::string w = "1";
  if (q.from_us) {
    w += " AND start_us >= ?";
    params->push_back(*q.from_us);
  }
  if (q.to_us) {
    w += " AND start_us < ?";
    params->push_back(*q.to_us);
  }
  for (const RFilter& f : q.filters) {
    std::string col = Labels()[f.label].name;
    switch (f.op) {
      case Matcher::kEq: w += " AND " + col + " = ?"; break;
      case Matcher::kNe: w += " AND " + col + " != ?"; break;
      case Matcher::kRegex: w += " AND regexp(?, " + col + ")"; break;
      case Matcher::kNotRegex: w += " AND NOT regexp(?, " + col + ")"; break;
      case Matcher::kIn:
      case Matcher::kNotIn: {
        std::string list;
        for (size_t k = 0; k < f.values.size(); ++k) list += k ? ",?" : "?";
        w += " AND " + col + (f.op == Matcher::kIn ? " IN (" : " NOT IN (") + list + ")";
        break;
      }
    }
    for (const auto& v : f.values) params->push_back(v);
  }
  return w;
}

// Cell key: label values in group_by order, and the bucket (0 without step).
using CellKey = std::pair<std::vector<std::string>, int64_t>;

struct ExpectedCell {
  double count = 0;
  int64_t min_start = 0;
  std::vector<double> values;  // per aggregate
};

std::map<CellKey, ExpectedCell> SqlExpected(Sql& sql, const RQuery& q, const QuerySpec& spec) {
  std::string groups;
  for (int g : q.group_by) groups += std::string(Labels()[g].name) + ", ";
  // (start_us * 0, not a literal 0: GROUP BY / PARTITION BY must not see an integer constant.)
  std::string bucket = q.step_us > 0 ? fmt::format("(start_us / {})", q.step_us) : "(start_us * 0)";
  std::string select = "SELECT " + groups + bucket + " AS b, COUNT(*), MIN(start_us)";
  // Per aggregate: the SQL expression of its value (quantiles later).
  for (const RAgg& a : q.aggs) {
    std::string f = a.field >= 0 ? Fields()[a.field].sql : "";
    switch (a.op) {
      case Aggregate::kCount: select += a.field < 0 ? ", COUNT(*)" : ", COUNT(" + f + ")"; break;
      case Aggregate::kSum: select += ", TOTAL(" + f + ")"; break;
      case Aggregate::kAvg: select += ", AVG(" + f + ")"; break;
      case Aggregate::kMin: select += ", MIN(" + f + ")"; break;
      case Aggregate::kMax: select += ", MAX(" + f + ")"; break;
      case Aggregate::kQuantile: select += ", NULL"; break;
      case Aggregate::kErrors: select += ", SUM(status = 'error')"; break;
      case Aggregate::kErrorRate: select += ", AVG(status = 'error')"; break;
    }
  }
  std::vector<Param> params;
  std::string where = WhereSql(q, &params);
  std::string group_clause = " GROUP BY " + groups + "b";
  std::map<CellKey, ExpectedCell> cells;
  const int ng = static_cast<int>(q.group_by.size());
  auto key_of = [&](sqlite3_stmt* st) {
    CellKey k;
    for (int i = 0; i < ng; ++i) k.first.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, i)));
    k.second = sqlite3_column_int64(st, ng);
    return k;
  };
  auto column = [](sqlite3_stmt* st, int i) {
    return sqlite3_column_type(st, i) == SQLITE_NULL ? kNaN : sqlite3_column_double(st, i);
  };
  sql.Query(select + " FROM ev WHERE " + where + group_clause, params, [&](sqlite3_stmt* st) {
    ExpectedCell c;
    c.count = static_cast<double>(sqlite3_column_int64(st, ng + 1));
    c.min_start = sqlite3_column_int64(st, ng + 2);
    for (size_t a = 0; a < q.aggs.size(); ++a) c.values.push_back(column(st, ng + 3 + static_cast<int>(a)));
    cells[key_of(st)] = c;
  });
  // Quantiles: the element at floor(q * (n - 1)) of each cell's non-null
  // values, by row number in value order. One statement per field serves all
  // the quantiles of that field.
  std::map<int, std::vector<size_t>> quantiles_by_field;
  for (size_t a = 0; a < q.aggs.size(); ++a) {
    if (q.aggs[a].op != Aggregate::kQuantile) continue;
    EXPECT_NEAR(spec.aggregates[a].q, q.aggs[a].q, 1e-12) << q.aggs[a].text;
    quantiles_by_field[q.aggs[a].field].push_back(a);
    for (auto& [k, c] : cells) c.values[a] = kNaN;  // cells without values stay null
  }
  for (const auto& [field, aggs] : quantiles_by_field) {
    std::string f = Fields()[field].sql;
    std::string partition = groups + bucket;
    std::string inner = "SELECT " + groups + bucket + " AS b, " + f + " AS v, ROW_NUMBER() OVER (PARTITION BY " +
                        partition + " ORDER BY " + f + ") - 1 AS rn, COUNT(*) OVER (PARTITION BY " + partition +
                        ") AS n FROM ev WHERE " + where + " AND " + f + " IS NOT NULL";
    // Parameters in text order: the select list's q, the inner WHERE's, the outer WHERE's q.
    std::vector<Param> qp;
    std::string select_q, where_q;
    for (size_t a : aggs) {
      const double qv = spec.aggregates[a].q;  // the parsed q (p99.9 -> 99.9 / 100)
      select_q += ", rn = CAST(? * (n - 1) AS INTEGER)";
      where_q += std::string(where_q.empty() ? "" : " OR ") + "rn = CAST(? * (n - 1) AS INTEGER)";
      qp.push_back(qv);
    }
    qp.insert(qp.end(), params.begin(), params.end());
    for (size_t a : aggs) qp.push_back(spec.aggregates[a].q);
    sql.Query("SELECT " + groups + "b, v" + select_q + " FROM (" + inner + ") WHERE " + where_q, qp,
              [&](sqlite3_stmt* st) {
                CellKey k = key_of(st);
                auto it = cells.find(k);
                ASSERT_NE(it, cells.end());
                for (size_t i = 0; i < aggs.size(); ++i) {
                  if (sqlite3_column_int(st, ng + 2 + static_cast<int>(i)) != 0) {
                    it->second.values[aggs[i]] = sqlite3_column_double(st, ng + 1);
                  }
                }
              });
  }
  return cells;
}

struct Totals {
  size_t queries = 0;
  size_t nonempty = 0;
  size_t cells = 0;
  size_t values = 0;
  size_t quantiles = 0;
  size_t null_values = 0;
  double engine_s = 0;  // time in the store and engine
  double sql_s = 0;     // time in SQLite
};

void CompareQuery(Sql& sql, store::EmbeddedStore& st, bool all_in_head, const RQuery& q, Totals* totals) {
  const std::string json = q.Json();
  SCOPED_TRACE(json);
  auto spec = ParseQuerySpec(json, kT0);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  ASSERT_EQ(spec->from_us, q.from_us.value_or(INT64_MIN));
  ASSERT_EQ(spec->to_us, q.to_us.value_or(INT64_MAX));
  ASSERT_EQ(spec->step_us, q.step_us);
  int64_t t0 = MonotonicNanos();
  auto result = st.Query(*spec);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  int64_t t1 = MonotonicNanos();
  std::map<CellKey, ExpectedCell> want = SqlExpected(sql, q, *spec);
  int64_t t2 = MonotonicNanos();
  totals->engine_s += static_cast<double>(t1 - t0) / 1e9;
  totals->sql_s += static_cast<double>(t2 - t1) / 1e9;

  // The same query with every row of the head handed to the engine (so that
  // it skips blocks by time itself, and reads no rollup) gives the same
  // answer, but for the last bits of sums (added in another order).
  if (all_in_head) {
    Engine e(*spec);
    st.head().ScanBlocks(INT64_MIN, INT64_MAX, [&](const ColumnBlock& b) { e.Consume(b); });
    auto all_blocks = e.Finish();
    ASSERT_TRUE(all_blocks.ok());
    const QueryResult& x = *all_blocks;
    const QueryResult& y = *result;
    ASSERT_EQ(x.series.size(), y.series.size());
    for (size_t i = 0; i < x.series.size(); ++i) {
      ASSERT_EQ(x.series[i].labels, y.series[i].labels);
      ASSERT_EQ(x.series[i].points.size(), y.series[i].points.size());
      for (size_t j = 0; j < x.series[i].points.size(); ++j) {
        const Point& a = x.series[i].points[j];
        const Point& b = y.series[i].points[j];
        ASSERT_EQ(a.t_us, b.t_us);
        for (size_t k = 0; k < a.values.size(); ++k) {
          if (std::isnan(a.values[k])) {
            EXPECT_TRUE(std::isnan(b.values[k]));
          } else {
            EXPECT_NEAR(a.values[k], b.values[k], 1e-12 * std::max(1.0, std::fabs(a.values[k])));
          }
        }
      }
    }
  }

  // Engine cells, checking the order of series and points on the way.
  std::map<CellKey, const Point*> got;
  std::optional<std::vector<std::string>> prev_labels;
  for (const Series& s : result->series) {
    std::vector<std::string> labels;
    ASSERT_EQ(s.labels.size(), q.group_by.size());
    for (size_t i = 0; i < s.labels.size(); ++i) {
      EXPECT_EQ(s.labels[i].first, Labels()[q.group_by[i]].name);
      labels.push_back(s.labels[i].second);
    }
    if (prev_labels) {
      EXPECT_LT(*prev_labels, labels) << "series not sorted by labels";
    }
    prev_labels = labels;
    ASSERT_FALSE(s.points.empty());
    for (size_t p = 0; p < s.points.size(); ++p) {
      if (p > 0) {
        EXPECT_LT(s.points[p - 1].t_us, s.points[p].t_us) << "points not ascending";
      }
      const Point& pt = s.points[p];
      int64_t b = 0;
      if (q.step_us > 0) {
        EXPECT_EQ(pt.t_us % q.step_us, 0);
        b = pt.t_us / q.step_us;
      }
      ASSERT_TRUE(got.emplace(CellKey{labels, b}, &pt).second) << "duplicate cell";
    }
  }
  ASSERT_EQ(got.size(), want.size()) << "different sets of cells";
  uint64_t matched = 0;
  for (const auto& [key, w] : want) {
    auto it = got.find(key);
    ASSERT_NE(it, got.end()) << "missing cell, bucket " << key.second;
    const Point& pt = *it->second;
    matched += static_cast<uint64_t>(w.count);
    // Point time: the bucket start; without step the query's from, or the
    // earliest matching start with an open from.
    int64_t want_t = q.step_us > 0 ? key.second * q.step_us : q.from_us.value_or(w.min_start);
    EXPECT_EQ(pt.t_us, want_t);
    ASSERT_EQ(pt.values.size(), q.aggs.size());
    for (size_t a = 0; a < q.aggs.size(); ++a) {
      const RAgg& agg = q.aggs[a];
      const double g = pt.values[a], x = w.values[a];
      SCOPED_TRACE(agg.text);
      ++totals->values;
      if (std::isnan(x)) ++totals->null_values;
      switch (agg.op) {
        case Aggregate::kCount:
        case Aggregate::kErrors:
        case Aggregate::kMin:
        case Aggregate::kMax:
          EXPECT_TRUE(SameDouble(g, x)) << "got " << g << " want " << x;
          break;
        case Aggregate::kSum:
        case Aggregate::kAvg:
        case Aggregate::kErrorRate:
          if (std::isnan(x)) {
            EXPECT_TRUE(std::isnan(g)) << g;
          } else {
            EXPECT_NEAR(g, x, std::fabs(x) * 1e-9) << "got " << g << " want " << x;
          }
          break;
        case Aggregate::kQuantile:
          ++totals->quantiles;
          if (std::isnan(x)) {
            EXPECT_TRUE(std::isnan(g)) << g;
          } else if (agg.q == 0 || agg.q == 1) {
            EXPECT_EQ(g, x);  // min and max are exact
          } else if (x < 1e-8) {
            EXPECT_LT(g, 1e-8) << "exact " << x;  // the sketch's zero bucket
            EXPECT_GE(g, 0);
          } else {
            EXPECT_LE(std::fabs(g - x), x * 0.005 * (1 + 1e-9))
                << "got " << g << " exact " << x << " rel err " << std::fabs(g - x) / x;
          }
          break;
      }
    }
  }
  EXPECT_EQ(result->stats.rows_matched, matched);
  ++totals->queries;
  totals->cells += want.size();
  if (!want.empty()) ++totals->nonempty;
}

struct DiffParam {
  uint64_t seed;
  size_t events;
  int queries;
  // 0: everything stays in the head. Otherwise the head is flushed into a
  // segment every flush_rows events (segments read through their hour
  // rollups, heads through their minute rollups, and raw at the edges), and
  // small segments are merged in the background.
  uint64_t flush_rows = 0;
};

void PrintTo(const DiffParam& p, std::ostream* os) {
  *os << "seed " << p.seed << ", " << p.events << " events, " << p.queries << " queries";
}

class DifferentialTest : public ::testing::TestWithParam<DiffParam> {};

TEST_P(DifferentialTest, StoreAgreesWithSqlite) {
  const DiffParam p = GetParam();
  std::vector<GenEvent> events = Generate(p.seed, p.events);

  testing::TempDir dir;
  store::EmbeddedStoreOptions opts;
  opts.data_dir = dir.path();
  opts.flush_rows = p.flush_rows;
  auto opened = store::EmbeddedStore::Open(opts);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  std::unique_ptr<store::EmbeddedStore> st = std::move(opened).value();

  // Ingest through the JSON decoder in batches, checking that the decoded
  // events hold exactly the generated values.
  const size_t kBatch = 2500;
  uint64_t accepted = 0;
  for (size_t begin = 0; begin < events.size(); begin += kBatch) {
    size_t end = std::min(events.size(), begin + kBatch);
    std::string body;
    for (size_t i = begin; i < end; ++i) body += EventJsonLine(events[i], i) + "\n";
    event::EventBatch batch = testing::Decode(body);
    ASSERT_EQ(batch.size(), end - begin);
    for (size_t i = begin; i < end; ++i) {
      const event::Event& d = batch.events[i - begin];
      const GenEvent& g = events[i];
      ASSERT_EQ(d.start_us, g.start_us) << i;
      ASSERT_EQ(d.end_us - d.start_us, g.dur_us) << i;
      ASSERT_EQ(d.kind, g.kind);
      ASSERT_EQ(d.status, g.status);
      ASSERT_EQ(d.Str(event::StrField::kAgent), g.agent);
      ASSERT_EQ(d.Str(event::StrField::kModel), g.model);
      ASSERT_EQ(d.Str(event::StrField::kTool), g.tool);
      ASSERT_EQ(d.Str(event::StrField::kProvider), g.provider);
      ASSERT_EQ(d.Int(event::IntField::kTokensInput), g.tokens_in);
      ASSERT_EQ(d.Int(event::IntField::kTokensOutput), g.tokens_out);
      ASSERT_TRUE(SameDouble(d.Float(event::FloatField::kCost), g.cost)) << i;
      ASSERT_TRUE(SameDouble(d.Float(event::FloatField::kTtfcMs), g.ttfc)) << i;
    }
    auto r = st->Append(std::move(batch));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    accepted += r->accepted;
    // Flush mode: everything up to here into segments; the rest stays in heads.
    const size_t cut = events.size() * 8 / 10;
    if (p.flush_rows > 0 && begin < cut && end >= cut) {
      ASSERT_TRUE(st->Flush().ok());
    }
  }
  ASSERT_EQ(accepted, events.size());
  ASSERT_EQ(st->events(), events.size());
  if (p.flush_rows > 0) {
    EXPECT_GT(st->segments(), 0u);
  }

  Sql sql;
  sql.Load(events);

  Rng r(p.seed * 7919 + 17);
  Totals totals;
  for (int i = 0; i < p.queries; ++i) {
    RQuery q = RandomQuery(r, events);
    CompareQuery(sql, *st, p.flush_rows == 0, q, &totals);
    if (HasFatalFailure() || ::testing::Test::HasFailure()) {
      ADD_FAILURE() << "stopping after the first failing query (#" << i << ")";
      break;
    }
  }
  std::cout << fmt::format(
      "[differential] seed {}: {} events ({} head blocks), {} queries ({} non-empty), {} cells, {} values compared "
      "({} quantiles, {} nulls); {:.1f}s in the store, {:.1f}s in SQLite\n",
      p.seed, events.size(), (events.size() + store::kChunkRows - 1) / store::kChunkRows, totals.queries,
      totals.nonempty, totals.cells, totals.values, totals.quantiles, totals.null_values, totals.engine_s,
      totals.sql_s);
  RecordProperty("queries", static_cast<int>(totals.queries));
  RecordProperty("cells", static_cast<int>(totals.cells));
  RecordProperty("values", static_cast<int>(totals.values));
  EXPECT_EQ(totals.queries, static_cast<size_t>(p.queries));
  // The random queries must not be vacuous.
  EXPECT_GT(totals.nonempty * 10, totals.queries * 6);
  EXPECT_GT(totals.cells, totals.queries * 5);
}

INSTANTIATE_TEST_SUITE_P(Seeds, DifferentialTest,
                         ::testing::Values(DiffParam{1, 40000, 150}, DiffParam{2, 6000, 250}, DiffParam{3, 3000, 200},
                                           DiffParam{4, 40000, 200, 6000}, DiffParam{5, 12000, 200, 2500}),
                         [](const ::testing::TestParamInfo<DiffParam>& i) {
                           return fmt::format("seed{}_{}events{}", i.param.seed, i.param.events,
                                              i.param.flush_rows ? fmt::format("_flush{}", i.param.flush_rows) : "");
                         });

}  // namespace
}  // namespace agentperf::query

#include "query/engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <unordered_map>

#include "analysis/sketch/ddsketch.h"
#include "core/clock.h"
#include "core/hash.h"

namespace agentperf::query {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Key of one output cell: global ids of the group-by values, and the bucket.
struct CellKey {
  uint32_t g[QuerySpec::kMaxGroupBy] = {0, 0, 0, 0};
  int64_t bucket = 0;
  bool operator==(const CellKey& o) const { return std::memcmp(this, &o, sizeof *this) == 0; }
};
struct CellKeyHash {
  size_t operator()(const CellKey& k) const {
    uint64_t h = Mix64(static_cast<uint64_t>(k.bucket) ^ 0x9e3779b97f4a7c15ull);
    for (uint32_t g : k.g) h = Mix64(h ^ g);
    return h;
  }
};

// Accumulator of one numeric field in one cell.
struct FieldAcc {
  double sum = 0;
  uint64_t n = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  std::unique_ptr<sketch::DDSketch> sketch;
};

struct Cell {
  CellKey key;
  uint64_t count = 0;
  uint64_t errors = 0;  // rows with status = error
  int64_t first_start_us = INT64_MAX;
  std::vector<FieldAcc> fields;  // one per distinct field in the spec
};

// Per-dictionary state: which codes pass the filters, and code -> global label id.
struct DictState {
  std::vector<uint8_t> pass;     // per code, for each matcher on this label ANDed
  std::vector<uint32_t> global;  // per code, group id of its string (+1; 0 = not yet)
};

}  // namespace

struct Engine::Impl {
  QuerySpec spec;
  int64_t start_ns = MonotonicNanos();
  std::vector<Field> fields;              // distinct aggregated fields
  std::vector<bool> field_needs_sketch;
  std::vector<int> agg_field;             // aggregate -> index in fields (-1: count)
  uint32_t kind_mask = 0xffffffff;        // bit per SpanKind passing the filters
  uint32_t status_mask = 0xffffffff;
  // Label filters on string columns, by StrField; and dictionary states per (field, dict).
  std::vector<std::vector<const Matcher*>> str_matchers = std::vector<std::vector<const Matcher*>>(event::kNumStrFields);
  std::unordered_map<const Dictionary*, DictState> dict_states[event::kNumStrFields];
  // Group-by values: global id -> string, per group-by position.
  std::vector<std::vector<std::string>> group_values;
  std::vector<std::unordered_map<std::string, uint32_t>> group_ids;
  std::unordered_map<CellKey, uint32_t, CellKeyHash> cell_index;
  std::vector<Cell> cells;
  QueryStats stats;
  Status error;
  std::vector<uint32_t> sel;      // per block: rows that pass the filters
  int64_t min_dur_us = INT64_MIN; // ConsumeLongRows: rows shorter than this are left out
  std::vector<uint32_t> cell_of;  // per selected row: its cell

  explicit Impl(const QuerySpec& s) : spec(s) {
    for (const Aggregate& a : spec.aggregates) {
      if (!a.has_field) {
        agg_field.push_back(-1);
        continue;
      }
      auto it = std::find(fields.begin(), fields.end(), a.field);
      int idx = static_cast<int>(it - fields.begin());
      if (it == fields.end()) {
        fields.push_back(a.field);
        field_needs_sketch.push_back(false);
      }
      if (a.op == Aggregate::kQuantile || a.op == Aggregate::kMad) field_needs_sketch[idx] = true;
      agg_field.push_back(idx);
    }
    for (const Matcher& m : spec.matchers) {
      if (m.label.type == Label::kKind) {
        uint32_t mask = 0;
        for (int k = 0; k < event::kNumKinds; ++k) {
          if (m.Matches(event::KindName(static_cast<event::SpanKind>(k)))) mask |= 1u << k;
        }
        kind_mask &= mask;
      } else if (m.label.type == Label::kStatus) {
        uint32_t mask = 0;
        for (int k = 0; k < event::kNumStatuses; ++k) {
          if (m.Matches(event::StatusName(static_cast<event::SpanStatus>(k)))) mask |= 1u << k;
        }
        status_mask &= mask;
      } else {
        str_matchers[static_cast<int>(m.label.str)].push_back(&m);
      }
    }
    group_values.resize(spec.group_by.size());
    group_ids.resize(spec.group_by.size());
  }

  // Brings a dictionary's state up to `size` codes.
  DictState& StateFor(int field, const Dictionary* dict) {
    DictState& st = dict_states[field][dict];
    uint32_t size = dict->Size();
    if (st.pass.size() < size) {
      size_t old = st.pass.size();
      st.pass.resize(size);
      st.global.resize(size, 0);
      for (size_t code = old; code < size; ++code) {
        std::string_view v = dict->Lookup(static_cast<uint32_t>(code));
        bool ok = true;
        for (const Matcher* m : str_matchers[field]) ok = ok && m->Matches(v);
        st.pass[code] = ok ? 1 : 0;
      }
    }
    return st;
  }

  uint32_t GlobalId(size_t pos, std::string_view value) {
    auto [it, inserted] = group_ids[pos].try_emplace(std::string(value), static_cast<uint32_t>(group_values[pos].size()));
    if (inserted) group_values[pos].emplace_back(value);
    return it->second;
  }

  // The cell of `key`, created if new; null (and error set) past kMaxCells.
  Cell* CellAt(const CellKey& key) {
    auto [it, inserted] = cell_index.try_emplace(key, static_cast<uint32_t>(cells.size()));
    if (inserted) {
      if (cells.size() >= QuerySpec::kMaxCells) {
        cell_index.erase(it);
        error = Status::ResourceExhausted(fmt::format(
            "query result has more than {} series x time buckets; use a larger step, fewer group_by labels or a "
            "shorter range",
            QuerySpec::kMaxCells));
        return nullptr;
      }
      Cell c;
      c.key = key;
      c.fields.resize(fields.size());
      for (size_t f = 0; f < fields.size(); ++f) {
        if (field_needs_sketch[f]) c.fields[f].sketch = std::make_unique<sketch::DDSketch>();
      }
      cells.push_back(std::move(c));
    }
    return &cells[it->second];
  }

  int64_t BucketOf(int64_t start) const {
    if (spec.step_us <= 0) return 0;
    int64_t q = start / spec.step_us;
    if (start % spec.step_us < 0) --q;  // floor division for pre-epoch times
    return q;
  }

  // Rollup cells whose whole bucket lies in [from_us, to_us) and the spec's range.
  void ConsumeRollup(const Rollup& r, int64_t from_us, int64_t to_us) {
    if (!error.ok()) return;
    from_us = std::max(from_us, spec.from_us);
    to_us = std::min(to_us, spec.to_us);
    if (from_us >= to_us) return;
    const int64_t res = r.resolution_us();
    const uint32_t nstr = r.strings();
    // Per dimension: which string ids pass the filters (empty: no filter).
    std::array<std::vector<uint8_t>, 4> pass;
    for (size_t d = 0; d < kRollupDims.size(); ++d) {
      const auto& ms = str_matchers[static_cast<int>(kRollupDims[d])];
      if (ms.empty()) continue;
      pass[d].resize(nstr);
      for (uint32_t id = 0; id < nstr; ++id) {
        bool ok = true;
        for (const Matcher* m : ms) ok = ok && m->Matches(r.String(id));
        pass[d][id] = ok ? 1 : 0;
      }
    }
    // Per group-by position: dimension index (-1: kind) and id -> global id + 1.
    const size_t ng = spec.group_by.size();
    std::vector<int> gdim(ng, -1);
    std::vector<std::vector<uint32_t>> gids(ng);
    for (size_t i = 0; i < ng; ++i) {
      if (spec.group_by[i].type != Label::kStr) continue;
      gdim[i] = static_cast<int>(std::find(kRollupDims.begin(), kRollupDims.end(), spec.group_by[i].str) -
                                 kRollupDims.begin());
      gids[i].assign(nstr, 0);
    }
    const auto& cells = r.cells();
    // Sorted cells: start at the first bucket in range and stop after the last.
    for (size_t ci = r.sorted() ? r.LowerBound(from_us) : 0; ci < cells.size(); ++ci) {
      const RollupCell& rc = cells[ci];
      const int64_t bstart = rc.bucket * res;
      if (bstart > to_us - res && r.sorted()) break;
      if (bstart < from_us || bstart > to_us - res) continue;
      if (!((kind_mask >> rc.kind) & 1)) continue;
      bool ok = true;
      for (size_t d = 0; d < 4 && ok; ++d) ok = pass[d].empty() || pass[d][rc.dims[d]];
      if (!ok) continue;
      ++stats.rollup_cells;
      stats.rows_matched += rc.count;
      CellKey key;
      for (size_t i = 0; i < ng; ++i) {
        if (gdim[i] < 0) {
          key.g[i] = GlobalId(i, event::KindName(static_cast<event::SpanKind>(rc.kind)));
        } else {
          const uint32_t id = rc.dims[gdim[i]];
          uint32_t& gid = gids[i][id];
          if (gid == 0) gid = GlobalId(i, r.String(id)) + 1;
          key.g[i] = gid - 1;
        }
      }
      key.bucket = BucketOf(bstart);
      Cell* cp = CellAt(key);
      if (cp == nullptr) return;
      Cell& cell = *cp;
      cell.count += rc.count;
      cell.errors += rc.errors;
      cell.first_start_us = std::min(cell.first_start_us, rc.min_start_us);
      for (size_t f = 0; f < fields.size(); ++f) {
        FieldAcc& acc = cell.fields[f];
        const Field& fd = fields[f];
        if (fd.type == Field::kDurationMs) {
          const auto& sk = rc.dur_ms;
          if (sk.empty()) continue;
          acc.sum += sk.sum();
          acc.n += sk.count();
          acc.min = std::min(acc.min, sk.min());
          acc.max = std::max(acc.max, sk.max());
          if (acc.sketch) sk.MergeInto(acc.sketch.get());
        } else if (fd.type == Field::kInt) {
          acc.sum += static_cast<double>(rc.int_sum[fd.index]);
          acc.n += rc.int_n[fd.index];
        } else {
          acc.sum += rc.float_sum[fd.index];
          acc.n += rc.float_n[fd.index];
          if (fd.index == static_cast<uint8_t>(event::FloatField::kTtfcMs) && !rc.ttfc_ms.empty()) {
            acc.min = std::min(acc.min, rc.ttfc_ms.min());
            acc.max = std::max(acc.max, rc.ttfc_ms.max());
            if (acc.sketch) rc.ttfc_ms.MergeInto(acc.sketch.get());
          }
        }
      }
    }
  }

  static double FieldValue(const ColumnBlock& b, const Field& f, size_t row) {
    switch (f.type) {
      case Field::kDurationMs: return static_cast<double>(b.dur_us[row]) / 1000.0;
      case Field::kInt: {
        int64_t v = b.ints[f.index][row];
        return v == event::kAbsentInt ? kNaN : static_cast<double>(v);
      }
      case Field::kFloat: return b.floats[f.index][row];
    }
    return kNaN;
  }

  void Consume(const ColumnBlock& b, int64_t from_us, int64_t to_us) {
    if (!error.ok()) return;
    from_us = std::max(from_us, spec.from_us);
    to_us = std::min(to_us, spec.to_us);
    if (b.max_start_us < from_us || b.min_start_us >= to_us) {
      ++stats.blocks_skipped;
      return;
    }
    ++stats.blocks_scanned;
    stats.rows_scanned += b.rows;

    // Group-by columns: code -> global id tables.
    const size_t ng = spec.group_by.size();
    struct GroupCol {
      Label::Kind type;
      const uint8_t* bytes;
      const uint32_t* codes;
      DictState* st;
      const Dictionary* dict;
    };
    std::vector<GroupCol> gcols(ng);
    for (size_t i = 0; i < ng; ++i) {
      const Label& l = spec.group_by[i];
      gcols[i].type = l.type;
      if (l.type == Label::kKind) gcols[i].bytes = b.kind;
      else if (l.type == Label::kStatus) gcols[i].bytes = b.status;
      else {
        int f = static_cast<int>(l.str);
        gcols[i].codes = b.str[f];
        gcols[i].dict = b.dicts[f];
        gcols[i].st = &StateFor(f, b.dicts[f]);
      }
    }
    // Filter dictionaries for this block (bitmaps grow as dictionaries grow).
    // After the group-by states: a dictionary may have grown since (a head
    // being appended to), and StateFor may reallocate a bitmap, so pointers
    // into the bitmaps are taken last.
    std::vector<std::pair<const uint32_t*, const uint8_t*>> str_filters;
    for (int f = 0; f < event::kNumStrFields; ++f) {
      if (str_matchers[f].empty()) continue;
      DictState& st = StateFor(f, b.dicts[f]);
      str_filters.emplace_back(b.str[f], st.pass.data());
    }

    // Vectorised: a selection vector of the rows that pass, narrowed one
    // predicate (column) at a time without branches; then one cell index per
    // selected row; then each aggregate column-at-a-time.
    sel.resize(b.rows);
    size_t n = 0;
    if (b.min_start_us >= from_us && b.max_start_us < to_us) {
      for (size_t r = 0; r < b.rows; ++r) sel[r] = static_cast<uint32_t>(r);
      n = b.rows;
    } else {
      for (size_t r = 0; r < b.rows; ++r) {
        sel[n] = static_cast<uint32_t>(r);
        n += static_cast<size_t>(b.start_us[r] >= from_us) & static_cast<size_t>(b.start_us[r] < to_us);
      }
    }
    if (kind_mask != 0xffffffffu || status_mask != 0xffffffffu) {
      size_t m = 0;
      for (size_t i = 0; i < n; ++i) {
        const uint32_t r = sel[i];
        sel[m] = r;
        m += ((kind_mask >> b.kind[r]) & (status_mask >> b.status[r])) & 1u;
      }
      n = m;
    }
    if (min_dur_us != INT64_MIN) {
      size_t m = 0;
      for (size_t i = 0; i < n; ++i) {
        const uint32_t r = sel[i];
        sel[m] = r;
        m += static_cast<size_t>(b.dur_us[r] >= min_dur_us);
      }
      n = m;
    }
    for (const auto& [codes, bitmap] : str_filters) {
      size_t m = 0;
      for (size_t i = 0; i < n; ++i) {
        const uint32_t r = sel[i];
        sel[m] = r;
        m += bitmap[codes[r]];
      }
      n = m;
    }
    if (n == 0) return;
    stats.rows_matched += n;

    // Cell of each selected row (consecutive rows often share one).
    cell_of.resize(n);
    CellKey prev_key;
    uint32_t prev_cell = UINT32_MAX;
    for (size_t i = 0; i < n; ++i) {
      const uint32_t row = sel[i];
      CellKey key;
      for (size_t g = 0; g < ng; ++g) {
        GroupCol& gc = gcols[g];
        if (gc.type == Label::kKind) {
          key.g[g] = GlobalId(g, event::KindName(static_cast<event::SpanKind>(gc.bytes[row])));
        } else if (gc.type == Label::kStatus) {
          key.g[g] = GlobalId(g, event::StatusName(static_cast<event::SpanStatus>(gc.bytes[row])));
        } else {
          uint32_t code = gc.codes[row];
          uint32_t& gid = gc.st->global[code];
          if (gid == 0) gid = GlobalId(g, gc.dict->Lookup(code)) + 1;
          key.g[g] = gid - 1;
        }
      }
      key.bucket = BucketOf(b.start_us[row]);
      if (prev_cell == UINT32_MAX || !(key == prev_key)) {
        Cell* cp = CellAt(key);
        if (cp == nullptr) return;
        prev_cell = static_cast<uint32_t>(cp - cells.data());
        prev_key = key;
      }
      cell_of[i] = prev_cell;
    }
    const auto kError = static_cast<uint8_t>(event::SpanStatus::kError);
    for (size_t i = 0; i < n; ++i) {
      Cell& cell = cells[cell_of[i]];
      const uint32_t row = sel[i];
      ++cell.count;
      cell.errors += b.status[row] == kError ? 1 : 0;
      cell.first_start_us = std::min(cell.first_start_us, b.start_us[row]);
    }
    for (size_t f = 0; f < fields.size(); ++f) {
      for (size_t i = 0; i < n; ++i) {
        const double v = FieldValue(b, fields[f], sel[i]);
        if (std::isnan(v)) continue;
        FieldAcc& acc = cells[cell_of[i]].fields[f];
        acc.sum += v;
        ++acc.n;
        acc.min = std::min(acc.min, v);
        acc.max = std::max(acc.max, v);
        if (acc.sketch) acc.sketch->Add(v);
      }
    }
  }

  double AggValue(const Cell& c, size_t a) const {
    const Aggregate& agg = spec.aggregates[a];
    if (agg.op == Aggregate::kErrors) return static_cast<double>(c.errors);
    if (agg.op == Aggregate::kErrorRate) {
      return c.count ? static_cast<double>(c.errors) / static_cast<double>(c.count) : kNaN;
    }
    int f = agg_field[a];
    if (f < 0) return static_cast<double>(c.count);
    const FieldAcc& acc = c.fields[f];
    switch (agg.op) {
      case Aggregate::kCount: return static_cast<double>(acc.n);
      case Aggregate::kSum: return acc.n ? acc.sum : 0.0;
      case Aggregate::kAvg: return acc.n ? acc.sum / static_cast<double>(acc.n) : kNaN;
      case Aggregate::kMin: return acc.n ? acc.min : kNaN;
      case Aggregate::kMax: return acc.n ? acc.max : kNaN;
      case Aggregate::kQuantile: return acc.n ? acc.sketch->Quantile(agg.q) : kNaN;
      case Aggregate::kMad: return acc.n ? acc.sketch->MedianAbsoluteDeviation() : kNaN;
      case Aggregate::kErrors:
      case Aggregate::kErrorRate: break;  // handled above
    }
    return kNaN;
  }

  // Indices of the current top `limit` cells by the order_by aggregate (unsorted).
  // The order of an ordered query's series: non-null values by direction,
  // then nulls; ties (and nulls among themselves) by label values, ascending.
  bool RankedBefore(double xv, uint32_t xc, double yv, uint32_t yc) const {
    const bool xn = std::isnan(xv), yn = std::isnan(yv);
    if (xn != yn) return yn;
    if (!xn && xv != yv) return spec.order_by.descending ? xv > yv : xv < yv;
    const Cell& cx = cells[xc];
    const Cell& cy = cells[yc];
    for (size_t g = 0; g < spec.group_by.size(); ++g) {
      const std::string& a = group_values[g][cx.key.g[g]];
      const std::string& b = group_values[g][cy.key.g[g]];
      if (a != b) return a < b;
    }
    return false;
  }

  // The current top `limit` cells with a value, in no particular order; ties
  // broken as the final answer breaks them (so the same series).
  std::vector<uint32_t> TopCells() {
    std::vector<std::pair<double, uint32_t>> ranked;
    ranked.reserve(cells.size());
    for (uint32_t i = 0; i < cells.size(); ++i) {
      double v = AggValue(cells[i], spec.order_by.aggregate);
      if (!std::isnan(v)) ranked.emplace_back(v, i);
    }
    const size_t keep = std::min(spec.limit, ranked.size());
    if (keep < ranked.size()) {
      std::nth_element(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(keep), ranked.end(),
                       [&](const auto& a, const auto& b) { return RankedBefore(a.first, a.second, b.first, b.second); });
    }
    std::vector<uint32_t> out;
    for (size_t i = 0; i < keep; ++i) out.push_back(ranked[i].second);
    return out;
  }

  // The top `limit` series by one aggregate (no step: one cell per series).
  // Selection first (nth_element, linear), then only the kept ones are sorted,
  // so a top 10 out of a million sessions costs O(n + 10 log 10).
  Result<QueryResult> FinishOrdered() {
    QueryResult r;
    for (const auto& a : spec.aggregates) r.aggregate_names.push_back(a.name);
    r.step_us = 0;
    const size_t ng = spec.group_by.size();
    struct Ranked {
      double v;
      uint32_t cell;
    };
    std::vector<Ranked> ranked(cells.size());
    for (uint32_t i = 0; i < cells.size(); ++i) ranked[i] = {AggValue(cells[i], spec.order_by.aggregate), i};
    auto before = [&](const Ranked& x, const Ranked& y) { return RankedBefore(x.v, x.cell, y.v, y.cell); };
    size_t keep = std::min(spec.limit, ranked.size());
    if (keep < ranked.size()) {
      std::nth_element(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(keep), ranked.end(), before);
    }
    std::sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(keep), before);
    r.series.reserve(keep);
    for (size_t i = 0; i < keep; ++i) {
      const Cell& c = cells[ranked[i].cell];
      Series s;
      for (size_t g = 0; g < ng; ++g) {
        s.labels.emplace_back(std::string(spec.group_by[g].Name()), group_values[g][c.key.g[g]]);
      }
      Point p;
      p.t_us = spec.from_us != INT64_MIN ? spec.from_us : c.first_start_us;
      p.values.reserve(spec.aggregates.size());
      for (size_t a = 0; a < spec.aggregates.size(); ++a) {
        p.values.push_back(a == spec.order_by.aggregate ? ranked[i].v : AggValue(c, a));
      }
      s.points.push_back(std::move(p));
      r.series.push_back(std::move(s));
    }
    stats.elapsed_ms = static_cast<double>(MonotonicNanos() - start_ns) / 1e6;
    r.stats = stats;
    return r;
  }

  Result<QueryResult> Finish() {
    if (!error.ok()) return error;
    if (spec.order_by.enabled) {
      if (spec.step_us > 0) {
        return Status::InvalidArgument("order_by ranks series by one value each: leave out \"step\" to use it");
      }
      if (spec.order_by.aggregate >= spec.aggregates.size()) {
        return Status::InvalidArgument("order_by: aggregate index out of range");
      }
      return FinishOrdered();
    }
    QueryResult r;
    for (const auto& a : spec.aggregates) r.aggregate_names.push_back(a.name);
    r.step_us = spec.step_us;
    // Cells -> series (by group ids) -> points sorted by bucket.
    const size_t ng = spec.group_by.size();
    std::vector<uint32_t> order(cells.size());
    for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    auto label_less = [&](const Cell& x, const Cell& y) {
      for (size_t i = 0; i < ng; ++i) {
        const std::string& a = group_values[i][x.key.g[i]];
        const std::string& b = group_values[i][y.key.g[i]];
        if (a != b) return a < b;
      }
      return false;
    };
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
      const Cell& x = cells[a];
      const Cell& y = cells[b];
      if (label_less(x, y)) return true;
      if (label_less(y, x)) return false;
      return x.key.bucket < y.key.bucket;
    });
    for (size_t i = 0; i < order.size(); ++i) {
      const Cell& c = cells[order[i]];
      if (i == 0 || label_less(cells[order[i - 1]], c)) {
        if (r.series.size() >= spec.limit) {
          return Status::ResourceExhausted(
              fmt::format("query matches more than {} series; raise \"limit\" or narrow the filters", spec.limit));
        }
        Series s;
        for (size_t g = 0; g < ng; ++g) {
          s.labels.emplace_back(std::string(spec.group_by[g].Name()), group_values[g][c.key.g[g]]);
        }
        r.series.push_back(std::move(s));
      }
      Point p;
      // Without step: the query's from (result.h), or with an open from the
      // earliest matching start.
      p.t_us = spec.step_us > 0 ? c.key.bucket * spec.step_us
               : spec.from_us != INT64_MIN ? spec.from_us
                                           : c.first_start_us;
      p.values.reserve(spec.aggregates.size());
      for (size_t a = 0; a < spec.aggregates.size(); ++a) p.values.push_back(AggValue(c, a));
      r.series.back().points.push_back(std::move(p));
    }
    stats.elapsed_ms = static_cast<double>(MonotonicNanos() - start_ns) / 1e6;
    r.stats = stats;
    return r;
  }
};

double Engine::TopNThreshold() {
  const auto& spec = impl_->spec;
  if (!spec.order_by.enabled || spec.limit == 0) return std::numeric_limits<double>::quiet_NaN();
  std::vector<uint32_t> top = impl_->TopCells();
  if (top.size() < spec.limit) return std::numeric_limits<double>::quiet_NaN();
  double worst = std::numeric_limits<double>::infinity();
  for (uint32_t i : top) {
    double v = impl_->AggValue(impl_->cells[i], spec.order_by.aggregate);
    worst = std::min(worst, spec.order_by.descending ? v : -v);
  }
  return spec.order_by.descending ? worst : -worst;
}

std::vector<Engine::TopSeries> Engine::CurrentTopN() {
  std::vector<TopSeries> out;
  if (!impl_->spec.order_by.enabled) return out;
  for (uint32_t i : impl_->TopCells()) {
    const auto& c = impl_->cells[i];
    TopSeries t;
    for (size_t g = 0; g < impl_->spec.group_by.size(); ++g) t.labels.push_back(impl_->group_values[g][c.key.g[g]]);
    t.first_start_us = c.first_start_us;
    out.push_back(std::move(t));
  }
  return out;
}

Engine::Engine(const QuerySpec& spec) : impl_(std::make_unique<Impl>(spec)) {}
Engine::~Engine() = default;
void Engine::Consume(const ColumnBlock& block) { impl_->Consume(block, INT64_MIN, INT64_MAX); }
void Engine::Consume(const ColumnBlock& block, int64_t from_us, int64_t to_us) {
  impl_->Consume(block, from_us, to_us);
}
void Engine::ConsumeRollup(const Rollup& rollup, int64_t from_us, int64_t to_us) {
  impl_->ConsumeRollup(rollup, from_us, to_us);
}
void Engine::ConsumeLongRows(const ColumnBlock& block, int64_t min_dur_us) {
  impl_->min_dur_us = min_dur_us;
  impl_->Consume(block, INT64_MIN, INT64_MAX);
  impl_->min_dur_us = INT64_MIN;
}
void Engine::NoteSkippedBlocks(uint64_t n) { impl_->stats.blocks_skipped += n; }
Result<QueryResult> Engine::Finish() { return impl_->Finish(); }

}  // namespace agentperf::query

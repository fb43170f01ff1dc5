// Quantile accuracy of DDSketch (analysis/sketch/ddsketch.h) against exact
// order statistics (QuantileSorted), on synthetic heavy-tailed data and on the
// real LLM request traces in ../shared/data/llm-traces (read at run time; a
// missing file FAILS the test: the check must not silently disappear).
//
// The sketch's contract: Quantile(q) is within relative accuracy a of the
// element at 0-based sorted position floor(q * (n - 1)) (values below
// kMinIndexableValue all count as zero). That element is the lower of the two
// order statistics the type-7 quantile interpolates between.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/sketch/ddsketch.h"
#include "analysis/stats/robust.h"
#include "testing/paths.h"

namespace agentperf::analysis::stats {
namespace {

using sketch::DDSketch;

constexpr double kA = DDSketch::kDefaultRelativeAccuracy;  // 0.5 %
constexpr double kQuantiles[] = {0.5, 0.9, 0.95, 0.99};

::testing::AssertionResult Within(double got, double exact) {
  if (exact < DDSketch::kMinIndexableValue) {
    if (got >= 0 && got < DDSketch::kMinIndexableValue) return ::testing::AssertionSuccess();
  } else if (std::fabs(got - exact) <= exact * kA * (1 + 1e-9)) {  // + a few ulps of log/exp
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "sketch " << got << " vs exact " << exact << ": relative error "
                                       << std::fabs(got - exact) / exact << " > " << kA;
}

// Checks every q of kQuantiles; returns a failure naming the first bad one.
::testing::AssertionResult SketchAccurate(const std::vector<double>& values) {
  if (values.empty()) return ::testing::AssertionFailure() << "no values";
  DDSketch s;
  for (double v : values) s.Add(v);
  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  const double last = static_cast<double>(sorted.size() - 1);
  for (double q : kQuantiles) {
    const double h = q * last;
    const double lower = sorted[static_cast<size_t>(std::floor(h))];
    const double upper = sorted[static_cast<size_t>(std::ceil(h))];
    const double interpolated = QuantileSorted(sorted, q);
    if (!(lower <= interpolated && interpolated <= upper)) {
      return ::testing::AssertionFailure()
             << "QuantileSorted(" << q << ") = " << interpolated << " outside [" << lower << ", " << upper << "]";
    }
    const double got = s.Quantile(q);
    // The contract: the lower order statistic. (So the sketch is also within a
    // of an order statistic between the lower and the upper rank.)
    if (auto r = Within(got, lower); !r) {
      return r << " at q=" << q << " (n=" << sorted.size() << ", rank " << std::floor(h) << ")";
    }
  }
  return ::testing::AssertionSuccess();
}

// ------------------------------------------------------------------ synthetic

enum class Shape { kUniform, kLogNormal, kPareto };

std::vector<double> Generate(Shape shape, size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0, 1);
  auto unit = [&rng] { return static_cast<double>(rng() >> 11) * 0x1p-53; };  // [0, 1)
  std::vector<double> out(n);
  for (double& x : out) {
    switch (shape) {
      case Shape::kUniform:
        x = 1000 * unit();  // [0, 1000): zero is possible
        break;
      case Shape::kLogNormal:
        x = std::exp(3 + 1.5 * normal(rng));  // a latency-like spread
        break;
      case Shape::kPareto:
        x = std::pow(1 - unit(), -1 / 1.2);  // alpha = 1.2, x_m = 1: heavy tail
        break;
    }
  }
  return out;
}

void CheckShape(Shape shape) {
  const size_t n = *rc::gen::inRange<size_t>(1, 5000);
  const auto seed = *rc::gen::arbitrary<uint64_t>();
  const auto values = Generate(shape, n, seed);
  const auto result = SketchAccurate(values);
  if (!result) RC_FAIL(result.message());
}

RC_GTEST_PROP(SketchAccuracyProperty, Uniform, ()) {
  CheckShape(Shape::kUniform);
}
RC_GTEST_PROP(SketchAccuracyProperty, LogNormal, ()) {
  CheckShape(Shape::kLogNormal);
}
RC_GTEST_PROP(SketchAccuracyProperty, Pareto, ()) {
  CheckShape(Shape::kPareto);
}

TEST(SketchAccuracyTest, LargeSyntheticSamples) {
  for (Shape shape : {Shape::kUniform, Shape::kLogNormal, Shape::kPareto}) {
    EXPECT_TRUE(SketchAccurate(Generate(shape, 200'000, 12345))) << "shape " << static_cast<int>(shape);
  }
}

// ---------------------------------------------------------------- real traces

std::filesystem::path TraceDir() {
  return agentperf::testing::SharedDir() / "data" / "llm-traces";
}

// Reads a whole file; an empty result with a message in *error on failure.
bool ReadLines(const std::filesystem::path& path, std::vector<std::string>* lines, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = "cannot open " + path.string() +
             " (the shared LLM traces; set AGENTPERF_SHARED_DIR to the folder holding data/llm-traces)";
    return false;
  }
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) lines->push_back(line);
  }
  return true;
}

bool ParseNumber(std::string_view s, double* out) {
  std::string copy(s);
  char* end = nullptr;
  *out = std::strtod(copy.c_str(), &end);
  return end != copy.c_str() && std::isfinite(*out);
}

// "2023-11-16 18:17:03.9799600" -> seconds since the start of the month.
bool ParseTimestamp(std::string_view s, double* seconds) {
  double day = 0, hour = 0, minute = 0, second = 0;
  if (s.size() < 19 || !ParseNumber(s.substr(8, 2), &day) || !ParseNumber(s.substr(11, 2), &hour) ||
      !ParseNumber(s.substr(14, 2), &minute) || !ParseNumber(s.substr(17), &second)) {
    return false;
  }
  *seconds = ((day * 24 + hour) * 60 + minute) * 60 + second;
  return true;
}

struct Columns {
  std::vector<double> context_tokens;    // or input_length
  std::vector<double> generated_tokens;  // or output_length
  std::vector<double> gap_ms;            // time between consecutive requests
};

constexpr size_t kMinRows = 1000;  // a truncated file is an error too

::testing::AssertionResult ReadAzure(const std::string& name, Columns* cols) {
  std::vector<std::string> lines;
  std::string error;
  if (!ReadLines(TraceDir() / name, &lines, &error)) return ::testing::AssertionFailure() << error;
  if (lines.empty() || lines[0] != "TIMESTAMP,ContextTokens,GeneratedTokens") {
    return ::testing::AssertionFailure() << name << ": unexpected header";
  }
  double prev = NAN;
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    const size_t c1 = l.find(',');
    const size_t c2 = l.find(',', c1 + 1);
    double t = 0, ctx = 0, gen = 0;
    if (c1 == std::string::npos || c2 == std::string::npos || !ParseTimestamp(l.substr(0, c1), &t) ||
        !ParseNumber(l.substr(c1 + 1, c2 - c1 - 1), &ctx) || !ParseNumber(l.substr(c2 + 1), &gen)) {
      return ::testing::AssertionFailure() << name << ":" << i + 1 << ": cannot parse '" << l << "'";
    }
    cols->context_tokens.push_back(ctx);
    cols->generated_tokens.push_back(gen);
    if (!std::isnan(prev) && t >= prev) cols->gap_ms.push_back((t - prev) * 1000);
    prev = t;
  }
  if (cols->context_tokens.size() < kMinRows) {
    return ::testing::AssertionFailure() << name << ": only " << cols->context_tokens.size() << " rows";
  }
  return ::testing::AssertionSuccess();
}

bool JsonNumber(const std::string& line, std::string_view key, double* out) {
  const std::string quoted = "\"" + std::string(key) + "\":";
  const size_t at = line.find(quoted);
  if (at == std::string::npos) return false;
  return ParseNumber(std::string_view(line).substr(at + quoted.size()), out);  // strtod skips spaces
}

::testing::AssertionResult ReadMooncake(const std::string& name, Columns* cols) {
  std::vector<std::string> lines;
  std::string error;
  if (!ReadLines(TraceDir() / name, &lines, &error)) return ::testing::AssertionFailure() << error;
  double prev = NAN;
  for (size_t i = 0; i < lines.size(); ++i) {
    double t = 0, in = 0, out = 0;
    if (!JsonNumber(lines[i], "timestamp", &t) || !JsonNumber(lines[i], "input_length", &in) ||
        !JsonNumber(lines[i], "output_length", &out)) {
      return ::testing::AssertionFailure() << name << ":" << i + 1 << ": missing timestamp/input_length/output_length";
    }
    cols->context_tokens.push_back(in);
    cols->generated_tokens.push_back(out);
    if (!std::isnan(prev) && t >= prev) cols->gap_ms.push_back(t - prev);  // ms already
    prev = t;
  }
  if (cols->context_tokens.size() < kMinRows) {
    return ::testing::AssertionFailure() << name << ": only " << cols->context_tokens.size() << " rows";
  }
  return ::testing::AssertionSuccess();
}

void CheckColumns(const std::string& name, const Columns& cols) {
  EXPECT_TRUE(SketchAccurate(cols.context_tokens)) << name << " input tokens";
  EXPECT_TRUE(SketchAccurate(cols.generated_tokens)) << name << " output tokens";
  EXPECT_TRUE(SketchAccurate(cols.gap_ms)) << name << " inter-arrival ms";
}

TEST(SketchAccuracyTraceTest, AzureCode) {
  Columns cols;
  ASSERT_TRUE(ReadAzure("AzureLLMInferenceTrace_code.csv", &cols));
  CheckColumns("azure code", cols);
}

TEST(SketchAccuracyTraceTest, AzureConversation) {
  Columns cols;
  ASSERT_TRUE(ReadAzure("AzureLLMInferenceTrace_conv.csv", &cols));
  CheckColumns("azure conv", cols);
}

TEST(SketchAccuracyTraceTest, MooncakeConversation) {
  Columns cols;
  ASSERT_TRUE(ReadMooncake("mooncake_conversation_trace.jsonl", &cols));
  CheckColumns("mooncake conversation", cols);
}

TEST(SketchAccuracyTraceTest, MooncakeSynthetic) {
  Columns cols;
  ASSERT_TRUE(ReadMooncake("mooncake_synthetic_trace.jsonl", &cols));
  CheckColumns("mooncake synthetic", cols);
}

TEST(SketchAccuracyTraceTest, AllTracesPooled) {
  // One sketch over every request of the four traces (mixed workloads).
  Columns all;
  for (const char* name : {"AzureLLMInferenceTrace_code.csv", "AzureLLMInferenceTrace_conv.csv"}) {
    ASSERT_TRUE(ReadAzure(name, &all));
  }
  for (const char* name : {"mooncake_conversation_trace.jsonl", "mooncake_synthetic_trace.jsonl"}) {
    ASSERT_TRUE(ReadMooncake(name, &all));
  }
  CheckColumns("all traces", all);
}

}  // namespace
}  // namespace agentperf::analysis::stats

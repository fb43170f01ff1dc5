// Test helpers for the OTLP tests: the real OpenCode 1.18.33 captures
// (read from ../shared/opencode/samples/otlp/, never copied here), and a small
// builder for synthetic OTLP/JSON spans.
#pragma once

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "testing/paths.h"

namespace agentperf::otlp::testdata {

inline std::string Read(const std::string& name) {
  const std::filesystem::path dir = agentperf::testing::OpencodeSamplesDir() / "otlp";
  std::ifstream f(dir / name, std::ios::binary);
  if (!f) throw std::runtime_error("missing test data " + (dir / name).string());
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// One span as OTLP/JSON; `attrs` are already-encoded KeyValue objects.
struct SpanJson {
  std::string trace = "0af7651916cd43dd8448eb211c80319c";
  std::string span = "b7ad6b7169203331";
  std::string parent;
  std::string name = "chat";
  std::string start_ns = "1795487306859000000";
  std::string end_ns = "1795487307387000000";
  int status = 1;
  std::vector<std::string> attrs;

  SpanJson& Str(const std::string& k, const std::string& v) {
    attrs.push_back(fmt::format(R"({{"key":"{}","value":{{"stringValue":"{}"}}}})", k, v));
    return *this;
  }
  // intValue as a JSON number, or (as_string) as a string, like the spec's JSON mapping.
  SpanJson& Int(const std::string& k, int64_t v, bool as_string = false) {
    attrs.push_back(as_string ? fmt::format(R"({{"key":"{}","value":{{"intValue":"{}"}}}})", k, v)
                              : fmt::format(R"({{"key":"{}","value":{{"intValue":{}}}}})", k, v));
    return *this;
  }
  SpanJson& Double(const std::string& k, double v) {
    attrs.push_back(fmt::format(R"({{"key":"{}","value":{{"doubleValue":{}}}}})", k, v));
    return *this;
  }
  std::string Json() const {
    std::string a;
    for (size_t i = 0; i < attrs.size(); ++i) a += (i ? "," : "") + attrs[i];
    std::string parent_field = parent.empty() ? "" : fmt::format(R"("parentSpanId":"{}",)", parent);
    return fmt::format(
        R"({{"traceId":"{}","spanId":"{}",{}"name":"{}","kind":1,"startTimeUnixNano":"{}","endTimeUnixNano":"{}","attributes":[{}],"status":{{"code":{}}}}})",
        trace, span, parent_field, name, start_ns, end_ns, a, status);
  }
};

inline std::string TracesJson(const std::string& service, const std::vector<SpanJson>& spans) {
  std::string s;
  for (size_t i = 0; i < spans.size(); ++i) s += (i ? "," : "") + spans[i].Json();
  return fmt::format(
      R"({{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"{}"}}}}]}},"scopeSpans":[{{"scope":{{"name":"t"}},"spans":[{}]}}]}}]}})",
      service, s);
}

}  // namespace agentperf::otlp::testdata

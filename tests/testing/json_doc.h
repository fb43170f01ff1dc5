// Reading JSON answers in tests: JsonDoc parses once and reads values by JSON
// pointer ("/series/0/points/0/count"); JsonNum/JsonStr do it in one call.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace agentperf::testing {

class JsonDoc {
 public:
  explicit JsonDoc(const std::string& json) { ok_ = parser_.parse(json).get(root_) == simdjson::SUCCESS; }
  bool ok() const { return ok_; }
  std::optional<double> Num(std::string_view ptr) const {
    double d;
    if (!ok_ || root_.at_pointer(ptr).get_double().get(d) != simdjson::SUCCESS) return std::nullopt;
    return d;
  }
  std::optional<bool> Bool(std::string_view ptr) const {
    bool b;
    if (!ok_ || root_.at_pointer(ptr).get_bool().get(b) != simdjson::SUCCESS) return std::nullopt;
    return b;
  }
  std::optional<std::string> Str(std::string_view ptr) const {
    std::string_view s;
    if (!ok_ || root_.at_pointer(ptr).get_string().get(s) != simdjson::SUCCESS) return std::nullopt;
    return std::string(s);
  }
  // Length of the array at ptr, SIZE_MAX if there is none.
  size_t Len(std::string_view ptr) const {
    simdjson::dom::array a;
    if (!ok_ || root_.at_pointer(ptr).get_array().get(a) != simdjson::SUCCESS) return SIZE_MAX;
    return a.size();
  }

 private:
  simdjson::dom::parser parser_;
  simdjson::dom::element root_;
  bool ok_ = false;
};

inline std::optional<double> JsonNum(const std::string& json, std::string_view ptr) { return JsonDoc(json).Num(ptr); }
inline std::optional<std::string> JsonStr(const std::string& json, std::string_view ptr) {
  return JsonDoc(json).Str(ptr);
}

}  // namespace agentperf::testing

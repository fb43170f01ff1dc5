// JsonWriter: a small, fast, streaming JSON emitter (objects, arrays, strings
// with full escaping, integers, doubles with round-trip precision, null for
// non-finite doubles). Produces compact output; Pretty() re-indents.
//
// Usage: JsonWriter w; w.BeginObject(); w.Key("n"); w.Int(3); w.EndObject();
// The writer tracks commas itself; it asserts (debug) on misuse.
// Thread-safety: not thread-safe; one writer per output.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace agentperf {

class JsonWriter {
 public:
  JsonWriter() = default;
  explicit JsonWriter(std::string* out) : out_(out) {}

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view s);
  JsonWriter& Int(int64_t v);
  JsonWriter& Uint(uint64_t v);
  JsonWriter& Double(double v);  // non-finite -> null
  JsonWriter& Bool(bool v);
  JsonWriter& Null();
  // Inserts already-serialized JSON as a value.
  JsonWriter& Raw(std::string_view json);

  // Convenience: Key(k) followed by a value.
  JsonWriter& Field(std::string_view k, std::string_view v) { return Key(k).String(v); }
  JsonWriter& Field(std::string_view k, const char* v) { return Key(k).String(v); }
  JsonWriter& Field(std::string_view k, int64_t v) { return Key(k).Int(v); }
  JsonWriter& Field(std::string_view k, uint64_t v) { return Key(k).Uint(v); }
  JsonWriter& Field(std::string_view k, int v) { return Key(k).Int(v); }
  JsonWriter& Field(std::string_view k, double v) { return Key(k).Double(v); }
  JsonWriter& Field(std::string_view k, bool v) { return Key(k).Bool(v); }

  const std::string& str() const { return *out_; }
  std::string Take() { return std::move(*out_); }

 private:
  void Separate();
  std::string own_;
  std::string* out_ = &own_;
  std::vector<bool> first_{true};  // per nesting level: no element written yet
  bool after_key_ = false;
};

// Appends s as a JSON string literal (with quotes) to out.
void AppendJsonString(std::string* out, std::string_view s);
// Re-indents compact JSON with two spaces (for terminals and golden files).
std::string PrettyJson(std::string_view json);

}  // namespace agentperf

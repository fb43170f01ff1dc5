#include "core/jsonc_edit.h"

#include <fmt/format.h>

#include <cctype>
#include <memory>

namespace agentperf::jsonc {
namespace {

constexpr int kMaxDepth = 64;

// One parsed value: its byte range and, for objects, its members.
struct Node;
struct Member {
  std::string key;
  size_t begin = 0;  // the key's opening quote
  std::unique_ptr<Node> value;
};
struct Node {
  size_t begin = 0, end = 0;  // [begin, end) of the value's text
  bool is_object = false;
  std::vector<Member> members;
};

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  Result<std::unique_ptr<Node>> Document() {
    SkipSpace();
    AP_ASSIGN_OR_RETURN(auto root, Value(0));
    SkipSpace();
    if (!err_.ok()) return err_;
    if (p_ != s_.size()) return Fail("text after the root value");
    return root;
  }

 private:
  Status Fail(std::string_view what) {
    return Status::InvalidArgument(fmt::format("invalid JSONC at byte {}: {}", p_, what));
  }

  void SkipSpace() {
    while (p_ < s_.size()) {
      char c = s_[p_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++p_;
      } else if (c == '/' && p_ + 1 < s_.size() && s_[p_ + 1] == '/') {
        while (p_ < s_.size() && s_[p_] != '\n') ++p_;
      } else if (c == '/' && p_ + 1 < s_.size() && s_[p_ + 1] == '*') {
        size_t close = s_.find("*/", p_ + 2);
        if (close == std::string_view::npos) {
          err_ = Fail("unterminated comment");
          p_ = s_.size();
          return;
        }
        p_ = close + 2;
      } else {
        return;
      }
    }
  }

  Result<std::string> String() {
    std::string out;
    ++p_;  // opening quote
    while (p_ < s_.size()) {
      char c = s_[p_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) return Fail("control character in string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (p_ >= s_.size()) break;
      char e = s_[p_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          // Keys we look up are ASCII; keep other escapes verbatim.
          if (p_ + 4 > s_.size()) return Fail("short \\u escape");
          out += "\\u";
          out.append(s_.substr(p_, 4));
          p_ += 4;
          break;
        }
        default: return Fail("bad escape");
      }
    }
    return Fail("unterminated string");
  }

  Result<std::unique_ptr<Node>> Value(int depth) {
    if (depth > kMaxDepth) return Fail("nested too deeply");
    if (p_ >= s_.size()) return Fail("value expected");
    auto node = std::make_unique<Node>();
    node->begin = p_;
    char c = s_[p_];
    if (c == '{' || c == '[') {
      bool obj = c == '{';
      node->is_object = obj;
      ++p_;
      while (true) {
        SkipSpace();
        if (p_ >= s_.size()) return Fail("unterminated object or array");
        if (s_[p_] == (obj ? '}' : ']')) {
          ++p_;
          break;
        }
        if (obj) {
          if (s_[p_] != '"') return Fail("key expected");
          Member m;
          m.begin = p_;
          AP_ASSIGN_OR_RETURN(m.key, String());
          SkipSpace();
          if (p_ >= s_.size() || s_[p_] != ':') return Fail("':' expected");
          ++p_;
          SkipSpace();
          AP_ASSIGN_OR_RETURN(m.value, Value(depth + 1));
          node->members.push_back(std::move(m));
        } else {
          AP_ASSIGN_OR_RETURN(auto ignored, Value(depth + 1));
          (void)ignored;
        }
        SkipSpace();
        if (p_ < s_.size() && s_[p_] == ',') {
          ++p_;
        } else if (p_ < s_.size() && s_[p_] != (obj ? '}' : ']')) {
          return Fail("',' expected");
        }
      }
    } else if (c == '"') {
      AP_ASSIGN_OR_RETURN(auto ignored, String());
      (void)ignored;
    } else {
      size_t start = p_;
      while (p_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[p_])) || s_[p_] == '-' ||
                                s_[p_] == '+' || s_[p_] == '.')) {
        ++p_;
      }
      if (p_ == start) return Fail("value expected");
    }
    node->end = p_;
    return node;
  }

  std::string_view s_;
  size_t p_ = 0;
  Status err_;
};

Result<std::vector<std::string>> SplitPointer(std::string_view pointer) {
  std::vector<std::string> out;
  if (pointer.empty() || pointer[0] != '/') return Status::InvalidArgument("a JSON pointer starts with '/'");
  size_t i = 1;
  while (true) {
    size_t j = pointer.find('/', i);
    std::string_view raw = pointer.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i);
    std::string key;
    for (size_t k = 0; k < raw.size(); ++k) {
      if (raw[k] == '~' && k + 1 < raw.size() && (raw[k + 1] == '0' || raw[k + 1] == '1')) {
        key += raw[k + 1] == '0' ? '~' : '/';
        ++k;
      } else {
        key += raw[k];
      }
    }
    out.push_back(std::move(key));
    if (j == std::string_view::npos) break;
    i = j + 1;
  }
  return out;
}

std::string Quote(std::string_view key) {
  std::string out = "\"";
  for (char c : key) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// Walks `keys` from the root; stops at the first absent key.
struct Walk {
  std::vector<const Node*> objects;  // objects[i] holds keys[i]
  const Member* found = nullptr;     // the member of the last key, if present
};
Result<Walk> WalkTo(const Node* root, const std::vector<std::string>& keys) {
  Walk w;
  const Node* cur = root;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!cur->is_object) return Status::InvalidArgument(fmt::format("'{}' is inside a value that is not an object", keys[i]));
    w.objects.push_back(cur);
    const Member* hit = nullptr;
    for (const auto& m : cur->members) {
      if (m.key == keys[i]) hit = &m;  // the last duplicate wins, as in JSON.parse
    }
    if (!hit) return w;
    if (i + 1 == keys.size()) {
      w.found = hit;
      return w;
    }
    cur = hit->value.get();
  }
  return w;
}

size_t LineStart(std::string_view s, size_t pos) {
  size_t i = s.rfind('\n', pos == 0 ? 0 : pos - 1);
  return (i == std::string_view::npos || pos == 0) ? 0 : i + 1;
}
bool OnlySpaceBefore(std::string_view s, size_t pos) {
  for (size_t i = LineStart(s, pos); i < pos; ++i) {
    if (s[i] != ' ' && s[i] != '\t') return false;
  }
  return true;
}
std::string IndentOf(std::string_view s, size_t pos) {
  size_t b = LineStart(s, pos);
  size_t e = b;
  while (e < pos && (s[e] == ' ' || s[e] == '\t')) ++e;
  return std::string(s.substr(b, e - b));
}
// Skips spaces and comments that end on the current line; returns the
// position of the newline, or npos if something else follows first.
size_t RestOfLineEnd(std::string_view s, size_t pos) {
  while (pos < s.size()) {
    if (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\r') {
      ++pos;
    } else if (s.substr(pos, 2) == "//") {
      size_t nl = s.find('\n', pos);
      return nl == std::string_view::npos ? s.size() : nl;
    } else if (s.substr(pos, 2) == "/*") {
      size_t close = s.find("*/", pos + 2);
      if (close == std::string_view::npos || s.substr(pos, close - pos).find('\n') != std::string_view::npos) {
        return std::string_view::npos;
      }
      pos = close + 2;
    } else if (s[pos] == '\n') {
      return pos;
    } else {
      return std::string_view::npos;
    }
  }
  return s.size();
}
size_t SkipBlank(std::string_view s, size_t pos) {
  while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\r' || s[pos] == '\n')) ++pos;
  return pos;
}

// The document's indentation unit: the first member's indent of the root.
std::string IndentUnit(std::string_view s, const Node* root) {
  if (root->is_object && !root->members.empty() && OnlySpaceBefore(s, root->members[0].begin)) {
    std::string ind = IndentOf(s, root->members[0].begin);
    if (!ind.empty()) return ind;
  }
  return "  ";
}

// `"k1": {"k2": ... value}` for the keys not present yet, multi-line.
std::string NestedMember(const std::vector<std::string>& keys, size_t from, std::string_view value,
                         const std::string& indent, const std::string& unit) {
  std::string out = Quote(keys[from]) + ": ";
  if (from + 1 == keys.size()) return out + std::string(value);
  std::string inner = indent + unit;
  return out + "{\n" + inner + NestedMember(keys, from + 1, value, inner, unit) + "\n" + indent + "}";
}

}  // namespace

Result<std::optional<std::string>> Get(std::string_view text, std::string_view pointer) {
  AP_ASSIGN_OR_RETURN(auto keys, SplitPointer(pointer));
  AP_ASSIGN_OR_RETURN(auto root, Parser(text).Document());
  AP_ASSIGN_OR_RETURN(auto w, WalkTo(root.get(), keys));
  if (!w.found) return std::optional<std::string>();
  const Node* v = w.found->value.get();
  return std::optional<std::string>(std::string(text.substr(v->begin, v->end - v->begin)));
}

Result<SetResult> Set(std::string_view text, std::string_view pointer, std::string_view json_value) {
  AP_ASSIGN_OR_RETURN(auto keys, SplitPointer(pointer));
  SetResult r;
  if (SkipBlank(text, 0) == text.size()) {
    std::string path;
    for (size_t i = 0; i + 1 < keys.size(); ++i) r.created_objects.push_back(path += "/" + keys[i]);
    r.text = "{\n  " + NestedMember(keys, 0, json_value, "  ", "  ") + "\n}\n";
    return r;
  }
  AP_ASSIGN_OR_RETURN(auto root, Parser(text).Document());
  AP_ASSIGN_OR_RETURN(auto w, WalkTo(root.get(), keys));
  if (w.found) {
    const Node* v = w.found->value.get();
    r.before = std::string(text.substr(v->begin, v->end - v->begin));
    r.text = std::string(text.substr(0, v->begin)) + std::string(json_value) + std::string(text.substr(v->end));
    return r;
  }
  size_t depth = w.objects.size() - 1;  // keys[depth] is missing in w.objects[depth]
  const Node* obj = w.objects[depth];
  std::string path;
  for (size_t i = 0; i < keys.size(); ++i) {
    path += "/" + keys[i];
    if (i >= depth && i + 1 < keys.size()) r.created_objects.push_back(path);
  }
  std::string unit = IndentUnit(text, root.get());
  std::string out(text);
  if (obj->members.empty()) {
    // "{}" or "{ /* c */ }": put the member on its own line after '{'.
    std::string outer = IndentOf(text, obj->begin);
    std::string ind = outer + unit;
    size_t close = obj->end - 1;
    bool multiline = text.substr(obj->begin, obj->end - obj->begin).find('\n') != std::string_view::npos;
    std::string member = NestedMember(keys, depth, json_value, ind, unit);
    if (multiline) {
      out.insert(obj->begin + 1, "\n" + ind + member);
    } else {
      out.insert(close, "\n" + ind + member + "\n" + outer);
    }
    r.text = std::move(out);
    return r;
  }
  const Member& last = obj->members.back();
  size_t vend = last.value->end;
  size_t after = SkipBlank(text, vend);
  // A comment right after the value stays with it.
  bool has_comma = after < text.size() && text[after] == ',';
  size_t comma_end = has_comma ? after + 1 : vend;
  if (OnlySpaceBefore(text, last.begin)) {
    std::string ind = IndentOf(text, last.begin);
    std::string member = NestedMember(keys, depth, json_value, ind, unit);
    size_t eol = RestOfLineEnd(text, comma_end);
    if (eol != std::string_view::npos) {
      out.insert(eol, "\n" + ind + member);
    } else {
      out.insert(comma_end, "\n" + ind + member);
    }
    if (!has_comma) out.insert(vend, ",");
  } else {
    // Everything on one line: `{"a": 1}` -> `{"a": 1, "k": v}`.
    std::string member = NestedMember(keys, depth, json_value, "", "");
    for (size_t pos; (pos = member.find('\n')) != std::string::npos;) member.erase(pos, 1);
    if (has_comma) {
      out.insert(comma_end, " " + member);
    } else {
      out.insert(vend, ", " + member);
    }
  }
  r.text = std::move(out);
  return r;
}

Result<std::string> Remove(std::string_view text, std::string_view pointer) {
  AP_ASSIGN_OR_RETURN(auto keys, SplitPointer(pointer));
  AP_ASSIGN_OR_RETURN(auto root, Parser(text).Document());
  AP_ASSIGN_OR_RETURN(auto w, WalkTo(root.get(), keys));
  if (!w.found) return std::string(text);
  const Node* obj = w.objects.back();
  size_t idx = static_cast<size_t>(w.found - obj->members.data());
  size_t begin = w.found->begin;
  size_t end = w.found->value->end;
  bool own_line = OnlySpaceBefore(text, begin);
  auto spaces = [&](size_t p) {
    while (p < text.size() && (text[p] == ' ' || text[p] == '\t')) ++p;
    return p;
  };
  std::string out(text);
  size_t after = SkipBlank(text, end);
  if (after < text.size() && text[after] == ',') {
    // A member followed by a comma: cut it with its comma (and its line).
    size_t eol = RestOfLineEnd(text, after + 1);
    if (own_line && eol != std::string_view::npos && eol < text.size()) {
      out.erase(LineStart(text, begin), eol + 1 - LineStart(text, begin));
    } else {
      out.erase(begin, spaces(after + 1) - begin);
    }
    return out;
  }
  size_t eol = RestOfLineEnd(text, end);
  size_t cut_end = eol != std::string_view::npos ? eol : end;
  if (idx > 0) {
    // The last member: the comma before it goes too.
    size_t c = SkipBlank(text, obj->members[idx - 1].value->end);
    if (own_line) {
      size_t b = LineStart(text, begin);
      out.erase(b > 0 ? b - 1 : 0, cut_end - (b > 0 ? b - 1 : 0));
      if (c < text.size() && text[c] == ',') out.erase(c, 1);
    } else if (c < text.size() && text[c] == ',') {
      out.erase(c, end - c);
    } else {
      out.erase(begin, end - begin);
    }
    return out;
  }
  if (own_line) {
    size_t b = LineStart(text, begin);
    out.erase(b > 0 ? b - 1 : 0, cut_end - (b > 0 ? b - 1 : 0));
  } else {
    out.erase(begin, spaces(end) - begin);
  }
  return out;
}

Result<bool> IsEmptyObject(std::string_view text, std::string_view pointer) {
  AP_ASSIGN_OR_RETURN(auto keys, SplitPointer(pointer));
  AP_ASSIGN_OR_RETURN(auto root, Parser(text).Document());
  AP_ASSIGN_OR_RETURN(auto w, WalkTo(root.get(), keys));
  return w.found != nullptr && w.found->value->is_object && w.found->value->members.empty();
}

Result<std::vector<std::string>> RootKeys(std::string_view text) {
  AP_ASSIGN_OR_RETURN(auto root, Parser(text).Document());
  std::vector<std::string> keys;
  for (const auto& m : root->members) keys.push_back(m.key);
  return keys;
}

}  // namespace agentperf::jsonc

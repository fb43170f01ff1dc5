// Minimal textual edits of JSON-with-comments documents (opencode.json/.jsonc).
//
// The editor never re-serialises a document: it parses just enough to know
// the byte range of every object member, then splices new text in or cuts a
// member out, so comments, key order, spacing and trailing commas elsewhere
// stay byte for byte. Accepted syntax: JSON plus // and /* */ comments and
// trailing commas (what OpenCode accepts for opencode.json(c)).
//
// Pointers are JSON Pointers made of object keys only ("/experimental/x");
// "~0" and "~1" escapes are honoured. Values are raw JSON text ("true").
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace agentperf::jsonc {

// The raw text of the value at `pointer`, or nullopt when a key on the path is
// absent. Errors: the text is not valid JSONC, or a path element is not an
// object.
Result<std::optional<std::string>> Get(std::string_view text, std::string_view pointer);

struct SetResult {
  std::string text;                          // the edited document
  std::optional<std::string> before;         // raw old value; nullopt if absent
  std::vector<std::string> created_objects;  // pointers of objects it had to create
};

// Sets the value at `pointer` to `json_value`, creating missing objects on
// the way (in the document's indentation style). An empty or all-whitespace
// document becomes a new object. REQUIRES: pointer is not "".
Result<SetResult> Set(std::string_view text, std::string_view pointer, std::string_view json_value);

// Removes the member at `pointer` with its separating comma and its line when
// it is alone on it. Returns the text unchanged if the member is absent.
Result<std::string> Remove(std::string_view text, std::string_view pointer);

// True if the value at `pointer` is an object without members (comments do
// not count). False if absent or not an object.
Result<bool> IsEmptyObject(std::string_view text, std::string_view pointer);

// The keys of the root object, in document order.
Result<std::vector<std::string>> RootKeys(std::string_view text);

}  // namespace agentperf::jsonc

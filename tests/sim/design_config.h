// The configuration example of docs/design/opencode-integration.md §7.2 (and
// docs/simulate.md), shared by the simulated-model tests.
#pragma once

namespace agentperf::sim::testing {

inline constexpr const char* kDesignConfig = R"json({
  "seed": 42,
  "models": {
    "sim-large": {"ttfc_ms": {"dist": "lognormal", "median": 400, "p95": 1200},
                  "tokens_per_s": {"dist": "normal", "mean": 60, "sd": 8, "min": 5},
                  "error_rate": 0.0, "rate_limit_rate": 0.02, "retry_after_ms": 300,
                  "chars_per_token": 4, "cache": "prefix"},
    "sim-small": {"ttfc_ms": {"dist": "fixed", "value": 80}, "tokens_per_s": {"dist": "fixed", "value": 200}}
  },
  "title": {"text": "Sim session title"},
  "agents": {
    "planner": {"match": "You are the PLANNER", "steps": [
      {"tools": [{"name": "task", "args": {"subagent_type": "tester", "description": "Run the tests", "prompt": "Run the test suite"}},
                 {"name": "task", "args": {"subagent_type": "coder", "description": "Fix the bug", "prompt": "Fix it"}}]},
      {"text": "Plan complete: tests pass, bug fixed.", "output_tokens": 40}]},
    "tester":  {"match": "You are the TESTER",  "steps": [{"tools": [{"name": "bash", "args": {"command": "echo tests-pass", "description": "run tests"}}]}, {"text": "All tests pass."}]},
    "coder":   {"match": "You are the CODER",   "steps": [{"tools": [{"name": "read", "args": {"filePath": "README.md"}}]},
                                                         {"fail": [{"status": 429, "attempts": 1}], "tools": [{"name": "bash", "args": {"command": "echo patched"}}]},
                                                         {"text": "Patched."}]},
    "architect": {"match": "You are the ARCHITECT", "steps": [{"tools": [{"name": "task", "args": {"subagent_type": "researcher", "description": "Survey", "prompt": "Survey options"}}]}, {"text": "Design done."}]},
    "researcher": {"match": "You are the RESEARCHER", "steps": [{"tools": [{"name": "glob", "args": {"pattern": "**/*.md"}}, {"name": "grep", "args": {"pattern": "hello"}}]}, {"text": "Found 2 files."}]}
  },
  "triggers": [{"user_contains": "SIM_PERM", "agent": "build", "steps": [{"tools": [{"name": "bash", "args": {"command": "echo needs-permission"}}]}, {"text": "ok"}]}],
  "default": {"steps": [{"text": "OK"}]}
})json";

}  // namespace agentperf::sim::testing

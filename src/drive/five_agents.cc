#include "drive/five_agents.h"

#include <fmt/format.h>

namespace agentperf::drive {

std::vector<AgentFile> FiveAgents() {
  return {
      {"planner", "primary", "Plans the work and delegates to tester and coder",
       "You are the PLANNER agent. Delegate test runs to `tester` and fixes to `coder`.", ""},
      {"architect", "primary", "Designs and delegates research",
       "You are the ARCHITECT agent. Ask `researcher` to survey, then design.", ""},
      {"tester", "subagent", "Runs the test suite", "You are the TESTER agent. Run the tests.", ""},
      {"coder", "subagent", "Fixes bugs", "You are the CODER agent. Fix the code.", ""},
      {"researcher", "subagent", "Surveys the code base", "You are the RESEARCHER agent. Look around.", ""},
  };
}

std::string FiveAgentsSimConfig(uint64_t seed, const std::string& title) {
  return fmt::format(R"json({{
  "seed": {},
  "models": {{
    "sim-large": {{"ttfc_ms": {{"dist": "uniform", "min": 20, "max": 60}}, "tokens_per_s": {{"dist": "fixed", "value": 400}},
                  "retry_after_ms": 200}},
    "sim-small": {{"ttfc_ms": 5, "tokens_per_s": 1000}}
  }},
  "title": {{"text": "{}"}},
  "agents": {{
    "planner": {{"match": "You are the PLANNER agent", "steps": [
      {{"text": "Delegating.", "tools": [
        {{"name": "task", "args": {{"subagent_type": "tester", "description": "Run the tests", "prompt": "Run the test suite"}}}},
        {{"name": "task", "args": {{"subagent_type": "coder", "description": "Fix the bug", "prompt": "Fix the bug in README.md"}}}}]}},
      {{"text": "Plan complete.", "output_tokens": 40}}]}},
    "tester": {{"match": "You are the TESTER agent", "steps": [
      {{"tools": [{{"name": "bash", "args": {{"command": "echo tests-pass", "description": "Run the tests"}}}}]}},
      {{"text": "All tests pass."}}]}},
    "coder": {{"match": "You are the CODER agent", "steps": [
      {{"tools": [{{"name": "read", "args": {{"filePath": "README.md"}}}}]}},
      {{"fail": [{{"status": 429, "attempts": 1}}],
       "tools": [{{"name": "bash", "args": {{"command": "echo patched", "description": "Apply the patch"}}}}]}},
      {{"text": "Patched."}}]}},
    "architect": {{"match": "You are the ARCHITECT agent", "steps": [
      {{"tools": [{{"name": "task", "args": {{"subagent_type": "researcher", "description": "Survey", "prompt": "Survey the options"}}}}]}},
      {{"text": "Design done."}}]}},
    "researcher": {{"match": "You are the RESEARCHER agent", "steps": [
      {{"tools": [{{"name": "glob", "args": {{"pattern": "**/*.md"}}}}, {{"name": "grep", "args": {{"pattern": "hello"}}}}]}},
      {{"tools": [{{"name": "read", "args": {{"filePath": "MISSING.md"}}}}]}},
      {{"text": "Found what there is."}}]}}
  }},
  "triggers": [{{"user_contains": "SIM_PERM", "steps": [
      {{"tools": [{{"name": "bash", "args": {{"command": "echo needs-permission", "description": "Needs a permission"}}}}]}},
      {{"text": "ok"}}]}}]
}})json",
                     seed, title);
}

Status WriteFiveAgentWorld(const OpencodeWorld& world, const std::string& sim_base_url) {
  AP_RETURN_IF_ERROR(world.WriteProjectConfig(sim_base_url));
  for (const AgentFile& a : FiveAgents()) AP_RETURN_IF_ERROR(world.WriteAgent(a));
  return Status::OK();
}

}  // namespace agentperf::drive

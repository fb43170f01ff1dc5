// The five-agent scenario of `agentperf demo` and the end-to-end test
// (docs/design/opencode-integration.md §7.3, §8.2): custom agents architect,
// planner, tester, researcher and coder, and the simulated model's script
// for them (docs/simulate.md):
//  * planner delegates to tester and coder in parallel through `task`; the
//    tester runs bash, the coder reads README.md, gets one scripted 429
//    (opencode retries), then runs bash;
//  * architect delegates to researcher, which globs, greps and reads a
//    missing file (a failed tool);
//  * a prompt containing "SIM_PERM" runs a bash call (with
//    OPENCODE_PERMISSION={"bash":"ask"}, a permission prompt).
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "drive/opencode_world.h"

namespace agentperf::drive {

// The prompt that triggers the permission script.
inline constexpr const char* kPermissionPrompt = "SIM_PERM please run it";

std::vector<AgentFile> FiveAgents();
// `agentperf simulate llm` config: sim-large (TTFC uniform 20-60 ms, 400
// tok/s) and sim-small (TTFC 5 ms, 1000 tok/s); session titles `title`.
std::string FiveAgentsSimConfig(uint64_t seed = 7, const std::string& title = "E2E session");
// WriteProjectConfig(base_url) and the five agent files.
Status WriteFiveAgentWorld(const OpencodeWorld& world, const std::string& sim_base_url);

}  // namespace agentperf::drive

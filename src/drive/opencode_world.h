// OpencodeWorld: an isolated world for the REAL opencode binary
// (../shared/opencode/FACTS.md §2 and §5; docs/design/opencode-integration.md
// §7.3, §8.1): a HOME and XDG folders of its own under `root`, a git project
// with one commit (opencode's project id is the root commit), opencode.json
// with the `sim` provider pointing at `agentperf simulate llm`,
// .opencode/agent/*.md, node_modules pre-filled from the install (no
// background npm install: offline it stalls ~70 s), proxies pointing at a
// dead port so nothing leaves the machine.
//
// The pinned install (scripts/install-opencode.sh): OpencodeInstallDir() =
// $AGENTPERF_OPENCODE_DIR, else ${XDG_CACHE_HOME:-~/.cache}/agentperf/opencode-1.18.33;
// OpencodeBinary() = $AGENTPERF_OPENCODE, else <dir>/node_modules/.bin/opencode.
//
// Thread-safety: none (set up, then run processes from one thread).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/status.h"
#include "drive/child_process.h"

namespace agentperf::drive {

inline constexpr const char* kOpencodeVersion = "1.18.33";
inline constexpr const char* kOpencodeInstallCommand = "scripts/install-opencode.sh";

std::string OpencodeInstallDir();
std::string OpencodeBinary();
// The @opencode-ai/plugin install copied into every config dir.
std::string PluginNodeModules();
// OK when the pinned binary and the plugin pre-fill are in place; otherwise
// NotFound naming what is missing and the install command.
Status CheckOpencodeInstall(const std::string& binary = OpencodeBinary());

struct AgentFile {
  std::string name;
  std::string mode = "subagent";  // primary, subagent, all
  std::string description;
  std::string prompt;             // the body (the system prompt); start it with "You are the X agent."
  std::string extra_frontmatter;  // more YAML lines, e.g. "temperature: 0.3\n"
};

class OpencodeWorld {
 public:
  // Creates the folders under `root`.
  explicit OpencodeWorld(std::string root, std::string binary = OpencodeBinary());
  const std::string& root() const { return root_; }
  const std::string& binary() const { return binary_; }
  std::string home() const { return root_ + "/home"; }
  std::string project() const { return root_ + "/project"; }
  std::string data_dir() const { return home() + "/.local/share/opencode"; }
  std::string db_path() const { return data_dir() + "/opencode.db"; }
  std::string state_dir() const { return home() + "/.local/state"; }

  // opencode.json with the `sim` provider at `base_url` and models sim-large
  // and sim-small (cost input 1, output 2, cache_read 0.1 per million tokens);
  // `extra_fields` are more top-level members ("\"k\": v, ...").
  Status WriteProjectConfig(const std::string& base_url, const std::string& extra_fields = "") const;
  Status WriteAgent(const AgentFile& a) const;
  // git init + one commit, a README, node_modules + package.json +
  // package-lock.json pre-filled in both config dirs. After the config files.
  Status Prepare() const;
  // The environment of an opencode process: nothing from the user's.
  std::vector<std::string> Env(const std::vector<std::string>& extra = {}) const;
  // `opencode <args...>` in the project; `name` names its output files in out/.
  CommandResult Run(const std::vector<std::string>& args, const std::string& name,
                    std::chrono::seconds timeout = std::chrono::seconds(180),
                    const std::vector<std::string>& extra_env = {}) const;

 private:
  std::string root_, binary_;
};

}  // namespace agentperf::drive

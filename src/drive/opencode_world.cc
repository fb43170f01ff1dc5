#include "drive/opencode_world.h"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>

namespace agentperf::drive {

std::string OpencodeInstallDir() {
  const std::string cache = EnvOr("XDG_CACHE_HOME", EnvOr("HOME", "/tmp") + "/.cache");
  return EnvOr("AGENTPERF_OPENCODE_DIR", fmt::format("{}/agentperf/opencode-{}", cache, kOpencodeVersion));
}

std::string OpencodeBinary() { return EnvOr("AGENTPERF_OPENCODE", OpencodeInstallDir() + "/node_modules/.bin/opencode"); }

std::string PluginNodeModules() { return OpencodeInstallDir() + "/plugin/node_modules"; }

Status CheckOpencodeInstall(const std::string& binary) {
  if (::access(binary.c_str(), X_OK) != 0) {
    return Status::NotFound(fmt::format("opencode {} is not installed at {}. Install it with: {} (needs npm and the "
                                        "npm registry once)",
                                        kOpencodeVersion, binary, kOpencodeInstallCommand));
  }
  if (!std::filesystem::exists(PluginNodeModules() + "/@opencode-ai/plugin/package.json")) {
    return Status::NotFound(fmt::format("the @opencode-ai/plugin pre-fill is missing at {}. Install it with: {}",
                                        PluginNodeModules(), kOpencodeInstallCommand));
  }
  return Status::OK();
}

OpencodeWorld::OpencodeWorld(std::string root, std::string binary) : root_(std::move(root)), binary_(std::move(binary)) {
  std::error_code ec;
  for (const char* d : {"home/.config/opencode", "home/.local/share", "home/.cache", "home/.local/state",
                        "project/.opencode/agent", "out"}) {
    std::filesystem::create_directories(root_ + "/" + d, ec);
  }
}

Status OpencodeWorld::WriteProjectConfig(const std::string& base_url, const std::string& extra_fields) const {
  const std::string model = R"("tool_call": true, "temperature": true,
        "cost": {"input": 1.0, "output": 2.0, "cache_read": 0.1},
        "limit": {"context": 128000, "output": 4096})";
  return WriteFile(project() + "/opencode.json",
                   fmt::format(R"({{
  "$schema": "https://opencode.ai/config.json",
  "model": "sim/sim-large", "small_model": "sim/sim-small",
  "autoupdate": false, "share": "disabled",
  "provider": {{"sim": {{"npm": "@ai-sdk/openai-compatible", "name": "agentperf simulated model",
    "options": {{"baseURL": "{}", "apiKey": "sk-sim"}},
    "models": {{"sim-large": {{"name": "Sim Large", {}}},
               "sim-small": {{"name": "Sim Small", {}}}}}}}}},
  "permission": {{"bash": "allow", "edit": "allow", "external_directory": "allow"}}{}
}}
)",
                               base_url, model, model, extra_fields.empty() ? "" : ",\n  " + extra_fields));
}

Status OpencodeWorld::WriteAgent(const AgentFile& a) const {
  return WriteFile(project() + "/.opencode/agent/" + a.name + ".md",
                   fmt::format("---\ndescription: {}\nmode: {}\nmodel: sim/sim-large\npermission:\n  bash: allow\n"
                               "  task: allow\n{}---\n{}\n",
                               a.description, a.mode, a.extra_frontmatter, a.prompt));
}

Status OpencodeWorld::Prepare() const {
  AP_RETURN_IF_ERROR(WriteFile(project() + "/README.md", "# sim project\n\nhello\n"));
  const std::vector<std::string> env = {"PATH=" + EnvOr("PATH", "/usr/bin:/bin"), "HOME=" + home(),
                                        "GIT_CONFIG_NOSYSTEM=1"};
  for (const auto& cmd : std::vector<std::vector<std::string>>{
           {"init", "-q"},
           {"-c", "user.email=demo@agentperf", "-c", "user.name=agentperf", "add", "-A"},
           {"-c", "user.email=demo@agentperf", "-c", "user.name=agentperf", "commit", "-q", "-m", "init"}}) {
    std::vector<std::string> argv = {"/usr/bin/git"};
    argv.insert(argv.end(), cmd.begin(), cmd.end());
    CommandResult r = RunCommand(argv, env, project(), root_ + "/out/git", std::chrono::seconds(60));
    if (r.exit_code != 0) return Status::Internal(fmt::format("git {} in {} failed: {}", cmd.back(), project(), r.err));
  }
  // Hard links (cheap) from the install; a plain copy across file systems.
  for (const std::string& dir : {project() + "/.opencode", home() + "/.config/opencode"}) {
    CommandResult r = RunCommand({"/bin/cp", "-al", PluginNodeModules(), dir + "/node_modules"}, BaseEnv(), "",
                                 root_ + "/out/cp", std::chrono::seconds(120));
    if (r.exit_code != 0) {
      std::error_code ec;
      std::filesystem::remove_all(dir + "/node_modules", ec);
      r = RunCommand({"/bin/cp", "-a", PluginNodeModules(), dir + "/node_modules"}, BaseEnv(), "", root_ + "/out/cp",
                     std::chrono::seconds(120));
    }
    if (r.exit_code != 0) return Status::IOError("pre-filling node_modules failed: " + r.err);
    // The package.json opencode itself writes (FACTS §2.4) and the install's
    // package-lock.json: opencode's Npm.install re-resolves (over the
    // network: a ~70 s stall against the dead registry, awaited once a local
    // plugin is installed) whenever a dependency of package.json, or
    // @opencode-ai/plugin, is missing from the lock's root dependencies.
    AP_RETURN_IF_ERROR(WriteFile(
        dir + "/package.json",
        fmt::format("{{\n  \"dependencies\": {{\n    \"@opencode-ai/plugin\": \"{}\"\n  }}\n}}\n", kOpencodeVersion)));
    AP_RETURN_IF_ERROR(WriteFile(dir + "/package-lock.json", ReadFile(PluginNodeModules() + "/../package-lock.json")));
  }
  return Status::OK();
}

std::vector<std::string> OpencodeWorld::Env(const std::vector<std::string>& extra) const {
  const std::string dead = "http://127.0.0.1:9";
  std::vector<std::string> env = BaseEnv();
  for (const std::string& e : std::vector<std::string>{
           "HOME=" + home(), "XDG_CONFIG_HOME=" + home() + "/.config", "XDG_DATA_HOME=" + home() + "/.local/share",
           "XDG_CACHE_HOME=" + home() + "/.cache", "XDG_STATE_HOME=" + state_dir(), "OPENCODE_DISABLE_MODELS_FETCH=1",
           "OPENCODE_DISABLE_AUTOUPDATE=1", "OPENCODE_DISABLE_SHARE=1", "OPENCODE_DISABLE_LSP_DOWNLOAD=1",
           "OPENCODE_DISABLE_DEFAULT_PLUGINS=1", "OPENCODE_DISABLE_CLAUDE_CODE=1", "HTTP_PROXY=" + dead,
           "HTTPS_PROXY=" + dead, "http_proxy=" + dead, "https_proxy=" + dead, "NO_PROXY=127.0.0.1,localhost",
           "no_proxy=127.0.0.1,localhost", "npm_config_registry=" + dead + "/"}) {
    env.push_back(e);
  }
  for (const auto& e : extra) env.push_back(e);
  return env;
}

CommandResult OpencodeWorld::Run(const std::vector<std::string>& args, const std::string& name,
                                 std::chrono::seconds timeout, const std::vector<std::string>& extra_env) const {
  std::vector<std::string> argv = {binary_};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, Env(extra_env), project(), root_ + "/out/" + name, timeout);
}

}  // namespace agentperf::drive

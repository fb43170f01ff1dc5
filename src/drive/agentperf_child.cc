#include "drive/agentperf_child.h"

#include <fmt/format.h>

#include <filesystem>
#include <regex>
#include <sstream>
#include <thread>

namespace agentperf::drive {

Status SimChild::Start(const std::string& binary, const std::string& dir, const std::string& config_json) {
  dir_ = dir;
  AP_RETURN_IF_ERROR(WriteFile(dir + "/sim.json", config_json));
  const std::string port_file = dir + "/sim.port";
  std::error_code ec;
  std::filesystem::remove(port_file, ec);
  child_ = std::make_unique<Child>(std::vector<std::string>{binary, "simulate", "llm", "--config", dir + "/sim.json",
                                                            "--listen", "127.0.0.1:0", "--port-file", port_file,
                                                            "--log", log_path()},
                                   BaseEnv(), dir, dir + "/sim.stdout", dir + "/sim.stderr");
  if (!child_->ok()) return Status::Internal(child_->error());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline && child_->running()) {
    std::string p = ReadFile(port_file);
    if (!p.empty() && p.back() == '\n') {
      port_ = static_cast<uint16_t>(std::stoi(p));
      return Status::OK();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return Status::Unavailable("agentperf simulate llm did not start: " + child_->err());
}

std::string SimChild::base_url() const { return fmt::format("http://127.0.0.1:{}/v1", port_); }

std::vector<std::string> SimChild::LogLines() const {
  std::vector<std::string> out;
  std::istringstream in(ReadFile(log_path()));
  for (std::string l; std::getline(in, l);) {
    if (!l.empty()) out.push_back(l);
  }
  return out;
}

int SimChild::Stop() { return child_ ? child_->Kill() : -1; }

Status ServeChild::Start(const std::string& binary, const std::string& dir, const std::vector<std::string>& extra_args,
                         const std::string& data_dir) {
  dir_ = dir;
  data_ = data_dir.empty() ? dir + "/data" : data_dir;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::vector<std::string> argv = {binary, "serve", "--data", data(), "--listen", "127.0.0.1:0", "--log-level", "info"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  child_ = std::make_unique<Child>(argv, BaseEnv(), "", dir + "/serve.out", dir + "/serve.err");
  if (!child_->ok()) return Status::Internal(child_->error());
  const std::regex re("listening on http://127\\.0\\.0\\.1:([0-9]+)");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline && child_->running()) {
    std::smatch m;
    const std::string err = child_->err();
    if (std::regex_search(err, m, re)) {
      port_ = static_cast<uint16_t>(std::stoi(m[1]));
      return Status::OK();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // Its own message (e.g. the data directory is in use) when it has one.
  std::string err = child_->err();
  if (size_t k = err.find("error: "); k != std::string::npos) err = err.substr(k + 7);
  return Status::Unavailable("agentperf serve did not start: " + err);
}

std::string ServeChild::url() const { return fmt::format("http://127.0.0.1:{}", port_); }

int ServeChild::Stop() { return child_ ? child_->Kill() : -1; }

}  // namespace agentperf::drive

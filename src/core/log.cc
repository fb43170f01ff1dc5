#include "core/log.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <ctime>
#include <string>

namespace agentperf::log {
namespace {

Level InitialLevel() {
  Level l = Level::kInfo;
  if (const char* env = std::getenv("AGENTPERF_LOG")) ParseLevel(env, &l);
  return l;
}

std::atomic<int>& LevelVar() {
  static std::atomic<int> level{static_cast<int>(InitialLevel())};
  return level;
}

}  // namespace

void SetLevel(Level level) { LevelVar().store(static_cast<int>(level)); }
Level GetLevel() { return static_cast<Level>(LevelVar().load(std::memory_order_relaxed)); }

bool ParseLevel(std::string_view name, Level* out) {
  if (name == "debug") *out = Level::kDebug;
  else if (name == "info") *out = Level::kInfo;
  else if (name == "warn" || name == "warning") *out = Level::kWarn;
  else if (name == "error") *out = Level::kError;
  else if (name == "off" || name == "none") *out = Level::kOff;
  else return false;
  return true;
}

void Write(Level level, std::string_view module, std::string_view message) {
  static const char* kNames[] = {"DEBUG", "INFO", "WARN", "ERROR", "OFF"};
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  tm utc{};
  gmtime_r(&ts.tv_sec, &utc);
  std::string line = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z {} {}: {}\n", utc.tm_year + 1900,
                                 utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                                 ts.tv_nsec / 1000000, kNames[static_cast<int>(level)], module, message);
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace agentperf::log

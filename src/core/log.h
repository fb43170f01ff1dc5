// Minimal leveled logging to stderr: "2026-11-24T03:40:01.123Z WARN wal: message".
// The level comes from AGENTPERF_LOG (debug|info|warn|error; default info) or
// SetLogLevel. Thread-safety: each line is written with one write(2) call.
#pragma once

#include <fmt/format.h>

#include <string_view>

namespace agentperf::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

void SetLevel(Level level);
Level GetLevel();
bool ParseLevel(std::string_view name, Level* out);
void Write(Level level, std::string_view module, std::string_view message);

template <typename... Args>
void Debug(std::string_view module, fmt::format_string<Args...> f, Args&&... args) {
  if (GetLevel() <= Level::kDebug) Write(Level::kDebug, module, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void Info(std::string_view module, fmt::format_string<Args...> f, Args&&... args) {
  if (GetLevel() <= Level::kInfo) Write(Level::kInfo, module, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void Warn(std::string_view module, fmt::format_string<Args...> f, Args&&... args) {
  if (GetLevel() <= Level::kWarn) Write(Level::kWarn, module, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void Error(std::string_view module, fmt::format_string<Args...> f, Args&&... args) {
  if (GetLevel() <= Level::kError) Write(Level::kError, module, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace agentperf::log

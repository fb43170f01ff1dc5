// One function per subcommand: Setup* declares its options on the CLI11 app
// and returns the state the Run* function reads after parsing.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace agentperf::cli {

// Each returns the action to run if the subcommand was chosen.
std::function<int()> SetupServe(CLI::App* app);
std::function<int()> SetupIngest(CLI::App* app);
std::function<int()> SetupQuery(CLI::App* app);
std::function<int()> SetupVerify(CLI::App* app);
std::function<int()> SetupInspect(CLI::App* app);
std::function<int()> SetupBench(CLI::App* app);
std::function<int()> SetupImport(CLI::App* app);     // import opencode
std::function<int()> SetupExport(CLI::App* app);     // export stored events
std::function<int()> SetupOpencode(CLI::App* app);   // opencode install|uninstall|env
std::function<int()> SetupSimulate(CLI::App* app);   // simulate llm
std::function<int()> SetupWatch(CLI::App* app);      // watch opencode
std::function<int()> SetupDemo(CLI::App* app);       // demo: the real opencode, five agents, a simulated model
std::function<int()> SetupReport(CLI::App* app);     // report: per-agent analysis of a window
std::function<int()> SetupExplain(CLI::App* app);    // explain: one session's waterfall and breakdown
std::function<int()> SetupCompare(CLI::App* app);    // compare: two windows, what changed and why
std::function<int()> SetupOutliers(CLI::App* app);   // outliers: spans far above their group's median
std::function<int()> SetupCorrelations(CLI::App* app);  // correlations: significant Spearman correlations

}  // namespace agentperf::cli

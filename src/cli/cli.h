// The `agentperf` command line: serve, ingest, query, verify, bench.
// Errors are one clear line on stderr and a non-zero exit status.
#pragma once

namespace agentperf::cli {

int Main(int argc, char** argv);

}  // namespace agentperf::cli

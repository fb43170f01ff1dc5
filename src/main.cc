#include "cli/cli.h"

int main(int argc, char** argv) { return agentperf::cli::Main(argc, argv); }

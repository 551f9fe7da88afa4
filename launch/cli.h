#pragma once
// The `dact` command line: parses argv, runs one command, returns the exit code.
// Errors are printed as "dact: error: <message>" and give exit code 1.

namespace dact::launch {

int run_cli(int argc, char** argv);

}  // namespace dact::launch

#include "launch/cli.h"

int main(int argc, char** argv) { return dact::launch::run_cli(argc, argv); }

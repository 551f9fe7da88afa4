#!/usr/bin/env bash
# Builds dact and runs every test (unit, reference parity, multi-process under mpirun).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/build.sh
# Open MPI refuses to run as root without these (CI and containers run as root).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
ctest --test-dir build --output-on-failure -j "$(nproc)" --timeout 600

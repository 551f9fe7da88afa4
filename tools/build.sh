#!/usr/bin/env bash
# Configures and builds dact into build/ (Release, Ninja, ccache when present).
# Extra arguments go to CMake, e.g. tools/build.sh -DDACT_WITH_CUDA=ON.
# CI (CI=true) builds with -Werror.
set -euo pipefail
cd "$(dirname "$0")/.."
werror=OFF
[[ ${CI:-} == true ]] && werror=ON
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DDACT_WERROR=$werror "$@" > build.log 2>&1 ||
  { cat build.log; exit 1; }
cmake --build build -j "$(nproc)"

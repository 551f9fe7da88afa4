#!/usr/bin/env bash
# Cold build time of a commit on this machine: `git archive REV` into a temp folder,
# then tools/build.sh there with ccache off (CCACHE_DISABLE=1), as on a fresh machine.
# Prints wall and CPU time and the ten slowest build steps (from .ninja_log).
# Usage: bash bench/build_time.sh [REV]   (default HEAD)
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:-HEAD}
tree=$(mktemp -d /tmp/dact-build-time-XXXXXX)
trap 'cp "$tree/build/.ninja_log" /tmp/dact-build-time.ninja_log 2>/dev/null; rm -rf "$tree"' EXIT
git archive "$rev" | tar -x -C "$tree"
export CCACHE_DISABLE=1
start=$(date +%s.%N)
/usr/bin/time -f "%U %S" -o "$tree/cpu.txt" bash "$tree/tools/build.sh" > "$tree/build.out"
end=$(date +%s.%N)
read -r user system < "$tree/cpu.txt"
steps=$(grep -vc '^#' "$tree/build/.ninja_log")
echo "commit $(git rev-parse --short "$rev"), $(nproc) cores, $(date -u +%F)"
printf 'wall %.0f s, CPU %.0f s (user %.0f + system %.0f), %d build steps\n' \
  "$(echo "$end - $start" | bc)" "$(echo "$user + $system" | bc)" "$user" "$system" "$steps"
echo "time by kind of step (s):"
grep -v '^#' "$tree/build/.ninja_log" | awk '{
  t = ($2 - $1) / 1000
  kind = "other compile"
  if ($4 ~ /\.gch$/) kind = "LibTorch PCH"
  else if ($4 ~ /\/unity\/.*_torch_/) kind = "unity batch with the LibTorch PCH"
  else if ($4 ~ /\/unity\//) kind = "unity batch without LibTorch"
  else if ($4 !~ /\.o$/) kind = "link and archive"
  sum[kind] += t; count[kind]++
} END { for (k in sum) printf "%8.1f  %3d x %s\n", sum[k], count[k], k }' | sort -rn
echo "slowest steps (s):"
grep -v '^#' "$tree/build/.ninja_log" | awk '{printf "%8.1f  %s\n", ($2 - $1) / 1000, $4}' | sort -rn | head -10

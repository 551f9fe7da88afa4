#!/usr/bin/env bash
# Wall time of `dact ema sweep` on a trained run with 1, 2 and 3 evaluator ranks in its
# MPI world, and the read bandwidth of its one-pass post-hoc EMA reconstruction against
# the raw read speed of the same snapshot files. Rounds alternate 1, 2, 3 evaluators so
# machine noise is shared. Each sweep gets a fresh name, so it reconstructs and evaluates
# everything. Page cache: dropped before each read when this process may
# (/proc/sys/vm/drop_caches), else every read is warm (the script says which).
# Prints one JSON line per sweep and per raw read.
# Usage: bash bench/ema_sweep_bench.sh RUN [ROUNDS] [STDS] [NUM]
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=$1
ROUNDS=${2:-1}
STDS=${3:-0.05:0.15:3}
NUM=${4:-128}
DACT=build/launch/dact
drop_caches() {
  if sync && echo 3 > /proc/sys/vm/drop_caches 2>/dev/null; then echo cold; else echo warm; fi
}
for round in $(seq 1 "$ROUNDS"); do
  cache=$(drop_caches)
  start=$(date +%s.%N)
  cat "$RUN"/snapshots/*.h5 > /dev/null
  end=$(date +%s.%N)
  bytes=$(cat "$RUN"/snapshots/*.h5 | wc -c)
  echo "{\"round\": $round, \"raw_read\": true, \"cache\": \"$cache\", \"bytes\": $bytes, \"seconds\": $(echo "$end - $start" | bc), \"MB_per_s\": $(echo "$bytes / ($end - $start) / 1000000" | bc -l | cut -c1-8)}"
  for evaluators in 1 2 3; do
    name="bench-r${round}-e${evaluators}"
    rm -rf "$RUN/sweeps/$name" "$RUN/sweeps/$name.jsonl" "$RUN/sweeps/$name.png"
    cache=$(drop_caches)
    start=$(date +%s.%N)
    "$DACT" ema sweep --run-dir "$RUN" --stds "$STDS" --num "$NUM" --name "$name" --evaluators "$evaluators" \
      > "$RUN/sweeps/$name.out" 2>&1
    end=$(date +%s.%N)
    read_line=$(grep -o 'reconstructed .* read)' "$RUN/sweeps/$name.out")
    best=$(grep '^best:' "$RUN/sweeps/$name.out")
    echo "{\"round\": $round, \"evaluators\": $evaluators, \"cache\": \"$cache\", \"wall_s\": $(echo "$end - $start" | bc), \"reconstruction\": \"$read_line\", \"best\": \"$best\"}"
  done
done

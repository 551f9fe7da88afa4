#!/usr/bin/env bash
# What one sampler step costs in plain network evaluations, measured: `dact sample` of
# NUM images at --steps 8 and 16 with euler (N plain passes) and at 8 with sed (8
# forward-mode JVP passes + 1 plain) and heun (15 plain), in ROUNDS interleaved rounds
# (the same load for every row of a round). Per round, euler's two rows give
# wall = overhead + N t_eval; a row's cost is (wall - overhead) / t_eval, and sed's
# JVP pass costs (cost(sed-8) - 1) / 8 plain passes.
# Usage: bash bench/sampler_cost.sh SNAPSHOT [EMA_STD] [NUM] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
SNAP=$1; STD=${2:-0.1}; NUM=${3:-64}; ROUNDS=${4:-3}
DACT=${DACT:-build/launch/dact}
OUT=${BENCH_DIR:-/tmp/dact_sampler_cost}
mkdir -p "$OUT"
row() {  # round, name, dact sample options
  local round=$1 name=$2; shift 2
  local start end
  start=$(date +%s.%N)
  "$DACT" sample --snapshot "$SNAP" --std "$STD" --num "$NUM" --batch "$NUM" --threads 1 --out "$OUT/$name" "$@" \
    > "$OUT/$name.log" 2>&1
  end=$(date +%s.%N)
  echo "{\"round\": $round, \"row\": \"$name\", \"wall_s\": $(/usr/bin/python3 -c "print(round($end - $start, 3))")}"
}
for round in $(seq 1 "$ROUNDS"); do
  row "$round" euler-8 --sampler euler --steps 8
  row "$round" euler-16 --sampler euler --steps 16
  row "$round" sed-8 --sampler sed --steps 8
  row "$round" heun-8 --sampler heun --steps 8
done | tee "$OUT/rows.jsonl"
/usr/bin/python3 - "$OUT/rows.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for r in sorted({r["round"] for r in rows}):
    wall = {x["row"]: x["wall_s"] for x in rows if x["round"] == r}
    t_eval = (wall["euler-16"] - wall["euler-8"]) / 8
    overhead = wall["euler-8"] - 8 * t_eval
    cost = {name: round((w - overhead) / t_eval, 2) for name, w in wall.items()}
    print(json.dumps({"round": r, "s_per_plain_pass": round(t_eval, 3), "overhead_s": round(overhead, 2),
                      "passes": cost, "jvp_pass_in_plain_passes": round((cost["sed-8"] - 1) / 8, 2)}))
PY

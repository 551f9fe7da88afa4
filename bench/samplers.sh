#!/usr/bin/env bash
# FD against network evaluations for the EDM-preconditioned samplers on one trained
# snapshot: euler, heun, stochastic heun (EDM's churn), sed, and heun/euler on a learned
# schedule (`dact schedule learn`), each without guidance and with autoguidance by an
# earlier snapshot of the same run. Every row is one `dact eval` of NUM images (seeds
# 0..NUM-1, the same noise for every row) on one thread; its wall time is measured.
# Cost in plain network evaluations is measured, not assumed: the euler rows (N plain
# evaluations per image for N steps) give wall time = overhead + N * t_eval by least
# squares, and every row's cost is (wall - overhead) / t_eval, so a forward-mode JVP pass
# (sed) or a guide evaluation counts as what it costs in time.
# Prints one JSON line per row, then the fit. FULL=1 adds the rows with more steps;
# ROWS=REGEX runs only the rows whose name matches (the fit needs both euler rows).
# Usage: bash bench/samplers.sh SNAPSHOT GUIDE_SNAPSHOT DATA_DIR REF_STATS FEATURES [EMA] [NUM] [GUIDANCE]
set -euo pipefail
cd "$(dirname "$0")/.."
SNAP=$1; GUIDE=$2; DATA=$3; REF=$4; FEATURES=$5
EMA=${6:-ema}; NUM=${7:-256}; W=${8:-1.5}
DACT=${DACT:-build/launch/dact}
OUT=${BENCH_DIR:-/tmp/dact_samplers_bench}
mkdir -p "$OUT"
track=(--ema "$EMA")
[[ "$EMA" =~ ^[0-9.]+$ ]] && track=(--std "$EMA")
if [[ ! -f "$OUT/schedule8.json" ]]; then
  "$DACT" schedule learn --snapshot "$SNAP" "${track[@]}" --steps 8 --data "$DATA" --out "$OUT/schedule8.json" \
    --iterations "${SCHEDULE_ITERATIONS:-100}" --batch "${SCHEDULE_BATCH:-32}" --lr 0.05 --threads 1 > "$OUT/schedule8.log" 2>&1
fi
row() {  # name, nominal network evaluations per image, then dact eval options
  local name=$1 nominal=$2; shift 2
  [[ $name =~ ${ROWS:-.} ]] || return 0
  local start end
  start=$(date +%s.%N)
  local json
  json=$("$DACT" eval --snapshot "$SNAP" "${track[@]}" --ref "$REF" --features "$FEATURES" --num "$NUM" --batch 64 \
           --seed 0 --threads 1 "$@" 2> "$OUT/$name.err")
  end=$(date +%s.%N)
  /usr/bin/python3 -c 'import json,re,sys; m=json.loads(sys.argv[1]); fd=next(v for k, v in m.items() if re.fullmatch(r"fi?d(\d+k?)?", k)); print(json.dumps({"row": sys.argv[2], "nominal_nfe": float(sys.argv[3]), "wall_s": round(float(sys.argv[5]) - float(sys.argv[4]), 2), "fd": round(fd, 2)}))' \
    "$json" "$name" "$nominal" "$start" "$end"
}
guided=(--guide-snapshot "$GUIDE" --guide-std 0.05 --guidance "$W")
{
  for n in 8 16; do row "euler-$n" "$n" --sampler euler --steps "$n"; done
  row "heun-8" 15 --sampler heun --steps 8
  row "stochastic-heun-8" 15 --sampler heun --steps 8 --churn 10 --s-min 0.05 --s-max 50 --s-noise 1.003
  row "sed-8" 9 --sampler sed --steps 8
  row "sed-churn0-8" 9 --sampler sed --steps 8 --churn 0
  row "learned-heun-8" 15 --sampler heun --schedule "$OUT/schedule8.json"
  row "learned-sed-8" 9 --sampler sed --schedule "$OUT/schedule8.json"
  row "auto-euler-8" 16 --sampler euler --steps 8 "${guided[@]}"
  row "auto-heun-8" 30 --sampler heun --steps 8 "${guided[@]}"
  row "auto-stochastic-heun-8" 30 --sampler heun --steps 8 --churn 10 --s-min 0.05 --s-max 50 --s-noise 1.003 "${guided[@]}"
  row "auto-sed-8" 18 --sampler sed --steps 8 "${guided[@]}"
  row "auto-learned-heun-8" 30 --sampler heun --schedule "$OUT/schedule8.json" "${guided[@]}"
  if [[ -n "${FULL:-}" ]]; then  # the longer rows, for a quiet machine
    row "euler-32" 32 --sampler euler --steps 32
    row "heun-16" 31 --sampler heun --steps 16
    row "stochastic-heun-16" 31 --sampler heun --steps 16 --churn 10 --s-min 0.05 --s-max 50 --s-noise 1.003
    row "sed-16" 17 --sampler sed --steps 16
    row "learned-euler-8" 8 --sampler euler --schedule "$OUT/schedule8.json"
    row "auto-heun-16" 62 --sampler heun --steps 16 "${guided[@]}"
  fi
} | tee "$OUT/rows.jsonl"
/usr/bin/python3 - "$OUT/rows.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
euler = [r for r in rows if r["row"].startswith("euler-")]
n = len(euler)
if n < 2:
    sys.exit("no fit: fewer than two euler rows ran"); sx = sum(r["nominal_nfe"] for r in euler); sy = sum(r["wall_s"] for r in euler)
sxx = sum(r["nominal_nfe"] ** 2 for r in euler); sxy = sum(r["nominal_nfe"] * r["wall_s"] for r in euler)
t_eval = (n * sxy - sx * sy) / (n * sxx - sx * sx); overhead = (sy - t_eval * sx) / n
print(json.dumps({"fit": {"overhead_s": round(overhead, 2), "s_per_plain_eval_per_image_batch": round(t_eval, 3)}}))
for r in rows:
    r["measured_nfe"] = round((r["wall_s"] - overhead) / t_eval, 1)
    print(json.dumps(r))
PY

#!/usr/bin/env bash
# Trainer step time with 0, 1 and 2 joined evaluators, and evaluation throughput with 1
# vs 2 evaluators, on the bundled default run shortened to DURATION_KIMG with a snapshot
# (and so an evaluation of eval.num_images images) every SNAPSHOT_KIMG. Evaluators join
# over TCP (`dact evaluator`) before the run starts. Rounds alternate 0, 1, 2 evaluators
# so machine noise is shared. Prints one JSON line per run:
#   images_per_s    mean trainer throughput over the status intervals after the first
#   step_ms         batch / images_per_s
#   eval_images_per_s_compute  images / evaluator compute seconds (one evaluator's speed)
#   eval_images_per_s_wall     images / wall time of an evaluation (snapshot -> last part in),
#                              mean over evaluations (includes queueing behind older ones)
# Usage: bash bench/evaluation_bench.sh [ROUNDS] [DURATION_KIMG] [SNAPSHOT_KIMG]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-2}
DURATION_KIMG=${2:-6.4}
SNAPSHOT_KIMG=${3:-1.6}
DACT=build/launch/dact
OUT=${BENCH_DIR:-/tmp/dact_evaluation_bench}
rm -rf "$OUT" && mkdir -p "$OUT"
for round in $(seq 1 "$ROUNDS"); do
  for evaluators in 0 1 2; do
    run="$OUT/r${round}_e${evaluators}"
    mkdir -p "$run"
    pids=()
    for i in $(seq 1 "$evaluators"); do
      "$DACT" evaluator --run-dir "$run" --name "e$i" > "$run.e$i.out" 2>&1 &
      pids+=($!)
    done
    "$DACT" train --run-dir "$run" --duration-kimg "$DURATION_KIMG" --set roles.evaluator=0 \
      --set ema.snapshot_every_kimg="$SNAPSHOT_KIMG" --set trainer.status_every_s=5 > "$run.out" 2>&1
    for pid in "${pids[@]}"; do wait "$pid" || true; done
    /usr/bin/python3 - "$run" "$evaluators" <<'PY'
import json, re, sys
run, evaluators = sys.argv[1], int(sys.argv[2])
stats = [json.loads(l) for l in open(run + "/stats.jsonl")][1:]
ips = sum(s["images_per_s"] for s in stats) / len(stats)
line = {"run": run, "evaluators": evaluators, "images_per_s": round(ips, 1), "step_ms": round(64000 / ips, 1)}
try:
    metrics = [json.loads(l) for l in open(run + "/metrics.jsonl")]
    line["evaluations"] = len(metrics)
    line["eval_images_per_s_compute"] = round(sum(m["images"] for m in metrics) / sum(m["seconds"] for m in metrics), 2)
    line["eval_images_per_s_wall"] = round(sum(m["images"] / m["wall_s"] for m in metrics) / len(metrics), 2)
    # The FD's key names its image count (fd256, fd10k, fid50k; "fd" before 2026-11-30).
    line["fd"] = [round(next(v for k, v in m.items() if re.fullmatch(r"fi?d(\d+k?)?", k)), 3) for m in metrics]
except FileNotFoundError:
    pass
print(json.dumps(line), flush=True)
PY
  done
done

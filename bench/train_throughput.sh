#!/usr/bin/env bash
# Images/s of `dact train` against the Python PyTorch loop of the same model, batch 64,
# loss, optimizer and inline EMA (bench/train_loop_bench.py, 2 threads). dact runs all
# support roles (coordinator, data loader, EMA actor), no evaluator, in three forms:
#   dact           1 trainer rank of 2 threads, as the Python loop
#   dact_no_nice   the same with every rank at nice 0, idle actors polling at 1 kHz and
#                  passive OpenMP waiting (as before run.nice and run.idle_wait_max_ms)
#   dact_2x1       the bundled preset's layout: 2 trainer ranks of 1 thread, 32 images each
# Rounds interleave the four, so this VM's minute-to-minute swings fall on all of them.
# Prints one JSON line per run; images_per_s of dact is the mean of stats.jsonl over the
# status intervals after the first.
# Usage: bash bench/train_throughput.sh [ROUNDS] [DURATION_KIMG]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
DURATION_KIMG=${2:-6.4}
DACT=build/launch/dact
OUT=${BENCH_DIR:-/tmp/dact_train_throughput}
rm -rf "$OUT" && mkdir -p "$OUT"
COMMON=(--duration-kimg "$DURATION_KIMG" --set eval.enabled=false --set roles.evaluator=0
        --set trainer.status_every_s=5 --set ema.preview.per_class=1)
ONE_TRAINER=(--set roles.trainer=1 --set run.threads.trainer=2 --set trainer.batch_per_rank=64)
TWO_TRAINERS=(--set roles.trainer=2 --set run.threads.trainer=1 --set trainer.batch_per_rank=32)
NO_NICE=(--set run.nice.coordinator=0 --set run.nice.data_loader=0 --set run.nice.ema=0 --set run.idle_wait_max_ms=1)

mean_images_per_s() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
run, name = sys.argv[1], sys.argv[2]
stats = [json.loads(l) for l in open(run + "/stats.jsonl")][1:]
print(json.dumps({"impl": name, "images_per_s": round(sum(s["images_per_s"] for s in stats) / len(stats), 1),
                  "intervals": len(stats)}), flush=True)
PY
}

for round in $(seq 1 "$ROUNDS"); do
  run="$OUT/r${round}_dact"
  "$DACT" train --run-dir "$run" "${COMMON[@]}" "${ONE_TRAINER[@]}" > "$run.out" 2>&1
  mean_images_per_s "$run" dact
  run="$OUT/r${round}_no_nice"
  OMP_WAIT_POLICY=PASSIVE "$DACT" train --run-dir "$run" "${COMMON[@]}" "${ONE_TRAINER[@]}" "${NO_NICE[@]}" \
    > "$run.out" 2>&1
  mean_images_per_s "$run" dact_no_nice
  run="$OUT/r${round}_2x1"
  "$DACT" train --run-dir "$run" "${COMMON[@]}" "${TWO_TRAINERS[@]}" > "$run.out" 2>&1
  mean_images_per_s "$run" dact_2x1
  /usr/bin/python3 bench/train_loop_bench.py --dataset data/fashion-mnist-32/train --steps 80 --warmup 5 \
    --threads 2 --ema
done

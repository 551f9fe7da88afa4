#!/usr/bin/env bash
# MAR (configs/fashion-mnist-mar.json), bench/results/mar.md:
#  1. `dact train` images/s against the Python PyTorch loop of the same MAR
#     (bench/mar_loop_bench.py, 2 threads; MAR's own forward_loss, DiffLoss on every
#     token, and --masked-only, DiffLoss on the masked tokens as dact), in interleaved
#     rounds. dact runs the preset's layout (2 trainer ranks of 1 thread) with all support
#     roles, no evaluator; images/s = mean of stats.jsonl after the first interval.
#  2. Generation time per image of a snapshot (`dact sample`, 1 thread, 20 images) vs
#     --num-iter and --steps (the DiffLoss sampler's).
#  3. FD vs --num-iter (8/16/32/64) at --steps 50 (`dact eval`, EVAL_NUM images).
# After every run a line gives its wall time, its own CPU time (user + sys of the finished
# children) and the cores other processes kept busy. Under load the CPU time is the
# better measure of generation cost; sample and eval run 1 thread (an oversubscribed
# OpenMP team of 2 spins and can take 10x the wall time).
# Usage: bash bench/mar_bench.sh PARTS ROUNDS DURATION_KIMG SNAPSHOT REF_STATS FEATURES
#   PARTS: any of train, sample, fd joined by commas (e.g. train,sample,fd)
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-SkylakeX}
PARTS=$1
ROUNDS=$2
DURATION_KIMG=$3
SNAPSHOT=$4
REF=$5
FEATURES=$6  # the feature network REF was computed with
EVAL_NUM=${EVAL_NUM:-256}
DACT=build/launch/dact
PYTHON=/usr/bin/python3
OUT=${BENCH_DIR:-/tmp/dact_mar_bench}
mkdir -p "$OUT"
part() { [[ ",$PARTS," == *",$1,"* ]]; }
PYTHON_STEPS=$($PYTHON -c "print(max(5, round($DURATION_KIMG * 1000 / 64)))")

source bench/measure.sh

summarize_dact_run() {
  $PYTHON - "$1" <<'PY'
import json, sys
stats = [json.loads(l) for l in open(sys.argv[1] + "/stats.jsonl")][1:]
print(json.dumps({"impl": "dact_2x1", "intervals": len(stats),
                  "images_per_s": round(sum(s["images_per_s"] for s in stats) / len(stats), 1),
                  "last_loss": round(stats[-1]["loss"], 5)}), flush=True)
PY
}

part train && for round in $(seq 1 "$ROUNDS"); do
  echo "{\"round\": $round, \"loadavg\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
  run="$OUT/r${round}_dact"
  measure "$run.out" "$DACT" train --run-dir "$run" --preset fashion-mnist-mar --duration-kimg "$DURATION_KIMG" \
    --set eval.enabled=false --set roles.evaluator=0 --set trainer.status_every_s=5 --set ema.preview.per_class=1 \
    --set ema.preview.num_steps=2
  summarize_dact_run "$run"
  for variant in "" --masked-only; do
    measure "$OUT/r${round}_python$variant.out" $PYTHON bench/mar_loop_bench.py \
      --dataset data/fashion-mnist-32/train --steps "$PYTHON_STEPS" --warmup 3 --threads 2 $variant
    tail -1 "$OUT/r${round}_python$variant.out"
  done
done

part sample && for steps in 25 50; do
  for num_iter in 8 16 32 64; do
    echo "{\"sample\": {\"num_iter\": $num_iter, \"steps\": $steps, \"images\": 20}}"
    measure "$OUT/sample_${num_iter}_${steps}.out" "$DACT" sample --snapshot "$SNAPSHOT" --num 20 --threads 1 \
      --num-iter "$num_iter" --steps "$steps" --out "$OUT/sample_${num_iter}_${steps}"
  done
done

part fd && for num_iter in 8 16 32 64; do
  echo "{\"eval\": {\"num_iter\": $num_iter, \"steps\": 50, \"images\": $EVAL_NUM}}"
  measure "$OUT/eval_${num_iter}.out" "$DACT" eval --snapshot "$SNAPSHOT" --ref "$REF" --features "$FEATURES" --num "$EVAL_NUM" \
    --threads 1 --num-iter "$num_iter" --steps 50
  grep -E '"fi?d[0-9]*k?"' "$OUT/eval_${num_iter}.out" | tail -1
done
echo "{\"done\": true, \"loadavg\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}"

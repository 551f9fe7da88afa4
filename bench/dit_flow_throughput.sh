#!/usr/bin/env bash
# Images/s of `dact train` with configs/fashion-mnist-dit-flow.json (DiT, rectified flow)
# against the Python PyTorch loop of the same DiT, batch 64, objective, optimizer and
# inline EMA (bench/dit_flow_loop_bench.py, 2 threads). dact runs all support roles
# (coordinator, data loader, EMA actor), no evaluator, in two layouts:
#   dact_2x1   the preset's layout: 2 trainer ranks of 1 thread, 32 images each
#   dact_1x2   1 trainer rank of 2 threads, as the Python loop
# Each round then times the DiT-S/2 training step (32x32x4, batch DIT_S2_BATCH) in C++
# (build/bench/dit_step_bench) and in Python (bench/dit_step_bench.py), each process first
# measuring the sgemm peak (best torch.mm of 2048 x 2048 float32, 2 threads), and prints
# the step's achieved FLOP/s (analytic matmul FLOPs x 3 / step time) as a share of it.
# Rounds interleave all of them, so this VM's minute-to-minute swings fall on each; after
# every run a line gives its wall time and the cores other users' processes took meanwhile.
# Prints one JSON line per run; images_per_s of dact is the mean of stats.jsonl over the
# status intervals after the first, parameters the size of its last EMA snapshot (with the
# fixed pos_embed, as the Python loop counts). Needs a build with -DDACT_BUILD_BENCH=ON.
# OpenBLAS 0.3.21 does not know this VM's CPU and falls back to its Prescott (SSE3)
# kernels, a quarter of the AVX-512 ones' speed; the script exports OPENBLAS_CORETYPE=SkylakeX
# (unless set) for every process, and each round's first line names the core OpenBLAS chose.
# Usage: bash bench/dit_flow_throughput.sh [ROUNDS] [DURATION_KIMG]
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-SkylakeX}
ROUNDS=${1:-3}
DURATION_KIMG=${2:-3.2}
DIT_S2_BATCH=${DIT_S2_BATCH:-32}
DIT_S2_STEPS=${DIT_S2_STEPS:-3}
DACT=build/launch/dact
STEP_BENCH=build/bench/dit_step_bench
PYTHON=/usr/bin/python3
OUT=${BENCH_DIR:-/tmp/dact_dit_flow_throughput}
[[ -x $STEP_BENCH ]] || { echo "$STEP_BENCH missing: build with tools/build.sh -DDACT_BUILD_BENCH=ON" >&2; exit 1; }
rm -rf "$OUT" && mkdir -p "$OUT"
# The Python loop trains on as many images as a dact run, after 5 warm-up steps.
PYTHON_STEPS=$($PYTHON -c "print(max(5, round($DURATION_KIMG * 1000 / 64)))")
COMMON=(--config configs/fashion-mnist-dit-flow.json --duration-kimg "$DURATION_KIMG"
        --set eval.enabled=false --set roles.evaluator=0
        --set trainer.status_every_s=5 --set ema.preview.per_class=1)
TWO_TRAINERS=(--set roles.trainer=2 --set run.threads.trainer=1 --set trainer.batch_per_rank=32)
ONE_TRAINER=(--set roles.trainer=1 --set run.threads.trainer=2 --set trainer.batch_per_rank=64)

summarize_dact_run() {
  $PYTHON - "$1" "$2" <<'PY'
import glob, json, sys
import h5py
run, name = sys.argv[1], sys.argv[2]
stats = [json.loads(l) for l in open(run + "/stats.jsonl")][1:]
mean = lambda key: round(sum(s[key] for s in stats) / len(stats), 2)
with h5py.File(sorted(glob.glob(run + "/snapshots/*.h5"))[-1]) as snapshot:
    parameters = sum(int(t.size) for t in snapshot["tensors/ema/0"].values())
print(json.dumps({"impl": name, "parameters": parameters, "images_per_s": round(mean("images_per_s"), 1),
                  "intervals": len(stats),
                  **{key: mean(key) for key in ("data_wait_pct", "all_reduce_pct", "ema_handoff_pct", "checkpoint_pct")},
                  "last_loss": round(stats[-1]["loss"], 5)}), flush=True)
PY
}

# Mean over the timed steps of one dit_step_bench output; share = achieved / sgemm peak.
summarize_step_run() {
  $PYTHON - "$1" "$2" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
sgemm = next(l["sgemm_gflop_s"] for l in lines if "sgemm_gflop_s" in l)
steps = [l for l in lines if "step_s" in l]
step_s = sum(l["step_s"] for l in steps) / len(steps)
achieved = sum(l["achieved_gflop_s"] for l in steps) / len(steps)
print(json.dumps({"impl": sys.argv[2], "model": steps[0]["model"], "batch": steps[0]["batch"], "steps": len(steps),
                  "step_s": round(step_s, 3), "forward_s": round(sum(l["forward_s"] for l in steps) / len(steps), 3),
                  "backward_s": round(sum(l["backward_s"] for l in steps) / len(steps), 3),
                  "achieved_gflop_s": round(achieved, 1), "sgemm_gflop_s": sgemm,
                  "share_of_sgemm": round(achieved / sgemm, 3)}), flush=True)
PY
}

source bench/measure.sh

openblas_core() {
  OPENBLAS_VERBOSE=2 $PYTHON -c "import torch; torch.mm(torch.ones(64, 64), torch.ones(64, 64))" 2>&1 |
    sed -n 's/^Core: //p' | tail -1
}

for round in $(seq 1 "$ROUNDS"); do
  echo "{\"round\": $round, \"loadavg\": \"$(cut -d' ' -f1-3 /proc/loadavg)\", \"openblas_core\": \"$(openblas_core)\"}"
  run="$OUT/r${round}_2x1"
  measure "$run.out" "$DACT" train --run-dir "$run" "${COMMON[@]}" "${TWO_TRAINERS[@]}"
  summarize_dact_run "$run" dact_2x1
  run="$OUT/r${round}_1x2"
  measure "$run.out" "$DACT" train --run-dir "$run" "${COMMON[@]}" "${ONE_TRAINER[@]}"
  summarize_dact_run "$run" dact_1x2
  measure "$OUT/r${round}_python.out" $PYTHON bench/dit_flow_loop_bench.py --dataset data/fashion-mnist-32/train \
    --steps "$PYTHON_STEPS" --warmup 5 --threads 2
  tail -1 "$OUT/r${round}_python.out"
  STEP_ARGS=(--model DiT-S/2 --batch "$DIT_S2_BATCH" --steps "$DIT_S2_STEPS" --warmup 1 --threads 2 --sgemm 2048)
  measure "$OUT/r${round}_step_cpp.jsonl" "$STEP_BENCH" "${STEP_ARGS[@]}"
  summarize_step_run "$OUT/r${round}_step_cpp.jsonl" dit_s2_step_cpp
  measure "$OUT/r${round}_step_python.jsonl" $PYTHON bench/dit_step_bench.py "${STEP_ARGS[@]}"
  summarize_step_run "$OUT/r${round}_step_python.jsonl" dit_s2_step_python
done
echo "{\"done\": true, \"loadavg\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}"

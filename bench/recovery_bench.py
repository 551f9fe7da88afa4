#!/usr/bin/python3
"""Recovery cost of a supervised `dact train` (bench/results/recovery.md).

Trains the default preset (configs/fashion-mnist.json: 1 loader, 1 trainer, EMA; a
checkpoint every 250 steps) with one stats line per step, SIGKILLs the trainer rank at
--kill-step, and reads back from stats.jsonl and restarts.jsonl:
  - recovery time: SIGKILL -> the first stats line of the new world (a completed step);
  - work lost: steps between the kill and the checkpoint resumed from;
  - checkpoint overhead: the gradient loop's stall at checkpoint steps (checkpoint_pct
    of that step's line) as a share of the time between checkpoints, and the mean step
    time in the 20 steps after a checkpoint (background write running) vs before.

Usage: bench/recovery_bench.py --dact build/launch/dact --run-dir /tmp/recovery_run
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import time


def stats_lines(run_dir):
    try:
        with open(os.path.join(run_dir, "stats.jsonl")) as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


def find_rank_pid(run_dir, rank):
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            argv = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
            if len(argv) < 2 or argv[1] != b"worker" or run_dir.encode() not in argv:
                continue
            env = open(f"/proc/{pid}/environ", "rb").read().split(b"\0")
            if f"OMPI_COMM_WORLD_RANK={rank}".encode() in env:
                return int(pid)
        except OSError:
            pass
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dact", default="build/launch/dact")
    parser.add_argument("--run-dir", default="/tmp/dact_recovery_bench")
    parser.add_argument("--kill-step", type=int, default=300)
    parser.add_argument("--duration-kimg", type=float, default=22.4)  # 350 steps of 64
    args = parser.parse_args()
    run_dir = os.path.abspath(args.run_dir)
    shutil.rmtree(run_dir, ignore_errors=True)
    command = [args.dact, "train", "--run-dir", run_dir, "--duration-kimg", str(args.duration_kimg),
               "--set", "trainer.status_every_s=0", "--set", "run.restart_backoff_s=0",
               "--set", "run.restart_backoff_max_s=0"]
    print("command:", " ".join(command), flush=True)
    out = open(run_dir + ".out", "w")
    started = time.time()
    train = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    trainer_rank = 2  # coordinator 0, data loader 1, trainer 2, EMA 3
    while True:
        lines = stats_lines(run_dir)
        if lines and lines[-1]["step"] >= args.kill_step:
            break
        if train.poll() is not None:
            raise SystemExit(f"dact train ended early; see {run_dir}.out")
        time.sleep(0.02)
    pid = find_rank_pid(run_dir, trainer_rank)
    killed_at = time.time()
    os.kill(pid, signal.SIGKILL)
    step_at_kill = stats_lines(run_dir)[-1]["step"]
    if train.wait() != 0:
        raise SystemExit(f"dact train failed; see {run_dir}.out")
    total_s = time.time() - started

    lines = stats_lines(run_dir)
    restart = json.loads(open(os.path.join(run_dir, "restarts.jsonl")).readline())
    after = [l for l in lines if l["time"] > killed_at]
    first_new = after[0]
    before = [l for l in lines if l["time"] <= killed_at]
    step_times = {}
    for previous, line in zip(before, before[1:]):
        if line["step"] == previous["step"] + 1:
            step_times[line["step"]] = line["time"] - previous["time"]
    every = 250
    checkpoint_steps = [s for s in (250,) if s in step_times]
    stall_s = [l["checkpoint_pct"] / 100 * step_times[l["step"]] for l in before if l["step"] in checkpoint_steps]
    mean_step_s = sum(step_times[s] for s in step_times if s > 5) / max(1, len([s for s in step_times if s > 5]))
    pre = [step_times[s] for s in range(230, 250) if s in step_times]
    post = [step_times[s] for s in range(251, 271) if s in step_times]
    result = {
        "total_run_s": round(total_s, 1),
        "killed_after_step": step_at_kill,
        "resumed_from_step": restart["resumed_from_step"],
        "work_lost_steps": restart["work_lost_steps"],
        "recovery_s_kill_to_first_new_step": round(first_new["time"] - killed_at, 2),
        "first_new_step": first_new["step"],
        "mean_step_s": round(mean_step_s, 4),
        "checkpoint_stall_s": [round(s, 4) for s in stall_s],
        "checkpoint_stall_pct_of_interval": [round(100 * s / (every * mean_step_s), 4) for s in stall_s],
        "mean_step_s_20_before_checkpoint": round(sum(pre) / max(1, len(pre)), 4),
        "mean_step_s_20_after_checkpoint": round(sum(post) / max(1, len(post)), 4),
        "checkpoint_bytes": os.path.getsize(os.path.join(run_dir, "checkpoints", "checkpoint-00000250.h5")),
        "ema_state_bytes": os.path.getsize(os.path.join(run_dir, "checkpoints", "ema-00000250.h5")),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

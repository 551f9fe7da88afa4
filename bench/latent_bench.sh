#!/usr/bin/env bash
# Latent vs pixel diffusion on Fashion-MNIST (bench/results/latent.md). Needs the latent
# preset's autoencoder and latents in data/ (`dact train --preset fashion-mnist-latent`
# makes them). Each round runs, in this order so this VM's swings fall on all of them:
#   pixel         the default preset's U-Net (edm2-fashion-tiny) on 32x32x1 pixels
#   latent_same   the same U-Net (channels 16/32/64, attention at the third level) on the
#                 16x16x4 latents
#   latent_preset the latent preset's U-Net (channels 32/64, attention at 8x8)
#   encode        `dact dataset encode` of one 10,000-image shard with the preset's autoencoder
#   decode        `dact model forward` decoding 256 latents, 1 thread as an evaluator has
# Training runs: DURATION_KIMG, batch 64 on 2 trainer ranks, no evaluation. Prints one JSON
# line per measurement: images_per_s = mean of stats.jsonl after the first interval,
# s_per_kimg = 1000 / images_per_s, wall_s = the whole `dact train` (world start included).
# Usage: bash bench/latent_bench.sh [ROUNDS] [DURATION_KIMG]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
DURATION_KIMG=${2:-4.8}
DACT=$PWD/build/launch/dact
AUTOENCODER=$PWD/data/fashion-mnist-32-kl-f2/autoencoder.h5
PIXELS=$PWD/data/fashion-mnist-32/train
OUT=${BENCH_DIR:-/tmp/dact_latent_bench}
rm -rf "$OUT" && mkdir -p "$OUT"
[[ -f $AUTOENCODER ]] || { echo "no $AUTOENCODER: run dact train --preset fashion-mnist-latent first" >&2; exit 1; }
COMMON=(--duration-kimg "$DURATION_KIMG" --set eval.enabled=false --set roles.evaluator=0
        --set trainer.status_every_s=5 --set ema.preview.per_class=1)
SAME_UNET='{"arch":"edm2-precond","img_resolution":16,"img_channels":4,"label_dim":10,"model_channels":16,
"channel_mult":[1,2,4],"num_blocks":1,"attn_resolutions":[4]}'

train_line() {  # name run wall_s
  /usr/bin/python3 - "$@" <<'PY'
import json, sys
name, run, wall_s = sys.argv[1], sys.argv[2], float(sys.argv[3])
stats = [json.loads(l) for l in open(run + "/stats.jsonl")]
stats = stats[1:] or stats  # the first interval holds the world's start
ips = sum(s["images_per_s"] for s in stats) / len(stats)
print(json.dumps({"run": name, "images_per_s": round(ips, 1), "s_per_kimg": round(1000 / ips, 2),
                  "wall_s": round(wall_s, 1), "intervals": len(stats)}), flush=True)
PY
}

timed() {  # LOG command...: runs the command with its output in LOG; prints its wall time in s
  local log=$1 start end
  shift
  start=$(date +%s.%N)
  "$@" > "$log" 2>&1
  end=$(date +%s.%N)
  /usr/bin/python3 -c "print($end - $start)"
}

# Latents to decode and the autoencoder's constructor arguments, for `dact model forward`.
/usr/bin/python3 - "$AUTOENCODER" "$OUT" <<'PY'
import h5py, json, sys, torch
weights, out = sys.argv[1], sys.argv[2]
with h5py.File(weights, "r") as f:
    config = json.loads(f.attrs["config"])
json.dump(config, open(out + "/autoencoder-config.json", "w"))
channels = config["embed_dim"]
size = config["resolution"] // 2 ** (len(config["ch_mult"]) - 1)
for n in (1, 256):
    with h5py.File(f"{out}/z{n}.h5", "w") as f:
        f["input/z"] = torch.randn(n, channels, size, size, generator=torch.Generator().manual_seed(n)).numpy()
PY

for round in $(seq 1 "$ROUNDS"); do
  run="$OUT/r${round}_pixel"
  wall=$(timed "$run.out" "$DACT" train --run-dir "$run" --preset fashion-mnist "${COMMON[@]}")
  train_line pixel "$run" "$wall"
  run="$OUT/r${round}_latent_same"
  wall=$(timed "$run.out" "$DACT" train --run-dir "$run" --preset fashion-mnist-latent "${COMMON[@]}" \
         --set "model=$SAME_UNET" --set ema.preview.num_steps=2)
  train_line latent_same "$run" "$wall"
  run="$OUT/r${round}_latent_preset"
  wall=$(timed "$run.out" "$DACT" train --run-dir "$run" --preset fashion-mnist-latent "${COMMON[@]}" \
         --set ema.preview.num_steps=2)
  train_line latent_preset "$run" "$wall"
  wall=$(timed "$OUT/r${round}_encode.out" "$DACT" dataset encode --autoencoder "$AUTOENCODER" --source "$PIXELS" \
         --dest "$OUT/r${round}_encode" --max-shards 1 --batch 128 --dtype float16)
  /usr/bin/python3 -c "import json; print(json.dumps({'run': 'encode', 'images': 10000, 'wall_s': round($wall, 1),
                       'images_per_s': round(10000 / $wall, 1)}))"
  for n in 1 256; do
    wall=$(OMP_NUM_THREADS=1 timed "$OUT/r${round}_decode$n.out" "$DACT" model forward --arch kl-autoencoder \
           --config "$OUT/autoencoder-config.json" --weights "$AUTOENCODER" --input "$OUT/z$n.h5" \
           --out "$OUT/r${round}_decoded$n.h5")
    eval "decode_$n=$wall"
  done
  /usr/bin/python3 -c "import json; print(json.dumps({'run': 'decode', 'latents': 256,
                       'seconds': round($decode_256 - $decode_1, 2), 'process_s_1_latent': round($decode_1, 2)}))"
done

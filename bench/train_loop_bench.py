#!/usr/bin/python3
"""Throughput of a plain Python PyTorch training loop, the baseline for `dact train`
(bench/results/train_throughput.md): the same network (bench/unet_step_bench.py's port of
NVlabs/edm2 Precond(UNet), config edm2-fashion-tiny), data (the converted Fashion-MNIST
shards dact trains on, held in memory), batch, loss (EDM2, P_mean/P_std, label dropout),
optimizer (Adam 0.9/0.99, 1e-8) and learning-rate schedule as configs/fashion-mnist.json.

    /usr/bin/python3 bench/train_loop_bench.py --dataset data/fashion-mnist-32/train \
        --steps 150 --threads 2 [--ema]

--ema adds what EDM2's training_loop.py does inline every step: the power-function EMA
update of two tracks (std 0.05, 0.10; phema.py's power_function_beta). Prints one JSON
line: images_per_s over the steps after --warmup.
"""
import argparse
import glob
import json
import math
import os
import sys
import time

import h5py
import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from unet_step_bench import FASHION_TINY, Precond, edm2_loss  # noqa: E402


def load_shards(dataset_dir):
    images, labels = [], []
    for path in sorted(glob.glob(os.path.join(dataset_dir, 'shard-*.h5'))):
        with h5py.File(path, 'r') as f:
            images.append(f['images'][:])
            labels.append(f['labels'][:])
    return torch.from_numpy(np.concatenate(images)), torch.from_numpy(np.concatenate(labels)).long()


def learning_rate(nimg, batch, ref_lr, ref_batches, rampup_Mimg):  # training_loop.py; 0 turns a term off
    lr = ref_lr / math.sqrt(max(nimg / (ref_batches * batch), 1)) if ref_batches > 0 else ref_lr
    return lr * min(nimg / (rampup_Mimg * 1e6), 1) if rampup_Mimg > 0 else lr


def std_to_exp(std):  # phema.py
    tmp = std.flatten() ** -2
    return np.float64([np.roots([1, 7, 16 - t, 12 - t]).real.max() for t in tmp]).reshape(std.shape)


def power_function_beta(std, t_next, t_delta):  # phema.py
    beta = (1 - t_delta / t_next) ** (std_to_exp(np.float64(std)) + 1)
    return float(beta)


def update_ema_tracks(ema_tracks, params, nimg, batch):  # phema.py: one step of each power-function track
    with torch.no_grad():
        for std, track in ema_tracks:
            beta = power_function_beta(std, nimg, batch)
            for e, p in zip(track, params):
                e.lerp_(p.detach(), 1 - beta)


def optimizer_step(opt, loss, lr, ema_tracks, params, nimg, batch):
    """Backward, an optimizer step at `lr`, then each power-function EMA track: the loss."""
    opt.zero_grad(set_to_none=True)
    loss.backward()
    for g in opt.param_groups:
        g['lr'] = lr
    opt.step()
    update_ema_tracks(ema_tracks, params, nimg, batch)
    return loss.item()


def timed_steps(step, warmup, steps):
    """Runs step(i) for `warmup` untimed then `steps` timed indices: (seconds, last loss)."""
    for i in range(warmup):
        step(i)
    start = time.perf_counter()
    for i in range(warmup, warmup + steps):
        last_loss = step(i)
    return time.perf_counter() - start, last_loss


def loop_bench_parser(description, steps, warmup):
    """The flags every training-loop baseline takes."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--dataset', required=True)
    parser.add_argument('--steps', type=int, default=steps)
    parser.add_argument('--warmup', type=int, default=warmup)
    parser.add_argument('--batch', type=int, default=64)
    parser.add_argument('--threads', type=int, default=2)
    return parser


def time_preset_recipe(args, preset, net, params, num_images, batch_loss, impl):
    """Times a preset's recipe as dact trains it (Adam (0.9, 0.99), its lr schedule, its
    power EMA tracks inline) over batch_loss(indices of a random batch); prints a JSON line."""
    trainer, n = preset['trainer'], args.batch
    opt = torch.optim.Adam(params, lr=trainer['ref_lr'], betas=(0.9, 0.99), eps=1e-8)
    ema_tracks = [(std, [p.detach().clone() for p in params]) for std in preset['ema']['stds']]

    def step(index):
        loss = batch_loss(torch.randint(num_images, (n,)))
        # dact: the lr of the images seen before the step
        lr = learning_rate(index * n, n, trainer['ref_lr'], trainer['ref_batches'], trainer['rampup_Mimg'])
        return optimizer_step(opt, loss, lr, ema_tracks, params, (index + 1) * n, n)

    seconds, last_loss = timed_steps(step, args.warmup, args.steps)
    print(json.dumps({'impl': impl, 'parameters': sum(p.numel() for p in net.parameters()),
                      'trainable_parameters': sum(p.numel() for p in params), 'threads': args.threads,
                      'batch': n, 'steps': args.steps, 'seconds': round(seconds, 3),
                      'images_per_s': round(args.steps * n / seconds, 1), 'last_loss': round(last_loss, 5)}),
          flush=True)


def main():
    parser = loop_bench_parser(__doc__, steps=150, warmup=10)
    parser.add_argument('--ema', action='store_true')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    images, labels = load_shards(args.dataset)
    net = Precond(**FASHION_TINY).train()
    opt = torch.optim.Adam(net.parameters(), lr=0.01, betas=(0.9, 0.99), eps=1e-8)
    ema_tracks = [(std, [p.detach().clone() for p in net.parameters()]) for std in (0.05, 0.10)]
    n, P_mean, P_std, label_dropout = args.batch, -0.8, 1.6, 0.1

    def step(index):
        batch = torch.randint(len(images), (n,))
        y = images[batch].float() / 127.5 - 1
        class_labels = F.one_hot(labels[batch], 10).float()
        class_labels = class_labels * (torch.rand(n, 1) >= label_dropout).float()
        sigma = (torch.randn(n, 1, 1, 1) * P_std + P_mean).exp()
        D, logvar = net(y + torch.randn_like(y) * sigma, sigma, class_labels)
        loss = edm2_loss(D, y, sigma, logvar).sum() / n
        opt.zero_grad(set_to_none=True)
        loss.backward()
        for g in opt.param_groups:
            g['lr'] = learning_rate((index + 1) * n, n, 0.01, 2000, 0.005)
        opt.step()
        if args.ema:
            update_ema_tracks(ema_tracks, net.parameters(), (index + 1) * n, n)
        return loss.item()

    seconds, last_loss = timed_steps(step, args.warmup, args.steps)
    print(json.dumps({'impl': 'python', 'ema_inline': args.ema, 'threads': args.threads, 'batch': n,
                      'steps': args.steps, 'seconds': seconds, 'images_per_s': args.steps * n / seconds,
                      'last_loss': last_loss}))


if __name__ == '__main__':
    main()

#!/usr/bin/python3
"""Throughput of a plain Python PyTorch training loop, the baseline for `dact train` with
configs/fashion-mnist-dit-flow.json (bench/results/dit_flow.md): the same DiT
(bench/dit_step_bench.py's port of DiT models.py, with the preset's model section: 32x32x1,
patch 4, width, depth and heads as the preset, no learned sigma, DiT's initialize_weights
and sin-cos positions), data (the converted Fashion-MNIST shards, held in memory), batch,
objective, optimizer and learning-rate schedule as the preset and
models/dit/dit_flow_family.cpp:

  rectified flow (SD3 Eq. 1): x_t = (1 - t) x0 + t n, the DiT predicts v = n - x0 from
  x_t, 1000 t and the label (dropped to the null class with class_dropout_prob);
  t = sigmoid(m + s randn) (SD3 Eq. 19, logit-normal); loss = per-sample MSE, batch mean;
  Adam (0.9, 0.99, 1e-8) with EDM2's learning-rate schedule (ref_lr, ref_batches, rampup).

    /usr/bin/python3 bench/dit_flow_loop_bench.py --dataset data/fashion-mnist-32/train \
        --steps 100 --warmup 5 --threads 2

Every step also does what EDM2's training_loop.py does inline: the power-function EMA
update of the preset's tracks (ema.stds), as train_loop_bench.py --ema. Prints one JSON
line: the parameter counts (all, and without the fixed pos_embed) and images_per_s over the steps after --warmup.
"""
import json
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dit_step_bench import DiT  # noqa: E402
from train_loop_bench import load_shards, loop_bench_parser, time_preset_recipe  # noqa: E402

PRESET = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'configs', 'fashion-mnist-dit-flow.json')
FLOW_TIMESTEP_SCALE = 1000  # DiT's timestep embedding expects t in [0, 1000)


def sincos_pos_embed_2d(dim, grid):  # MAE get_2d_sincos_pos_embed
    def sincos_1d(d, positions):
        omega = 1.0 / 10000 ** (torch.arange(d // 2, dtype=torch.float64) / (d / 2))
        out = torch.outer(positions, omega)
        return torch.cat([torch.sin(out), torch.cos(out)], 1)
    coords = torch.arange(grid, dtype=torch.float64)
    return torch.cat([sincos_1d(dim // 2, coords.repeat(grid)), sincos_1d(dim // 2, coords.repeat_interleave(grid))], 1)


def initialize_weights(net, hidden, grid):  # DiT models.py initialize_weights
    for module in net.modules():
        if isinstance(module, nn.Linear):
            nn.init.xavier_uniform_(module.weight)
            nn.init.zeros_(module.bias)
    nn.init.xavier_uniform_(net.x_proj.weight.view(net.x_proj.weight.shape[0], -1))
    nn.init.zeros_(net.x_proj.bias)
    nn.init.normal_(net.y_table.weight, std=0.02)
    nn.init.normal_(net.t_mlp[0].weight, std=0.02)
    nn.init.normal_(net.t_mlp[2].weight, std=0.02)
    for zeroed in [block.adaLN_modulation[-1] for block in net.blocks] + [net.final_modulation[-1], net.final_linear]:
        nn.init.zeros_(zeroed.weight)
        nn.init.zeros_(zeroed.bias)
    net.pos_embed.data.copy_(sincos_pos_embed_2d(hidden, grid).float().unsqueeze(0))


def flow_matching_loss(net, x0, labels, loss_config, class_dropout_prob, null_class):
    n = x0.shape[0]
    t = torch.sigmoid(loss_config['time_mean'] + loss_config['time_std'] * torch.randn(n))
    noise = torch.randn_like(x0)
    y = torch.where(torch.rand(n) < class_dropout_prob, torch.full_like(labels, null_class), labels)
    tt = t.view(-1, 1, 1, 1)
    v = net((1 - tt) * x0 + tt * noise, t * FLOW_TIMESTEP_SCALE, y)
    return (v - (noise - x0)).square().flatten(1).mean(1)


def main():
    args = loop_bench_parser(__doc__, steps=100, warmup=5).parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    with open(PRESET) as f:
        preset = json.load(f)
    model, trainer = preset['model'], preset['trainer']
    assert model['arch'] == 'dit-flow' and trainer['loss']['time_distribution'] == 'logit-normal'

    images, labels = load_shards(args.dataset)
    # Labels are dropped in the objective, as dit_flow_family.cpp does, so the net gets class_dropout_prob 0.
    net = DiT(model['input_size'], model['patch_size'], model['in_channels'], model['hidden_size'], model['depth'],
              model['num_heads'], num_classes=model['num_classes'], learn_sigma=False, class_dropout_prob=0).train()
    initialize_weights(net, model['hidden_size'], model['input_size'] // model['patch_size'])
    params = [p for p in net.parameters() if p.requires_grad]

    def batch_loss(batch):
        x0 = images[batch].float() / 127.5 - 1
        return flow_matching_loss(net, x0, labels[batch], trainer['loss'], model['class_dropout_prob'],
                                  model['num_classes']).mean()

    time_preset_recipe(args, preset, net, params, len(images), batch_loss, 'python')


if __name__ == '__main__':
    main()

"""One DiT training step (forward, backward, Adam) timed in Python PyTorch.

The same network and step as bench/dit_step_bench.cpp, op for op (DiT of
facebookresearch/DiT models.py; attention scales q before q k^T like our C++ and
current timm). Run with Debian's /usr/bin/python3 (torch 1.13, same LibTorch).
Usage: dit_step_bench.py [--model DiT-S/2] [--batch 64] [--size 32] [--steps 5]
                         [--warmup 1] [--threads 2] [--sgemm 2048] [--profile]
Prints one JSON object per timed step (wall-clock phases, cpu_s, the process CPU
time of the step, and achieved_gflop_s, the analytic matmul FLOPs of the step over
step_s); --sgemm N first prints this machine's sgemm rate (best torch.mm of N x N
float32); --profile adds the top ops of one step.
"""
import argparse
import json
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

SIZES = {"S": (12, 384, 6), "B": (12, 768, 12), "L": (24, 1024, 16), "XL": (28, 1152, 16)}


def modulate(x, shift, scale):
    return x * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1)


def layer_norm(x):
    return F.layer_norm(x, (x.shape[-1],), eps=1e-6)


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        B, N, C = x.shape
        q, k, v = self.qkv(x).reshape(B, N, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
        attn = torch.softmax((q * (1.0 / math.sqrt(C // self.heads))) @ k.transpose(-2, -1), -1)
        return self.proj((attn @ v).transpose(1, 2).reshape(B, N, C))


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x), approximate="tanh"))


class Block(nn.Module):
    def __init__(self, dim, heads, mlp_ratio):
        super().__init__()
        self.attn = Attention(dim, heads)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(dim, 6 * dim))

    def forward(self, x, c):
        shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp = self.adaLN_modulation(c).chunk(6, dim=1)
        x = x + gate_msa.unsqueeze(1) * self.attn(modulate(layer_norm(x), shift_msa, scale_msa))
        return x + gate_mlp.unsqueeze(1) * self.mlp(modulate(layer_norm(x), shift_mlp, scale_mlp))


def dit_forward_flop(input_size, patch_size, in_channels, hidden, depth, heads, mlp_ratio=4.0, learn_sigma=True,
                     frequency_embedding_size=256):
    """Forward FLOPs (2 per multiply-add) of one sample through DiT's matrix products:
    patch embedding, timestep MLP, per block adaLN (D -> 6D), qkv, q k^T, attention x v,
    proj and the MLP (D -> 4D -> D), then the final adaLN (D -> 2D) and linear. Element-wise
    work (norms, softmax, GELU, modulation) is left out. DiT-S/2 on 32x32x4: 12.11 GFLOP,
    the paper's 6.06 "Gflops" counted as multiply-adds (Peebles & Xie 2023, Table 1)."""
    tokens = (input_size // patch_size) ** 2
    out_features = patch_size * patch_size * in_channels * (2 if learn_sigma else 1)
    mlp_hidden = int(hidden * mlp_ratio)
    block = (hidden * 6 * hidden  # adaLN modulation, once per sample
             + tokens * (3 * hidden * hidden + hidden * hidden + 2 * hidden * mlp_hidden)  # qkv, proj, MLP
             + 2 * tokens * tokens * hidden)  # q k^T and attention x v over all heads
    multiply_adds = (tokens * in_channels * patch_size * patch_size * hidden  # patch embedding
                     + frequency_embedding_size * hidden + hidden * hidden  # timestep MLP
                     + depth * block
                     + hidden * 2 * hidden + tokens * hidden * out_features)  # final layer
    return 2 * multiply_adds


def sgemm_gflop_s(size, repeats=10):
    """Best rate of torch.mm on two size x size float32 matrices: this machine's sgemm peak."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    out = torch.mm(a, b)
    best_s = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        torch.mm(a, b, out=out)
        best_s = min(best_s, time.perf_counter() - start)
    return 2 * size ** 3 / best_s / 1e9


class DiT(nn.Module):
    """DiT models.py. learn_sigma doubles the output channels; class_dropout_prob > 0
    replaces labels by the null class num_classes inside forward, as DiT's LabelEmbedder
    (the flow loop drops them in its objective instead and passes 0)."""

    def __init__(self, input_size, patch_size, in_channels, hidden, depth, heads, num_classes=1000,
                 mlp_ratio=4.0, learn_sigma=True, class_dropout_prob=0.1):
        super().__init__()
        self.p, self.out_channels = patch_size, (2 if learn_sigma else 1) * in_channels
        self.class_dropout_prob = class_dropout_prob
        self.x_proj = nn.Conv2d(in_channels, hidden, patch_size, patch_size)
        self.t_mlp = nn.Sequential(nn.Linear(256, hidden), nn.SiLU(), nn.Linear(hidden, hidden))
        self.y_table = nn.Embedding(num_classes + 1, hidden)
        tokens = (input_size // patch_size) ** 2
        self.pos_embed = nn.Parameter(torch.randn(1, tokens, hidden), requires_grad=False)
        self.blocks = nn.ModuleList([Block(hidden, heads, mlp_ratio) for _ in range(depth)])
        self.final_modulation = nn.Sequential(nn.SiLU(), nn.Linear(hidden, 2 * hidden))
        self.final_linear = nn.Linear(hidden, patch_size * patch_size * self.out_channels)

    def forward(self, x, t, y):
        half = 128
        freqs = torch.exp(-math.log(10000) * torch.arange(0, half, dtype=torch.float32) / half)
        args = t[:, None].float() * freqs[None]
        c = self.t_mlp(torch.cat([torch.cos(args), torch.sin(args)], -1))
        if self.class_dropout_prob > 0:
            drop = torch.rand(y.shape[0]) < self.class_dropout_prob
            y = torch.where(drop, torch.full_like(y, self.y_table.num_embeddings - 1), y)
        c = c + self.y_table(y)
        h = self.x_proj(x).flatten(2).transpose(1, 2) + self.pos_embed
        for block in self.blocks:
            h = block(h, c)
        shift, scale = self.final_modulation(c).chunk(2, dim=1)
        h = self.final_linear(modulate(layer_norm(h), shift, scale))
        n, g, p, oc = h.shape[0], int(h.shape[1] ** 0.5), self.p, self.out_channels
        return h.reshape(n, g, g, p, p, oc).permute(0, 5, 1, 3, 2, 4).reshape(n, oc, g * p, g * p)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="DiT-S/2")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--sgemm", type=int, default=0, help="also time torch.mm of N x N float32 first")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    size_name, patch = args.model.removeprefix("DiT-").split("/")
    depth, hidden, heads = SIZES[size_name]
    if args.sgemm:
        print(json.dumps(dict(impl="python", sgemm_size=args.sgemm, threads=args.threads,
                              sgemm_gflop_s=round(sgemm_gflop_s(args.sgemm), 1))), flush=True)
    model = DiT(args.size, int(patch), 4, hidden, depth, heads).train()
    step_flop = 3 * args.batch * dit_forward_flop(args.size, int(patch), 4, hidden, depth, heads)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    x = torch.randn(args.batch, 4, args.size, args.size)
    noise = torch.randn_like(x)
    t = torch.randint(0, 1000, (args.batch,)).float()
    y = torch.randint(0, 1000, (args.batch,))

    def step():
        start, cpu_start = time.perf_counter(), time.process_time()
        loss = (model(x, t, y)[:, :4] - noise).square().mean()
        forward_s = time.perf_counter() - start
        optimizer.zero_grad()
        loss.backward()
        backward_s = time.perf_counter() - start - forward_s
        optimizer.step()
        step_s = time.perf_counter() - start
        cpu_s = time.process_time() - cpu_start
        return dict(impl="python", model=args.model, batch=args.batch, threads=args.threads,
                    forward_s=round(forward_s, 4), backward_s=round(backward_s, 4),
                    optimizer_s=round(step_s - forward_s - backward_s, 4), step_s=round(step_s, 4), cpu_s=round(cpu_s, 4),
                    achieved_gflop_s=round(step_flop / step_s / 1e9, 1), loss=round(loss.item(), 6))

    for i in range(args.warmup + args.steps):
        record = step()
        if i >= args.warmup:
            print(json.dumps(record), flush=True)
    if args.profile:
        with torch.autograd.profiler.profile() as prof:
            step()
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=15))


if __name__ == "__main__":
    main()

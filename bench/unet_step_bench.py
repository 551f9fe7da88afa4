#!/usr/bin/python3
"""Training-step benchmark of the EDM2 U-Net in Python PyTorch, the counterpart of
bench/unet_step_bench.cpp: the same network (a PyTorch port of NVlabs/edm2
training/networks_edm2.py Precond(UNet)), config, batch, loss and optimizer.

    /usr/bin/python3 bench/unet_step_bench.py [--steps 20] [--warmup 3] [--threads 2]
    /usr/bin/python3 bench/unet_step_bench.py --verify ../shared/reference/edm2_precond_tiny.h5

step_ms is wall time, step_cpu_ms the process CPU time (all threads) per step: on a
shared machine the CPU time is the steadier measure.

One step = forward in training mode (forced weight normalization), EDM2 loss
sum / batch, backward, Adam (betas 0.9/0.99, eps 1e-8) step.
"""
import argparse
import json
import time

import numpy as np
import torch
import torch.nn.functional as F


# ---------------------------------------------------------------- EDM2 primitives

def normalize(x, dim=None, eps=1e-4):
    """x / (eps + ||x|| / sqrt(N)) (EDM2 Eq. 66)."""
    if dim is None:
        dim = list(range(1, x.ndim))
    norm = torch.linalg.vector_norm(x, dim=dim, keepdim=True, dtype=torch.float32)
    norm = torch.add(eps, norm, alpha=np.sqrt(norm.numel() / x.numel()))
    return x / norm.to(x.dtype)


def resample(x, f=(1, 1), mode='keep'):
    """Depthwise 2x down/up-sampling with the separable filter f."""
    if mode == 'keep':
        return x
    pad = (len(f) - 1) // 2
    f = np.float32(f)
    f = f / f.sum()
    f = torch.as_tensor(np.outer(f, f)[None, None], dtype=x.dtype)
    c = x.shape[1]
    if mode == 'down':
        return F.conv2d(x, f.tile([c, 1, 1, 1]), groups=c, stride=2, padding=pad)
    return F.conv_transpose2d(x, (f * 4).tile([c, 1, 1, 1]), groups=c, stride=2, padding=pad)


def mp_silu(x):
    return F.silu(x) / 0.596  # EDM2 Eq. 81


def mp_sum(a, b, t=0.5):
    return a.lerp(b, t) / np.sqrt((1 - t) ** 2 + t ** 2)  # EDM2 Eq. 88


def mp_cat(a, b, dim=1, t=0.5):
    na, nb = a.shape[dim], b.shape[dim]
    c = np.sqrt((na + nb) / ((1 - t) ** 2 + t ** 2))  # EDM2 Eq. 103
    return torch.cat([(c / np.sqrt(na) * (1 - t)) * a, (c / np.sqrt(nb) * t) * b], dim=dim)


class MPFourier(torch.nn.Module):
    """cos(freqs x + phases) sqrt(2) (EDM2 Eq. 75)."""

    def __init__(self, num_channels, bandwidth=1):
        super().__init__()
        self.register_buffer('freqs', 2 * np.pi * torch.randn(num_channels) * bandwidth)
        self.register_buffer('phases', 2 * np.pi * torch.rand(num_channels))

    def forward(self, x):
        y = x.to(torch.float32).ger(self.freqs.to(torch.float32)) + self.phases.to(torch.float32)
        return (y.cos() * np.sqrt(2)).to(x.dtype)


class MPConv(torch.nn.Module):
    """Magnitude-preserving conv / linear (EDM2 Eq. 47), forced weight norm (Eq. 66)."""

    def __init__(self, in_channels, out_channels, kernel):
        super().__init__()
        self.out_channels = out_channels
        self.weight = torch.nn.Parameter(torch.randn(out_channels, in_channels, *kernel))

    def forward(self, x, gain=1):
        w = self.weight.to(torch.float32)
        if self.training:
            with torch.no_grad():
                self.weight.copy_(normalize(w))
        w = normalize(w)
        w = (w * (gain / np.sqrt(w[0].numel()))).to(x.dtype)
        if w.ndim == 2:
            return x @ w.t()
        return F.conv2d(x, w, padding=w.shape[-1] // 2)


# ---------------------------------------------------------------- network

class Block(torch.nn.Module):
    """Encoder/decoder block with optional self-attention (EDM2 Fig. 21)."""

    def __init__(self, in_channels, out_channels, emb_channels, flavor='enc', resample_mode='keep',
                 resample_filter=(1, 1), attention=False, channels_per_head=64, dropout=0,
                 res_balance=0.3, attn_balance=0.3, clip_act=256):
        super().__init__()
        self.out_channels = out_channels
        self.flavor = flavor
        self.resample_filter = resample_filter
        self.resample_mode = resample_mode
        self.num_heads = out_channels // channels_per_head if attention else 0
        self.dropout = dropout
        self.res_balance = res_balance
        self.attn_balance = attn_balance
        self.clip_act = clip_act
        self.emb_gain = torch.nn.Parameter(torch.zeros([]))
        self.conv_res0 = MPConv(out_channels if flavor == 'enc' else in_channels, out_channels, [3, 3])
        self.emb_linear = MPConv(emb_channels, out_channels, [])
        self.conv_res1 = MPConv(out_channels, out_channels, [3, 3])
        self.conv_skip = MPConv(in_channels, out_channels, [1, 1]) if in_channels != out_channels else None
        self.attn_qkv = MPConv(out_channels, out_channels * 3, [1, 1]) if self.num_heads else None
        self.attn_proj = MPConv(out_channels, out_channels, [1, 1]) if self.num_heads else None

    def forward(self, x, emb):
        x = resample(x, self.resample_filter, self.resample_mode)
        if self.flavor == 'enc':
            if self.conv_skip is not None:
                x = self.conv_skip(x)
            x = normalize(x, dim=1)
        y = self.conv_res0(mp_silu(x))
        c = self.emb_linear(emb, gain=self.emb_gain) + 1
        y = mp_silu(y * c.unsqueeze(2).unsqueeze(3).to(y.dtype))
        if self.training and self.dropout != 0:
            y = F.dropout(y, p=self.dropout)
        y = self.conv_res1(y)
        if self.flavor == 'dec' and self.conv_skip is not None:
            x = self.conv_skip(x)
        x = mp_sum(x, y, t=self.res_balance)
        if self.num_heads:
            y = self.attn_qkv(x)
            y = y.reshape(y.shape[0], self.num_heads, -1, 3, y.shape[2] * y.shape[3])
            q, k, v = normalize(y, dim=2).unbind(3)  # qkv laid out [heads, C/heads, 3]
            w = torch.einsum('nhcq,nhck->nhqk', q, k / np.sqrt(q.shape[2])).softmax(dim=3)
            y = torch.einsum('nhqk,nhck->nhcq', w, v)
            x = mp_sum(x, self.attn_proj(y.reshape(*x.shape)), t=self.attn_balance)
        if self.clip_act is not None:
            x = x.clip_(-self.clip_act, self.clip_act)
        return x


class UNet(torch.nn.Module):
    """EDM2 magnitude-preserving U-Net (EDM2 Fig. 21)."""

    def __init__(self, img_resolution, img_channels, label_dim, model_channels=192,
                 channel_mult=(1, 2, 3, 4), channel_mult_noise=None, channel_mult_emb=None,
                 num_blocks=3, attn_resolutions=(16, 8), label_balance=0.5, concat_balance=0.5,
                 **block_kwargs):
        super().__init__()
        cblock = [model_channels * m for m in channel_mult]
        cnoise = model_channels * channel_mult_noise if channel_mult_noise is not None else cblock[0]
        cemb = model_channels * channel_mult_emb if channel_mult_emb is not None else max(cblock)
        self.label_balance = label_balance
        self.concat_balance = concat_balance
        self.out_gain = torch.nn.Parameter(torch.zeros([]))
        self.emb_fourier = MPFourier(cnoise)
        self.emb_noise = MPConv(cnoise, cemb, [])
        self.emb_label = MPConv(label_dim, cemb, []) if label_dim != 0 else None

        self.enc = torch.nn.ModuleDict()
        cout = img_channels + 1
        for level, channels in enumerate(cblock):
            res = img_resolution >> level
            if level == 0:
                cin, cout = cout, channels
                self.enc[f'{res}x{res}_conv'] = MPConv(cin, cout, [3, 3])
            else:
                self.enc[f'{res}x{res}_down'] = Block(cout, cout, cemb, 'enc', 'down', **block_kwargs)
            for idx in range(num_blocks):
                cin, cout = cout, channels
                self.enc[f'{res}x{res}_block{idx}'] = Block(
                    cin, cout, cemb, 'enc', attention=(res in attn_resolutions), **block_kwargs)

        self.dec = torch.nn.ModuleDict()
        skips = [block.out_channels for block in self.enc.values()]
        for level, channels in reversed(list(enumerate(cblock))):
            res = img_resolution >> level
            if level == len(cblock) - 1:
                self.dec[f'{res}x{res}_in0'] = Block(cout, cout, cemb, 'dec', attention=True, **block_kwargs)
                self.dec[f'{res}x{res}_in1'] = Block(cout, cout, cemb, 'dec', **block_kwargs)
            else:
                self.dec[f'{res}x{res}_up'] = Block(cout, cout, cemb, 'dec', 'up', **block_kwargs)
            for idx in range(num_blocks + 1):
                cin, cout = cout + skips.pop(), channels
                self.dec[f'{res}x{res}_block{idx}'] = Block(
                    cin, cout, cemb, 'dec', attention=(res in attn_resolutions), **block_kwargs)
        self.out_conv = MPConv(cout, img_channels, [3, 3])

    def forward(self, x, noise_labels, class_labels):
        emb = self.emb_noise(self.emb_fourier(noise_labels))
        if self.emb_label is not None:
            emb = mp_sum(emb, self.emb_label(class_labels * np.sqrt(class_labels.shape[1])),
                         t=self.label_balance)
        emb = mp_silu(emb)
        x = torch.cat([x, torch.ones_like(x[:, :1])], dim=1)
        skips = []
        for name, block in self.enc.items():
            x = block(x) if 'conv' in name else block(x, emb)
            skips.append(x)
        for name, block in self.dec.items():
            if 'block' in name:
                x = mp_cat(x, skips.pop(), t=self.concat_balance)
            x = block(x, emb)
        return self.out_conv(x, gain=self.out_gain)


class Precond(torch.nn.Module):
    """EDM preconditioning + learned uncertainty logvar (EDM2 Eq. 21), float32."""

    def __init__(self, img_resolution, img_channels, label_dim, use_fp16=False, sigma_data=0.5,
                 logvar_channels=128, **unet_kwargs):
        super().__init__()
        self.label_dim = label_dim
        self.sigma_data = sigma_data
        self.unet = UNet(img_resolution, img_channels, label_dim, **unet_kwargs)
        self.logvar_fourier = MPFourier(logvar_channels)
        self.logvar_linear = MPConv(logvar_channels, 1, [])

    def forward(self, x, sigma, class_labels=None):
        sigma = sigma.to(torch.float32).reshape(-1, 1, 1, 1)
        if self.label_dim and class_labels is None:
            class_labels = torch.zeros([1, self.label_dim])
        sd = self.sigma_data
        c_skip = sd ** 2 / (sigma ** 2 + sd ** 2)
        c_out = sigma * sd / (sigma ** 2 + sd ** 2).sqrt()
        c_in = 1 / (sd ** 2 + sigma ** 2).sqrt()
        c_noise = sigma.flatten().log() / 4
        D = c_skip * x + c_out * self.unet(c_in * x, c_noise, class_labels)
        logvar = self.logvar_linear(self.logvar_fourier(c_noise)).reshape(-1, 1, 1, 1)
        return D, logvar


def edm2_loss(D, y, sigma, logvar, sigma_data=0.5):
    weight = (sigma ** 2 + sigma_data ** 2) / (sigma * sigma_data) ** 2  # EDM Table 1
    return (weight / logvar.exp()) * (D - y) ** 2 + logvar  # EDM2 Eq. 21


# ---------------------------------------------------------------- benchmark

# models/edm2_configs.cpp "edm2-fashion-tiny": 32x32x1, 10 classes.
FASHION_TINY = dict(img_resolution=32, img_channels=1, label_dim=10, model_channels=16,
                    channel_mult=[1, 2, 4], num_blocks=1, attn_resolutions=[8], dropout=0)


def verify(path):
    """Max relative errors of this port against the reference file (eval and training)."""
    import h5py
    tensor = lambda dataset: torch.as_tensor(np.asarray(dataset[()]))
    with h5py.File(path, 'r') as f:
        net = Precond(**json.loads(f.attrs['config']))
        net.load_state_dict({k: tensor(v) for k, v in f['weights'].items()})
        x, sigma, labels = (tensor(f['input'][k]) for k in ('x', 'sigma', 'class_labels'))
        rel = lambda a, b: float((a.detach() - b).abs().max() / max(float(b.abs().max()), 1e-30))
        net.eval()
        with torch.no_grad():
            D, logvar = net(x, sigma, labels)
        errors = {'eval/D': rel(D, tensor(f['output_eval/D']))}
        net.train()
        s = sigma.reshape(-1, 1, 1, 1)
        D, logvar = net(x + tensor(f['train/noise']) * s, sigma, labels)
        (edm2_loss(D, x, s, logvar).sum() / x.shape[0]).backward()
        errors['train/D'] = rel(D, tensor(f['train/D']))
        errors['grad/max'] = max(rel(p.grad, tensor(f['train/grad'][n]))
                                 for n, p in net.named_parameters())
        errors['weights_after_forward/max'] = max(
            rel(p, tensor(f['train/weights_after_forward'][n]))
            for n, p in net.named_parameters())
    print(json.dumps(errors))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--steps', type=int, default=20)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--batch', type=int, default=64)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--profile', action='store_true', help='print the top operators')
    parser.add_argument('--verify', metavar='H5', help='check the port against a reference file')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.verify:
        verify(args.verify)
        return

    torch.manual_seed(0)
    cfg = FASHION_TINY
    net = Precond(**cfg).train()
    opt = torch.optim.Adam(net.parameters(), lr=1e-2, betas=(0.9, 0.99), eps=1e-8)
    n, c, r = args.batch, cfg['img_channels'], cfg['img_resolution']
    y = torch.randn(n, c, r, r) * 0.5
    labels = F.one_hot(torch.arange(n) % cfg['label_dim'], cfg['label_dim']).float()
    phases = {'forward': 0.0, 'backward': 0.0, 'adam': 0.0}

    def step(timed):
        sigma = (torch.randn(n, 1, 1, 1) * 1.0 - 0.4).exp()
        t0 = time.perf_counter()
        D, logvar = net(y + torch.randn_like(y) * sigma, sigma, labels)
        loss = edm2_loss(D, y, sigma, logvar).sum() / n
        t1 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        t2 = time.perf_counter()
        opt.step()
        t3 = time.perf_counter()
        if timed:
            phases['forward'] += t1 - t0
            phases['backward'] += t2 - t1
            phases['adam'] += t3 - t2

    for _ in range(args.warmup):
        step(False)
    start, cpu_start = time.perf_counter(), time.process_time()
    for _ in range(args.steps):
        step(True)
    total, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    result = {'impl': 'python', 'torch': torch.__version__, 'threads': torch.get_num_threads(),
              'batch': n, 'steps': args.steps, 'step_ms': 1e3 * total / args.steps,
              'step_cpu_ms': 1e3 * cpu / args.steps,
              'parameters': sum(p.numel() for p in net.parameters())}
    result.update({k + '_ms': 1e3 * v / args.steps for k, v in phases.items()})
    print(json.dumps(result))
    if args.profile:
        with torch.autograd.profiler.profile() as prof:
            for _ in range(3):
                step(False)
        print(prof.key_averages().table(sort_by='self_cpu_time_total', row_limit=25))


if __name__ == '__main__':
    main()

#!/usr/bin/python3
"""Throughput of a plain Python PyTorch training loop, the baseline for `dact train` with
configs/fashion-mnist-mar.json (bench/results/mar.md): the same MAR (a port of LTH14/mar
models/mar.py and models/diffloss.py: timm pre-norm blocks, buffer tokens, encoder over
the kept tokens, decoder with mask tokens, the SimpleMLPAdaLN DiffLoss), with the preset's
model section, data (the converted Fashion-MNIST shards, held in memory), batch, objective,
optimizer and learning-rate schedule as the preset and models/mar/mar_family.cpp:

  a random order per sample, one mask ratio per batch from truncnorm(min 0.7, centre 1,
  std 0.25), the class embedding dropped to fake_latent with label_drop_prob, DiffLoss
  with each token repeated diffusion_batch_mul times: guided-diffusion's training_losses
  on the cosine schedule (T = 1000), learned-range variance, mse (of the preset's
  prediction, eps or v) + vb; Adam (0.9, 0.99, 1e-8) with EDM2's lr schedule.

MAR's own forward_loss runs DiffLoss on every token and masks the loss (the default here,
as the reference); --masked-only runs it on the masked tokens alone, as dact does (same
loss and gradients, less work).

    /usr/bin/python3 bench/mar_loop_bench.py --dataset data/fashion-mnist-32/train \
        --steps 50 --warmup 5 --threads 2 [--masked-only]

Every step also updates the preset's power-function EMA tracks inline (as EDM2's
training_loop.py). Prints one JSON line: parameters and images_per_s after --warmup.
"""
import json
import math
import os
import sys

import numpy as np
import scipy.stats as stats
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_loop_bench import load_shards, loop_bench_parser, time_preset_recipe  # noqa: E402

PRESET = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'configs', 'fashion-mnist-mar.json')


class Block(nn.Module):  # timm Block: pre-norm attention and GELU MLP, qkv with bias
    def __init__(self, dim, heads, mlp_ratio):
        super().__init__()
        self.heads = heads
        self.norm1, self.norm2 = nn.LayerNorm(dim, eps=1e-6), nn.LayerNorm(dim, eps=1e-6)
        self.qkv, self.proj = nn.Linear(dim, 3 * dim), nn.Linear(dim, dim)
        self.mlp = nn.Sequential(nn.Linear(dim, int(dim * mlp_ratio)), nn.GELU(), nn.Linear(int(dim * mlp_ratio), dim))

    def forward(self, x):
        b, n, c = x.shape
        q, k, v = self.qkv(self.norm1(x)).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        attn = ((q * (c // self.heads) ** -0.5) @ k.transpose(-2, -1)).softmax(-1)
        x = x + self.proj((attn @ v).transpose(1, 2).reshape(b, n, c))
        return x + self.mlp(self.norm2(x))


class ResBlock(nn.Module):  # diffloss.py ResBlock
    def __init__(self, c):
        super().__init__()
        self.in_ln = nn.LayerNorm(c, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(c, c), nn.SiLU(), nn.Linear(c, c))
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(c, 3 * c))

    def forward(self, x, y):
        shift, scale, gate = self.adaLN_modulation(y).chunk(3, -1)
        return x + gate * self.mlp(self.in_ln(x) * (1 + scale) + shift)


class SimpleMLPAdaLN(nn.Module):  # diffloss.py, with its initialize_weights
    def __init__(self, in_c, c, out_c, z_c, depth):
        super().__init__()
        self.time_mlp = nn.Sequential(nn.Linear(256, c), nn.SiLU(), nn.Linear(c, c))
        self.cond_embed, self.input_proj = nn.Linear(z_c, c), nn.Linear(in_c, c)
        self.res_blocks = nn.ModuleList([ResBlock(c) for _ in range(depth)])
        self.norm_final = nn.LayerNorm(c, elementwise_affine=False, eps=1e-6)
        self.final_linear = nn.Linear(c, out_c)
        self.final_modulation = nn.Sequential(nn.SiLU(), nn.Linear(c, 2 * c))
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
        nn.init.normal_(self.time_mlp[0].weight, std=0.02)
        nn.init.normal_(self.time_mlp[2].weight, std=0.02)
        for m in [b.adaLN_modulation[-1] for b in self.res_blocks] + [self.final_modulation[-1], self.final_linear]:
            nn.init.zeros_(m.weight)
            nn.init.zeros_(m.bias)

    def forward(self, x, t, c):
        half = 128
        freqs = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32) / half)
        args = t[:, None].float() * freqs[None]
        y = self.time_mlp(torch.cat([torch.cos(args), torch.sin(args)], -1)) + self.cond_embed(c)
        x = self.input_proj(x)
        for block in self.res_blocks:
            x = block(x, y)
        shift, scale = self.final_modulation(y).chunk(2, -1)
        return self.final_linear(self.norm_final(x) * (1 + scale) + shift)


class CosineDiffusion:  # guided-diffusion GaussianDiffusion, cosine betas, learned-range variance
    def __init__(self, prediction, T=1000):
        f = lambda t: math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2
        betas = np.array([min(1 - f((i + 1) / T) / f(i / T), 0.999) for i in range(T)])
        abar = np.cumprod(1 - betas)
        abar_prev = np.append(1.0, abar[:-1])
        post_var = betas * (1 - abar_prev) / (1 - abar)
        t = lambda a: torch.from_numpy(a)
        self.T, self.prediction = T, prediction
        self.sqrt_abar, self.sqrt_1m_abar = t(np.sqrt(abar)), t(np.sqrt(1 - abar))
        self.sqrt_recip_abar, self.sqrt_recipm1_abar = t(np.sqrt(1 / abar)), t(np.sqrt(1 / abar - 1))
        self.post_log_var = t(np.log(np.append(post_var[1], post_var[1:])))
        self.log_betas = t(np.log(betas))
        self.coef1 = t(betas * np.sqrt(abar_prev) / (1 - abar))
        self.coef2 = t((1 - abar_prev) * np.sqrt(1 - betas) / (1 - abar))

    def training_losses(self, net, x0, t, c):
        e = lambda table: table[t].float()[:, None]
        noise = torch.randn_like(x0)
        x_t = e(self.sqrt_abar) * x0 + e(self.sqrt_1m_abar) * noise
        pred, var = net(x_t, t, c).chunk(2, 1)
        if self.prediction == 'v':
            target = e(self.sqrt_abar) * noise - e(self.sqrt_1m_abar) * x0
            x0_hat = e(self.sqrt_abar) * x_t - e(self.sqrt_1m_abar) * pred.detach()
        else:
            target = noise
            x0_hat = e(self.sqrt_recip_abar) * x_t - e(self.sqrt_recipm1_abar) * pred.detach()
        frac = (var + 1) / 2
        log_var = frac * e(self.log_betas) + (1 - frac) * e(self.post_log_var)
        mean = e(self.coef1) * x0_hat + e(self.coef2) * x_t
        true_mean = e(self.coef1) * x0 + e(self.coef2) * x_t
        true_log_var = e(self.post_log_var)
        kl = 0.5 * (-1 + log_var - true_log_var + torch.exp(true_log_var - log_var)
                    + (true_mean - mean) ** 2 * torch.exp(-log_var))
        kl = kl.mean(1) / math.log(2)
        nll = -discretized_gaussian_log_likelihood(x0, mean, 0.5 * log_var).mean(1) / math.log(2)
        vb = torch.where(t == 0, nll, kl)
        return (target - pred).square().mean(1) + vb


def discretized_gaussian_log_likelihood(x, means, log_scales):  # guided-diffusion losses.py
    approx_cdf = lambda v: 0.5 * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (v + 0.044715 * v ** 3)))
    inv_stdv = torch.exp(-log_scales)
    cdf_plus, cdf_min = approx_cdf(inv_stdv * (x - means + 1 / 255)), approx_cdf(inv_stdv * (x - means - 1 / 255))
    log_cdf_plus = torch.log(cdf_plus.clamp(min=1e-12))
    log_one_minus_cdf_min = torch.log((1 - cdf_min).clamp(min=1e-12))
    log_delta = torch.log((cdf_plus - cdf_min).clamp(min=1e-12))
    return torch.where(x < -0.999, log_cdf_plus, torch.where(x > 0.999, log_one_minus_cdf_min, log_delta))


class MAR(nn.Module):  # models/mar.py, LayerNorm eps 1e-6, no dropout
    def __init__(self, m):
        super().__init__()
        self.m = m
        self.side = m['img_size'] // m['vae_stride'] // m['patch_size']
        self.seq, self.p, self.buffer = self.side ** 2, m['patch_size'], m['buffer_size']
        self.token_dim = m['vae_embed_dim'] * self.p ** 2
        D, Dd = m['encoder_embed_dim'], m['decoder_embed_dim']
        ratio = m.get('mlp_ratio', 4.0)
        self.class_emb = nn.Embedding(m['class_num'], D)
        self.fake_latent = nn.Parameter(torch.zeros(1, D))
        self.z_proj, self.z_proj_ln = nn.Linear(self.token_dim, D), nn.LayerNorm(D, eps=1e-6)
        self.encoder_pos = nn.Parameter(torch.zeros(1, self.seq + self.buffer, D))
        self.encoder_blocks = nn.ModuleList([Block(D, m['encoder_num_heads'], ratio) for _ in range(m['encoder_depth'])])
        self.encoder_norm = nn.LayerNorm(D, eps=1e-6)
        self.decoder_embed = nn.Linear(D, Dd)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, Dd))
        self.decoder_pos = nn.Parameter(torch.zeros(1, self.seq + self.buffer, Dd))
        self.decoder_blocks = nn.ModuleList([Block(Dd, m['decoder_num_heads'], ratio) for _ in range(m['decoder_depth'])])
        self.decoder_norm = nn.LayerNorm(Dd, eps=1e-6)
        self.diffusion_pos = nn.Parameter(torch.zeros(1, self.seq, Dd))
        for p in [self.class_emb.weight, self.fake_latent, self.mask_token, self.encoder_pos, self.decoder_pos,
                  self.diffusion_pos]:
            nn.init.normal_(p, std=0.02)
        for mod in self.modules():
            if isinstance(mod, nn.Linear):
                nn.init.xavier_uniform_(mod.weight)
                nn.init.zeros_(mod.bias)
        self.diffloss = SimpleMLPAdaLN(self.token_dim, m['diffloss_w'], 2 * self.token_dim, Dd, m['diffloss_d'])
        self.diffusion = CosineDiffusion(m.get('prediction', 'epsilon'))
        self.ratio = stats.truncnorm((m.get('mask_ratio_min', 0.7) - 1.0) / 0.25, 0, loc=1.0, scale=0.25)

    def forward(self, imgs, labels, masked_only):
        m, n = self.m, imgs.shape[0]
        c, p = imgs.shape[1], self.p
        x = imgs.reshape(n, c, self.side, p, self.side, p).permute(0, 2, 4, 1, 3, 5).reshape(n, self.seq, -1)
        orders = torch.from_numpy(np.stack([np.random.permutation(self.seq) for _ in range(n)])).long()
        num_masked = int(np.ceil(self.seq * self.ratio.rvs(1)[0]))
        mask = torch.zeros(n, self.seq).scatter(1, orders[:, :num_masked], 1.0)
        class_embedding = self.class_emb(labels)
        drop = (torch.rand(n) < m.get('label_drop_prob', 0.1)).float()[:, None]
        class_embedding = drop * self.fake_latent + (1 - drop) * class_embedding
        # encoder
        h = torch.cat([class_embedding[:, None].expand(n, self.buffer, -1), self.z_proj(x)], 1)
        h = self.z_proj_ln(h + self.encoder_pos)
        keep = torch.cat([torch.zeros(n, self.buffer), mask], 1) == 0
        h = h[keep].reshape(n, -1, h.shape[-1])
        for block in self.encoder_blocks:
            h = block(h)
        h = self.decoder_embed(self.encoder_norm(h))
        # decoder
        padded = self.mask_token.repeat(n, keep.shape[1], 1).clone()
        padded[keep] = h.reshape(-1, h.shape[-1])
        h = padded + self.decoder_pos
        for block in self.decoder_blocks:
            h = block(h)
        z = self.decoder_norm(h)[:, self.buffer:] + self.diffusion_pos
        mul = m.get('diffusion_batch_mul', 4)
        if masked_only:
            target, cond = x[mask.bool()].repeat(mul, 1), z[mask.bool()].repeat(mul, 1)
            t = torch.randint(0, self.diffusion.T, (target.shape[0],))
            return self.diffusion.training_losses(self.diffloss, target, t, cond).mean()
        target, cond = x.reshape(n * self.seq, -1).repeat(mul, 1), z.reshape(n * self.seq, -1).repeat(mul, 1)
        weight = mask.reshape(-1).repeat(mul)
        t = torch.randint(0, self.diffusion.T, (target.shape[0],))
        loss = self.diffusion.training_losses(self.diffloss, target, t, cond)
        return (loss * weight).sum() / weight.sum()


def main():
    parser = loop_bench_parser(__doc__, steps=50, warmup=5)
    parser.add_argument('--masked-only', action='store_true')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    np.random.seed(0)
    with open(PRESET) as f:
        preset = json.load(f)
    model, trainer = preset['model'], preset['trainer']
    assert model['arch'] == 'mar' and model.get('clip_denoised', False) in (True, False)
    images, labels = load_shards(args.dataset)
    net = MAR(model).train()
    time_preset_recipe(args, preset, net, list(net.parameters()), len(images),
                       lambda batch: net(images[batch].float() / 127.5 - 1, labels[batch], args.masked_only),
                       'python_masked_only' if args.masked_only else 'python')


if __name__ == '__main__':
    main()

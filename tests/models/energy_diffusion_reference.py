#!/usr/bin/python3
"""The energy-diffusion training losses and their gradients, from the original's math
(Averyyy/mar_ebwm models/pure_diffusion.py and models/dit/dit.py), for
energy_diffusion_test.cpp.

The DiT below restates the seed's energy DiT (timm Attention and Mlp written out) and
loads the weights of tests/reference/dit_energy_tiny.h5; it first checks that it
reproduces that file's energy and gradient, so it is the reference network. The losses
follow PureDiffusion.forward, compute_contrastive_loss, compute_refinement_loss and
opt_step, with these deliberate differences (dact implements the intent, the test
checks it):
  1. Labels are dropped once per sample and step by the caller (given as input); the
     seed's LabelEmbedder redraws dropout at every network call.
  2. The MCMC step count S = clamp(int(b (1 + 2 t / T)), 1, 10) is per sample, from
     its own t; the seed uses the mean t of the batch (so a sample's loss depends on
     how the batch is split across trainers).
  3. MCMC steps do not clamp x to +-2 sqrt(abar_t) (that flattens noisy samples).
  4. Contrastive negatives: MCMC with the model's alpha and the training base b = 2
     (the seed: 0.01 unless alpha is learnable, and b = 5); x0 of the refined negative
     is (x - sqrt(1 - abar) n) / sqrt(abar), the inverse of q_sample (the seed divides
     x by sqrt(abar) alone and so adds the noise twice), bounded to [-2, 2] as there.
  5. Refinement loss: sigmoid((-sum d + 0.1 var d) / S) per sample, var the population
     variance of the sample's drops; the seed adds 0.1 * (-var) over the whole batch,
     rewarding the erratic descent its comment says it penalises.
Everything runs in float64.

    energy_diffusion_reference.py REFERENCE_H5 OUT_H5
"""
import json
import math
import sys

import h5py
import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def modulate(x, shift, scale):
    return x * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1)


class EnergyDiT:
    """The seed's DiT(use_energy=True) forward on a dict of weights."""

    def __init__(self, weights, config):
        self.w = weights
        self.c = config

    def linear(self, name, x):
        return F.linear(x, self.w[name + ".weight"], self.w[name + ".bias"])

    def timestep_embedding(self, t, dim=256, max_period=10000):
        # GLIDE's, in float32 as the original computes it (t.float()), then widened.
        half = dim // 2
        freqs = torch.exp(-math.log(max_period) * torch.arange(start=0, end=half, dtype=torch.float32) / half)
        args = t[:, None].float() * freqs[None]
        return torch.cat([torch.cos(args), torch.sin(args)], dim=-1).double()

    def energy(self, x, t, y):
        c, w = self.c, self.w
        p, D, H = c["patch_size"], c["hidden_size"], c["num_heads"]
        tokens = F.conv2d(x, w["x_embedder.proj.weight"], w["x_embedder.proj.bias"], stride=p)
        tokens = tokens.flatten(2).transpose(1, 2) + w["pos_embed"]
        temb = self.linear("t_embedder.mlp.2", F.silu(self.linear("t_embedder.mlp.0", self.timestep_embedding(t))))
        cond = temb + w["y_embedder.embedding_table.weight"][y]
        for i in range(c["depth"]):
            b = "blocks.%d." % i
            mods = self.linear(b + "adaLN_modulation.1", F.silu(cond)).chunk(6, dim=1)
            h = modulate(F.layer_norm(tokens, (D,), eps=1e-6), mods[0], mods[1])
            B, N, _ = h.shape
            qkv = self.linear(b + "attn.qkv", h).reshape(B, N, 3, H, D // H).permute(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]
            attn = ((q * (D // H) ** -0.5) @ k.transpose(-2, -1)).softmax(dim=-1)
            h = self.linear(b + "attn.proj", (attn @ v).transpose(1, 2).reshape(B, N, D))
            tokens = tokens + mods[2].unsqueeze(1) * h
            h = modulate(F.layer_norm(tokens, (D,), eps=1e-6), mods[3], mods[4])
            h = self.linear(b + "mlp.fc2", F.gelu(self.linear(b + "mlp.fc1", h), approximate="tanh"))
            tokens = tokens + mods[5].unsqueeze(1) * h
        pooled = tokens.mean(dim=1)
        e = self.linear("energy_layer.energy_head.2", F.silu(self.linear("energy_layer.energy_head.0", pooled)))
        return e  # [N, 1]

    def energy_and_gradient(self, x, t, y):
        # The seed's forward(return_both=True): create_graph=True always.
        with torch.enable_grad():
            x_in = x if x.requires_grad else x.detach().requires_grad_(True)
            e = self.energy(x_in, t, y)
            g = torch.autograd.grad(e.sum(), x_in, create_graph=True)[0]
        return e, self.c["energy_gradient_multiplier"] * g


def linear_alphas_cumprod(T):
    scale = 1000 / T
    betas = np.linspace(scale * 0.0001, scale * 0.02, T, dtype=np.float64)
    return np.cumprod(1.0 - betas)


def q_sample(abar, x0, t, noise):
    a = torch.from_numpy(abar)[t].view(-1, 1, 1, 1)
    return a.sqrt() * x0 + (1 - a).sqrt() * noise


def step_counts(base, t, T):
    # get_adaptive_steps per sample (difference 2).
    return [max(1, min(int(base * (1.0 + 2.0 * float(ti) / T)), 10)) for ti in t]


def greedy_opt_step(net, x, t, y, alpha, steps):
    """opt_step(keep_grad=False) with rejection, per-sample step counts, no x clamp."""
    x_opt = x.detach()
    accepted = torch.zeros(x.shape[0])
    proposed = torch.zeros(x.shape[0])
    for i in range(max(steps)):
        active = torch.tensor([s > i for s in steps])
        energy, gradients = net.energy_and_gradient(x_opt, t, y)
        x_new = (x_opt - alpha * gradients).detach()
        energy_new = net.energy(x_new, t, y).detach()
        good = (~(energy_new > energy.detach()).squeeze(1)) & active
        accepted += good.double()
        proposed += active.double()
        x_opt = torch.where(good.view(-1, 1, 1, 1), x_new, x_opt)
    return x_opt, accepted, proposed


def losses(net, abar, T, x0, y, inp, alpha_param, contrastive_weight, refinement_weight, base):
    t = inp["t"]
    tf = t.double()
    # training_losses: eps = dE/dx * m, mse over pixels.
    x_t = q_sample(abar, x0, t, inp["noise"])
    e_t, eps = net.energy_and_gradient(x_t, tf, y)
    mse = ((inp["noise"] - eps) ** 2).flatten(1).mean(1)
    alpha = torch.clamp(alpha_param, min=1e-4)
    out = {"mse": mse, "energy": e_t.squeeze(1), "alpha": alpha.expand(x0.shape[0])}
    loss = mse
    steps = step_counts(base, t.tolist(), T)
    # compute_contrastive_loss (differences 4).
    n = inp["contrastive_noise"]
    x_neg = q_sample(abar, x0 + 3.0 * inp["negative_offset"], t, n)
    x_neg_opt, accepted, proposed = greedy_opt_step(net, x_neg, tf, y, alpha.detach(), steps)
    a = torch.from_numpy(abar)[t].view(-1, 1, 1, 1)
    x_neg_pred = torch.clamp((x_neg_opt - (1 - a).sqrt() * n) / a.sqrt(), -2, 2)
    x_pos_noisy = q_sample(abar, x0, t, n)
    x_neg_final = q_sample(abar, x_neg_pred, t, n)
    energy = net.energy(torch.cat([x_pos_noisy, x_neg_final]), torch.cat([tf, tf]), torch.cat([y, y]))
    energy_pos, energy_neg = torch.chunk(energy, 2, dim=0)
    target = torch.zeros(energy_pos.size(0), dtype=torch.long)
    contrastive = F.cross_entropy(-1 * torch.cat([energy_pos, energy_neg], dim=-1), target, reduction="none")
    loss = loss + contrastive_weight * contrastive
    out.update(contrastive=contrastive, energy_negative=energy_neg.squeeze(1), accept_rate=accepted / proposed)
    # compute_refinement_loss: always accept, keep the graph (differences 2, 3, 5).
    x_opt = q_sample(abar, x0, t, inp["refinement_noise"]).detach().requires_grad_(True)
    trajectory = []
    for i in range(max(steps)):
        e, g = net.energy_and_gradient(x_opt, tf, y)
        trajectory.append(e.squeeze(1))
        x_opt = x_opt - alpha * g
    refinement = []
    descent_rate = []
    for j, S in enumerate(steps):
        energies = torch.stack([trajectory[i][j] for i in range(S)])
        drops = energies[:-1] - energies[1:]
        descent = drops.sum()
        variance = drops.var(unbiased=False) if drops.numel() > 1 else torch.zeros(())
        refinement.append(torch.sigmoid((-descent + 0.1 * variance) / S))
        descent_rate.append((drops >= 0).double().mean() if drops.numel() > 0 else torch.zeros(()))
    refinement = torch.stack(refinement)
    loss = loss + refinement_weight * refinement
    out.update(refinement=refinement, descent_rate=torch.stack(descent_rate).detach())
    return loss, out


def main(reference_path, out_path):
    with h5py.File(reference_path, "r") as f:
        config = json.loads(f.attrs["config"])
        weights = {k: torch.from_numpy(np.array(v)).double() for k, v in f["weights"].items()}
        x_ref = torch.from_numpy(np.array(f["input/x"])).double()
        t_ref = torch.from_numpy(np.array(f["input/t"])).double()
        y_ref = torch.from_numpy(np.array(f["input/y"]))
        energy_ref = np.array(f["output/energy"])
        grad_ref = np.array(f["output/grad"])
    config["energy_gradient_multiplier"] = 2.0
    net = EnergyDiT(weights, config)
    e, g = net.energy_and_gradient(x_ref, t_ref, y_ref)
    assert np.abs(e.detach().numpy() - energy_ref).max() <= 1e-4 * np.abs(energy_ref).max(), "energy"
    assert np.abs(g.detach().numpy() - grad_ref).max() <= 1e-4 * np.abs(grad_ref).max(), "gradient"

    T, N, C, R = 100, 6, config["in_channels"], config["input_size"]
    gen = torch.Generator().manual_seed(17)
    x0 = torch.rand(N, C, R, R, generator=gen) * 2 - 1
    y = torch.tensor([0, 3, 10, 7, 10, 9])  # 10 = the null class: dropped labels
    inp = {
        "t": torch.tensor([0, 13, 50, 71, 99, 36]),
        "noise": torch.randn(N, C, R, R, generator=gen),
        "contrastive_noise": torch.randn(N, C, R, R, generator=gen),
        "negative_offset": torch.randn(N, C, R, R, generator=gen),
        "refinement_noise": torch.randn(N, C, R, R, generator=gen),
    }
    params = {k: v.clone().requires_grad_(k != "pos_embed") for k, v in weights.items()}
    alpha = torch.tensor(30.0, requires_grad=True)  # large: a visible refinement loss
    net = EnergyDiT(params, config)
    contrastive_weight, refinement_weight, base = 0.05, 0.1, 2.0
    loss, terms = losses(net, linear_alphas_cumprod(T), T, x0, y, inp, alpha, contrastive_weight,
                         refinement_weight, base)
    # The trainer's step loss: sum over the batch / batch size.
    (loss.sum() / N).backward()
    with h5py.File(out_path, "w") as f:
        f.attrs["T"] = T
        f.attrs["contrastive_weight"] = contrastive_weight
        f.attrs["refinement_weight"] = refinement_weight
        f.attrs["steps_base"] = base
        f["input/x0"] = x0.numpy()
        f["input/y"] = y.numpy()
        f["input/alpha"] = alpha.detach().numpy()
        for k, v in inp.items():
            f["input/" + k] = v.numpy()
        f["output/loss"] = loss.detach().numpy()
        for k, v in terms.items():
            f["output/terms/" + k] = v.detach().numpy()
        f["output/grad/alpha"] = alpha.grad.numpy()
        for k, v in params.items():
            # final_layer is built but unused in energy mode: its gradient is zero.
            if v.requires_grad:
                f["output/grad/dit." + k] = (v.grad if v.grad is not None else torch.zeros_like(v)).numpy()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

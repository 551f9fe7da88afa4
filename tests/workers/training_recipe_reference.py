"""Reference values of the DiT/MAR training recipe, computed by PyTorch itself.

Run by training_recipe_test.cpp under /usr/bin/python3: writes to the HDF5 file named
by argv[1]
  adamw/init/<param>, adamw/grad/<step>/<param>, adamw/after/<step>/<param>, adamw/lr
      torch.optim.AdamW (foreach=False) with two param groups: weight decay 0.05 for the
      2-d and 4-d weights, 0 for biases, norms, the embedding table and pos_embed
      (the groups dact's weight_decay_rule.h must pick by itself), betas (0.9, 0.95)
  clip/grad/<param>, clip/<max_norm>/total_norm, clip/<max_norm>/<param>
      torch.nn.utils.clip_grad_norm_ of the same gradients at two max_norm values (one
      clips, one does not)
"""
import sys

import h5py
import torch

SHAPES = {
    "blocks.0.linear.weight": (6, 5),
    "blocks.0.linear.bias": (6,),
    "norm.weight": (5,),
    "y_embedder.embedding_table.weight": (11, 5),
    "pos_embed": (1, 4, 5),
    "x_embedder.proj.weight": (5, 3, 2, 2),
}
DECAYED = ["blocks.0.linear.weight", "x_embedder.proj.weight"]
LRS = [1e-3, 2e-3, 4e-3, 3e-3, 1e-3]


def main(path):
    generator = torch.Generator().manual_seed(0)
    params = {name: torch.randn(shape, generator=generator).requires_grad_() for name, shape in SHAPES.items()}
    with h5py.File(path, "w") as out:
        for name, param in params.items():
            out[f"adamw/init/{name}"] = param.detach().numpy()
        out["adamw/lr"] = torch.tensor(LRS, dtype=torch.float64).numpy()
        groups = [
            {"params": [params[n] for n in DECAYED], "weight_decay": 0.05},
            {"params": [p for n, p in params.items() if n not in DECAYED], "weight_decay": 0.0},
        ]
        optimizer = torch.optim.AdamW(groups, lr=LRS[0], betas=(0.9, 0.95), eps=1e-8, foreach=False)
        for step, lr in enumerate(LRS):
            for group in optimizer.param_groups:
                group["lr"] = lr
            for name, param in params.items():
                param.grad = torch.randn(param.shape, generator=generator)
                out[f"adamw/grad/{step}/{name}"] = param.grad.numpy()
            optimizer.step()
            for name, param in params.items():
                out[f"adamw/after/{step}/{name}"] = param.detach().numpy()

        grads = {name: 3 * torch.randn(shape, generator=generator) for name, shape in SHAPES.items()}
        for name, grad in grads.items():
            out[f"clip/grad/{name}"] = grad.numpy()
        for max_norm in ["1.0", "1000.0"]:
            clipped = {name: torch.zeros(shape, requires_grad=True) for name, shape in SHAPES.items()}
            for name, param in clipped.items():
                param.grad = grads[name].clone()
            total_norm = torch.nn.utils.clip_grad_norm_(list(clipped.values()), float(max_norm))
            out[f"clip/{max_norm}/total_norm"] = total_norm.numpy()
            for name, param in clipped.items():
                out[f"clip/{max_norm}/{name}"] = param.grad.numpy()


if __name__ == "__main__":
    main(sys.argv[1])

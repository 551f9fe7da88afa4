#!/usr/bin/python3
"""Checkpoints of the KL autoencoder in the formats users hold, with the outputs the
original code computes from them, for kl_autoencoder_import_test.cpp.

The classes below restate MAR's models/vae.py (LDM's Encoder/Decoder/AutoencoderKL,
generalized as LDM's ddconfig: z_channels and embed_dim apart, per-half attention
resolutions) and, separately, diffusers' AutoencoderKL layout (down_blocks/up_blocks/
mid_block, Linear attention projections, decoder blocks in execution order), each with
its own forward, so a renaming mistake in tools/kl_autoencoder_checkpoints.py shows as
a wrong output rather than cancelling out. Weights are random (GroupNorm affine near 1).

Writes into DIR, for each case (mar, ldm, diffusers, diffusers_deprecated):
    <case>.<ext>          the checkpoint (see CASES)
    <case>.json           the config for `dact model forward --config`
    <case>_inputs.npz     images [3, C, R, R] in [-1, 1], z [3, embed_dim, r, r]
    reference.h5:<case>/  mean, logvar, decoded_z, reconstruction

    kl_autoencoder_reference.py DIR
"""
import json
import os
import struct
import sys

import h5py
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def swish(x):
    return x * torch.sigmoid(x)


def group_norm(channels):
    return nn.GroupNorm(32, channels, eps=1e-6, affine=True)


# ---- LDM / MAR layout (models/vae.py) ----

class ResnetBlock(nn.Module):
    def __init__(self, cin, cout, shortcut_name='nin_shortcut'):
        super().__init__()
        self.norm1, self.conv1 = group_norm(cin), nn.Conv2d(cin, cout, 3, 1, 1)
        self.norm2, self.conv2 = group_norm(cout), nn.Conv2d(cout, cout, 3, 1, 1)
        self.shortcut_name = shortcut_name if cin != cout else None
        if self.shortcut_name:
            setattr(self, shortcut_name, nn.Conv2d(cin, cout, 1))

    def forward(self, x):
        h = self.conv1(swish(self.norm1(x)))
        h = self.conv2(swish(self.norm2(h)))
        return (getattr(self, self.shortcut_name)(x) if self.shortcut_name else x) + h


class AttnBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm = group_norm(c)
        self.q, self.k, self.v, self.proj_out = (nn.Conv2d(c, c, 1) for _ in range(4))

    def forward(self, x):
        h = self.norm(x)
        b, c, height, width = x.shape
        q = self.q(h).reshape(b, c, -1).permute(0, 2, 1)
        k = self.k(h).reshape(b, c, -1)
        w = torch.softmax(torch.bmm(q, k) * c ** -0.5, dim=2)
        out = torch.bmm(self.v(h).reshape(b, c, -1), w.permute(0, 2, 1)).reshape(b, c, height, width)
        return x + self.proj_out(out)


class Downsample(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, 2, 0)

    def forward(self, x):
        return self.conv(F.pad(x, (0, 1, 0, 1)))


class Upsample(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, 1, 1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode='nearest'))


class Mid(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.block_1, self.attn_1, self.block_2 = ResnetBlock(c, c), AttnBlock(c), ResnetBlock(c, c)

    def forward(self, x):
        return self.block_2(self.attn_1(self.block_1(x)))


class Encoder(nn.Module):
    def __init__(self, ch, ch_mult, num_res_blocks, attn_resolutions, resolution, in_channels, z_channels):
        super().__init__()
        self.conv_in = nn.Conv2d(in_channels, ch, 3, 1, 1)
        self.down = nn.ModuleList()
        block_in, res = ch, resolution
        for level, mult in enumerate(ch_mult):
            stage = nn.Module()
            stage.block, stage.attn = nn.ModuleList(), nn.ModuleList()
            for _ in range(num_res_blocks):
                stage.block.append(ResnetBlock(block_in, ch * mult))
                block_in = ch * mult
                if res in attn_resolutions:
                    stage.attn.append(AttnBlock(block_in))
            if level != len(ch_mult) - 1:
                stage.downsample = Downsample(block_in)
                res //= 2
            self.down.append(stage)
        self.mid = Mid(block_in)
        self.norm_out = group_norm(block_in)
        self.conv_out = nn.Conv2d(block_in, 2 * z_channels, 3, 1, 1)

    def forward(self, x):
        h = self.conv_in(x)
        for stage in self.down:
            for i, block in enumerate(stage.block):
                h = block(h)
                if len(stage.attn):
                    h = stage.attn[i](h)
            if hasattr(stage, 'downsample'):
                h = stage.downsample(h)
        return self.conv_out(swish(self.norm_out(self.mid(h))))


class Decoder(nn.Module):
    def __init__(self, ch, ch_mult, num_res_blocks, attn_resolutions, resolution, out_ch, z_channels):
        super().__init__()
        block_in, res = ch * ch_mult[-1], resolution // 2 ** (len(ch_mult) - 1)
        self.conv_in = nn.Conv2d(z_channels, block_in, 3, 1, 1)
        self.mid = Mid(block_in)
        self.up = nn.ModuleList()
        for level in reversed(range(len(ch_mult))):
            stage = nn.Module()
            stage.block, stage.attn = nn.ModuleList(), nn.ModuleList()
            for _ in range(num_res_blocks + 1):
                stage.block.append(ResnetBlock(block_in, ch * ch_mult[level]))
                block_in = ch * ch_mult[level]
                if res in attn_resolutions:
                    stage.attn.append(AttnBlock(block_in))
            if level != 0:
                stage.upsample = Upsample(block_in)
                res *= 2
            self.up.insert(0, stage)
        self.norm_out = group_norm(block_in)
        self.conv_out = nn.Conv2d(block_in, out_ch, 3, 1, 1)

    def forward(self, z):
        h = self.mid(self.conv_in(z))
        for level in reversed(range(len(self.up))):
            stage = self.up[level]
            for i, block in enumerate(stage.block):
                h = block(h)
                if len(stage.attn):
                    h = stage.attn[i](h)
            if hasattr(stage, 'upsample'):
                h = stage.upsample(h)
        return self.conv_out(swish(self.norm_out(h)))


class Posterior:
    """AutoencoderKL.encode (DiagonalGaussianDistribution's mean and clamped logvar) and decode."""

    def encode(self, x):
        mean, logvar = torch.chunk(self.quant_conv(self.encoder(x)), 2, dim=1)
        return mean, torch.clamp(logvar, -30.0, 20.0)

    def decode(self, z):
        return self.decoder(self.post_quant_conv(z))


class AutoencoderKL(Posterior, nn.Module):
    def __init__(self, ch, ch_mult, num_res_blocks, encoder_attn, decoder_attn, resolution, in_channels,
                 out_ch, z_channels, embed_dim):
        super().__init__()
        self.encoder = Encoder(ch, ch_mult, num_res_blocks, encoder_attn, resolution, in_channels, z_channels)
        self.decoder = Decoder(ch, ch_mult, num_res_blocks, decoder_attn, resolution, out_ch, z_channels)
        self.quant_conv = nn.Conv2d(2 * z_channels, 2 * embed_dim, 1)
        self.post_quant_conv = nn.Conv2d(embed_dim, z_channels, 1)


# ---- diffusers layout (AutoencoderKL with DownEncoderBlock2D / UpDecoderBlock2D) ----

class DiffusersAttention(nn.Module):
    """diffusers' Attention as the VAE mid block builds it: one head of width C."""

    def __init__(self, c):
        super().__init__()
        self.group_norm = group_norm(c)
        self.to_q, self.to_k, self.to_v = nn.Linear(c, c), nn.Linear(c, c), nn.Linear(c, c)
        self.to_out = nn.ModuleList([nn.Linear(c, c), nn.Dropout(0.0)])

    def forward(self, x):
        b, c, height, width = x.shape
        h = self.group_norm(x).view(b, c, height * width).transpose(1, 2)
        q, k, v = self.to_q(h), self.to_k(h), self.to_v(h)
        scores = torch.baddbmm(torch.empty(b, q.shape[1], k.shape[1]), q, k.transpose(-1, -2), beta=0, alpha=c ** -0.5)
        h = self.to_out[0](torch.bmm(scores.softmax(dim=-1), v))
        return h.transpose(-1, -2).reshape(b, c, height, width) + x


class DiffusersMid(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock(c, c, 'conv_shortcut'), ResnetBlock(c, c, 'conv_shortcut')])
        self.attentions = nn.ModuleList([DiffusersAttention(c)])

    def forward(self, x):
        return self.resnets[1](self.attentions[0](self.resnets[0](x)))


class DiffusersEncoder(nn.Module):
    def __init__(self, block_out_channels, layers_per_block, in_channels, latent_channels):
        super().__init__()
        self.conv_in = nn.Conv2d(in_channels, block_out_channels[0], 3, 1, 1)
        self.down_blocks = nn.ModuleList()
        cin = block_out_channels[0]
        for i, cout in enumerate(block_out_channels):
            block = nn.Module()
            block.resnets = nn.ModuleList([ResnetBlock(cin if j == 0 else cout, cout, 'conv_shortcut')
                                           for j in range(layers_per_block)])
            if i != len(block_out_channels) - 1:
                block.downsamplers = nn.ModuleList([Downsample(cout)])  # Downsample2D(padding=0): pad (0,1,0,1)
            self.down_blocks.append(block)
            cin = cout
        self.mid_block = DiffusersMid(cin)
        self.conv_norm_out = group_norm(cin)
        self.conv_out = nn.Conv2d(cin, 2 * latent_channels, 3, 1, 1)

    def forward(self, x):
        h = self.conv_in(x)
        for block in self.down_blocks:
            for resnet in block.resnets:
                h = resnet(h)
            if hasattr(block, 'downsamplers'):
                h = block.downsamplers[0](h)
        return self.conv_out(swish(self.conv_norm_out(self.mid_block(h))))


class DiffusersDecoder(nn.Module):
    def __init__(self, block_out_channels, layers_per_block, out_channels, latent_channels):
        super().__init__()
        reversed_channels = list(reversed(block_out_channels))
        self.conv_in = nn.Conv2d(latent_channels, reversed_channels[0], 3, 1, 1)
        self.mid_block = DiffusersMid(reversed_channels[0])
        self.up_blocks = nn.ModuleList()
        cin = reversed_channels[0]
        for i, cout in enumerate(reversed_channels):
            block = nn.Module()
            block.resnets = nn.ModuleList([ResnetBlock(cin if j == 0 else cout, cout, 'conv_shortcut')
                                           for j in range(layers_per_block + 1)])
            if i != len(reversed_channels) - 1:
                block.upsamplers = nn.ModuleList([Upsample(cout)])
            self.up_blocks.append(block)
            cin = cout
        self.conv_norm_out = group_norm(cin)
        self.conv_out = nn.Conv2d(cin, out_channels, 3, 1, 1)

    def forward(self, z):
        h = self.mid_block(self.conv_in(z))
        for block in self.up_blocks:
            for resnet in block.resnets:
                h = resnet(h)
            if hasattr(block, 'upsamplers'):
                h = block.upsamplers[0](h)
        return self.conv_out(swish(self.conv_norm_out(h)))


class DiffusersAutoencoderKL(Posterior, nn.Module):
    def __init__(self, block_out_channels, layers_per_block, in_channels, out_channels, latent_channels):
        super().__init__()
        self.encoder = DiffusersEncoder(block_out_channels, layers_per_block, in_channels, latent_channels)
        self.decoder = DiffusersDecoder(block_out_channels, layers_per_block, out_channels, latent_channels)
        self.quant_conv = nn.Conv2d(2 * latent_channels, 2 * latent_channels, 1)
        self.post_quant_conv = nn.Conv2d(latent_channels, latent_channels, 1)


# ---- checkpoints ----

def randomize(model):
    """Default conv init, GroupNorm affine near 1 so the normalizations are not identities."""
    for module in model.modules():
        if isinstance(module, nn.GroupNorm):
            module.weight.data = 1 + 0.1 * torch.randn_like(module.weight)
            module.bias.data = 0.1 * torch.randn_like(module.bias)
    return model.eval()


def write_safetensors(path, tensors):
    """The safetensors layout (8-byte header size, JSON header, data), float16 as F16."""
    names = {torch.float32: 'F32', torch.float16: 'F16'}
    header, offset, chunks = {}, 0, []
    for name, tensor in tensors.items():
        data = tensor.contiguous().numpy().tobytes()
        header[name] = {'dtype': names[tensor.dtype], 'shape': list(tensor.shape), 'data_offsets': [offset, offset + len(data)]}
        offset += len(data)
        chunks.append(data)
    encoded = json.dumps(header).encode()
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(encoded)) + encoded + b''.join(chunks))


def mar_case():
    # MAR's AutoencoderKL: the Decoder keeps its default attn_resolutions ().
    config = {'ch': 32, 'ch_mult': [1, 2], 'num_res_blocks': 1, 'attn_resolutions': [16],
              'decoder_attn_resolutions': [], 'resolution': 32, 'in_channels': 3, 'embed_dim': 4}
    model = randomize(AutoencoderKL(32, [1, 2], 1, [16], [], 32, 3, 3, 4, 4))
    # A training checkpoint may carry more than the autoencoder; MAR loads strict=False.
    state = dict(model.state_dict(), **{'loss.logvar': torch.zeros(())})
    return model, config, {'model': state}, 'mar.ckpt'


def ldm_case():
    # A Stable-Diffusion-like checkpoint: float16 weights under first_stage_model., next to
    # a UNet and a text encoder; z_channels != embed_dim as LDM allows.
    config = {'ch': 32, 'ch_mult': [1, 2, 2], 'num_res_blocks': 1, 'attn_resolutions': [], 'resolution': 32,
              'in_channels': 3, 'out_ch': 3, 'z_channels': 4, 'embed_dim': 3, 'double_z': True, 'dropout': 0.0}
    model = randomize(AutoencoderKL(32, [1, 2, 2], 1, [], [], 32, 3, 3, 4, 3))
    with torch.no_grad():
        for tensor in model.state_dict().values():
            tensor.copy_(tensor.half().float())  # the reference computes with the released values
    state = {'first_stage_model.' + name: value.half() for name, value in model.state_dict().items()}
    state['model.diffusion_model.input_blocks.0.0.weight'] = torch.randn(8, 4, 3, 3).half()
    state['cond_stage_model.transformer.text_model.final_layer_norm.weight'] = torch.ones(8).half()
    return model, config, {'state_dict': state, 'global_step': 1}, 'ldm.ckpt'


def diffusers_model():
    return randomize(DiffusersAutoencoderKL([32, 64, 64], 1, 3, 3, 4))


DIFFUSERS_CONFIG = {'ch': 32, 'ch_mult': [1, 2, 2], 'num_res_blocks': 1, 'attn_resolutions': [], 'resolution': 32,
                    'in_channels': 3, 'out_ch': 3, 'z_channels': 4, 'embed_dim': 4}


def diffusers_case():
    model = diffusers_model()
    return model, DIFFUSERS_CONFIG, model.state_dict(), 'diffusers.safetensors'


def diffusers_deprecated_case():
    # Checkpoints saved before diffusers 0.17 name the mid attention query/key/value/proj_attn.
    model = diffusers_model()
    renames = {'to_q.': 'query.', 'to_k.': 'key.', 'to_v.': 'value.', 'to_out.0.': 'proj_attn.'}
    state = {}
    for name, value in model.state_dict().items():
        for new, old in renames.items():
            name = name.replace('attentions.0.' + new, 'attentions.0.' + old)
        state[name] = value
    return model, DIFFUSERS_CONFIG, state, 'diffusers_deprecated.bin'


CASES = {'mar': mar_case, 'ldm': ldm_case, 'diffusers': diffusers_case,
         'diffusers_deprecated': diffusers_deprecated_case}


def main():
    out_dir = sys.argv[1]
    with h5py.File(os.path.join(out_dir, 'reference.h5'), 'w') as reference:
        for seed, (case, make) in enumerate(CASES.items()):
            torch.manual_seed(seed)
            model, config, checkpoint, file_name = make()
            if file_name.endswith('.safetensors'):
                write_safetensors(os.path.join(out_dir, file_name), checkpoint)
            else:
                torch.save(checkpoint, os.path.join(out_dir, file_name))
            with open(os.path.join(out_dir, case + '.json'), 'w') as f:
                json.dump(config, f)
            factor = 2 ** (len(config['ch_mult']) - 1)
            images = torch.rand(3, config['in_channels'], 32, 32) * 2 - 1
            z = torch.randn(3, config['embed_dim'], 32 // factor, 32 // factor)
            np.savez(os.path.join(out_dir, case + '_inputs.npz'), images=images.numpy(), z=z.numpy())
            with torch.no_grad():
                mean, logvar = model.encode(images)
                outputs = {'mean': mean, 'logvar': logvar, 'decoded_z': model.decode(z),
                           'reconstruction': model.decode(mean)}
            for name, value in outputs.items():
                reference.create_dataset(f'{case}/{name}', data=value.numpy())
            reference[case].attrs['checkpoint'] = file_name


if __name__ == '__main__':
    main()

#!/usr/bin/python3
"""Reference pool3 features of a randomly initialized FID Inception-v3, for
fid_inception_v3_test.cpp.

Builds torchvision's inception_v3 (weights=None, aux_logits=False, init_weights=True)
under torch.manual_seed, patches in the FID blocks exactly as pytorch-fid's
fid_inception_v3() does (the classes below are pytorch-fid's), calibrates and
randomizes the BatchNorm parameters (see main), exports it with
tools/export_state_dict.py, and writes to OUT.h5, for 1-channel (group c1) and
3-channel (group c3) random images:
    images                         uint8 [N, C, H, W] random test images
    tf1_input, pytorch_fid_input   float32 [N, 3, 299, 299], the preprocessed images
    pool3_tf1, pool3_pytorch_fid   float32 [N, 2048]

    fid_inception_reference.py WEIGHTS.h5 OUT.h5
"""
import os
import sys

import h5py
import numpy as np
import torch
import torch.nn.functional as F
import torchvision

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tools'))
from export_state_dict import export_state_dict  # noqa: E402

inception = torchvision.models.inception


class FIDInceptionA(inception.InceptionA):
    def forward(self, x):
        branch1x1 = self.branch1x1(x)
        branch5x5 = self.branch5x5_2(self.branch5x5_1(x))
        branch3x3dbl = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        branch_pool = F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)
        branch_pool = self.branch_pool(branch_pool)
        return torch.cat([branch1x1, branch5x5, branch3x3dbl, branch_pool], 1)


class FIDInceptionC(inception.InceptionC):
    def forward(self, x):
        branch1x1 = self.branch1x1(x)
        branch7x7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        branch7x7dbl = self.branch7x7dbl_1(x)
        branch7x7dbl = self.branch7x7dbl_2(branch7x7dbl)
        branch7x7dbl = self.branch7x7dbl_3(branch7x7dbl)
        branch7x7dbl = self.branch7x7dbl_4(branch7x7dbl)
        branch7x7dbl = self.branch7x7dbl_5(branch7x7dbl)
        branch_pool = F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)
        branch_pool = self.branch_pool(branch_pool)
        return torch.cat([branch1x1, branch7x7, branch7x7dbl, branch_pool], 1)


class FIDInceptionE(inception.InceptionE):
    """pytorch-fid's FIDInceptionE_1 (average pool, count_include_pad=False) and
    FIDInceptionE_2 (max pool) differ only in the pool before branch_pool."""

    def __init__(self, in_channels, pool):
        super().__init__(in_channels)
        self.pool = pool

    def forward(self, x):
        branch1x1 = self.branch1x1(x)
        branch3x3 = self.branch3x3_1(x)
        branch3x3 = torch.cat([self.branch3x3_2a(branch3x3), self.branch3x3_2b(branch3x3)], 1)
        branch3x3dbl = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        branch3x3dbl = torch.cat([self.branch3x3dbl_3a(branch3x3dbl), self.branch3x3dbl_3b(branch3x3dbl)], 1)
        branch_pool = self.branch_pool(self.pool(x))
        return torch.cat([branch1x1, branch3x3, branch3x3dbl, branch_pool], 1)


def average_pool_3x3(x):
    return F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)


def max_pool_3x3(x):
    return F.max_pool2d(x, kernel_size=3, stride=1, padding=1)


def fid_inception_v3():
    """pytorch-fid's fid_inception_v3(), without downloading the FID weights."""
    net = torchvision.models.inception_v3(weights=None, aux_logits=False, init_weights=True, num_classes=1008)
    net.Mixed_5b = FIDInceptionA(192, pool_features=32)
    net.Mixed_5c = FIDInceptionA(256, pool_features=64)
    net.Mixed_5d = FIDInceptionA(288, pool_features=64)
    net.Mixed_6b = FIDInceptionC(768, channels_7x7=128)
    net.Mixed_6c = FIDInceptionC(768, channels_7x7=160)
    net.Mixed_6d = FIDInceptionC(768, channels_7x7=160)
    net.Mixed_6e = FIDInceptionC(768, channels_7x7=192)
    net.Mixed_7b = FIDInceptionE(1280, average_pool_3x3)
    net.Mixed_7c = FIDInceptionE(2048, max_pool_3x3)
    return net


def pool3(net, x):
    """pytorch-fid InceptionV3 blocks 0..3 (output_blocks=[3])."""
    for name in ['Conv2d_1a_3x3', 'Conv2d_2a_3x3', 'Conv2d_2b_3x3']:
        x = getattr(net, name)(x)
    x = F.max_pool2d(x, kernel_size=3, stride=2)
    x = net.Conv2d_4a_3x3(net.Conv2d_3b_1x1(x))
    x = F.max_pool2d(x, kernel_size=3, stride=2)
    for name in ['Mixed_5b', 'Mixed_5c', 'Mixed_5d', 'Mixed_6a', 'Mixed_6b', 'Mixed_6c', 'Mixed_6d', 'Mixed_6e',
                 'Mixed_7a', 'Mixed_7b', 'Mixed_7c']:
        x = getattr(net, name)(x)
    return F.adaptive_avg_pool2d(x, output_size=(1, 1)).flatten(1)


def resize_tf1_legacy(images, out_size):
    """TF1 tf.image.resize_bilinear, align_corners=False, half_pixel_centers=False,
    in float32 as TF computes it: src = dst * (in / out), floor/ceil taps clamped."""
    n, c, h, w = images.shape

    def taps(in_size):
        scale = np.float32(in_size) / np.float32(out_size)
        src = np.arange(out_size, dtype=np.float32) * scale
        low = np.floor(src).astype(np.int64)
        high = np.minimum(low + 1, in_size - 1)
        return low, high, (src - low.astype(np.float32)).astype(np.float32)

    y0, y1, wy = taps(h)
    x0, x1, wx = taps(w)
    top_left, top_right = images[:, :, y0][:, :, :, x0], images[:, :, y0][:, :, :, x1]
    bottom_left, bottom_right = images[:, :, y1][:, :, :, x0], images[:, :, y1][:, :, :, x1]
    top = top_left + (top_right - top_left) * wx
    bottom = bottom_left + (bottom_right - bottom_left) * wx
    return top + (bottom - top) * wy[:, None]


def main():
    weights_path, out_path = sys.argv[1], sys.argv[2]
    torch.manual_seed(0)
    net = fid_inception_v3()
    # A freshly initialized Inception maps every image to nearly the same pool3 vector;
    # BatchNorm statistics calibrated on a few random inputs keep each layer normalized,
    # so features depend on the image and the comparison means something. Random affine
    # BatchNorm parameters make sure every stored tensor matters.
    with torch.no_grad():
        for module in net.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.momentum = None  # cumulative average: running stats = batch stats
                module.reset_running_stats()
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.2, 0.2)
        net.train()
        pool3(net, torch.rand(4, 3, 299, 299) * 2 - 1)
    net.eval()
    export_state_dict(net, weights_path, 'inception-v3', {'preprocess': 'tf1'})

    rng = np.random.default_rng(0)
    with h5py.File(out_path, 'w') as f:
        for channels, count in ((1, 1), (3, 2)):
            images = rng.integers(0, 256, size=(count, channels, 28, 37), dtype=np.uint8)
            rgb = np.repeat(images, 3 // channels, axis=1).astype(np.float32)
            tf1_input = ((resize_tf1_legacy(rgb, 299) - 128) / 128).astype(np.float32)
            with torch.no_grad():
                x = F.interpolate(torch.from_numpy(rgb) / 255, size=(299, 299), mode='bilinear',
                                  align_corners=False)
                pytorch_fid_input = 2 * x - 1
                group = f.create_group(f'c{channels}')
                group['images'] = images
                group['tf1_input'] = tf1_input
                group['pytorch_fid_input'] = pytorch_fid_input.numpy()
                group['pool3_tf1'] = pool3(net, torch.from_numpy(tf1_input)).numpy()
                group['pool3_pytorch_fid'] = pool3(net, pytorch_fid_input).numpy()


if __name__ == '__main__':
    main()

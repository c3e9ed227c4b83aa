# SPDX-License-Identifier: GPL-3.0-or-later
"""AnimeGANv2's generator, written from the paper's description, for timing only.

Conv-Norm-LeakyReLU blocks (layer norm as one-group GroupNorm), two stride-2 downsamples,
inverted-residual blocks (expansion 2, 256 channels) at 1/4 resolution, resize-upsampling
back, tanh output. With 4 inverted-residual blocks it has 2.14 M parameters, the published
PyTorch generator's count that /work/shared/DESIGN.md times; ``residual_blocks=8`` gives
the deeper TensorFlow variant. Weights stay random: only speed and memory matter here.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import nn


class ConvNormLReLU(nn.Sequential):
    def __init__(self, cin: int, cout: int, kernel: int = 3, stride: int = 1, groups: int = 1):
        pad = (kernel - 1) // 2
        padding = (0, 1, 0, 1) if stride == 2 else (pad, pad, pad, pad)
        super().__init__(
            nn.ReflectionPad2d(padding),
            nn.Conv2d(cin, cout, kernel, stride, groups=groups, bias=False),
            nn.GroupNorm(1, cout, affine=True),
            nn.LeakyReLU(0.2, inplace=True),
        )


class InvertedResBlock(nn.Module):
    def __init__(self, cin: int, cout: int, expansion: int = 2):
        super().__init__()
        hidden = cin * expansion
        self.use_residual = cin == cout
        self.layers = nn.Sequential(
            ConvNormLReLU(cin, hidden, kernel=1),
            ConvNormLReLU(hidden, hidden, groups=hidden),
            nn.Conv2d(hidden, cout, 1, bias=False),
            nn.GroupNorm(1, cout, affine=True),
        )

    def forward(self, x):
        out = self.layers(x)
        return x + out if self.use_residual else out


class AnimeGANv2Generator(nn.Module):
    def __init__(self, residual_blocks: int = 4):
        super().__init__()
        self.block_a = nn.Sequential(
            ConvNormLReLU(3, 32, kernel=7), ConvNormLReLU(32, 64, stride=2), ConvNormLReLU(64, 64)
        )
        self.block_b = nn.Sequential(ConvNormLReLU(64, 128, stride=2), ConvNormLReLU(128, 128))
        residuals = [InvertedResBlock(128, 256)]
        residuals += [InvertedResBlock(256, 256) for _ in range(residual_blocks - 1)]
        self.block_c = nn.Sequential(ConvNormLReLU(128, 128), *residuals, ConvNormLReLU(256, 128))
        self.block_d = nn.Sequential(ConvNormLReLU(128, 128), ConvNormLReLU(128, 128))
        self.block_e = nn.Sequential(
            ConvNormLReLU(128, 64), ConvNormLReLU(64, 64), ConvNormLReLU(64, 32, kernel=7)
        )
        self.out = nn.Sequential(nn.Conv2d(32, 3, 1, bias=False), nn.Tanh())

    def forward(self, x):
        h, w = x.shape[-2:]
        x = self.block_c(self.block_b(self.block_a(x)))
        x = F.interpolate(x, size=(h // 2, w // 2), mode="bilinear", align_corners=True)
        x = self.block_d(x)
        x = F.interpolate(x, size=(h, w), mode="bilinear", align_corners=True)
        return self.out(self.block_e(x))

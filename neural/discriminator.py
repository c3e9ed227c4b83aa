# SPDX-License-Identifier: GPL-3.0-or-later
"""Multi-scale PatchGAN discriminators (spectral norm, no normalization layers).

Each scale judges overlapping patches of the image at full and half resolution, so both
fine strokes and larger shading shapes are compared with the style frames.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm


def _patch_net(in_channels: int, channels: int, layers: int) -> nn.Sequential:
    mods: list[nn.Module] = []
    c_in = in_channels
    for i in range(layers):
        c_out = channels * min(2**i, 4)
        stride = 2 if i < layers - 1 else 1
        mods += [spectral_norm(nn.Conv2d(c_in, c_out, 4, stride, 1)), nn.LeakyReLU(0.2, True)]
        c_in = c_out
    mods.append(spectral_norm(nn.Conv2d(c_in, 1, 3, 1, 1)))
    return nn.Sequential(*mods)


class MultiScalePatchGAN(nn.Module):
    def __init__(self, in_channels: int = 3, channels: int = 32, layers: int = 3, scales: int = 2):
        super().__init__()
        self.nets = nn.ModuleList(_patch_net(in_channels, channels, layers) for _ in range(scales))

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Patch logits, one map per scale (full, 1/2, ...)."""
        out = []
        for i, net in enumerate(self.nets):
            if i:
                x = F.avg_pool2d(x, 2)
            out.append(net(x))
        return out

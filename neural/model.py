# SPDX-License-Identifier: GPL-3.0-or-later
"""The generator: a small encoder-decoder built for CPU speed first.

full res --conv s2--> 1/2 --conv s2--> 1/4 --[inverted-residual blocks]--> 1/4
   ^                   ^ + cond 1/2     ^ + cond 1/4 (concat + 1x1)          |
   |                   '--------- skip -------------------------------- up x2, dw-sep conv
   '---- residual on the input color ------------------------------- up x2, conv -> RGB

No normalization layers (they cost time at inference and packs stay tiny); conditioning
(geometry + skeleton + masks) reaches every scale by area-downsampling and concatenation.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .inputs import IN_CHANNELS

GENERATOR_ARCH = "mmd2anime-gen"
ARCH_VERSION = 1
COLOR_CHANNELS = 3
LEAK = 0.1  # slope of the output clamp beyond [-1, 1] while training


@dataclass(frozen=True)
class GeneratorConfig:
    in_channels: int = IN_CHANNELS
    stem_channels: int = 32
    channels: int = 64
    blocks: int = 8
    expansion: int = 2

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> GeneratorConfig:
        return config_from_dict(cls, data)


def config_from_dict(cls: type, data: dict):
    """A generator config dataclass from a pack's metadata: numbers (int, float or bool, as
    the field's default), bounded.

    A field whose default is 0 is a feature that may be off (and is, in packs written before
    it existed: missing keys take the default); the others must be at least 1."""
    fields = cls.__dataclass_fields__
    unknown = set(data) - set(fields)
    if unknown:
        raise ValueError(f"unknown generator config keys {sorted(unknown)}")
    values = {k: type(fields[k].default)(float(v)) for k, v in data.items()}
    # Bounds keep a tampered pack from allocating an absurd network.
    low = {k: 0 if fields[k].default == 0 else 1 for k in values}
    if any(not low[k] <= v <= 1024 for k, v in values.items()):
        optional = sorted(k for k, v in low.items() if v == 0)
        raise ValueError(
            f"generator config values must lie in 1..1024 (0..1024 for {optional}), got {values}"
        )
    return cls(**values)


def _act() -> nn.Module:
    return nn.LeakyReLU(0.2, inplace=True)


class InvertedResidual(nn.Module):
    """1x1 expand, 3x3 depthwise, 1x1 project, plus identity (MobileNetV2-style)."""

    def __init__(self, channels: int, expansion: int):
        super().__init__()
        hidden = channels * expansion
        self.body = nn.Sequential(
            nn.Conv2d(channels, hidden, 1),
            _act(),
            nn.Conv2d(hidden, hidden, 3, padding=1, groups=hidden),
            _act(),
            nn.Conv2d(hidden, channels, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class Generator(nn.Module):
    def __init__(self, config: GeneratorConfig | None = None):
        super().__init__()
        self.config = cfg = config or GeneratorConfig()
        cond = cfg.in_channels - COLOR_CHANNELS
        s, c = cfg.stem_channels, cfg.channels
        self.down1 = nn.Sequential(nn.Conv2d(cfg.in_channels, s, 3, 2, 1), _act())
        self.down2 = nn.Sequential(nn.Conv2d(s + cond, c, 3, 2, 1), _act())
        self.inject = nn.Sequential(nn.Conv2d(c + cond, c, 1), _act())
        self.blocks = nn.Sequential(
            *[InvertedResidual(c, cfg.expansion) for _ in range(cfg.blocks)]
        )
        # Depthwise-separable conv after the first upsample: the decoder's biggest saving.
        self.up1 = nn.Sequential(
            nn.Conv2d(c + s, c + s, 3, padding=1, groups=c + s),
            nn.Conv2d(c + s, s, 1),
            _act(),
        )
        self.to_rgb = nn.Conv2d(s, COLOR_CHANNELS, 3, padding=1)

    def forward(
        self, x: torch.Tensor, return_features: bool = False
    ) -> torch.Tensor | tuple[torch.Tensor, list[torch.Tensor]]:
        """RGB in [-1, 1] (sRGB-encoded) for input ``x`` (B, in_channels, H, W), H and W
        multiples of 4; with ``return_features`` also the encoder features at 1/2 and 1/4
        and the body's middle and end (for a patch-contrastive loss)."""
        # Pool the whole input, then slice: slicing first would copy a full-res tensor.
        x2 = F.avg_pool2d(x, 2)
        x4 = F.avg_pool2d(x2, 2)
        cond2, cond4 = x2[:, COLOR_CHANNELS:], x4[:, COLOR_CHANNELS:]
        f2 = self.down1(x)
        f4 = self.inject(torch.cat([self.down2(torch.cat([f2, cond2], 1)), cond4], 1))
        half = len(self.blocks) // 2
        mid = self.blocks[:half](f4)
        body = self.blocks[half:](mid)
        up = F.interpolate(body, scale_factor=2, mode="bilinear", align_corners=False)
        up = self.up1(torch.cat([up, f2], 1))
        up = F.interpolate(up, scale_factor=2, mode="bilinear", align_corners=False)
        raw = x[:, :COLOR_CHANNELS] + self.to_rgb(up)
        out = torch.clamp(raw, -1, 1)
        if self.training:
            # Leaky clamp: a pixel pushed past white or black keeps a gradient. With a plain
            # clamp, a figure flooded white by the first steps (while the background learns
            # its colour) never recovers; the leak shows in the output, so the losses also
            # pull such pixels back instead of letting them drift.
            out = out + LEAK * (raw - out)
        if return_features:
            return out, [f2, f4, mid, body]
        return out


def build_generator(config: GeneratorConfig | None = None, seed: int | None = None) -> Generator:
    """A generator with deterministic initial weights when ``seed`` is given."""
    if seed is None:
        return Generator(config)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return Generator(config)


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())

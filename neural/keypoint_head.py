# SPDX-License-Identifier: GPL-3.0-or-later
"""A tiny keypoint detector: RGB in [-1, 1] -> 18 COCO heatmap logits at 1/4 resolution.

Trained on the source domain with ground truth from the bundles' keypoints; frozen when it
scores generated frames (the pose-consistency term) and reused as the PCK metric's detector.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .inputs import KEYPOINTS

STRIDE = 4


class KeypointHead(nn.Module):
    def __init__(self, channels: int = 32):
        super().__init__()
        c = channels
        self.net = nn.Sequential(
            nn.Conv2d(3, c // 2, 3, 2, 1),
            nn.LeakyReLU(0.2, True),
            nn.Conv2d(c // 2, c, 3, 2, 1),
            nn.LeakyReLU(0.2, True),
            nn.Conv2d(c, c, 3, 1, 2, dilation=2),
            nn.LeakyReLU(0.2, True),
            nn.Conv2d(c, c, 3, 1, 4, dilation=4),
            nn.LeakyReLU(0.2, True),
            nn.Conv2d(c, c, 3, 1, 8, dilation=8),
            nn.LeakyReLU(0.2, True),
            nn.Conv2d(c, KEYPOINTS, 1),
        )

    def forward(self, rgb: torch.Tensor) -> torch.Tensor:
        return self.net(rgb)


def augment(rgb: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
    """Renders (B, 3, H, W) in [-1, 1], premultiplied over black, with coverage ``alpha``
    (B, H, W) -> the same figures over a random flat background (black for a third), with
    random channel order and gamma, and sometimes grey. The head then finds a figure by its
    shape, not by the render's colors, so it can also judge generated frames.
    """
    b, dev = rgb.shape[0], rgb.device
    background = torch.rand(b, 3, 1, 1, device=dev) * (torch.rand(b, 1, 1, 1, device=dev) > 0.33)
    image = (rgb + 1) / 2 + (1 - alpha[:, None]) * background
    order = torch.argsort(torch.rand(b, 3, device=dev), dim=1)
    image = torch.gather(image, 1, order[:, :, None, None].expand_as(image))
    image = image.clamp(1e-4, 1) ** torch.exp(torch.randn(b, 1, 1, 1, device=dev) * 0.4)
    grey = (torch.rand(b, 1, 1, 1, device=dev) < 0.25).to(image.dtype)
    image = grey * image.mean(1, keepdim=True) + (1 - grey) * image
    return (image * 2 - 1).contiguous(memory_format=torch.channels_last)


def heatmap_loss(pred: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Cross-entropy between each predicted map (logits, softmax over its pixels) and the
    target heatmap normalized to a distribution, averaged over the keypoints present in the
    target, per sample weighted by ``weight`` (B,): 1 where the sample has a skeleton.

    A per-pixel MSE is dominated by the empty background (its value is ~1e-3 however wrong
    the peak is); the spatial softmax scores only where the peak is."""
    b, k = target.shape[:2]
    target = target.reshape(b, k, -1).float()
    mass = target.sum(-1)
    present = (mass > 1e-3).float() * weight[:, None]
    log_p = F.log_softmax(pred.reshape(b, k, -1).float(), -1)
    ce = -(target / mass.clamp(min=1e-6)[..., None] * log_p).sum(-1)
    return (ce * present).sum() / present.sum().clamp(min=1)


def probabilities(logits: torch.Tensor) -> torch.Tensor:
    """Each keypoint's map as a distribution over its pixels (what the head's logits mean)."""
    b, k, h, w = logits.shape
    return F.softmax(logits.reshape(b, k, -1), -1).reshape(b, k, h, w)


def decode(heatmaps: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Pixel (x, y) at full resolution (origin at the top-left corner) and the peak
    probability of each map, from the head's logits: (B, 18, 2), (B, 18). Soft-argmax over
    a 3x3 window refines the argmax."""
    heatmaps = probabilities(heatmaps)
    b, k, h, w = heatmaps.shape
    flat = heatmaps.reshape(b, k, -1)
    peak, index = flat.max(-1)
    ys, xs = (index // w).float(), (index % w).float()
    padded = F.pad(heatmaps, (1, 1, 1, 1), value=0.0)
    dx = torch.zeros_like(xs)
    dy = torch.zeros_like(ys)
    total = torch.zeros_like(xs)
    for oy in (-1, 0, 1):
        for ox in (-1, 0, 1):
            gy = (ys.long() + 1 + oy).clamp(0, h + 1)
            gx = (xs.long() + 1 + ox).clamp(0, w + 1)
            v = padded[torch.arange(b)[:, None], torch.arange(k)[None, :], gy, gx].clamp(min=0)
            dx, dy, total = dx + v * ox, dy + v * oy, total + v
    total = total.clamp(min=1e-6)
    x = (xs + dx / total + 0.5) * STRIDE
    y = (ys + dy / total + 0.5) * STRIDE
    return torch.stack([x, y], -1), peak


def fit(
    head: KeypointHead,
    rgb: torch.Tensor,
    heatmaps: torch.Tensor,
    steps: int,
    batch: int = 8,
    seed: int = 0,
    alpha: torch.Tensor | None = None,
) -> float:
    """Train ``head`` on images (N, 3, H, W) in [-1, 1] and their heatmaps at 1/4
    resolution; with the images' coverage ``alpha`` (N, H, W), on :func:`augment`-ed
    copies (shape, not color). Returns the last loss."""
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(head.parameters(), 1e-3)
    weight = torch.ones(min(batch, len(rgb)))
    head.train()
    loss = torch.zeros(())
    for _ in range(steps):
        picks = torch.randint(len(rgb), (len(weight),), generator=generator)
        images = rgb[picks] if alpha is None else augment(rgb[picks], alpha[picks])
        loss = heatmap_loss(head(images), heatmaps[picks], weight)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return float(loss.detach())

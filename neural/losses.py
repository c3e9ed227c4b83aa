# SPDX-License-Identifier: GPL-3.0-or-later
"""Training losses: hinge GAN with DiffAugment, the surface and texture views of an image,
a palette term (sliced Wasserstein distance between color distributions), PatchNCE on the
generator's own features, and a geometry edge term."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from . import inputs

# ---- adversarial ----------------------------------------------------------------------


def d_hinge(real: list[torch.Tensor], fake: list[torch.Tensor]) -> torch.Tensor:
    return sum(F.relu(1 - r).mean() + F.relu(1 + f).mean() for r, f in zip(real, fake, strict=True))


def g_hinge(fake: list[torch.Tensor]) -> torch.Tensor:
    return sum(-f.mean() for f in fake)


def diff_augment(x: torch.Tensor) -> torch.Tensor:
    """DiffAugment color + translation + cutout, differentiable, drawn per sample. Applied
    alike to real and fake so the discriminator cannot memorize a few style frames."""
    b, _, h, w = x.shape
    dev = x.device
    # color: brightness, saturation, contrast
    x = x + (torch.rand(b, 1, 1, 1, device=dev) - 0.5)
    mean = x.mean(1, keepdim=True)
    x = (x - mean) * (torch.rand(b, 1, 1, 1, device=dev) * 2) + mean
    mean = x.mean((1, 2, 3), keepdim=True)
    x = (x - mean) * (torch.rand(b, 1, 1, 1, device=dev) + 0.5) + mean
    # translation by up to 1/8 of the size, zero padded
    sy, sx = h // 8, w // 8
    ty = torch.randint(-sy, sy + 1, (b, 1, 1), device=dev)
    tx = torch.randint(-sx, sx + 1, (b, 1, 1), device=dev)
    row, col = torch.meshgrid(
        torch.arange(h, device=dev), torch.arange(w, device=dev), indexing="ij"
    )
    gy = (row[None] + ty + 1).clamp(0, h + 1)
    gx = (col[None] + tx + 1).clamp(0, w + 1)
    padded = F.pad(x, (1, 1, 1, 1))
    x = padded.permute(0, 2, 3, 1)[torch.arange(b, device=dev)[:, None, None], gy, gx]
    x = x.permute(0, 3, 1, 2)
    # cutout: one zeroed square of half the size, centered anywhere
    cy = torch.randint(0, h, (b, 1, 1), device=dev)
    cx = torch.randint(0, w, (b, 1, 1), device=dev)
    keep = ((row[None] - cy).abs() >= h // 4) | ((col[None] - cx).abs() >= w // 4)
    return x * keep[:, None].to(x.dtype)


# ---- palette ---------------------------------------------------------------------------


def palette_loss(
    fake: torch.Tensor, real: torch.Tensor, pixels: int = 8192, projections: int = 32
) -> torch.Tensor:
    """Sliced Wasserstein distance between the colors of two batches (B, 3, H, W).

    Unpaired like the discriminators, but a direct, stable gradient towards the style's
    palette: colors are projected on random directions and the sorted projections of the
    two sets compared. It settles the global palette in a few hundred steps, which the
    discriminators alone take thousands for (they first flood the figure with background).
    """

    def sample(x: torch.Tensor) -> torch.Tensor:
        flat = x.permute(1, 0, 2, 3).reshape(3, -1)
        picks = torch.randint(flat.shape[1], (pixels,), device=x.device)
        return flat[:, picks]

    directions = F.normalize(torch.randn(projections, 3, device=fake.device), dim=1)
    a = torch.sort(directions @ sample(fake), dim=1).values
    b = torch.sort(directions @ sample(real), dim=1).values
    return F.mse_loss(a, b)


# ---- surface and texture views ---------------------------------------------------------


def box_filter(x: torch.Tensor, radius: int) -> torch.Tensor:
    """Mean over a (2r+1)^2 window; windows cut at the border average what they hold.
    Separable (rows, then columns): exact, since a cut window's count is rows x columns,
    and 2(2r+1) instead of (2r+1)^2 reads a pixel."""
    k = 2 * radius + 1
    x = F.avg_pool2d(x, (1, k), 1, (0, radius), count_include_pad=False)
    return F.avg_pool2d(x, (k, 1), 1, (radius, 0), count_include_pad=False)


def guided_filter(
    guide: torch.Tensor, src: torch.Tensor, radius: int, eps: float = 0.2
) -> torch.Tensor:
    """He et al.'s guided filter per channel: edge-preserving smoothing of ``src``."""
    mean_i, mean_p = box_filter(guide, radius), box_filter(src, radius)
    cov = box_filter(guide * src, radius) - mean_i * mean_p
    var = box_filter(guide * guide, radius) - mean_i * mean_i
    a = cov / (var + eps)
    b = mean_p - a * mean_i
    return box_filter(a, radius) * guide + box_filter(b, radius)


def surface_view(rgb: torch.Tensor) -> torch.Tensor:
    """The flat-shaded surface: the image smoothed by itself (strokes and texture removed)."""
    radius = max(1, round(5 * rgb.shape[-1] / 256))
    return guided_filter(rgb, rgb, radius)


def texture_view(rgb: torch.Tensor) -> torch.Tensor:
    """Grayscale with randomly shifted channel weights, so the texture discriminator judges
    strokes and line work but cannot use color."""
    base = torch.tensor([0.299, 0.587, 0.114], device=rgb.device)
    weights = base + (torch.rand(rgb.shape[0], 3, device=rgb.device) - 0.5) * 0.4
    weights = weights / weights.sum(1, keepdim=True)
    return (rgb * weights[:, :, None, None]).sum(1, keepdim=True)


# ---- PatchNCE --------------------------------------------------------------------------


class PatchNCEHeads(nn.Module):
    """One small MLP per feature layer, projecting sampled patches to a unit sphere."""

    def __init__(self, channels: list[int], dim: int = 64):
        super().__init__()
        self.mlps = nn.ModuleList(
            nn.Sequential(nn.Linear(c, dim), nn.ReLU(True), nn.Linear(dim, dim)) for c in channels
        )

    def project(self, layer: int, feature: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        flat = feature.flatten(2).permute(0, 2, 1)  # B, HW, C
        return F.normalize(self.mlps[layer](flat[:, ids]), dim=-1)


def patch_nce(
    heads: PatchNCEHeads,
    source_features: list[torch.Tensor],
    output_features: list[torch.Tensor],
    patches: int = 64,
    tau: float = 0.07,
) -> torch.Tensor:
    """Each output patch must match the input patch at the same place against the other
    sampled places (InfoNCE), so the generator keeps content where it changes style."""
    total = torch.zeros((), device=source_features[0].device)
    for layer, (src, out) in enumerate(zip(source_features, output_features, strict=True)):
        n = src.shape[2] * src.shape[3]
        ids = torch.randperm(n, device=src.device)[: min(patches, n)]
        q = heads.project(layer, out, ids)
        k = heads.project(layer, src.detach(), ids)
        logits = torch.bmm(q, k.transpose(1, 2)) / tau  # B, P, P: diagonal = positives
        target = torch.arange(q.shape[1], device=q.device).expand(q.shape[0], -1)
        total = total + F.cross_entropy(logits.flatten(0, 1), target.flatten())
    return total / len(source_features)


# ---- geometry edges --------------------------------------------------------------------

_SOBEL = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]) / 4


def sobel_magnitude(x: torch.Tensor) -> torch.Tensor:
    """Gradient magnitude per channel, (B, C, H, W)."""
    c = x.shape[1]
    kx = _SOBEL.to(x)[None, None].expand(c, 1, 3, 3)
    ky = _SOBEL.t().to(x)[None, None].expand(c, 1, 3, 3)
    padded = F.pad(x, (1, 1, 1, 1), mode="replicate")
    gx = F.conv2d(padded, kx, groups=c)
    gy = F.conv2d(padded, ky, groups=c)
    return torch.sqrt(gx * gx + gy * gy + 1e-8)


def geometry_edges(batch_inputs: torch.Tensor) -> torch.Tensor:
    """Where depth or normals break, in [0, 1]: (B, 1, H, W)."""
    geo = batch_inputs[:, inputs.GEOMETRY.start : inputs.GEOMETRY.start + 4]
    return sobel_magnitude(geo).amax(1, keepdim=True).mul(4).clamp(0, 1)


def edge_loss(batch_inputs: torch.Tensor, output: torch.Tensor) -> torch.Tensor:
    """Output luminance must show an edge where the geometry has one (one-sided: the style
    may add strokes of its own), counted only on samples with geometry."""
    present = batch_inputs[:, inputs.MASKS.start + 1, 0, 0]
    if present.sum() == 0:
        return output.new_zeros(())
    target = geometry_edges(batch_inputs)
    luma = (output * torch.tensor([0.299, 0.587, 0.114], device=output.device)[:, None, None]).sum(
        1, keepdim=True
    )
    got = torch.tanh(sobel_magnitude(luma) * 4)
    per_sample = (target * F.relu(target - got)).mean(dim=(1, 2, 3))
    return (per_sample * present).sum() / present.sum()

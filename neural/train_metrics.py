# SPDX-License-Identifier: GPL-3.0-or-later
"""Metrics a finished training run stores in its pack: measured on whole source frames, with
no ground truth beyond what the source carries.

- ``palette_distance_source`` / ``_generated``: sliced Wasserstein distance of the colors of
  the source renders / the generated frames to the style frames' (lower = closer).
- ``pck@0.05_source`` / ``_generated``: keypoints the run's keypoint head finds in the source
  renders (its ceiling) / the generated frames, against the skeleton the source was
  rendered from.
- ``edge_f1_vs_source``: Canny edges of the generated frames against the source renders'
  (how much of the layout's structure survives).
"""

from __future__ import annotations

import numpy as np
import torch

from . import data, inputs, metrics
from .keypoint_head import KeypointHead, decode
from .losses import palette_loss

FRAMES = 32
CHUNK = 8


def _truth_points(batch_inputs: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Each keypoint's pixel (the peak of its input heatmap) and whether it is drawn."""
    maps = batch_inputs[:, inputs.SKELETON.start : inputs.SKELETON.start + inputs.KEYPOINTS]
    b, k, h, w = maps.shape
    peak, index = maps.reshape(b, k, -1).max(-1)
    points = torch.stack([index % w, index // w], -1).float() + 0.5
    return points.numpy(), (peak > 0.5).numpy()


@torch.no_grad()
def evaluate(
    generator: torch.nn.Module,
    head: KeypointHead,
    source: torch.Tensor,
    has_pose: torch.Tensor,
    style: torch.Tensor,
    size: int,
    seed: int = 0,
) -> dict[str, float]:
    """The metrics above on the first ``FRAMES`` source frames, resized to ``size``."""
    was_training = generator.training, head.training
    generator.eval()
    head.eval()
    device = next(generator.parameters()).device
    torch.manual_seed(seed)  # the palette distance samples pixels and directions
    n = min(FRAMES, len(source))
    sources = data.resize(source[:n], size, size)
    made, found = [], {"source": [], "generated": []}
    for start in range(0, n, CHUNK):
        x = sources[start : start + CHUNK].to(device)
        y = generator(x.contiguous(memory_format=torch.channels_last))
        made.append(y.cpu())
        for name, rgb in (("source", x[:, :3]), ("generated", y)):
            found[name].append(decode(head(rgb))[0].cpu().numpy())
    generated = torch.cat(made)
    styles = data.resize(style[:n], size, size)
    result = {
        "frames": n,
        "palette_distance_source": float(palette_loss(sources[:, :3], styles)),
        "palette_distance_generated": float(palette_loss(generated, styles)),
    }
    posed = has_pose[:n].bool().numpy()
    if posed.any():
        truth, drawn = _truth_points(sources)
        for name in ("source", "generated"):
            points = np.concatenate(found[name])
            result[f"pck@0.05_{name}"] = metrics.pck(points[posed], truth[posed], drawn[posed])
    f1 = [
        metrics.edge_f1(metrics.canny_edges(_srgb01(g)), metrics.canny_edges(_srgb01(s[:3])))
        for g, s in zip(generated, sources, strict=True)
    ]
    result["edge_f1_vs_source"] = float(np.mean(f1))
    generator.train(was_training[0])
    head.train(was_training[1])
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in result.items()}


def _srgb01(t: torch.Tensor) -> np.ndarray:
    return ((t.permute(1, 2, 0).numpy() + 1) / 2).clip(0, 1)

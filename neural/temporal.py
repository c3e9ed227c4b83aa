# SPDX-License-Identifier: GPL-3.0-or-later
"""Temporal consistency from the render's exact motion vectors (no flow network).

``motion_prev`` gives, for each pixel of frame t, its offset to where that surface point
was on frame t-1; the previous stylized frame is sampled there (bilinear), trusted only
where the warped previous depth and alpha agree with the current ones and the point was
inside the previous frame, then blended:
``out = m * (a * warped + (1 - a) * current) + (1 - m) * current``.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from ..bundle import FrameBundle

DEPTH_TOLERANCE = 0.05  # relative: surfaces within 5 % of each other count as the same
ALPHA_TOLERANCE = 0.5
DEFAULT_STRENGTH = 0.5


def warp(image: np.ndarray, motion_prev: np.ndarray, mode: str = "bilinear") -> np.ndarray:
    """Sample ``image`` (frame t-1, H x W [x C]) at each frame-t pixel's previous position.
    Outside the frame the result is 0 (see :func:`inside_mask`)."""
    h, w = motion_prev.shape[:2]
    squeeze = image.ndim == 2
    src = torch.from_numpy(np.ascontiguousarray(image[..., None] if squeeze else image))
    src = src.permute(2, 0, 1)[None].float()
    grid = torch.from_numpy(_sample_grid(motion_prev))[None]
    out = F.grid_sample(src, grid, mode=mode, padding_mode="zeros", align_corners=False)
    out = out[0].permute(1, 2, 0).numpy()
    return out[..., 0] if squeeze else out


def _sample_grid(motion_prev: np.ndarray) -> np.ndarray:
    # Pixel i's center is i + 0.5; grid_sample (align_corners=False) maps [0, W] to [-1, 1].
    h, w = motion_prev.shape[:2]
    xs = (np.arange(w, dtype=np.float32) + 0.5)[None, :] + motion_prev[..., 0]
    ys = (np.arange(h, dtype=np.float32) + 0.5)[:, None] + motion_prev[..., 1]
    return np.stack([xs / w * 2 - 1, ys / h * 2 - 1], axis=-1).astype(np.float32)


def inside_mask(motion_prev: np.ndarray) -> np.ndarray:
    """True where the previous position lies within the previous frame's pixel centers
    (beyond them bilinear sampling would mix in the zero padding)."""
    h, w = motion_prev.shape[:2]
    xs = np.arange(w)[None, :] + 0.5 + motion_prev[..., 0]
    ys = np.arange(h)[:, None] + 0.5 + motion_prev[..., 1]
    return (xs >= 0.5) & (xs <= w - 0.5) & (ys >= 0.5) & (ys <= h - 0.5)


def consistency_mask(previous: FrameBundle, current: FrameBundle) -> np.ndarray:
    """H x W float32: 1 where frame t's pixel was visible, and the same surface, on t-1."""
    motion = current.motion_prev
    if motion is None:
        return np.zeros((current.height, current.width), np.float32)
    mask = inside_mask(motion)
    if previous.depth is not None and current.depth is not None:
        # Nearest sampling: blending depths across a silhouette would invent surfaces.
        far = np.float32(1e30)
        prev_depth = np.where(np.isfinite(previous.depth), previous.depth, far)
        cur_depth = np.where(np.isfinite(current.depth), current.depth, far)
        warped = warp(prev_depth.astype(np.float32), motion, mode="nearest")
        both_far = (warped >= far) & (cur_depth >= far)
        close = np.abs(warped - cur_depth) <= DEPTH_TOLERANCE * np.minimum(warped, cur_depth)
        mask &= both_far | close
    if previous.alpha is not None and current.alpha is not None:
        mask &= np.abs(warp(previous.alpha, motion) - current.alpha) <= ALPHA_TOLERANCE
    return mask.astype(np.float32)


def blend(
    current: np.ndarray, warped: np.ndarray, mask: np.ndarray, strength: float = DEFAULT_STRENGTH
) -> np.ndarray:
    m = (mask * strength)[..., None]
    return (m * warped + (1 - m) * current).astype(np.float32)


def stabilize(
    outputs: list[np.ndarray], bundles: list[FrameBundle], strength: float = DEFAULT_STRENGTH
) -> list[np.ndarray]:
    """Blend each frame with its warped (already stabilized) predecessor, in order.
    A frame without ``motion_prev`` or not following its predecessor starts afresh."""
    result: list[np.ndarray] = []
    for i, (out, bundle) in enumerate(zip(outputs, bundles, strict=True)):
        if i == 0 or bundle.motion_prev is None or bundles[i - 1].frame + 1 != bundle.frame:
            result.append(out)
            continue
        mask = consistency_mask(bundles[i - 1], bundle)
        result.append(blend(out, warp(result[-1], bundle.motion_prev), mask, strength))
    return result


def warping_error(outputs: list[np.ndarray], bundles: list[FrameBundle]) -> float:
    """Lai et al. 2018 warping error: mean over frames t >= 1 of
    sum M_t ||O_t - warp(O_{t-1})||^2 / sum M_t, with our motion vectors and masks."""
    errors = []
    for t in range(1, len(outputs)):
        if bundles[t].motion_prev is None:
            continue
        mask = consistency_mask(bundles[t - 1], bundles[t])
        if mask.sum() == 0:
            continue
        diff = outputs[t] - warp(outputs[t - 1], bundles[t].motion_prev)
        errors.append(float((mask * (diff**2).sum(-1)).sum() / mask.sum()))
    if not errors:
        raise ValueError("warping error needs two consecutive frames with motion vectors")
    return float(np.mean(errors))

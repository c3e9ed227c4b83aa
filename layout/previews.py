# SPDX-License-Identifier: GPL-3.0-or-later
"""8-bit PNG previews of float passes, for people to look at (the EXR keeps the data).

bpy-free. color and albedo: linear -> sRGB transfer (no view transform), premultiplied
over black;
depth: near = white, far = dark, normalized over the frame's foreground, background black;
normal: camera-space xyz in [-1, 1] -> RGB in [0, 255], background black; alpha: gray.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ..neural.inputs import linear_to_srgb


def _to_u8(values: np.ndarray) -> np.ndarray:
    return (np.clip(values, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def srgb(linear: np.ndarray) -> np.ndarray:
    """The sRGB transfer function of linear values (clipped to 0..1)."""
    return linear_to_srgb(linear)


def color_preview(color: np.ndarray) -> np.ndarray:
    return _to_u8(srgb(color))


def depth_preview(depth: np.ndarray) -> np.ndarray:
    finite = np.isfinite(depth)
    if not finite.any():
        return np.zeros(depth.shape, np.uint8)
    near, far = float(depth[finite].min()), float(depth[finite].max())
    span = far - near if far > near else 1.0
    scaled = np.where(finite, 1.0 - 0.8 * (depth - near) / span, 0.0)  # far stays above black
    return _to_u8(scaled)


def normal_preview(normal: np.ndarray) -> np.ndarray:
    background = ~normal.any(axis=2)
    rgb = _to_u8((normal + 1.0) * 0.5)
    rgb[background] = 0
    return rgb


def alpha_preview(alpha: np.ndarray) -> np.ndarray:
    return _to_u8(alpha)


def edges_preview(edges: np.ndarray) -> np.ndarray:
    """Ink on paper: black edges on white."""
    return _to_u8(1.0 - edges)


def write_png(path: Path, image: np.ndarray) -> Path:
    """Write a gray (H, W) or RGB (H, W, 3) uint8 image; cv2 wants BGR."""
    pixels = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    if not cv2.imwrite(str(path), pixels):
        raise OSError(f"{path}: could not write PNG")
    return path

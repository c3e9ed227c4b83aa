# SPDX-License-Identifier: GPL-3.0-or-later
"""Synthetic FrameBundles with exact motion vectors, for tests and benchmarks (bpy-free).

A camera pan over a textured plane: frame t shows the texture from column ``t * shift``, so
every pixel came from ``shift`` pixels to its right on the previous frame, exactly.
"""

from __future__ import annotations

import numpy as np

from ..bundle import FrameBundle

# A standing figure (x, y) in a unit box, COCO-18 order, to exercise the skeleton maps.
_FIGURE = np.array(
    [[0.50, 0.12], [0.50, 0.25], [0.38, 0.26], [0.33, 0.42], [0.30, 0.56], [0.62, 0.26],
     [0.67, 0.42], [0.70, 0.56], [0.43, 0.55], [0.42, 0.74], [0.42, 0.92], [0.57, 0.55],
     [0.58, 0.74], [0.58, 0.92], [0.47, 0.10], [0.53, 0.10], [0.44, 0.12], [0.56, 0.12]],
    np.float32,
)  # fmt: skip


def texture(width: int, height: int, seed: int = 0) -> np.ndarray:
    """A smooth, detailed linear-RGB texture (sums of random sinusoids), H x W x 3 in [0, 1]."""
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    image = np.zeros((height, width, 3), np.float32)
    for _ in range(12):
        fx, fy = rng.uniform(-0.15, 0.15, 2)
        phase, amp = rng.uniform(0, 2 * np.pi), rng.uniform(0.3, 1.0, 3)
        image += amp * (0.5 + 0.5 * np.sin(fx * xs + fy * ys + phase))[..., None]
    image /= image.max()
    return image**2.2  # most of the texture sits in the darks, like linear renders


def pan_sequence(
    width: int, height: int, frames: int, shift: int = 2, seed: int = 0
) -> list[FrameBundle]:
    """``frames`` bundles of a pan by ``shift`` px per frame: color, constant depth, alpha,
    normals facing the camera, exact ``motion_prev``/``motion_next`` and one moving figure."""
    plane = texture(width + shift * frames, height, seed)
    depth = np.full((height, width), 5.0, np.float32)
    alpha = np.ones((height, width), np.float32)
    normal = np.zeros((height, width, 3), np.float32)
    normal[..., 2] = 1
    prev = np.zeros((height, width, 2), np.float32)
    prev[..., 0] = shift
    bundles = []
    for t in range(frames):
        x0 = t * shift
        figure = _FIGURE * np.array([height * 0.8, height * 0.8], np.float32)
        figure += np.array([width * 0.6 - x0, height * 0.1], np.float32)
        bundles.append(
            FrameBundle(
                width=width,
                height=height,
                color=np.ascontiguousarray(plane[:, x0 : x0 + width]),
                alpha=alpha.copy(),
                depth=depth.copy(),
                normal=normal.copy(),
                motion_prev=prev.copy() if t > 0 else None,
                motion_next=-prev.copy() if t < frames - 1 else None,
                keypoints=figure[None].astype(np.float32),
                visibility=np.full((1, 18), 2, np.uint8),
                people=["figure"],
                frame=t,
                engine="synthetic",
            )
        )
    return bundles


def layout_folder(folder, count: int = 8, size: int = 64, seed: int = 0) -> list:
    """Write ``count`` synthetic layout bundles (``NNNNNN_bundle.npz`` + ``.json``), the
    figure shifting from frame to frame; returns the npz paths."""
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    bundles = pan_sequence(size, size, count, shift=max(1, size // 16), seed=seed)
    return [b.save(folder / f"{i:06d}_bundle") for i, b in enumerate(bundles)]


def style_frames(folder, count: int = 8, size: int = 64, seed: int = 1) -> list:
    """Write ``count`` flat-shaded, outlined PNG frames: a stand-in for an anime style."""
    from pathlib import Path

    import cv2

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(count):
        image = np.full((size, size, 3), rng.integers(150, 255, 3), np.uint8)
        for _ in range(4):
            center = tuple(int(v) for v in rng.integers(0, size, 2))
            color = tuple(int(v) for v in rng.integers(0, 255, 3))
            radius = int(rng.integers(size // 10, size // 3))
            cv2.circle(image, center, radius, color, -1)
            cv2.circle(image, center, radius, (20, 20, 30), max(1, size // 64))
        path = folder / f"{i:04d}.png"
        cv2.imwrite(str(path), image)
        paths.append(path)
    return paths

# SPDX-License-Identifier: GPL-3.0-or-later
"""Training data: layout bundles (source), plain frames (source for anime2anime) and style
frames (target), held in memory as tensors and served as random crops resized to one size.

Source samples are generator inputs (``inputs.IN_CHANNELS`` channels) plus ground-truth
keypoint heatmaps at 1/4 resolution for the keypoint head; targets are sRGB in [-1, 1].
Every problem raises :class:`DataError` with one line naming the folder or file.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from ..bundle import FrameBundle
from . import inputs

MIN_IMAGES = 8
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
HEATMAP_STRIDE = 4


class DataError(ValueError):
    """Unusable training data; the message is one line naming the folder or file."""


@dataclass
class SourceSet:
    """Generator inputs (N, C, H, W) and whether each sample has a skeleton (N,)."""

    inputs: torch.Tensor
    has_pose: torch.Tensor
    folder: Path


def read_image(path: Path) -> np.ndarray:
    """An 8-bit PNG/JPG as float32 sRGB H x W x 3 in [0, 1]."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise DataError(f"{path}: unreadable image")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0


def _listed(folder: Path, pattern_suffixes: tuple[str, ...], what: str) -> list[Path]:
    if not folder.is_dir():
        raise DataError(f"{folder}: not a folder of {what}")
    files = sorted(p for p in folder.iterdir() if p.name.lower().endswith(pattern_suffixes))
    if len(files) < MIN_IMAGES:
        raise DataError(f"{folder}: {len(files)} {what}, need at least {MIN_IMAGES}")
    return files


def _common_size(images: list[np.ndarray], folder: Path) -> list[np.ndarray]:
    """Resize every image to the most common size (logged) so they stack into one tensor."""
    sizes = Counter(im.shape[:2] for im in images)
    (h, w), _ = sizes.most_common(1)[0]
    if len(sizes) > 1:
        odd = sum(n for s, n in sizes.items() if s != (h, w))
        print(f"{folder}: resized {odd} of {len(images)} images to {w}x{h}", file=sys.stderr)
        images = [
            im if im.shape[:2] == (h, w) else cv2.resize(im, (w, h), interpolation=cv2.INTER_AREA)
            for im in images
        ]
    return images


def load_style_frames(folder: str | Path) -> torch.Tensor:
    """Style frames as (N, 3, H, W) sRGB in [-1, 1]."""
    folder = Path(folder)
    images = [read_image(p) for p in _listed(folder, IMAGE_SUFFIXES, "images")]
    images = _common_size(images, folder)
    array = np.stack(images).transpose(0, 3, 1, 2) * 2 - 1
    return torch.from_numpy(np.ascontiguousarray(array, np.float32))


def load_source_frames(folder: str | Path) -> SourceSet:
    """Plain frames as color-only generator inputs (anime2anime), no skeletons."""
    folder = Path(folder)
    images = [read_image(p) for p in _listed(folder, IMAGE_SUFFIXES, "images")]
    images = _common_size(images, folder)
    built = [inputs.build_inputs(inputs.image_bundle(inputs.srgb_to_linear(im))) for im in images]
    return SourceSet(torch.from_numpy(np.stack(built)), torch.zeros(len(built)), folder)


def load_layouts(folder: str | Path) -> SourceSet:
    """Layout bundles (``*_bundle.npz`` + ``.json``) as generator inputs."""
    folder = Path(folder)
    paths = _listed(folder, ("_bundle.npz",), "layout bundles (*_bundle.npz)")
    built = []
    for path in paths:
        try:
            bundle = FrameBundle.load(path)
        except ValueError as exc:
            raise DataError(str(exc).splitlines()[0]) from None
        built.append(inputs.build_inputs(bundle))
    sizes = Counter(b.shape[1:] for b in built)
    (h, w), _ = sizes.most_common(1)[0]
    if len(sizes) > 1:
        odd = sum(n for s, n in sizes.items() if s != (h, w))
        print(f"{folder}: resized {odd} of {len(built)} bundles to {w}x{h}", file=sys.stderr)
        built = [resize(torch.from_numpy(b)[None], h, w)[0].numpy() for b in built]
    stacked = torch.from_numpy(np.stack(built))
    has_pose = stacked[:, inputs.MASKS.start + 2, 0, 0].clone()
    return SourceSet(stacked, has_pose, folder)


def layouts_look(folder: str | Path) -> str | None:
    """The toon look the layouts were rendered in (their dataset manifest's ``look``),
    None for plain renders or a folder without a manifest."""
    try:
        manifest = json.loads((Path(folder) / "manifest.json").read_text())
    except (OSError, ValueError):
        return None
    look = manifest.get("look") if isinstance(manifest, dict) else None
    return look if isinstance(look, str) else None


def resize(x: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """Bilinear, antialiased resize of (N, C, H, W) to h x w (a no-op at that size)."""
    if x.shape[-2:] == (h, w):
        return x
    return F.interpolate(x, size=(h, w), mode="bilinear", align_corners=False, antialias=True)


def random_crops(
    images: torch.Tensor, batch: int, size: int, generator: torch.Generator
) -> tuple[torch.Tensor, list[int]]:
    """``batch`` random square crops (60-100 % of the short side) resized to ``size``, and
    the sample index of each."""
    n, _, h, w = images.shape
    picks = torch.randint(n, (batch,), generator=generator).tolist()
    short = min(h, w)
    crops = []
    for i in picks:
        side = int(short * (0.6 + 0.4 * torch.rand((), generator=generator).item()))
        side = max(side, min(short, 8))
        y = torch.randint(h - side + 1, (), generator=generator).item()
        x = torch.randint(w - side + 1, (), generator=generator).item()
        crops.append(resize(images[i : i + 1, :, y : y + side, x : x + side], size, size))
    return torch.cat(crops), picks


def heatmap_targets(batch_inputs: torch.Tensor) -> torch.Tensor:
    """Ground-truth keypoint heatmaps at 1/4 resolution from the inputs' heatmap channels
    (max-pooled so a peak keeps its height at any crop size)."""
    maps = batch_inputs[:, inputs.SKELETON.start : inputs.SKELETON.start + inputs.KEYPOINTS]
    return F.max_pool2d(maps, HEATMAP_STRIDE)


def drop_skeleton(batch_inputs: torch.Tensor) -> torch.Tensor:
    """The ablation: zero the skeleton channels and their presence mask."""
    out = batch_inputs.clone()
    out[:, inputs.SKELETON] = 0
    out[:, inputs.MASKS.start + 2] = 0
    return out

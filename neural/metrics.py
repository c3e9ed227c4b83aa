# SPDX-License-Identifier: GPL-3.0-or-later
"""Image metrics for paired evaluation: SSIM, mean CIE76 color difference, edge F1 and
PCK of keypoints found by the keypoint head. Images are H x W x 3 float arrays in linear
sRGB unless a function says otherwise."""

from __future__ import annotations

import cv2
import numpy as np
import torch

from .inputs import linear_to_srgb
from .keypoint_head import KeypointHead, decode

# linear sRGB -> CIE XYZ (D65), IEC 61966-2-1
_RGB_TO_XYZ = np.array(
    [[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
     [0.0193339, 0.1191920, 0.9503041]]
)  # fmt: skip
D65_WHITE = np.array([0.95047, 1.0, 1.08883])
LUMA = np.array([0.2126, 0.7152, 0.0722])


def ssim(a: np.ndarray, b: np.ndarray, per_channel: bool = False) -> float:
    """SSIM with an 11x11 Gaussian window (sigma 1.5) on images in [0, 1] (sRGB-encoded):
    on luminance, or the mean over channels with ``per_channel``."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape:
        raise ValueError(f"ssim: shapes differ {a.shape} vs {b.shape}")
    if a.ndim == 3 and not per_channel:
        a, b = a @ LUMA, b @ LUMA
    if a.ndim == 2:
        a, b = a[..., None], b[..., None]
    c1, c2 = 0.01**2, 0.03**2

    def blur(x):
        return cv2.GaussianBlur(x, (11, 11), 1.5, borderType=cv2.BORDER_REFLECT)

    scores = []
    for i in range(a.shape[-1]):
        x, y = a[..., i], b[..., i]
        mx, my = blur(x), blur(y)
        vx, vy, cov = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
        ssim_map = ((2 * mx * my + c1) * (2 * cov + c2)) / (
            (mx * mx + my * my + c1) * (vx + vy + c2)
        )
        scores.append(ssim_map.mean())
    return float(np.mean(scores))


def linear_rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """CIE L*a*b* (D65) of linear sRGB values (..., 3)."""
    xyz = np.asarray(rgb, np.float64) @ _RGB_TO_XYZ.T / D65_WHITE
    eps = (6 / 29) ** 3
    f = np.where(xyz > eps, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1
    )


def delta_e76(a_linear: np.ndarray, b_linear: np.ndarray) -> float:
    """Mean CIE76 difference (Euclidean distance in Lab) between two linear sRGB images."""
    diff = linear_rgb_to_lab(a_linear) - linear_rgb_to_lab(b_linear)
    return float(np.sqrt((diff**2).sum(-1)).mean())


def canny_edges(srgb: np.ndarray) -> np.ndarray:
    """Canny edges (bool) of an sRGB image in [0, 1] on its luminance."""
    luma = np.clip(np.asarray(srgb) @ LUMA if srgb.ndim == 3 else srgb, 0, 1)
    return cv2.Canny((luma * 255).round().astype(np.uint8), 50, 150) > 0


def edge_f1(pred: np.ndarray, truth: np.ndarray, tolerance: float = 2.0) -> float:
    """F1 of edge maps (bool H x W): an edge pixel counts when the other map has one within
    ``tolerance`` px. Two empty maps agree perfectly (1.0)."""
    if not pred.any() and not truth.any():
        return 1.0
    if not pred.any() or not truth.any():
        return 0.0

    def distance_to(edges):
        return cv2.distanceTransform((~edges).astype(np.uint8), cv2.DIST_L2, 5)

    precision = float((distance_to(truth)[pred] <= tolerance).mean())
    recall = float((distance_to(pred)[truth] <= tolerance).mean())
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def pck(pred: np.ndarray, truth: np.ndarray, visible: np.ndarray, threshold: float = 0.05) -> float:
    """Fraction of visible keypoints predicted within ``threshold`` x the diagonal of the
    visible ground-truth keypoints' bounding box, over (N, 18, 2) arrays; NaN if none."""
    pred, truth, visible = np.asarray(pred), np.asarray(truth), np.asarray(visible, bool)
    hits, total = 0, 0
    for p, t, v in zip(pred, truth, visible, strict=True):
        v = v & np.isfinite(t).all(-1)
        if v.sum() < 2:
            continue
        diagonal = float(np.linalg.norm(t[v].max(0) - t[v].min(0)))
        distance = np.linalg.norm(p[v] - t[v], axis=-1)
        hits += int((distance <= threshold * diagonal).sum())
        total += int(v.sum())
    return hits / total if total else float("nan")


class KeypointDetector:
    """The keypoint head as a detector: sRGB [0, 1] images in, (18, 2) pixel points out."""

    def __init__(self, head: KeypointHead):
        self.head = head.eval()

    @torch.no_grad()
    def __call__(self, srgb: np.ndarray) -> np.ndarray:
        h, w = srgb.shape[:2]
        x = torch.from_numpy(np.ascontiguousarray(srgb, np.float32)).permute(2, 0, 1)[None]
        ph, pw = -h % 4, -w % 4  # the head works on multiples of its stride
        x = torch.nn.functional.pad(x * 2 - 1, (0, pw, 0, ph), mode="replicate")
        points, _ = decode(self.head(x))
        return points[0].numpy()


def srgb(linear: np.ndarray) -> np.ndarray:
    """Linear -> sRGB-encoded [0, 1], for the metrics that work on display values."""
    return linear_to_srgb(linear)

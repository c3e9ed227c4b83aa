# SPDX-License-Identifier: GPL-3.0-or-later
"""How well a look keeps a design and reads at a glance, measured on rendered pixels (bpy-free).

Images are H x W x 3 sRGB uint8 (what a viewer sees), alpha H x W coverage 0..1. Colors are
compared in CIE Lab (D65, cv2's conversion): hue is the LCh angle atan2(b, a), chroma
sqrt(a² + b²), differences are ΔE76.
"""

from __future__ import annotations

import cv2
import numpy as np

COLORED_CHROMA = 15.0  # Lab chroma above which a plain-render pixel counts as colored
LINE_LIGHTNESS = 20.0  # look pixels darker than this with little chroma are ink lines


def to_lab(image8: np.ndarray) -> np.ndarray:
    """sRGB uint8 -> float32 Lab (L 0..100)."""
    return cv2.cvtColor(np.ascontiguousarray(image8).astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)


def hue_keep(
    plain8: np.ndarray,
    look8: np.ndarray,
    mask: np.ndarray,
    tolerance_deg: float = 30.0,
    chroma: float = COLORED_CHROMA,
) -> tuple[float, int]:
    """(share of the colored figure pixels whose hue the look keeps within ``tolerance_deg``,
    how many colored pixels there were).

    Colored pixels: inside ``mask`` and above ``chroma`` in the plain render. Ink lines the
    look draws over them (dark, colorless) are left out; any other pixel the look turned grey
    (chroma below half the threshold) counts as lost."""
    plain, look = to_lab(plain8), to_lab(look8)
    plain_chroma = np.hypot(plain[..., 1], plain[..., 2])
    look_chroma = np.hypot(look[..., 1], look[..., 2])
    ink = (look[..., 0] < LINE_LIGHTNESS) & (look_chroma < chroma)
    colored = mask & (plain_chroma > chroma) & ~ink
    count = int(colored.sum())
    if count == 0:
        return 1.0, 0
    plain_hue = np.degrees(np.arctan2(plain[..., 2], plain[..., 1]))
    look_hue = np.degrees(np.arctan2(look[..., 2], look[..., 1]))
    turn = np.abs((look_hue - plain_hue + 180.0) % 360.0 - 180.0)
    kept = colored & (turn <= tolerance_deg) & (look_chroma >= chroma / 2)
    return float(kept.sum()) / count, count


def separation(
    look8: np.ndarray, alpha: np.ndarray, background8: tuple[int, int, int], ring_px: int = 2
) -> dict[str, float]:
    """How the figure stands off its background, against the look's background color.

    - ``rim``: share of the silhouette's edge pixels with a pixel at least ΔE 20 from the
      background within ``ring_px`` inside: the outline reads, whether by ink or by fill;
    - ``fill``: median ΔE of all figure pixels from the background;
    - ``luminance``: |mean L of the figure - L of the background| (Lab L, 0..100)."""
    figure = (alpha > 0.5).astype(np.uint8)
    edge = (figure > 0) & (cv2.erode(figure, np.ones((3, 3), np.uint8)) == 0)
    lab = to_lab(look8)
    back = to_lab(np.array([[background8]], np.uint8))[0, 0]
    distance = np.linalg.norm(lab - back, axis=-1)
    inside = figure > 0
    marked = ((distance >= 20.0) & inside).astype(np.uint8)
    near = cv2.dilate(marked, np.ones((2 * ring_px + 1,) * 2, np.uint8)) > 0
    return {
        "rim": float(near[edge].mean()) if edge.any() else 0.0,
        "fill": float(np.median(distance[inside])) if inside.any() else 0.0,
        "luminance": float(abs(lab[..., 0][inside].mean() - back[0])) if inside.any() else 0.0,
    }


def hex8(color: str) -> tuple[int, int, int]:
    """'#rrggbb' -> (r, g, b) ints."""
    return tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))

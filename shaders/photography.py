# SPDX-License-Identifier: GPL-3.0-or-later
"""The photography pass (撮影): glow, halo, vignette, grading and flare on a finished frame.

bpy-free numpy/cv2, implemented once: the render path (``shaders.render_look``) runs this same
function on the rendered image, and the neural side can run it on a FrameBundle. We chose this
over Blender's compositor so there is one implementation to test and tune, and so it also
works on frames that never pass through Blender (a Flamenco worker, a notebook).

Images are H x W x 3 float32 linear, row 0 = top; alpha is H x W coverage. Radii are fractions
of the image's short side, so a look looks the same at 256² and at 2048².
"""

from __future__ import annotations

import cv2
import numpy as np

from ..bundle import FrameBundle
from .looks import DEFAULTS, srgb_to_linear

_REC709 = np.array([0.2126, 0.7152, 0.0722], np.float32)


def _blur(image: np.ndarray, radius: float) -> np.ndarray:
    sigma = max(radius * min(image.shape[:2]), 0.5)
    return cv2.GaussianBlur(image, (0, 0), sigmaX=sigma, sigmaY=sigma)


def bloom(image: np.ndarray, strength: float, radius: float, threshold: float) -> np.ndarray:
    """Add a blurred copy of what is brighter than the threshold (light spilling over)."""
    if strength <= 0:
        return image
    bright = np.maximum(image - threshold, 0.0)
    return image + strength * _blur(bright, radius)


def diffusion(image: np.ndarray, strength: float, radius: float) -> np.ndarray:
    """Screen a blurred copy over the frame: the soft 'diffusion filter' look of anime."""
    if strength <= 0:
        return image
    soft = np.clip(_blur(image, radius), 0.0, 1.0)
    screened = 1.0 - (1.0 - np.clip(image, 0.0, 1.0)) * (1.0 - soft)
    return image + strength * (screened - np.clip(image, 0.0, 1.0))


def halo(
    image: np.ndarray,
    alpha: np.ndarray,
    strength: float,
    radius: float,
    color: tuple[float, float, float],
    mask: np.ndarray | None = None,
    own_color: float = 0.0,
) -> np.ndarray:
    """A tinted glow just outside the silhouette (or outside ``mask``, e.g. the hair).

    ``own_color`` 0..1 mixes the look's halo color toward the (lightened) color of the figure
    right beside each halo pixel: teal hair glows teal-white, blond hair gold."""
    if strength <= 0:
        return image
    source = (alpha if mask is None else mask * alpha).astype(np.float32)
    pixels = max(int(round(radius * min(image.shape[:2]))), 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * pixels + 1, 2 * pixels + 1))
    ring = np.clip(cv2.dilate(source, kernel) - alpha, 0.0, 1.0)
    ring = _blur(ring, radius * 0.5)[..., None]
    tint = np.broadcast_to(np.asarray(color, np.float32), image.shape)
    if own_color > 0:
        # The figure's color spread outward: a normalized blur of the source pixels.
        spread = _blur(image * source[..., None], radius * 2)
        weight = _blur(source, radius * 2)[..., None]
        nearby = spread / np.maximum(weight, 1e-4)
        lightened = 1.0 - (1.0 - np.clip(nearby, 0.0, 1.0)) * 0.4  # screen toward white
        tint = (1.0 - own_color) * tint + own_color * lightened
    return image * (1.0 - strength * ring) + strength * ring * tint


def vignette(image: np.ndarray, strength: float) -> np.ndarray:
    """Darken toward the corners (radial, aspect-aware)."""
    if strength <= 0:
        return image
    h, w = image.shape[:2]
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    r2 = ((x + 0.5) / w - 0.5) ** 2 + ((y + 0.5) / h - 0.5) ** 2
    falloff = 1.0 - strength * np.clip(r2 / 0.5, 0.0, 1.0) ** 1.5
    return image * falloff[..., None]


def grade(
    image: np.ndarray,
    lift: float = 0.0,
    gamma: float = 1.0,
    gain: float = 1.0,
    saturation: float = 1.0,
    contrast: float = 1.0,
    tint: tuple[float, float, float] = (1.0, 1.0, 1.0),
) -> np.ndarray:
    """Lift/gamma/gain, saturation around luminance, contrast around mid grey, then a tint."""
    out = np.clip(image, 0.0, None)
    out = gain * (out + lift * (1.0 - np.clip(out, 0.0, 1.0)))
    out = np.power(np.clip(out, 0.0, None), 1.0 / max(gamma, 1e-3))
    luma = (out @ _REC709)[..., None]
    out = luma + saturation * (out - luma)
    pivot = 0.18  # mid grey in linear light
    out = pivot * np.power(np.clip(out, 0.0, None) / pivot, contrast)
    return out * np.asarray(tint, np.float32)


def lens_flare(image: np.ndarray, strength: float) -> np.ndarray:
    """Ghosts mirrored through the frame center from the brightest spot."""
    if strength <= 0:
        return image
    h, w = image.shape[:2]
    luma = image @ _REC709
    y, x = np.unravel_index(int(np.argmax(luma)), luma.shape)
    source = image[y, x] * strength
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    out = image.copy()
    short = min(h, w)
    for t, size in ((-0.4, 0.05), (-0.8, 0.08), (-1.2, 0.04)):
        cx, cy = w / 2 + t * (x - w / 2), h / 2 + t * (y - h / 2)
        d2 = ((xx - cx) ** 2 + (yy - cy) ** 2) / (size * short) ** 2
        out += np.exp(-d2)[..., None] * source * 0.3
    return out


def develop(
    image: np.ndarray,
    alpha: np.ndarray | None,
    photography: dict,
    hair_mask: np.ndarray | None = None,
) -> np.ndarray:
    """The whole photography pass of a look (its ``photography`` dict) on one frame.

    ``hair_mask`` (H x W, 0..1) restricts the halo to hair edges when the look asks for it;
    without one the halo follows the whole silhouette.
    """
    params = {
        key: {**value, **photography.get(key, {})} for key, value in DEFAULTS["photography"].items()
    }
    out = np.asarray(image, np.float32)
    if out.ndim != 3 or out.shape[2] != 3:
        raise ValueError(f"develop: expected an H x W x 3 image, got {out.shape}")
    if alpha is None:
        alpha = np.ones(out.shape[:2], np.float32)
    bloom_p, diffusion_p, halo_p = params["bloom"], params["diffusion"], params["halo"]
    out = bloom(out, bloom_p["strength"], bloom_p["radius"], bloom_p["threshold"])
    out = diffusion(out, diffusion_p["strength"], diffusion_p["radius"])
    mask = hair_mask if halo_p.get("hair_only", True) else None
    halo_color = srgb_to_linear(halo_p["color"])
    out = halo(
        out, alpha, halo_p["strength"], halo_p["radius"], halo_color, mask, halo_p["own_color"]
    )
    out = lens_flare(out, params["lens_flare"]["strength"])
    grading = dict(params["grading"])
    grading["tint"] = srgb_to_linear(grading["tint"])
    out = grade(out, **grading)
    out = vignette(out, params["vignette"]["strength"])
    return out.astype(np.float32)


def develop_bundle(bundle: FrameBundle, photography: dict) -> np.ndarray:
    """The photography pass on a FrameBundle's color (its alpha drives the halo)."""
    if bundle.color is None:
        raise ValueError("develop_bundle: the FrameBundle has no color image")
    return develop(bundle.color, bundle.alpha, photography)


def develop_look(
    premultiplied: np.ndarray,
    alpha: np.ndarray,
    look: dict,
    hair_mask: np.ndarray | None = None,
) -> np.ndarray:
    """A transparent-film render (premultiplied color) over the look's background, developed
    with the look's photography pass: the finished frame of a look. ``hair_mask`` (the toon
    materials' hair AOV) keeps a hair-only halo on the hair."""
    background = np.asarray(srgb_to_linear(look["background"]), np.float32)
    color = premultiplied + (1.0 - alpha[..., None]) * background
    return develop(color, alpha, look["photography"], hair_mask)

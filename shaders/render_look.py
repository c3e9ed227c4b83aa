# SPDX-License-Identifier: GPL-3.0-or-later
"""The render path of a look: render, then the photography pass on the rendered pixels.

The photography pass is ``photography.develop`` (numpy/cv2), the same function the neural
side runs on a FrameBundle; there is deliberately no compositor version of it.
"""

from __future__ import annotations

import os
import tempfile

import bpy
import numpy as np

from ..neural.inputs import linear_to_srgb
from . import photography, toon

_FAST_TMP = "/dev/shm" if os.path.isdir("/dev/shm") else None


def render_rgba(scene: bpy.types.Scene) -> np.ndarray:
    """Render the scene with a transparent film; H x W x 4 float32 linear, premultiplied."""
    render = scene.render
    saved = (
        render.film_transparent,
        render.filepath,
        render.image_settings.file_format,
        render.image_settings.color_depth,
    )
    handle, path = tempfile.mkstemp(suffix=".exr", dir=_FAST_TMP)
    os.close(handle)
    try:
        render.film_transparent = True
        render.image_settings.file_format = "OPEN_EXR"
        render.image_settings.color_depth = "32"
        render.filepath = path
        bpy.ops.render.render(write_still=True, scene=scene.name)
        image = bpy.data.images.load(path)
        try:
            width, height = image.size
            pixels = np.empty(width * height * 4, np.float32)
            image.pixels.foreach_get(pixels)
        finally:
            bpy.data.images.remove(image)
    finally:
        (render.film_transparent, render.filepath) = saved[:2]
        render.image_settings.file_format = saved[2]
        render.image_settings.color_depth = saved[3]
        os.remove(path)
    return np.ascontiguousarray(pixels.reshape(height, width, 4)[::-1])


def render_look(scene: bpy.types.Scene, look: dict) -> tuple[np.ndarray, np.ndarray]:
    """Render with the applied look and develop it: (H x W x 3 linear color, H x W alpha).

    The key light's direction is read again first, so a light animated or moved since the
    look was applied still drives the bands.
    """
    toon.set_light_direction(scene)
    rgba = render_rgba(scene)
    alpha = np.clip(rgba[..., 3], 0.0, 1.0)
    return photography.develop_look(rgba[..., :3], alpha, look), alpha


def to_srgb8(image: np.ndarray) -> np.ndarray:
    """Linear float RGB -> sRGB uint8, for PNG previews."""
    return np.round(linear_to_srgb(image) * 255.0).astype(np.uint8)

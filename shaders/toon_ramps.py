# SPDX-License-Identifier: GPL-3.0-or-later
"""Our own ramps for MMD's ten shared toons (MMD's toon01-10.bmp are not ours to ship).

A shared toon is a 32x32 image, lit tone on top, shadow tone at the bottom, with a fairly
hard step just below the middle, the way MMD's toon textures are laid out: MMD samples them
at v = 0.5 - N·L / 2 (top = lit), mmd_tools and our MMD material at the camera-space normal.
The shadow tones are our own picks with the character of the standard set: mostly light
greys, some warm (skin), some cool, a few darker. Values are display (sRGB) values, as in a
toon BMP. Images are generated on demand, packed into the .blend and reused by name.
"""

from __future__ import annotations

import bpy
import numpy as np

SIZE = 32
VERSION = 1
# Shadow tone (sRGB) of shared toons 0..9 (toon01..toon10).
SHADOW_TONES = (
    (0.80, 0.80, 0.80),  # light neutral grey: the default of most models
    (0.88, 0.78, 0.76),  # warm, for skin
    (0.62, 0.62, 0.66),  # darker grey, slightly cool
    (0.90, 0.80, 0.70),  # beige
    (0.76, 0.78, 0.88),  # cool blue-grey
    (0.68, 0.68, 0.68),  # medium grey
    (0.90, 0.88, 0.84),  # very light, warm
    (0.52, 0.52, 0.58),  # dark grey
    (0.92, 0.82, 0.84),  # light pink
    (0.84, 0.88, 0.84),  # light green-grey
)
LIT_ROW = 16  # rows (bottom = 0) from here up are fully lit
STEP_ROWS = 3  # rows of the blend from shadow to lit below LIT_ROW


def ramp_name(index: int) -> str:
    return f"MMD2Anime toon{index + 1:02d} v{VERSION}"


def ramp_pixels(index: int) -> np.ndarray:
    """SIZE x SIZE x 4 float pixels, row 0 at the bottom (Blender's order)."""
    shadow = np.asarray(SHADOW_TONES[index], np.float32)
    rows = np.arange(SIZE, dtype=np.float32)
    lit = np.clip((rows - (LIT_ROW - STEP_ROWS - 1)) / (STEP_ROWS + 1), 0.0, 1.0)
    column = shadow[None, :] * (1.0 - lit[:, None]) + lit[:, None]
    pixels = np.ones((SIZE, SIZE, 4), np.float32)
    pixels[:, :, :3] = column[:, None, :]
    return pixels


def shared_toon_image(index: int) -> bpy.types.Image:
    """The ramp image of shared toon ``index`` (0..9), made once per .blend."""
    if not 0 <= index < len(SHADOW_TONES):
        raise ValueError(f"shared toon index {index} outside 0..9")
    name = ramp_name(index)
    image = bpy.data.images.get(name)
    if image is not None:
        return image
    image = bpy.data.images.new(name, SIZE, SIZE, alpha=False)
    image.pixels.foreach_set(ramp_pixels(index).ravel())
    image.pack()
    return image

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

from ..layout import exr
from ..neural.inputs import linear_to_srgb
from . import photography, toon

_FAST_TMP = "/dev/shm" if os.path.isdir("/dev/shm") else None


def render_rgba(scene: bpy.types.Scene) -> np.ndarray:
    """Render the scene with a transparent film; H x W x 4 float32 linear, premultiplied."""
    return render_with_hair(scene)[0]


def render_with_hair(scene: bpy.types.Scene) -> tuple[np.ndarray, np.ndarray]:
    """One render with a transparent film: (H x W x 4 premultiplied linear RGBA, H x W hair
    mask 0..1 from the toon materials' hair AOV; zeros where no look marks hair)."""
    render = scene.render
    image_settings = render.image_settings
    view_layer = scene.view_layers[0]
    saved = (
        render.film_transparent,
        render.filepath,
        render.use_file_extension,
        image_settings.media_type,
        image_settings.file_format,
        image_settings.color_depth,
        image_settings.exr_codec,
    )
    added = None
    if toon.HAIR_AOV not in view_layer.aovs:
        added = view_layer.aovs.add()
        added.name, added.type = toon.HAIR_AOV, "VALUE"
    handle, path = tempfile.mkstemp(suffix=".exr", dir=_FAST_TMP)
    os.close(handle)
    try:
        render.film_transparent = True
        render.use_file_extension = False
        image_settings.media_type = "MULTI_LAYER_IMAGE"
        image_settings.file_format = "OPEN_EXR_MULTILAYER"
        image_settings.color_depth = "32"
        image_settings.exr_codec = "NONE"
        render.filepath = path
        bpy.ops.render.render(write_still=True, scene=scene.name, layer=view_layer.name)
        passes = dict(exr.iter_passes(path, view_layer.name, ("Combined", toon.HAIR_AOV)))
    finally:
        (render.film_transparent, render.filepath, render.use_file_extension) = saved[:3]
        image_settings.media_type, image_settings.file_format = saved[3:5]
        image_settings.color_depth, image_settings.exr_codec = saved[5:]
        if added is not None:
            view_layer.aovs.remove(added)
        os.remove(path)
    rgba = np.ascontiguousarray(passes["Combined"][..., :4], dtype=np.float32)
    hair = passes.get(toon.HAIR_AOV)
    hair = np.zeros(rgba.shape[:2], np.float32) if hair is None else hair[..., 0]
    return rgba, np.clip(hair, 0.0, 1.0).astype(np.float32)


def render_look(scene: bpy.types.Scene, look: dict) -> tuple[np.ndarray, np.ndarray]:
    """Render with the applied look and develop it: (H x W x 3 linear color, H x W alpha).

    The key light's direction is read again first, so a light animated or moved since the
    look was applied still drives the bands. The halo follows the hair the materials mark.
    """
    toon.set_light_direction(scene)
    rgba, hair = render_with_hair(scene)
    alpha = np.clip(rgba[..., 3], 0.0, 1.0)
    return photography.develop_look(rgba[..., :3], alpha, look, hair_mask=hair), alpha


def to_srgb8(image: np.ndarray) -> np.ndarray:
    """Linear float RGB -> sRGB uint8, for PNG previews."""
    return np.round(linear_to_srgb(image) * 255.0).astype(np.uint8)

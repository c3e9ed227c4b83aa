# SPDX-License-Identifier: GPL-3.0-or-later
"""Read Blender's multilayer EXR back with the OpenImageIO bundled in the bpy wheel.

In Blender 5.0 the render writes one EXR subimage per pass, named ``<view layer>.<pass>``
(``ViewLayer.Combined``, ``ViewLayer.Depth``...). Arrays come back as OpenImageIO reads
them: row 0 = top of the file = top of the image, channels last, float32.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import bpy
import numpy as np

from .errors import LayoutError


def _oiio():
    site = (
        Path(bpy.utils.resource_path("LOCAL")) / "python" / "lib" / "python3.11" / "site-packages"
    )
    if str(site) not in sys.path:
        sys.path.append(str(site))
    try:
        import OpenImageIO
    except ImportError as exc:
        raise LayoutError(f"OpenImageIO is not available in this Blender ({exc})") from None
    return OpenImageIO


def iter_passes(
    path: str | Path, view_layer: str, wanted: set[str]
) -> Iterator[tuple[str, np.ndarray]]:
    """(pass name, H x W x C float32 array) for each pass of ``view_layer`` in ``wanted``,
    read one at a time so a caller can convert and drop each before the next."""
    oiio = _oiio()
    image = oiio.ImageInput.open(str(path))
    if image is None:
        raise LayoutError(f"{path}: cannot open the rendered EXR ({oiio.geterror()})")
    prefix = view_layer + "."
    try:
        index = 0
        while image.seek_subimage(index, 0):
            spec = image.spec()
            name = str(spec.getattribute("name") or "")
            if name.startswith(prefix) and name[len(prefix) :] in wanted:
                pixels = image.read_image(index, 0, 0, spec.nchannels, "float")
                if pixels is None:
                    raise LayoutError(f"{path}: cannot read {name} ({image.geterror()})")
                yield name[len(prefix) :], pixels.reshape(spec.height, spec.width, -1)
                del pixels
            index += 1
    finally:
        image.close()

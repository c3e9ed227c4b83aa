# SPDX-License-Identifier: GPL-3.0-or-later
"""Read Blender's multilayer EXR back with the OpenImageIO bundled in the bpy wheel.

In Blender 5.0 the render writes one EXR subimage per pass, named ``<view layer>.<pass>``
(``ViewLayer.Combined``, ``ViewLayer.Depth``...). Arrays come back as OpenImageIO reads
them: row 0 = top of the file = top of the image, channels last, float32.

Reading is single-threaded: OpenEXR's thread pool (two threads on a two-core machine) made
an uncompressed read 3-17x slower here (256²: 1.2 ms vs 3.5-20 ms; 1080²: 12 ms vs 65-107
ms). The pool is process-wide, shared with Blender's own EXR code, so its size is put back
after each read.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
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
    path: str | Path, view_layer: str, wanted: Sequence[str]
) -> Iterator[tuple[str, np.ndarray]]:
    """(pass name, H x W x C float32 array) for each pass of ``view_layer`` in ``wanted``,
    in that order, read one at a time so a caller can convert and drop each before the
    next. Passes the file lacks are skipped."""
    oiio = _oiio()
    with _single_threaded(oiio):
        image = oiio.ImageInput.open(str(path))
        if image is None:
            raise LayoutError(f"{path}: cannot open the rendered EXR ({oiio.geterror()})")
        prefix = view_layer + "."
        try:
            subimages, index = {}, 0
            while image.seek_subimage(index, 0):
                name = str(image.spec().getattribute("name") or "")
                if name.startswith(prefix):
                    subimages[name[len(prefix) :]] = index
                index += 1
            for name in wanted:
                if name not in subimages:
                    continue
                index = subimages[name]
                image.seek_subimage(index, 0)
                spec = image.spec()
                pixels = image.read_image(index, 0, 0, spec.nchannels, "float")
                if pixels is None:
                    raise LayoutError(f"{path}: cannot read {prefix}{name} ({image.geterror()})")
                yield name, pixels.reshape(spec.height, spec.width, -1)
                del pixels
        finally:
            image.close()


@contextmanager
def _single_threaded(oiio) -> Iterator[None]:
    threads = oiio.get_int_attribute("exr_threads")
    oiio.attribute("exr_threads", 1)
    try:
        yield
    finally:
        oiio.attribute("exr_threads", threads)

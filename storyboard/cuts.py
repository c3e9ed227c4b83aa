# SPDX-License-Identifier: GPL-3.0-or-later
"""Cuts of a shot from its timeline markers, and a picture per cut (scene side, bpy)."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import bpy
import numpy as np

from .sheet import Cut

TEXT_BLOCK = "Storyboard"  # optional text block: lines "<cut number or marker name>: text"
_AUTO_MARKER = re.compile(r"^F_\d+$")  # Blender's default marker names carry no action text


def cjk_font_path() -> Path | None:
    """Blender's own Noto Sans CJK, so Japanese action and dialogue render on the sheet."""
    path = Path(bpy.utils.system_resource("DATAFILES", path="fonts/Noto Sans CJK Regular.woff2"))
    return path if path.is_file() else None


def _texts(scene: bpy.types.Scene) -> dict[str, str]:
    block = bpy.data.texts.get(TEXT_BLOCK)
    if block is None:
        return {}
    entries: dict[str, str] = {}
    for line in block.as_string().splitlines():
        key, sep, text = line.partition(":")
        if sep and key.strip():
            entries[key.strip()] = (entries.get(key.strip(), "") + "\n" + text.strip()).strip()
    return entries


def collect_cuts(scene: bpy.types.Scene) -> list[Cut]:
    """One cut per timeline marker inside the frame range (camera markers included);
    without markers, the whole range is one cut."""
    start, end = scene.frame_start, scene.frame_end
    markers = sorted((m for m in scene.timeline_markers if start <= m.frame <= end),
                     key=lambda m: m.frame)  # fmt: skip
    spans = [(m.frame, m.name) for m in markers]
    if not spans or spans[0][0] > start:
        spans.insert(0, (start, ""))
    texts = _texts(scene)
    cuts = []
    for number, (frame, name) in enumerate(spans, start=1):
        last = spans[number][0] - 1 if number < len(spans) else end
        label = "" if _AUTO_MARKER.match(name) else name
        text = texts.get(str(number)) or texts.get(name) or label
        cuts.append(Cut(number, label, frame, last, text))
    return cuts


def render_still(scene: bpy.types.Scene) -> np.ndarray:
    """The scene's render of the current frame with its own settings, as H x W x 3 uint8."""
    from PIL import Image

    render = scene.render
    saved = (render.filepath, render.image_settings.file_format)
    with tempfile.TemporaryDirectory(prefix="mmd2anime-cut-") as tmp:
        path = Path(tmp) / "cut.png"
        try:
            render.filepath = str(path)
            render.image_settings.file_format = "PNG"
            bpy.ops.render.render(write_still=True, scene=scene.name)
        finally:
            render.filepath, render.image_settings.file_format = saved
        return np.asarray(Image.open(path).convert("RGB"))


def render_pictures(
    scene: bpy.types.Scene,
    cuts: list[Cut],
    render_fn: Callable[[bpy.types.Scene], np.ndarray] = render_still,
) -> list[Cut]:
    """Render each cut's first frame; Blender's camera markers pick the camera as in a
    normal render. Restores the frame and the camera."""
    saved_frame, saved_camera = scene.frame_current, scene.camera
    try:
        for cut in cuts:
            scene.frame_set(cut.frame_start)
            if scene.camera is None:
                raise ValueError(f"cut {cut.number} has no camera: add one to the scene")
            cut.picture = render_fn(scene)
    finally:
        scene.frame_set(saved_frame)
        scene.camera = saved_camera
    return cuts


def scene_fps(scene: bpy.types.Scene) -> float:
    return scene.render.fps / scene.render.fps_base

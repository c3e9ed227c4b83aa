# SPDX-License-Identifier: GPL-3.0-or-later
"""The storyboard job shared by the operator and render.py (scene side, bpy)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import bpy
import numpy as np

from .cuts import cjk_font_path, collect_cuts, render_pictures, render_still, scene_fps
from .sheet import write_storyboard


def export_storyboard(
    scene: bpy.types.Scene,
    out_dir: str | Path,
    *,
    paper: str = "A4",
    title: str | None = None,
    render_fn: Callable[[bpy.types.Scene], np.ndarray] = render_still,
) -> list[Path]:
    """Render one picture per cut and write the sheet's PNG pages and PDF into out_dir."""
    if scene.camera is None and not any(m.camera for m in scene.timeline_markers):
        raise ValueError(f"scene {scene.name!r} has no camera: add one for the storyboard")
    cuts = render_pictures(scene, collect_cuts(scene), render_fn)
    shot = title or Path(bpy.data.filepath).stem or scene.name
    return write_storyboard(
        cuts, out_dir, fps=scene_fps(scene), title=shot, paper=paper, font_path=cjk_font_path()
    )

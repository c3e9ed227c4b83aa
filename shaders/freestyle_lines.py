# SPDX-License-Identifier: GPL-3.0-or-later
"""Freestyle line work for final-quality renders (a style pack's target).

The looks draw outlines as inverted hulls: cheap, but only around each mesh. Freestyle
traces silhouettes, creases, material borders and contours from the geometry on the CPU
after shading, so it is headless-safe and works under Cycles and EEVEE alike, and it costs
seconds per frame: the kind of render the stylizer distills into one fast pass.
"""

from __future__ import annotations

import bpy

from .looks import srgb_to_linear

LINESET_NAME = "mmd2anime lines"
# Freestyle's RELATIVE thickness is in pixels at a 480 px tall frame; 1.4 reads as a pen
# line at 256-1080 px
THICKNESS = 1.4
DEFAULT_COLOR = "#000000"


def enable_lines(scene: bpy.types.Scene, look: dict | None = None) -> bpy.types.FreestyleLineSet:
    """Turn on Freestyle lines in ``scene`` in the look's line color (black without one).

    Silhouettes, borders, creases and external contours of visible edges; thickness scales
    with the frame height. Reuses the lineset on a second call. Returns the lineset.
    """
    color = ((look or {}).get("line") or {}).get("color", DEFAULT_COLOR)
    render = scene.render
    render.use_freestyle = True
    render.line_thickness_mode = "RELATIVE"
    layer = bpy.context.view_layer if bpy.context.scene == scene else scene.view_layers[0]
    layer.use_freestyle = True
    settings = layer.freestyle_settings
    settings.mode = "EDITOR"
    lineset = settings.linesets.get(LINESET_NAME)
    if lineset is None:
        for other in settings.linesets:  # the default lineset would draw a second time
            other.show_render = False
        lineset = settings.linesets.new(LINESET_NAME)
    lineset.show_render = True
    lineset.select_by_visibility = True
    lineset.visibility = "VISIBLE"
    lineset.select_by_edge_types = True
    for edge_type in ("silhouette", "border", "crease", "external_contour"):
        setattr(lineset, f"select_{edge_type}", True)
    style = lineset.linestyle
    style.color = srgb_to_linear(color)
    style.thickness = THICKNESS
    return lineset

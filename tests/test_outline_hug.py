# SPDX-License-Identifier: GPL-3.0-or-later
"""Lines hug the figure: on one of our characters in the standing pose seen from an angle
(small CPU Cycles renders), the look's dark line pixels outside the plain silhouette lie
within the line width (+1.5 px) of it, and the pixels just outside the silhouette are dark
(no strip of background between the figure and its line) on at least 90 % of its ring.

Open cloth borders (a skirt's hem) are the known exception an inverted hull cannot line,
which is why the bound is 90 % and not all."""

import sys

import cv2
import numpy as np
import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import bench_stray_pixels as stray  # noqa: E402

from mmd2anime.shaders import apply, looks, outline, render_look  # noqa: E402

SIZE = 192
DARK = 0.08  # linear luminance below which a covered pixel is line-black
RING_COVERAGE = 0.9


def _line_geometry(plain_alpha: np.ndarray, rgba: np.ndarray):
    """(distance of every pixel to the plain silhouette, ring mask, dark line mask)."""
    figure = (plain_alpha >= stray.ALPHA_COVERED).astype(np.uint8)
    distance = cv2.distanceTransform(1 - figure, cv2.DIST_L2, 5)
    ring = (distance > 0) & (distance <= 1.0)  # the pixels touching the silhouette
    luminance = rgba[..., :3] @ np.array([0.2126, 0.7152, 0.0722])
    dark = (rgba[..., 3] >= stray.ALPHA_COVERED) & (luminance < DARK)
    return distance, ring, dark


def _widest_line_px(armature, look: dict) -> float:
    """The widest hull the look gives this figure, in pixels of frame height."""
    widest = 0.0
    for obj in armature.children:
        attribute = obj.data.attributes.get(outline.WIDTH_ATTR) if obj.type == "MESH" else None
        if attribute is None:
            continue
        widths = np.zeros(len(obj.data.vertices), np.float32)
        attribute.data.foreach_get("value", widths)
        scale = obj.data.attributes.get(outline.EDGE_SCALE_ATTR)
        if scale is not None:
            factors = np.zeros(len(obj.data.vertices), np.float32)
            scale.data.foreach_get("value", factors)
            widths = widths * factors
        widest = max(widest, float(widths.max(initial=0.0)))
    return widest * look["line"]["width"] * SIZE


@pytest.mark.parametrize("look_name", ["vivid", "storyboard"])
def test_lines_hug_the_silhouette_without_a_gap(scene, look_name):
    from mmd2anime.demo_scene import bone_heads, frame_camera
    from mmd2anime.mmd import blender_characters, pose_library

    stray.setup_render(scene, SIZE)
    armature = stray.import_figure(scene, "character:schoolgirl")
    blender_characters.apply_library_pose(armature, pose_library.get_pose("standing"))
    frame_camera(scene, bone_heads(armature), azimuth=25.0)
    look = looks.load_look(look_name)
    targets = apply.look_targets([armature])
    plain = render_look.render_rgba(scene)[..., 3]
    apply.apply_look(targets, look, scene)
    try:
        rgba = render_look.render_rgba(scene)
        limit = _widest_line_px(armature, look) + 1.5
    finally:
        apply.revert_look(targets, scene)
    distance, ring, dark = _line_geometry(plain, rgba)
    assert limit > 1.5, "the look drew no hull"
    far = dark & (distance > limit)
    assert far.sum() <= 2, f"{far.sum()} line pixels farther than {limit:.1f} px"
    coverage = (dark & ring).sum() / ring.sum()
    assert coverage >= RING_COVERAGE, f"silhouette ring dark on {coverage:.0%} only"

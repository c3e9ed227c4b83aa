# SPDX-License-Identifier: GPL-3.0-or-later
"""Stray pixels: every shipped look paints nothing on the background farther than 8 px from
the plain render's silhouette, on the shared real model at rest, in three library poses and
at two frames of a VMD motion, from two camera distances (small CPU Cycles renders; the wider sweep is
bench/bench_stray_pixels.py)."""

import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import bench_stray_pixels as stray  # noqa: E402

from mmd2anime.shaders import apply, looks, render_look  # noqa: E402

CASES = ["rest", *stray.POSES, *(f"motion@{frame}" for frame in stray.MOTION_FRAMES)]


@pytest.fixture
def miku(scene):
    if not stray.MIKU.is_file():
        pytest.skip(f"shared model not found at {stray.MIKU}")
    stray.setup_render(scene, 128)
    return stray.import_figure(scene, stray.MIKU)


@pytest.mark.parametrize("case", CASES)
def test_no_look_paints_stray_pixels(scene, miku, case):
    dict(stray.pose_cases())[case](miku)
    cameras = ((35.0, 1.0), (160.0, 2.0))
    views = stray.camera_views(scene, miku, cameras)
    plain = []
    for view in views:
        stray.set_view(scene, view)
        plain.append(render_look.render_rgba(scene)[..., 3])
    found = {}
    targets = apply.look_targets([miku])
    for name in looks.list_looks():
        apply.apply_look(targets, looks.load_look(name), scene)
        for camera, view, alpha in zip(cameras, views, plain, strict=True):
            stray.set_view(scene, view)  # the hull follows the camera: one apply serves both
            count = stray.stray_pixels(alpha, render_look.render_rgba(scene)[..., 3])
            if count:
                found[f"{name} az {camera[0]:.0f} x{camera[1]:.0f}"] = count
        apply.revert_look(targets, scene)
    assert not found, found

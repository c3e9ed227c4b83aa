# SPDX-License-Identifier: GPL-3.0-or-later
"""Dataset mode with the small test figure: framing, reproducibility, nothing left behind."""

import json

import bpy
import numpy as np
import pytest
from layout_figure import build_figure, rotate_bone

from mmd2anime.bundle import FrameBundle
from mmd2anime.layout.dataset import write_dataset
from mmd2anime.layout.errors import LayoutError


def _pose(armature, index):
    for pose_bone in armature.pose.bones:
        pose_bone.matrix_basis.identity()
    bpy.context.view_layer.update()
    rotate_bone(armature, "左腕", "Y", 20 * index)
    rotate_bone(armature, "右腕", "Y", -15 * index)


def test_dataset_frames_the_figure_and_cleans_up(bpy_module, scene, tmp_path):
    objects_before = len(bpy.data.objects)
    scenes_before = len(bpy.data.scenes)
    manifest = write_dataset(
        tmp_path / "a", 3, seed=5, build_puppet=build_figure, poses=_pose, size=(64, 64)
    )
    assert bpy.context.scene == scene
    assert len(bpy.data.objects) == objects_before and len(bpy.data.scenes) == scenes_before
    assert json.loads((tmp_path / "a" / "manifest.json").read_text()) == manifest
    assert manifest["count"] == 3 and manifest["resolution"] == [64, 64]
    for entry in manifest["frames"]:
        assert entry["people"] == ["Figure"]
        # stills: every pass but motion, which has no neighbouring frames to come from
        assert entry["passes"] == ["color", "alpha", "depth", "normal"]
        bundle = FrameBundle.load(tmp_path / "a" / entry["files"]["bundle"])
        seen = bundle.visibility[0] > 0
        assert seen.sum() >= 10  # most joints inside the frame
        assert (bundle.alpha > 0.5).mean() > 0.02
        assert np.isfinite(bundle.keypoints[0][seen]).all()
    choices = [e["choices"] for e in manifest["frames"]]
    assert len({json.dumps(c["camera"]) for c in choices}) == 3
    again = write_dataset(
        tmp_path / "b", 3, seed=5, build_puppet=build_figure, poses=_pose, size=(64, 64)
    )
    assert [e["choices"] for e in again["frames"]] == choices
    first = FrameBundle.load(tmp_path / "a" / "000002_bundle")
    second = FrameBundle.load(tmp_path / "b" / "000002_bundle")
    np.testing.assert_allclose(first.keypoints, second.keypoints, atol=1e-4)


def test_failing_puppet_leaves_nothing_behind(bpy_module, scene, tmp_path):
    def broken_puppet():
        build_figure()
        raise ValueError("puppet.pmx: bad bone table")

    counts = {kind: len(getattr(bpy.data, kind)) for kind in ("objects", "scenes", "meshes")}
    with pytest.raises(ValueError, match="bad bone table"):
        write_dataset(tmp_path, 2, build_puppet=broken_puppet, size=(32, 32))
    assert bpy.context.scene == scene
    assert {kind: len(getattr(bpy.data, kind)) for kind in counts} == counts


def test_dataset_needs_at_least_one_sample(tmp_path):
    with pytest.raises(LayoutError, match="at least 1"):
        write_dataset(tmp_path, 0, build_puppet=build_figure)

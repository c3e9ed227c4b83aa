# SPDX-License-Identifier: GPL-3.0-or-later
"""write_layout files, the OpenPose drawing and JSON, the manifest."""

import json

import cv2
import numpy as np
import pytest
from layout_figure import build_figure, front_camera, pose_arm_behind

from mmd2anime.bundle import FrameBundle
from mmd2anime.layout.openpose import LIMBS, PALETTE, draw_skeleton, openpose_json
from mmd2anime.layout.outputs import write_layout


def test_skeleton_drawing_follows_openpose():
    keypoints = np.full((1, 18, 2), np.nan, np.float32)
    visibility = np.zeros((1, 18), np.uint8)
    keypoints[0, 1], keypoints[0, 2] = (50, 20), (20, 20)  # neck, right shoulder
    keypoints[0, 8] = (50, 80)  # right hip
    visibility[0, [1, 2]] = 2
    visibility[0, 8] = 1
    image = draw_skeleton(keypoints, visibility, 100, 100)
    assert image.shape == (100, 100, 3) and image.dtype == np.uint8
    assert image[0, 0].tolist() == [0, 0, 0]
    limb = LIMBS.index((1, 2))
    mid = image[20, 35].astype(float)  # limb over black, blended at 0.6
    np.testing.assert_allclose(mid, 0.6 * np.array(PALETTE[limb]), atol=2)
    assert image[50, 50].any()  # neck -> hip limb drawn for an occluded hip
    joint = image[80, 50].astype(float)  # hip circle, blended once by the limb over it
    assert np.abs(joint - np.array(PALETTE[8])).max() <= 0.6 * 255 + 1
    assert not image[90:, :].any() and not image[:, 90:].any()


def test_openpose_json_confidences():
    keypoints = np.array([[[10.5, 20.25]] * 18], np.float32)
    keypoints[0, 3] = np.nan
    visibility = np.full((1, 18), 2, np.uint8)
    visibility[0, 4] = 1
    visibility[0, 3] = 0
    data = openpose_json(keypoints, visibility, ["Miku"], 64, 48)
    assert data["version"] == 1.3 and (data["canvas_width"], data["canvas_height"]) == (64, 48)
    (person,) = data["people"]
    assert person["name"] == "Miku" and person["person_id"] == [-1]
    flat = person["pose_keypoints_2d"]
    assert len(flat) == 54
    assert flat[0:3] == [10.5, 20.25, 1.0]
    assert flat[9:12] == [0.0, 0.0, 0.0] and flat[12:15] == [10.5, 20.25, 0.5]
    json.dumps(data, allow_nan=False)


def test_write_layout_files_and_manifest(bpy_module, scene, tmp_path):
    scene.render.engine = "CYCLES"
    scene.cycles.samples = 1
    scene.cycles.use_denoising = False
    scene.render.resolution_x, scene.render.resolution_y = 64, 96
    armature = build_figure(scene)
    pose_arm_behind(armature)
    front_camera(scene, lens=35)
    scene.frame_set(7)
    manifest = write_layout(scene, tmp_path / "out", frames=range(3, 5))
    out = tmp_path / "out"
    assert scene.frame_current == 7
    assert json.loads((out / "manifest.json").read_text()) == manifest
    assert manifest["engine"] == "CYCLES" and manifest["resolution"] == [64, 96]
    assert set(manifest["versions"]) == {"mmd2anime", "blender", "numpy"}
    assert manifest["versions"]["mmd2anime"] == "0.1.0"
    assert manifest["camera"]["name"] == "Camera"
    assert [e["frame"] for e in manifest["frames"]] == [3, 4]
    written = {p.name for p in out.iterdir()}
    for entry in manifest["frames"]:
        assert set(entry["files"].values()) <= written
        assert set(entry["timings"]) == {"render", "previews", "keypoint_outputs", "bundle"}
        assert entry["people"] == ["Figure"]
        assert "edges" in entry["passes"]
    assert len(written) == 1 + 2 * 11  # manifest + 11 files per frame, nothing else
    ink = cv2.imread(str(out / "000003_edges.png"), cv2.IMREAD_GRAYSCALE)
    assert ink.shape == (96, 64) and ink[0, 0] == 255 and (ink < 128).sum() > 50
    color = cv2.imread(str(out / "000003_color.png"))
    normal = cv2.imread(str(out / "000003_normal.png"))
    assert color.shape == (96, 64, 3) and normal[48, 32].any() and not normal[0, 0].any()
    pose_image = cv2.imread(str(out / "000003_pose.png"))
    assert pose_image.any()
    pose = json.loads((out / "000003_pose.json").read_text())
    assert pose["people"][0]["name"] == "Figure"
    confidences = pose["people"][0]["pose_keypoints_2d"][2::3]
    assert confidences[3] == 0.5 and confidences[6] == 1.0  # right elbow hidden, left seen
    bundle = FrameBundle.load(out / "000003_bundle")
    assert bundle.frame == 3 and bundle.present["motion_next"]


def test_write_layout_with_another_engine_restores_it(bpy_module, scene, tmp_path, requires_egl):
    scene.render.engine = "CYCLES"
    scene.render.resolution_x, scene.render.resolution_y = 48, 64
    build_figure(scene)
    front_camera(scene)
    manifest = write_layout(scene, tmp_path, frames=range(1, 2), engine="BLENDER_WORKBENCH")
    assert scene.render.engine == "CYCLES"
    assert manifest["engine"] == "BLENDER_WORKBENCH"
    assert manifest["frames"][0]["passes"] == ["color", "alpha", "depth", "edges"]
    assert "normal" not in manifest["frames"][0]["files"]


def test_write_layout_operator(bpy_module, scene, tmp_path):
    with pytest.raises(RuntimeError, match="no active camera"):
        bpy_module.ops.mmd2anime.write_layout(directory=str(tmp_path / "x"))
    assert not (tmp_path / "x").exists()
    scene.render.engine = "CYCLES"
    scene.cycles.samples = 1
    scene.render.resolution_x = scene.render.resolution_y = 32
    build_figure(scene)
    front_camera(scene)
    result = bpy_module.ops.mmd2anime.write_layout(
        directory=str(tmp_path / "y"), current_frame_only=True
    )
    assert result == {"FINISHED"}
    manifest = json.loads((tmp_path / "y" / "manifest.json").read_text())
    assert [e["frame"] for e in manifest["frames"]] == [scene.frame_current]


def test_write_layout_operator_stops_at_a_failing_frame(bpy_module, scene, tmp_path):
    bpy = bpy_module
    scene.render.engine = "CYCLES"
    scene.cycles.samples = 1
    scene.render.resolution_x = scene.render.resolution_y = 32
    build_figure(scene)
    front_camera(scene)
    scene.frame_start, scene.frame_end, scene.frame_current = 1, 4, 1
    empty = bpy.data.objects.new("Not a camera", None)
    scene.collection.objects.link(empty)
    scene.timeline_markers.new("start", frame=1).camera = scene.camera
    scene.timeline_markers.new("cut", frame=3).camera = empty  # frame 3 has no camera
    with pytest.raises(RuntimeError, match="frame 3: scene 'Scene' has no active camera"):
        bpy.ops.mmd2anime.write_layout(directory=str(tmp_path / "r"))
    assert scene.frame_current == 1 and not scene.mmd2anime.busy
    assert sorted(p.name for p in (tmp_path / "r").glob("*.exr")) == ["000001.exr", "000002.exr"]
    scene.mmd2anime.busy = True  # another job running
    with pytest.raises(RuntimeError, match="poll"):
        bpy.ops.mmd2anime.write_layout(directory=str(tmp_path / "s"))

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
        assert entry["passes"] == ["color", "alpha", "depth", "normal", "albedo", "edges"]
        bundle = FrameBundle.load(tmp_path / "a" / entry["files"]["bundle"])
        figure = bundle.alpha > 0.99
        assert bundle.albedo[figure].max() > 0.05  # the puppet's own unlit color
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


def _motion(keys: list[tuple[int, str]]):
    """A VMD motion keyed with library poses at the given frames (ease-in-out curves)."""
    from mmd2anime.mmd import model as mm
    from mmd2anime.mmd.pose_library import get_pose

    poses = [(frame, get_pose(name)) for frame, name in keys]
    tracks = {}
    for bone in sorted(set().union(*(pose.bones for _, pose in poses))):
        bone_keys = [pose.bones.get(bone, mm.BoneKey()) for _, pose in poses]
        tracks[bone] = mm.BoneTrack(
            np.array([frame for frame, _ in poses], np.int32),
            np.array([k.translation for k in bone_keys], np.float32),
            np.array([k.rotation for k in bone_keys], np.float32),
            np.full((len(poses), 4, 4), (20, 20, 107, 107), np.uint8),
        )
    return mm.Motion("Mannequin", tracks)


@pytest.fixture
def mmd_files(tmp_path):
    from mmd2anime.mmd.mannequin import mannequin_model
    from mmd2anime.mmd.pmx_write import write_pmx
    from mmd2anime.mmd.vmd import write_vmd

    write_pmx(mannequin_model(), tmp_path / "puppet.pmx")
    write_vmd(_motion([(0, "standing"), (10, "running")]), tmp_path / "run.vmd")
    write_vmd(_motion([(0, "kneeling"), (6, "pointing"), (20, "sitting")]), tmp_path / "sit.vmd")
    return tmp_path


def test_dataset_from_a_model_file_in_vmd_motions(bpy_module, scene, mmd_files):
    from mmd2anime.layout.dataset import model_puppet, motion_poses

    actions_before = len(bpy.data.actions)

    def run(folder):
        vmds = [mmd_files / "run.vmd", mmd_files / "sit.vmd"]
        return write_dataset(
            folder, 6, seed=4, size=(64, 64), build_puppet=model_puppet(mmd_files / "puppet.pmx"),
            poses=motion_poses(vmds, seed=4),
        )  # fmt: skip

    manifest = run(mmd_files / "a")
    assert len(bpy.data.actions) == actions_before and bpy.context.scene == scene
    picked = [entry["choices"]["pose"] for entry in manifest["frames"]]
    assert {p["motion"] for p in picked} == {"run.vmd", "sit.vmd"}
    for pose, entry in zip(picked, manifest["frames"], strict=True):
        assert 0 <= pose["frame"] <= (10 if pose["motion"] == "run.vmd" else 20)
        assert entry["frame"] == pose["frame"]
        assert "motion_prev" in entry["passes"]  # keyed: its neighbouring frames differ
    bundles = [FrameBundle.load(mmd_files / "a" / e["files"]["bundle"]) for e in manifest["frames"]]
    moving = [
        np.abs(b.motion_prev[b.alpha > 0.5]).max()
        for b, p in zip(bundles, picked, strict=True)
        if 0 < p["frame"] < (10 if p["motion"] == "run.vmd" else 20)
    ]
    assert moving and max(moving) > 0.5  # pixels
    assert run(mmd_files / "b")["frames"][0]["choices"] == manifest["frames"][0]["choices"]


def test_dataset_sources_name_the_bad_file(bpy_module, scene, mmd_files):
    from mmd2anime.layout.dataset import model_puppet, motion_poses
    from mmd2anime.mmd.errors import MMDFormatError
    from mmd2anime.mmd.vmd import write_vmd

    with pytest.raises(LayoutError, match="run.vmd: not a model"):
        model_puppet(mmd_files / "run.vmd")
    with pytest.raises(LayoutError, match="puppet.pmx: not a VMD motion"):
        motion_poses([mmd_files / "puppet.pmx"])
    (mmd_files / "cut.vmd").write_bytes((mmd_files / "run.vmd").read_bytes()[:80])
    with pytest.raises(MMDFormatError, match="cut.vmd"):
        motion_poses([mmd_files / "cut.vmd"])
    tail = _motion([(0, "standing"), (5, "running")])
    tail.bone_tracks = {"しっぽ": tail.bone_tracks["左腕"]}  # a bone the figure lacks
    write_vmd(tail, mmd_files / "tail.vmd")
    objects_before = len(bpy.data.objects)
    with pytest.raises(LayoutError, match="tail.vmd: no track of this motion names a bone"):
        write_dataset(mmd_files / "x", 2, size=(32, 32), build_puppet=build_figure,
                      poses=motion_poses([mmd_files / "tail.vmd"]))  # fmt: skip
    assert len(bpy.data.objects) == objects_before and bpy.context.scene == scene


def test_motion_poses_show_each_motion_as_keyed_alone(bpy_module, scene, mmd_files):
    from mmd2anime import mmd
    from mmd2anime.layout.dataset import model_puppet, motion_poses
    from mmd2anime.layout.keypoints import world_keypoints
    from mmd2anime.mmd.blender_import import apply_motion

    build = model_puppet(mmd_files / "puppet.pmx")
    pose = motion_poses([mmd_files / "run.vmd", mmd_files / "sit.vmd"], seed=1)
    puppet = build()
    shown = {}
    for index in range(8):
        chosen = pose(puppet, index)
        shown[chosen["motion"], chosen["frame"]] = world_keypoints(puppet)
    assert {name for name, _ in shown} == {"run.vmd", "sit.vmd"}
    alone = {}
    for name in ("run.vmd", "sit.vmd"):
        alone[name] = build()
        apply_motion(alone[name], mmd.read(mmd_files / name), frame_offset=0)
    for (name, frame), points in shown.items():
        scene.frame_set(frame)
        np.testing.assert_allclose(points, world_keypoints(alone[name]), atol=1e-5)

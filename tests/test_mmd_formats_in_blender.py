# SPDX-License-Identifier: GPL-3.0-or-later
"""The readers wired into the import operators: real PMX, VMD and VPD files end to end."""

from __future__ import annotations

from mmd2anime import armatures
from mmd2anime.mmd import model as mm
from mmd2anime.mmd.blender_import import action_fcurves
from mmd2anime.mmd.vpd import write_vpd


def test_real_pmx_then_vpd_through_the_operators(scene, bpy_module, shared_data, tmp_path):
    bpy = bpy_module
    path = shared_data / "bone_hierarchy_test.pmx"
    assert bpy.ops.mmd2anime.import_model(filepath=str(path)) == {"FINISHED"}
    (arm,) = armatures.mmd_armatures(scene)
    assert {"root", "bone1", "bone2", "bone3", "新規ボーン1"} == {b.name for b in arm.data.bones}
    pose = mm.Pose("m.osm", {"bone1": mm.BoneKey((0.0, 0.0, 0.0), (0.0, 0.0, 0.5, 0.8660254))})
    write_vpd(pose, tmp_path / "turn.vpd")
    bpy.context.view_layer.objects.active = arm
    assert bpy.ops.mmd2anime.import_pose(filepath=str(tmp_path / "turn.vpd")) == {"FINISHED"}
    q = arm.pose.bones["bone1"].rotation_quaternion
    assert abs(abs(q.w) - 0.8660254) < 1e-4  # 60 degrees about one axis, whatever the mapping


def test_real_vmd_keys_an_imported_model(scene, bpy_module, shared_data):
    bpy = bpy_module
    assert bpy.ops.mmd2anime.add_mannequin(pose="REST") == {"FINISHED"}
    path = shared_data / "physics_toggle_test_yyb10th.vmd"
    assert bpy.ops.mmd2anime.import_motion(filepath=str(path)) == {"FINISHED"}
    (arm,) = armatures.mmd_armatures(scene)
    assert arm.animation_data is not None and arm.animation_data.action is not None


def test_motion_import_sets_mmd_frame_rate_unless_told_not_to(scene, bpy_module, shared_data):
    bpy = bpy_module
    path = str(shared_data / "physics_toggle_test_yyb10th.vmd")
    render = scene.render
    assert bpy.ops.mmd2anime.add_mannequin(pose="REST") == {"FINISHED"}
    render.fps, render.fps_base = 24, 1.0
    assert bpy.ops.mmd2anime.import_motion(filepath=path, mmd_frame_rate=False) == {"FINISHED"}
    assert (render.fps, render.fps_base) == (24, 1.0)
    assert bpy.ops.mmd2anime.import_motion(filepath=path) == {"FINISHED"}
    assert render.fps / render.fps_base == 30


def test_motion_import_margin_delays_the_motion(scene, bpy_module, shared_data):
    bpy = bpy_module
    path = str(shared_data / "physics_toggle_test_yyb10th.vmd")
    assert bpy.ops.mmd2anime.add_mannequin(pose="REST") == {"FINISHED"}
    scene.frame_start = 1
    first_key = {}
    for margin in (0, 5):
        bpy.context.object.animation_data_clear()
        assert bpy.ops.mmd2anime.import_motion(filepath=path, margin=margin) == {"FINISHED"}
        (arm,) = armatures.mmd_armatures(scene)
        action = arm.animation_data.action
        first_key[margin] = min(fc.keyframe_points[0].co[0] for fc in action_fcurves(action))
    assert first_key[5] - first_key[0] == 5

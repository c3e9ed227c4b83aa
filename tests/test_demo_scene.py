# SPDX-License-Identifier: GPL-3.0-or-later
"""The demo shot: mannequin posed, lit and framed by its camera."""

import pytest


@pytest.mark.parametrize("size", [(256, 256), (320, 180), (180, 320)])
def test_camera_frames_the_whole_mannequin(scene, bpy_module, size):
    from bpy_extras.object_utils import world_to_camera_view
    from mathutils import Vector

    from mmd2anime import armatures, demo_scene

    scene.render.resolution_x, scene.render.resolution_y = size
    armature = demo_scene.build_demo_shot(scene, "walking")
    assert armatures.mmd_armatures(scene) == [armature]
    assert any(o.type == "LIGHT" for o in scene.objects)
    xs, ys = [], []
    for head in demo_scene.bone_heads(armature):
        co = world_to_camera_view(scene, scene.camera, Vector(head))
        assert 0.0 < co.x < 1.0 and 0.0 < co.y < 1.0 and co.z > 0
        xs.append(co.x)
        ys.append(co.y)
    # Framed, not lost in the distance: the figure spans most of the smaller side.
    assert max(max(xs) - min(xs), max(ys) - min(ys)) > 0.6

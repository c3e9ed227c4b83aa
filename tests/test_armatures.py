# SPDX-License-Identifier: GPL-3.0-or-later
"""MMD armatures and Japanese bone names, whichever importer made them (DESIGN §4)."""

import pytest


def _rig(bpy, names):
    arm = bpy.data.objects.new("Rig", bpy.data.armatures.new("Rig"))
    bpy.context.scene.collection.objects.link(arm)
    bpy.context.view_layer.objects.active = arm
    bpy.ops.object.mode_set(mode="EDIT")
    for i, name in enumerate(names):
        bone = arm.data.edit_bones.new(name)
        bone.head, bone.tail = (i, 0, 0), (i, 0, 1)
    bpy.ops.object.mode_set(mode="OBJECT")
    return arm


@pytest.mark.parametrize("storage", ["system", "idprop"])
def test_mmd_tools_scene_opened_without_mmd_tools(scene, bpy_module, tmp_path, storage):
    """Blender 5.0 keeps add-on properties as system properties, 4.x as ID properties; both
    must survive a save and reload with mmd_tools absent."""
    from mmd2anime import armatures

    bpy = bpy_module
    arm = _rig(bpy, ["腕.L", "_dummy_腕.L", "Arm.R"])
    root = bpy.data.objects.new("Model", None)
    scene.collection.objects.link(root)
    arm.parent = root

    def store(struct):
        return struct.bl_system_properties_get(do_create=True) if storage == "system" else struct

    store(root)["mmd_type"] = 2  # what a scene saved by mmd_tools holds for ROOT
    store(arm.pose.bones["腕.L"])["mmd_bone"] = {"name_j": "左腕", "name_e": "arm_L"}
    store(arm.pose.bones["Arm.R"])["mmd_bone"] = {"name_j": "右腕", "name_e": "arm_R"}
    path = tmp_path / "mmd_tools_scene.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(path))
    bpy.ops.wm.open_mainfile(filepath=str(path))

    arm = bpy.data.objects["Rig"]
    assert armatures.mmd_armatures(bpy.context.scene) == [arm]
    names = armatures.bones_by_name_j(arm)
    assert names["左腕"].name == "腕.L" and names["右腕"].name == "Arm.R"
    assert armatures.bone_name_j(arm.pose.bones["_dummy_腕.L"]) is None


def test_our_importer_and_plain_armatures(scene, bpy_module):
    from mmd2anime import armatures

    bpy = bpy_module
    plain = _rig(bpy, ["Bone"])
    assert not armatures.is_mmd_armature(plain)
    ours = _rig(bpy, ["arm_left"])
    ours[armatures.MODEL_KEY] = "model"
    ours.data.bones["arm_left"][armatures.NAME_J_KEY] = "左腕"
    assert armatures.mmd_armatures(scene) == [ours]
    assert list(armatures.bones_by_name_j(ours)) == ["左腕"]


def test_empty_of_another_mmd_tools_type_is_no_root(scene, bpy_module):
    """mmd_tools' mmd_type NONE is stored as 1 and its rigid-body group empty as 3: an
    armature under such an empty is not a model."""
    from mmd2anime import armatures

    arm = _rig(bpy_module, ["腕.L"])
    parent = bpy_module.data.objects.new("Group", None)
    scene.collection.objects.link(parent)
    arm.parent = parent
    for value in (1, 3):
        parent.bl_system_properties_get(do_create=True)["mmd_type"] = value
        assert armatures.mmd_armatures(scene) == []
    parent.bl_system_properties_get()["mmd_type"] = 2
    assert armatures.mmd_armatures(scene) == [arm]

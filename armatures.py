# SPDX-License-Identifier: GPL-3.0-or-later
"""MMD armatures in a Blender scene, whichever importer made them.

Bones are matched on their Japanese MMD name, found (in this order) on:
- bones made by our importer: the bone's ID property ``mmd_name_j`` (see NAME_J_KEY);
- mmd_tools with mmd_tools enabled: ``pose_bone.mmd_bone.name_j``;
- mmd_tools scenes opened without mmd_tools: Blender 5.0 keeps add-on properties as system
  properties (``pose_bone.bl_system_properties_get()["mmd_bone"]["name_j"]``), Blender 4.x
  as ID properties (``pose_bone["mmd_bone"]["name_j"]``);
- otherwise the bone's own name (models whose bones were never renamed).
mmd_tools' helper bones (``_dummy_*``, ``_shadow_*``) have no Japanese name and are skipped.
"""

import bpy

NAME_J_KEY = "mmd_name_j"  # ID property our importer sets on each bone (bpy.types.Bone)
NAME_E_KEY = "mmd_name_e"
MODEL_KEY = "mmd2anime_model"  # ID property on armature objects made by our importer
# mmd_tools numbers its mmd_type enum items itself (NONE 1, ROOT 2, ...): a scene saved
# with mmd_tools and opened without it stores a root as the int 2 (seen on such scenes).
MMD_TOOLS_ROOT = 2


def _system_props(struct) -> object | None:
    getter = getattr(struct, "bl_system_properties_get", None)
    if getter is None:
        return None
    try:
        return getter()
    except TypeError:
        return None


def _group_value(group, key: str) -> object | None:
    try:
        return group[key]
    except (KeyError, TypeError, IndexError):
        return None


def bone_name_j(pose_bone: bpy.types.PoseBone) -> str | None:
    """The Japanese MMD name of a pose bone, or None for helper bones."""
    if pose_bone.name.startswith(("_dummy_", "_shadow_")):
        return None
    ours = pose_bone.bone.get(NAME_J_KEY)
    if ours:
        return str(ours)
    mmd_bone = getattr(pose_bone, "mmd_bone", None)  # mmd_tools enabled
    if mmd_bone is not None and getattr(mmd_bone, "name_j", ""):
        return mmd_bone.name_j
    for store in (_system_props(pose_bone), pose_bone):
        group = _group_value(store, "mmd_bone") if store is not None else None
        name = _group_value(group, "name_j") if group is not None else None
        if name:
            return str(name)
    return pose_bone.name


def _mmd_type(obj: bpy.types.Object) -> object | None:
    value = getattr(obj, "mmd_type", None)  # mmd_tools enabled
    if value is not None:
        return value
    for store in (_system_props(obj), obj):
        value = _group_value(store, "mmd_type") if store is not None else None
        if value is not None:
            return value
    return None


def is_mmd_root(obj: bpy.types.Object) -> bool:
    """mmd_tools' root empty, whether or not mmd_tools is enabled."""
    return obj.type == "EMPTY" and _mmd_type(obj) in ("ROOT", MMD_TOOLS_ROOT)


def is_mmd_armature(obj: bpy.types.Object) -> bool:
    """An armature made by our importer or parented to an mmd_tools root."""
    if obj.type != "ARMATURE":
        return False
    if obj.get(MODEL_KEY) is not None:
        return True
    return obj.parent is not None and is_mmd_root(obj.parent)


def mmd_armatures(scene: bpy.types.Scene) -> list[bpy.types.Object]:
    """Every MMD armature in the scene, sorted by name for a stable person order."""
    return sorted((o for o in scene.objects if is_mmd_armature(o)), key=lambda o: o.name)


def bones_by_name_j(armature: bpy.types.Object) -> dict[str, bpy.types.PoseBone]:
    """Japanese MMD name -> pose bone (first one wins when names repeat)."""
    found: dict[str, bpy.types.PoseBone] = {}
    for pose_bone in armature.pose.bones:
        name = bone_name_j(pose_bone)
        if name and name not in found:
            found[name] = pose_bone
    return found

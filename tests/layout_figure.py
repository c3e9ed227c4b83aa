# SPDX-License-Identifier: GPL-3.0-or-later
"""A small skinned MMD-like figure for layout tests: boxes weighted to Japanese-named bones.

It stands at the origin, 1.8 units tall, facing -Y (MMD's front in Blender); its left is +X.
Bones carry their Japanese name the way our importer does (armatures.NAME_J_KEY).
"""

import math

import bpy
from mathutils import Matrix, Vector

from mmd2anime.armatures import MODEL_KEY, NAME_J_KEY

# name: (head, tail, parent, half-thickness of its box or None for no box)
BONES = {
    "センター": ((0, 0, 0.95), (0, 0, 1.0), None, None),
    "上半身": ((0, 0, 0.95), (0, 0, 1.42), "センター", None),
    "首": ((0, 0, 1.45), (0, 0, 1.55), "上半身", 0.05),
    "頭": ((0, 0, 1.55), (0, 0, 1.8), "首", 0.11),
    "左目": ((0.04, -0.1, 1.68), (0.04, -0.12, 1.68), "頭", None),
    "右目": ((-0.04, -0.1, 1.68), (-0.04, -0.12, 1.68), "頭", None),
    "左腕": ((0.2, 0, 1.42), (0.47, 0, 1.42), "上半身", 0.045),
    "左ひじ": ((0.47, 0, 1.42), (0.72, 0, 1.42), "左腕", 0.04),
    "左手首": ((0.72, 0, 1.42), (0.8, 0, 1.42), "左ひじ", 0.035),
    "右腕": ((-0.2, 0, 1.42), (-0.47, 0, 1.42), "上半身", 0.045),
    "右ひじ": ((-0.47, 0, 1.42), (-0.72, 0, 1.42), "右腕", 0.04),
    "右手首": ((-0.72, 0, 1.42), (-0.8, 0, 1.42), "右ひじ", 0.035),
    "左足": ((0.1, 0, 0.95), (0.1, 0, 0.5), "センター", 0.06),
    "左ひざ": ((0.1, 0, 0.5), (0.1, 0, 0.08), "左足", 0.05),
    "左足首": ((0.1, 0, 0.08), (0.1, -0.12, 0.0), "左ひざ", 0.04),
    "右足": ((-0.1, 0, 0.95), (-0.1, 0, 0.5), "センター", 0.06),
    "右ひざ": ((-0.1, 0, 0.5), (-0.1, 0, 0.08), "右足", 0.05),
    "右足首": ((-0.1, 0, 0.08), (-0.1, -0.12, 0.0), "右ひざ", 0.04),
}
TORSO = ((-0.2, -0.1, 0.9), (0.2, 0.1, 1.45))  # weighted to 上半身


def _box(lo, hi):
    (x0, y0, z0), (x1, y1, z1) = lo, hi
    verts = [(x, y, z) for x in (x0, x1) for y in (y0, y1) for z in (z0, z1)]
    faces = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
    return verts, faces


def build_figure(scene=None, name="Figure", skip=()) -> bpy.types.Object:
    """Armature + skinned mesh in ``scene`` (default: the context scene); ``skip``: bones to leave out."""
    scene = scene or bpy.context.scene
    arm_data = bpy.data.armatures.new(name)
    armature = bpy.data.objects.new(name, arm_data)
    armature[MODEL_KEY] = name
    scene.collection.objects.link(armature)
    with bpy.context.temp_override(scene=scene, active_object=armature, object=armature):
        previous = bpy.context.view_layer.objects.active if bpy.context.view_layer else None
        bpy.context.view_layer.objects.active = armature
        bpy.ops.object.mode_set(mode="EDIT")
        for bone_name, (head, tail, parent, _) in BONES.items():
            if bone_name in skip:
                continue
            edit = arm_data.edit_bones.new(bone_name)
            edit.head, edit.tail = head, tail
            if parent and parent in arm_data.edit_bones:
                edit.parent = arm_data.edit_bones[parent]
        bpy.ops.object.mode_set(mode="OBJECT")
        if previous is not None:
            bpy.context.view_layer.objects.active = previous
    for bone in arm_data.bones:
        bone[NAME_J_KEY] = bone.name
    verts, faces, groups = [], [], []
    boxes = [("上半身", *TORSO)]
    for bone_name, (head, tail, _, radius) in BONES.items():
        if radius and bone_name not in skip:
            lo = [min(a, b) - radius for a, b in zip(head, tail, strict=True)]
            hi = [max(a, b) + radius for a, b in zip(head, tail, strict=True)]
            boxes.append((bone_name, lo, hi))
    for bone_name, lo, hi in boxes:
        box_verts, box_faces = _box(lo, hi)
        base = len(verts)
        verts += box_verts
        faces += [tuple(base + i for i in f) for f in box_faces]
        groups.append((bone_name, range(base, base + 8)))
    mesh = bpy.data.meshes.new(name + "_mesh")
    mesh.from_pydata(verts, [], faces)
    body = bpy.data.objects.new(name + "_mesh", mesh)
    body.parent = armature
    scene.collection.objects.link(body)
    for bone_name, indices in groups:
        body.vertex_groups.new(name=bone_name).add(list(indices), 1.0, "REPLACE")
    body.modifiers.new("Armature", "ARMATURE").object = armature
    return armature


def rotate_bone(armature, bone_name: str, axis: str, degrees: float) -> None:
    """Rotate a pose bone about its posed head by an armature-space axis ("X", "Y", "Z")."""
    pose_bone = armature.pose.bones[bone_name]
    head = Vector(pose_bone.head)
    turn = Matrix.Rotation(math.radians(degrees), 4, axis)
    pose_bone.matrix = (
        Matrix.Translation(head) @ turn @ Matrix.Translation(-head) @ pose_bone.matrix
    )
    bpy.context.view_layer.update()


def pose_arm_behind(armature) -> None:
    """Right arm swung behind the torso (hidden from a camera in front), left arm down."""
    rotate_bone(armature, "右腕", "Z", -120)
    rotate_bone(armature, "右ひじ", "Z", -60)
    rotate_bone(armature, "左腕", "Y", 60)


def front_camera(scene, distance=4.0, height=1.0, lens=50.0) -> bpy.types.Object:
    camera = bpy.data.objects.new("Camera", bpy.data.cameras.new("Camera"))
    camera.data.lens = lens
    camera.location = (0, -distance, height)
    camera.rotation_euler = (math.pi / 2, 0, 0)
    scene.collection.objects.link(camera)
    scene.camera = camera
    return camera

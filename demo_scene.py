# SPDX-License-Identifier: GPL-3.0-or-later
"""A ready shot of the built-in mannequin (or a character): pose, key light, framing camera."""

from __future__ import annotations

import math

import bpy
import numpy as np
from mathutils import Vector

from .mmd import blender_characters, blender_import, pose_library
from .mmd.mannequin import mannequin_model


def frame_camera(
    scene: bpy.types.Scene,
    points: np.ndarray,
    *,
    azimuth: float = 20.0,
    elevation: float = 8.0,
    lens: float = 50.0,
    margin: float = 1.15,
    camera: bpy.types.Object | None = None,
) -> bpy.types.Object:
    """Aim a camera (new unless given) at world ``points`` (N x 3) so they fill the frame.

    Azimuth 0 looks at an MMD character's face (MMD models face Blender's -Y)."""
    if camera is None:
        camera = bpy.data.objects.new("Camera", bpy.data.cameras.new("Camera"))
        scene.collection.objects.link(camera)
    camera.data.lens = lens
    low, high = points.min(axis=0), points.max(axis=0)
    center = Vector(((low + high) / 2).tolist())
    extent = high - low
    # Sensor fit AUTO: the lens angle spans the larger image side.
    w, h = scene.render.resolution_x, scene.render.resolution_y
    half_big = camera.data.angle / 2
    half_small = math.atan(math.tan(half_big) * min(w, h) / max(w, h))
    half_x, half_z = (half_big, half_small) if w >= h else (half_small, half_big)
    half_width = float(max(extent[0], extent[1])) / 2 * margin
    half_height = float(extent[2]) / 2 * margin
    distance = max(half_width / math.tan(half_x), half_height / math.tan(half_z))
    radius = float(np.linalg.norm(extent)) / 2
    az, el = math.radians(azimuth), math.radians(elevation)
    offset = Vector((math.sin(az) * math.cos(el), -math.cos(az) * math.cos(el), math.sin(el)))
    camera.location = center + offset * distance
    camera.rotation_mode = "QUATERNION"
    camera.rotation_quaternion = (-offset).to_track_quat("-Z", "Y")
    camera.data.clip_start = max(0.01, distance - radius * 2)
    camera.data.clip_end = distance + radius * 4
    scene.camera = camera
    return camera


def bone_heads(armature: bpy.types.Object) -> np.ndarray:
    bpy.context.view_layer.update()
    mat = armature.matrix_world
    return np.array([tuple(mat @ pb.head) for pb in armature.pose.bones], dtype=np.float64)


def add_key_light(scene: bpy.types.Scene, name: str = "Key Light") -> bpy.types.Object:
    light = bpy.data.objects.new(name, bpy.data.lights.new(name, "SUN"))
    light.data.energy = 3.0
    light.rotation_euler = (math.radians(50), 0.0, math.radians(-35))
    scene.collection.objects.link(light)
    return light


def build_demo_shot(
    scene: bpy.types.Scene, pose: str = "standing", character: str | None = None
) -> bpy.types.Object:
    """The mannequin (or ``character``: a preset name or ``seed:N``) in a library pose, lit
    and framed; returns the armature. KeyError names the presets for an unknown name."""
    if character is None:
        armature = blender_import.import_model(mannequin_model(), collection=scene.collection)
    else:
        armature = blender_characters.add_character(character, collection=scene.collection)
    if pose != "rest":
        blender_characters.apply_library_pose(armature, pose_library.get_pose(pose))
    add_key_light(scene)
    if scene.world is None:
        scene.world = bpy.data.worlds.new("World")
    scene.world.color = (0.05, 0.05, 0.05)
    frame_camera(scene, bone_heads(armature))
    return armature

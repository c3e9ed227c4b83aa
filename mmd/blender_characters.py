# SPDX-License-Identifier: GPL-3.0-or-later
"""The Blender side of the built-in characters: add one to a scene, pose it at its size.

Library poses were designed on the mannequin; their translations (センター, leg IK) are in
the mannequin's units, so on a shorter or taller body they are scaled by its leg length
(stored on the armature), and the same pose reads the same on a child and an adult.
"""

from __future__ import annotations

import json

import bpy

from . import blender_import, pose_library
from .characters import CharacterParams, character_model, params_for
from .characters.skeleton import Proportions
from .model import Model, Pose

PARAMS_KEY = "mmd2anime_character"  # JSON of the CharacterParams, on the armature object
POSE_SCALE_KEY = "mmd2anime_pose_scale"  # leg length / the mannequin's


def leg_ratio(model: Model) -> float:
    hip = model.bones[model.bone_index("左足")].position[1]
    return float(hip) / Proportions().hip[1]


def add_character(
    spec: str | CharacterParams,
    *,
    scale: float = 0.08,
    collection: bpy.types.Collection | None = None,
    name: str | None = None,
) -> bpy.types.Object:
    """Import the character (a preset name, ``seed:N`` or parameters); returns the armature.
    KeyError names the presets for an unknown name; ValueError says which value is off."""
    params = params_for(spec)
    model = character_model(params)
    armature = blender_import.import_model(
        model, scale=scale, name=name or params.name, collection=collection
    )
    armature[PARAMS_KEY] = json.dumps(params.to_dict())
    armature[POSE_SCALE_KEY] = leg_ratio(model)
    return armature


def pose_scale(armature: bpy.types.Object, scale: float = 0.08) -> float:
    """The translation scale for library poses on ``armature`` (``scale`` for others)."""
    return scale * float(armature.get(POSE_SCALE_KEY, 1.0))


def apply_library_pose(armature: bpy.types.Object, pose: str | Pose, scale: float = 0.08):
    """Apply a library pose (name or Pose) at the armature's size; returns unmatched names."""
    if isinstance(pose, str):
        pose = Pose() if pose.upper() == "REST" else pose_library.get_pose(pose)
    return blender_import.apply_pose(armature, pose, scale=pose_scale(armature, scale))

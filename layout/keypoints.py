# SPDX-License-Identifier: GPL-3.0-or-later
"""OpenPose/COCO-18 keypoints from MMD bones, projected with the render camera.

Joints are posed bone heads looked up by Japanese MMD name (see DESIGN §4). The neck falls
back to the midpoint of the arm heads. Nose and ears have no bones: they are estimated in
the head's frame from the eyes (up = 頭 head -> tail, the character's left = right eye ->
left eye, facing = left x up), in units of the distance between the eyes.

Visibility (COCO): 2 when the joint's depth is within ``tolerance`` of the surface the
depth pass sees there (a joint lies inside its limb, hence the tolerance), 1 when something
is further in front, 0 when the bone is missing, the joint is behind the camera or outside
the image (coordinates are kept then, NaN only for missing bones). "The surface there" is
the median of a 3 x 3 window, robust to a stray pixel at silhouettes. Against ray casts
from the camera (test figure, 36 views all around) it agreed on 97 % of joints, where the
minimum of a 5 x 5 window (any nearby closer surface hides the joint) agreed on 78 %.
"""

from __future__ import annotations

import bpy
import numpy as np

from ..armatures import bones_by_name_j, mmd_armatures
from .camera import output_size, project

JOINT_BONES = {
    1: "首", 2: "右腕", 3: "右ひじ", 4: "右手首", 5: "左腕", 6: "左ひじ", 7: "左手首",
    8: "右足", 9: "右ひざ", 10: "右足首", 11: "左足", 12: "左ひざ", 13: "左足首",
    14: "右目", 15: "左目",
}  # fmt: skip
HEAD_BONE = "頭"
# Offsets in eye distances, in the head's frame (facing, left, up); rough anime proportions.
NOSE_OFFSET = (0.3, 0.0, -0.6)
EAR_OFFSET = (-1.2, 0.7, -0.2)  # from each eye; "left" is mirrored for the right ear
TOLERANCE_FRACTION = 0.06  # of the keypoint extent: about a limb radius, half a chest
WINDOW = 3


def world_keypoints(armature: bpy.types.Object) -> np.ndarray:
    """(18, 3) world positions of the COCO-18 joints; NaN rows where bones are missing."""
    bones = bones_by_name_j(armature)
    to_world = np.array(armature.matrix_world, np.float64)

    def head(name: str) -> np.ndarray | None:
        pose_bone = bones.get(name)
        if pose_bone is None:
            return None
        return (to_world @ np.array([*pose_bone.head, 1.0]))[:3]

    points = np.full((18, 3), np.nan)
    for index, name in JOINT_BONES.items():
        position = head(name)
        if position is not None:
            points[index] = position
    if np.isnan(points[1]).any() and not np.isnan(points[[2, 5]]).any():
        points[1] = (points[2] + points[5]) / 2
    _estimate_face(points, bones.get(HEAD_BONE), to_world)
    return points


def _estimate_face(points: np.ndarray, head_bone, to_world: np.ndarray) -> None:
    right_eye, left_eye = points[14], points[15]
    if np.isnan(right_eye).any() or np.isnan(left_eye).any():
        return
    across = left_eye - right_eye
    eye_distance = float(np.linalg.norm(across))
    if eye_distance < 1e-9:
        return
    left = across / eye_distance
    if head_bone is not None:
        up = to_world[:3, :3] @ np.array(head_bone.tail - head_bone.head, np.float64)
    else:
        up = to_world[:3, 2].copy()
    up -= left * np.dot(up, left)
    if np.linalg.norm(up) < 1e-9:
        return
    up /= np.linalg.norm(up)
    facing = np.cross(left, up)
    frame = np.stack([facing, left, up], axis=1) * eye_distance
    points[0] = (right_eye + left_eye) / 2 + frame @ np.array(NOSE_OFFSET)
    forward, side, down = EAR_OFFSET
    points[16] = right_eye + frame @ np.array((forward, -side, down))
    points[17] = left_eye + frame @ np.array((forward, side, down))


def visibility(
    pixels: np.ndarray, depth_map: np.ndarray, tolerance: float, window: int = WINDOW
) -> np.ndarray:
    """COCO visibility of (N, 3) rows of pixel x, y, depth against an H x W depth pass."""
    height, width = depth_map.shape
    result = np.zeros(len(pixels), np.uint8)
    half = window // 2
    for i, (x, y, depth) in enumerate(pixels):
        if not (np.isfinite(x) and np.isfinite(y) and depth > 0):
            continue
        if not (0 <= x < width and 0 <= y < height):
            continue
        col, row = int(x), int(y)
        patch = depth_map[max(row - half, 0) : row + half + 1, max(col - half, 0) : col + half + 1]
        result[i] = 2 if depth <= float(np.median(patch)) + tolerance else 1
    return result


def person_tolerance(points: np.ndarray) -> float:
    """Depth tolerance for one person: a fraction of the extent of its keypoints."""
    known = points[~np.isnan(points).any(axis=1)]
    if len(known) < 2:
        return 0.0
    return TOLERANCE_FRACTION * float(np.linalg.norm(known.max(axis=0) - known.min(axis=0)))


def scene_keypoints(
    scene: bpy.types.Scene, depth_map: np.ndarray | None, depsgraph=None
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(keypoints (P, 18, 2) float32, visibility (P, 18) uint8, armature names).

    Every MMD armature with at least one joint inside the image is a person. Without a
    depth map every joint in view counts as visible.
    """
    width, height = output_size(scene)
    keypoints, visible, people = [], [], []
    for armature in mmd_armatures(scene):
        points = world_keypoints(armature)
        pixels = project(scene, np.nan_to_num(points, nan=0.0), depsgraph)
        pixels[np.isnan(points).any(axis=1)] = np.nan
        in_view = (
            (pixels[:, 2] > 0)
            & (pixels[:, 0] >= 0) & (pixels[:, 0] < width)
            & (pixels[:, 1] >= 0) & (pixels[:, 1] < height)
        )  # fmt: skip
        if not in_view.any():
            continue
        if depth_map is None:
            flags = np.where(in_view, 2, 0).astype(np.uint8)
        else:
            flags = visibility(pixels, depth_map, person_tolerance(points))
        keypoints.append(pixels[:, :2].astype(np.float32))
        visible.append(flags)
        people.append(armature.name)
    if not people:
        return np.zeros((0, 18, 2), np.float32), np.zeros((0, 18), np.uint8), []
    return np.stack(keypoints), np.stack(visible), people

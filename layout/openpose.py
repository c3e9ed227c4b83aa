# SPDX-License-Identifier: GPL-3.0-or-later
"""OpenPose-style outputs of COCO-18 keypoints: the skeleton image and the JSON.

bpy-free. The drawing follows OpenPose's own: a black canvas, the 18 joints as filled
circles of radius 4 in OpenPose's fixed palette, then the 17 limbs as filled ellipses of
half-width 4, each blended over the canvas at 0.6 — what ControlNet-style tools expect.

JSON confidence ``c`` per joint: 1.0 visible, 0.5 occluded (visibility 1), 0 missing or
outside the image (x = y = 0 then, as OpenPose writes undetected joints).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

PALETTE = (
    (255, 0, 0),
    (255, 85, 0),
    (255, 170, 0),
    (255, 255, 0),
    (170, 255, 0),
    (85, 255, 0),
    (0, 255, 0),
    (0, 255, 85),
    (0, 255, 170),
    (0, 255, 255),
    (0, 170, 255),
    (0, 85, 255),
    (0, 0, 255),
    (85, 0, 255),
    (170, 0, 255),
    (255, 0, 255),
    (255, 0, 170),
    (255, 0, 85),
)  # fmt: skip  (RGB)
# OpenPose's limb order (0-based COCO-18 indices); limb i is drawn in PALETTE[i].
LIMBS = (
    (1, 2), (1, 5), (2, 3), (3, 4), (5, 6), (6, 7), (1, 8), (8, 9), (9, 10), (1, 11),
    (11, 12), (12, 13), (1, 0), (0, 14), (14, 16), (0, 15), (15, 17),
)  # fmt: skip
JOINT_RADIUS = 4
LIMB_HALF_WIDTH = 4
LIMB_ALPHA = 0.6
CONFIDENCE = {0: 0.0, 1: 0.5, 2: 1.0}


def _drawable(keypoints: np.ndarray, visibility: np.ndarray) -> np.ndarray:
    return (visibility > 0) & np.isfinite(keypoints).all(axis=-1)


def draw_skeleton(
    keypoints: np.ndarray, visibility: np.ndarray, width: int, height: int
) -> np.ndarray:
    """H x W x 3 uint8 RGB skeleton image of (P, 18, 2) keypoints with (P, 18) visibility."""
    canvas = np.zeros((height, width, 3), np.uint8)
    drawable = _drawable(keypoints, visibility)
    for person, points in enumerate(keypoints):
        for joint, (x, y) in enumerate(points):
            if drawable[person, joint]:
                center = (int(x), int(y))
                cv2.circle(canvas, center, JOINT_RADIUS, PALETTE[joint], thickness=-1)
    for limb, (a, b) in enumerate(LIMBS):
        layer = canvas.copy()
        drawn = False
        for person, points in enumerate(keypoints):
            if not (drawable[person, a] and drawable[person, b]):
                continue
            (xa, ya), (xb, yb) = points[a], points[b]
            length = math.hypot(xa - xb, ya - yb)
            angle = math.degrees(math.atan2(ya - yb, xa - xb))
            center = (int((xa + xb) / 2), int((ya + yb) / 2))
            polygon = cv2.ellipse2Poly(
                center, (int(length / 2), LIMB_HALF_WIDTH), int(angle), 0, 360, 1
            )
            cv2.fillConvexPoly(layer, polygon, PALETTE[limb])
            drawn = True
        if drawn:
            canvas = cv2.addWeighted(canvas, 1 - LIMB_ALPHA, layer, LIMB_ALPHA, 0)
    return canvas


def openpose_json(
    keypoints: np.ndarray, visibility: np.ndarray, people: list[str], width: int, height: int
) -> dict:
    """OpenPose's JSON layout, one person per armature (``name`` = the armature)."""
    drawable = _drawable(keypoints, visibility)
    result = []
    for person, name in enumerate(people):
        flat: list[float] = []
        for joint in range(18):
            if drawable[person, joint]:
                x, y = keypoints[person, joint]
                flat += [float(x), float(y), CONFIDENCE[int(visibility[person, joint])]]
            else:
                flat += [0.0, 0.0, 0.0]
        result.append({"person_id": [-1], "pose_keypoints_2d": flat, "name": name})
    return {"version": 1.3, "people": result, "canvas_width": width, "canvas_height": height}

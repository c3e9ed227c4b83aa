# SPDX-License-Identifier: GPL-3.0-or-later
"""The standard MMD bone set on parametric proportions (no bpy).

The mannequin is these proportions at their defaults; characters move the landmarks (hip,
knee, shoulder, head...) but keep every rest direction (A-pose arms 40 degrees down,
legs straight), so library poses and motions aim limbs the same way on every body.
MMD space: Y up, the character faces -Z, its left is +X.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..model import (
    BONE_ENABLED,
    BONE_FIXED_AXIS,
    BONE_IK,
    BONE_INHERIT_ROTATION,
    BONE_MOVABLE,
    BONE_ROTATABLE,
    BONE_TAIL_IS_BONE,
    BONE_VISIBLE,
    Bone,
    IKLink,
)

FLAGS = BONE_ROTATABLE | BONE_VISIBLE | BONE_ENABLED
MOVABLE = FLAGS | BONE_MOVABLE
ARM_DOWN = math.radians(40.0)  # A-pose: arms 40 degrees below horizontal
_FULLWIDTH = str.maketrans("0123", "０１２３")
SIDES = (("左", 1.0), ("右", -1.0))  # sign +1 is the character's left (+X)


@dataclass(frozen=True)
class Proportions:
    """Bone landmarks in MMD units; the defaults are the mannequin's (about 19 units tall)."""

    center_y: float = 8.0
    groove_y: float = 8.2
    waist: tuple[float, float] = (10.2, 0.2)  # 腰 (y, z)
    upper_y: float = 11.0  # 上半身 and 下半身
    upper2_y: float = 12.6
    neck_y: float = 15.8
    head_y: float = 16.6
    eye: tuple[float, float, float] = (0.5, 17.5, -1.1)  # the left eye
    both_eyes_y: float = 20.0
    clavicle: tuple[float, float] = (0.3, 15.3)  # 肩 (x, y)
    shoulder: tuple[float, float] = (1.4, 15.0)  # 腕 (x, y)
    upper_arm: float = 3.0
    forearm: float = 2.7
    hand: float = 1.0  # scale of hand and finger bones
    hip: tuple[float, float] = (0.9, 10.0)  # 足 (x, y)
    knee: tuple[float, float] = (5.5, -0.1)  # (y, z)
    ankle: tuple[float, float] = (1.0, 0.1)  # (y, z)
    toe_z: float = -1.5

    def arm_down(self, sign: float) -> np.ndarray:
        return np.array([math.cos(ARM_DOWN) * sign, -math.sin(ARM_DOWN), 0.0])


def _arm_bones(p: Proportions, s: str, e: str, sign: float) -> list[tuple]:
    down = p.arm_down(sign)
    shoulder = np.array([p.shoulder[0] * sign, p.shoulder[1], 0.0])
    elbow = shoulder + p.upper_arm * down
    wrist = elbow + p.forearm * down
    k = p.hand
    clavicle = (p.clavicle[0] * sign, p.clavicle[1], 0.0)
    bones = [
        (f"{s}肩", f"shoulder_{e}", clavicle, "上半身2", f"{s}腕", FLAGS),
        (f"{s}腕", f"arm_{e}", tuple(shoulder), f"{s}肩", f"{s}ひじ", FLAGS),
        (f"{s}ひじ", f"elbow_{e}", tuple(elbow), f"{s}腕", f"{s}手首", FLAGS),
        (f"{s}手首", f"wrist_{e}", tuple(wrist), f"{s}ひじ", tuple(0.9 * k * down), FLAGS),
    ]
    # Fingers fan out along Z (the palm faces the body in the A-pose).
    fingers = (("人指", "index", -0.3), ("中指", "middle", -0.1))
    fingers += (("薬指", "ring", 0.1), ("小指", "little", 0.3))
    for jp, en, z in fingers:
        base = wrist + 0.9 * k * down + np.array([0.0, 0.0, z * k])
        step = (0.55 if jp != "小指" else 0.4) * k * down
        names = [f"{s}{jp}{i}".translate(_FULLWIDTH) for i in range(1, 4)]
        for i, name in enumerate(names):
            parent = f"{s}手首" if i == 0 else names[i - 1]
            tail = names[i + 1] if i < 2 else tuple(step)
            bones.append((name, f"{en}{i + 1}_{e}", tuple(base + i * step), parent, tail, FLAGS))
    thumb_dir = 0.8 * down / np.linalg.norm(down) + np.array([0.0, 0.0, -0.6])
    thumb_dir = 0.45 * k * thumb_dir / np.linalg.norm(thumb_dir)
    base = wrist + 0.25 * k * down + np.array([0.0, -0.1, -0.3]) * k
    names = [f"{s}親指{i}".translate(_FULLWIDTH) for i in range(3)]
    for i, name in enumerate(names):
        parent = f"{s}手首" if i == 0 else names[i - 1]
        tail = names[i + 1] if i < 2 else tuple(thumb_dir)
        bones.append((name, f"thumb{i}_{e}", tuple(base + i * thumb_dir), parent, tail, FLAGS))
    return bones


def _leg_bones(p: Proportions, s: str, e: str, sign: float) -> list[tuple]:
    x = p.hip[0] * sign
    ankle, toe = (x, p.ankle[0], p.ankle[1]), (x, 0.0, p.toe_z)
    return [
        (f"{s}足", f"leg_{e}", (x, p.hip[1], 0.0), "下半身", f"{s}ひざ", FLAGS),
        (f"{s}ひざ", f"knee_{e}", (x, p.knee[0], p.knee[1]), f"{s}足", f"{s}足首", FLAGS),
        (f"{s}足首", f"ankle_{e}", ankle, f"{s}ひざ", f"{s}つま先", FLAGS),
        (f"{s}つま先", f"toe_{e}", toe, f"{s}足首", (0.0, 0.0, -0.5), FLAGS),
        (f"{s}足ＩＫ", f"leg IK_{e}", ankle, "全ての親", (0.0, 0.0, 1.0), MOVABLE),
        (f"{s}つま先ＩＫ", f"toe IK_{e}", toe, f"{s}足ＩＫ", (0, -1.0, 0), MOVABLE),
    ]


def bone_table(p: Proportions) -> list[tuple]:
    """(name, name_e, position, parent name, tail bone name or offset, flags) per bone."""
    ex, ey, ez = p.eye
    trunk = [
        ("全ての親", "master", (0.0, 0.0, 0.0), None, (0.0, 1.5, 0.0), MOVABLE),
        ("センター", "center", (0.0, p.center_y, 0.0), "全ての親", (0.0, -1.0, 0.0), MOVABLE),
        ("グルーブ", "groove", (0.0, p.groove_y, 0.0), "センター", (0.0, 1.0, 0.0), MOVABLE),
        ("腰", "waist", (0.0, *p.waist), "グルーブ", (0.0, 0.8, 0.0), FLAGS),
        ("上半身", "upper body", (0.0, p.upper_y, 0.0), "腰", "上半身2", FLAGS),
        ("上半身2", "upper body2", (0.0, p.upper2_y, 0.0), "上半身", "首", FLAGS),
        ("首", "neck", (0.0, p.neck_y, 0.0), "上半身2", "頭", FLAGS),
        ("頭", "head", (0.0, p.head_y, 0.0), "首", (0.0, 2.0, 0.0), FLAGS),
        ("両目", "eyes", (0.0, p.both_eyes_y, -0.5), "頭", (0.0, 0.0, -0.5), FLAGS),
        ("左目", "eye_left", (ex, ey, ez), "頭", (0.0, 0.0, -0.4), FLAGS),
        ("右目", "eye_right", (-ex, ey, ez), "頭", (0.0, 0.0, -0.4), FLAGS),
        ("下半身", "lower body", (0.0, p.upper_y, 0.0), "腰", (0.0, -1.2, 0.0), FLAGS),
    ]
    sides = []
    for s, sign in SIDES:
        e = "left" if sign > 0 else "right"
        sides += _arm_bones(p, s, e, sign) + _leg_bones(p, s, e, sign)
    return trunk + sides


def build_bones(table: list[tuple]) -> list[Bone]:
    """Bones from a bone table, with the standard eye grants and leg IK chains."""
    index = {row[0]: i for i, row in enumerate(table)}
    bones = []
    for name, name_e, pos, parent, tail, flags in table:
        bone = Bone(name, name_e, tuple(float(v) for v in pos), index.get(parent, -1))
        bone.flags = flags
        if isinstance(tail, str):
            bone.flags |= BONE_TAIL_IS_BONE
            bone.tail_bone = index[tail]
        else:
            bone.tail_offset = tuple(float(v) for v in tail)
        bones.append(bone)
    for side, _sign in SIDES:
        # Eyes follow 両目 as in standard models (付与 rotation).
        grant(bones[index[f"{side}目"]], index["両目"], 1.0)
        leg_ik = bones[index[f"{side}足ＩＫ"]]
        leg_ik.flags |= BONE_IK
        leg_ik.ik_target, leg_ik.ik_loops, leg_ik.ik_limit_angle = index[f"{side}足首"], 40, 2.0
        knee_limit = ((-math.pi, 0.0, 0.0), (-math.radians(0.5), 0.0, 0.0))
        leg_ik.ik_links = [IKLink(index[f"{side}ひざ"], knee_limit), IKLink(index[f"{side}足"])]
        toe_ik = bones[index[f"{side}つま先ＩＫ"]]
        toe_ik.flags |= BONE_IK
        toe_ik.ik_target, toe_ik.ik_loops, toe_ik.ik_limit_angle = index[f"{side}つま先"], 3, 4.0
        toe_ik.ik_links = [IKLink(index[f"{side}足首"])]
    return bones


def grant(bone: Bone, source: int, weight: float) -> None:
    """付与: ``bone`` adds ``weight`` times the rotation of bone ``source``."""
    bone.flags |= BONE_INHERIT_ROTATION
    bone.grant_parent, bone.grant_weight = source, weight


def with_character_bones(table: list[tuple], p: Proportions) -> list[tuple]:
    """The table plus the semi-standard bones motions key and our joints need:

    - 腕捩 / 手捩 (arm and wrist twist), in the arm chain as in standard models;
    - ひじ補助 / ひざ補助: helpers at elbow and knee that turn half as far as the joint, so
      skin across a bent joint blends bones at most 60 degrees apart at 120 degrees of bend
      (holds volume where two-bone linear blending would pinch to half)."""
    rows = {row[0]: row for row in table}
    out = []
    for row in table:
        name, name_e, pos, parent, tail, flags = row
        for s, _sign in SIDES:
            if name == f"{s}ひじ":
                row = (name, name_e, pos, f"{s}腕捩", tail, flags)
            elif name == f"{s}手首":
                row = (name, name_e, pos, f"{s}手捩", tail, flags)
        out.append(row)
        for s, sign in SIDES:
            e = "left" if sign > 0 else "right"
            down = p.arm_down(sign)
            if name == f"{s}腕":
                at = np.asarray(pos) + 0.55 * p.upper_arm * down
                out.append((f"{s}腕捩", f"arm twist_{e}", tuple(at), name, f"{s}ひじ", FLAGS))
            elif name == f"{s}ひじ":
                at = np.asarray(pos) + 0.55 * p.forearm * down
                out.append((f"{s}手捩", f"wrist twist_{e}", tuple(at), name, f"{s}手首", FLAGS))
                out.append((f"{s}ひじ補助", f"elbow helper_{e}", pos, f"{s}腕捩",
                            tuple(0.5 * p.forearm * down), FLAGS))  # fmt: skip
            elif name == f"{s}ひざ":
                ankle = np.asarray(rows[f"{s}足首"][2])
                tail = tuple(0.5 * (ankle - np.asarray(pos)))
                out.append((f"{s}ひざ補助", f"knee helper_{e}", pos, f"{s}足", tail, FLAGS))
    return out


def finish_character_bones(bones: list[Bone]) -> None:
    """Grants of the helpers and fixed axes of the twist bones (after build_bones)."""
    index = {b.name: i for i, b in enumerate(bones)}
    for s, _sign in SIDES:
        grant(bones[index[f"{s}ひじ補助"]], index[f"{s}ひじ"], 0.5)
        grant(bones[index[f"{s}ひざ補助"]], index[f"{s}ひざ"], 0.5)
        for twist, child in ((f"{s}腕捩", f"{s}ひじ"), (f"{s}手捩", f"{s}手首")):
            bone = bones[index[twist]]
            axis = np.asarray(bones[index[child]].position) - np.asarray(bone.position)
            bone.flags |= BONE_FIXED_AXIS
            bone.fixed_axis = tuple(float(v) for v in axis / np.linalg.norm(axis))

# SPDX-License-Identifier: GPL-3.0-or-later
"""Storyboard poses as VPD-like ``Pose`` objects, built in code (no bpy).

Poses are designed by aiming limbs at world directions (MMD space: Y up, the character
faces -Z, its left is +X) on the mannequin's skeleton; forward kinematics turns that into
MMD bone-local quaternions (x, y, z, w). Leg IK bones get the translations that put the
ankles and toes where the leg rotations put them, since IK wins over leg FK in MMD and
in Blender alike.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import numpy as np

from .mannequin import build_mannequin
from .model import BoneKey, Model, Pose


def _qmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ax, ay, az, aw = a
    bx, by, bz, bw = b
    return np.array(
        [
            aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw,
            aw * bw - ax * bx - ay * by - az * bz,
        ]
    )


def _qconj(q: np.ndarray) -> np.ndarray:
    return np.array([-q[0], -q[1], -q[2], q[3]])


def _qrot(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    return _qmul(_qmul(q, np.array([*v, 0.0])), _qconj(q))[:3]


def axis_angle(axis: tuple[float, float, float], degrees: float) -> np.ndarray:
    """Quaternion (x, y, z, w) rotating ``degrees`` about ``axis`` (right-hand rule on MMD's
    numbers: +Y turns +X toward -Z, +X turns -Y toward -Z, +Z turns +X toward +Y)."""
    a = np.asarray(axis, float)
    a /= np.linalg.norm(a)
    half = math.radians(degrees) / 2
    return np.array([*(a * math.sin(half)), math.cos(half)])


def _arc(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Shortest rotation taking direction u to direction v."""
    u, v = u / np.linalg.norm(u), v / np.linalg.norm(v)
    cross, dot = np.cross(u, v), float(np.dot(u, v))
    if dot < -0.999999:
        ortho = np.cross(u, [1.0, 0.0, 0.0] if abs(u[0]) < 0.9 else [0.0, 1.0, 0.0])
        return np.array([*(ortho / np.linalg.norm(ortho)), 0.0])
    q = np.array([*cross, 1.0 + dot])
    return q / np.linalg.norm(q)


class _PoseBuilder:
    """Local rotations and translations on a skeleton, with forward kinematics."""

    def __init__(self, model: Model) -> None:
        self.bones = model.bones
        self.index = {b.name: i for i, b in enumerate(model.bones)}
        self.rest = np.array([b.position for b in model.bones], float)
        self.rot = {i: np.array([0.0, 0.0, 0.0, 1.0]) for i in range(len(model.bones))}
        self.move = {i: np.zeros(3) for i in range(len(model.bones))}

    def world(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """(world rotation, world position) of bone i."""
        parent = self.bones[i].parent
        if parent < 0:
            return self.rot[i], self.rest[i] + self.move[i]
        prot, ppos = self.world(parent)
        offset = self.rest[i] - self.rest[parent] + self.move[i]
        return _qmul(prot, self.rot[i]), ppos + _qrot(prot, offset)

    def turn(self, name: str, axis, degrees: float) -> None:
        i = self.index[name]
        self.rot[i] = _qmul(axis_angle(axis, degrees), self.rot[i])

    def aim(self, name: str, child: str, direction) -> None:
        """Rotate ``name`` so that its segment toward ``child`` points along ``direction``."""
        i, c = self.index[name], self.index[child]
        parent = self.bones[i].parent
        prot = self.world(parent)[0] if parent >= 0 else np.array([0.0, 0.0, 0.0, 1.0])
        target = _qrot(_qconj(prot), np.asarray(direction, float))
        self.rot[i] = _arc(self.rest[c] - self.rest[i], target)

    def shift(self, name: str, offset) -> None:
        self.move[self.index[name]] = np.asarray(offset, float)

    def place_ik(self, ik: str, target: str) -> None:
        """Translate IK bone ``ik`` so that it sits on ``target``'s posed position."""
        i = self.index[ik]
        goal = self.world(self.index[target])[1]
        parent = self.bones[i].parent
        prot, ppos = self.world(parent)
        local = _qrot(_qconj(prot), goal - ppos)
        self.move[i] = local - (self.rest[i] - self.rest[parent])

    def pose(self, name: str) -> Pose:
        for side in "左右":
            self.place_ik(f"{side}足ＩＫ", f"{side}足首")
            self.place_ik(f"{side}つま先ＩＫ", f"{side}つま先")
        bones = {}
        for i, bone in enumerate(self.bones):
            rot, move = self.rot[i], self.move[i]
            if np.allclose(rot, (0, 0, 0, 1)) and np.allclose(move, 0):
                continue
            bones[bone.name] = BoneKey(_rounded(move), _rounded(rot / np.linalg.norm(rot)))
        return Pose(model=name, bones=bones)


# Far finer than VPD's usual 6 decimals, yet coarse enough that the last-bit differences of
# another CPU's math library do not change the shipped files' text.
DECIMALS = 9


def _rounded(values: np.ndarray) -> tuple[float, ...]:
    return tuple(round(float(v), DECIMALS) + 0.0 for v in values)  # + 0.0: no "-0.0"


def _arms_down(b: _PoseBuilder, spread: float = 0.22, bend: float = 0.15) -> None:
    for side, sign in (("左", 1.0), ("右", -1.0)):
        b.aim(f"{side}腕", f"{side}ひじ", (spread * sign, -1.0, 0.05))
        b.aim(f"{side}ひじ", f"{side}手首", (0.12 * sign, -1.0, -bend))


def _curl_fingers(b: _PoseBuilder, side: str, degrees: float, fingers=None) -> None:
    sign = 1.0 if side == "左" else -1.0
    for finger in fingers or ("人指", "中指", "薬指", "小指"):
        for k in "１２３":
            # Fingers curl toward the palm, which faces the body: about the Z axis.
            b.turn(f"{side}{finger}{k}", (0.0, 0.0, 1.0), -sign * degrees)


def _standing(b: _PoseBuilder) -> None:
    _arms_down(b)
    _curl_fingers(b, "左", 15)
    _curl_fingers(b, "右", 15)


def _walking(b: _PoseBuilder) -> None:
    b.shift("センター", (0.0, -0.3, 0.0))
    b.aim("左足", "左ひざ", (0.0, -1.0, -0.35))
    b.aim("左ひざ", "左足首", (0.0, -1.0, -0.25))
    b.aim("右足", "右ひざ", (0.0, -1.0, 0.3))
    b.aim("右ひざ", "右足首", (0.0, -1.0, 0.6))
    b.aim("左腕", "左ひじ", (0.2, -1.0, 0.35))
    b.aim("左ひじ", "左手首", (0.1, -1.0, 0.1))
    b.aim("右腕", "右ひじ", (-0.2, -1.0, -0.35))
    b.aim("右ひじ", "右手首", (-0.1, -1.0, -0.6))
    b.turn("上半身", (0.0, 1.0, 0.0), 6)


def _running(b: _PoseBuilder) -> None:
    b.shift("センター", (0.0, -0.6, 0.0))
    b.turn("上半身", (1.0, 0.0, 0.0), -12)
    b.aim("左足", "左ひざ", (0.0, -0.6, -1.0))
    b.aim("左ひざ", "左足首", (0.0, -1.0, 0.2))
    b.aim("右足", "右ひざ", (0.0, -1.0, 0.5))
    b.aim("右ひざ", "右足首", (0.0, -0.3, 1.0))
    b.aim("左腕", "左ひじ", (0.2, -1.0, 0.6))
    b.aim("左ひじ", "左手首", (0.1, -0.5, -1.0))
    b.aim("右腕", "右ひじ", (-0.2, -1.0, -0.6))
    b.aim("右ひじ", "右手首", (-0.1, 0.6, -1.0))
    _curl_fingers(b, "左", 70)
    _curl_fingers(b, "右", 70)


def _sitting(b: _PoseBuilder) -> None:
    b.shift("センター", (0.0, -4.3, 0.5))
    for side, sign in (("左", 1.0), ("右", -1.0)):
        b.aim(f"{side}足", f"{side}ひざ", (0.12 * sign, 0.0, -1.0))
        b.aim(f"{side}ひざ", f"{side}足首", (0.0, -1.0, 0.05))
        b.aim(f"{side}腕", f"{side}ひじ", (0.2 * sign, -1.0, -0.25))
        b.aim(f"{side}ひじ", f"{side}手首", (0.0, -0.3, -1.0))
        _curl_fingers(b, side, 25)


def _pointing(b: _PoseBuilder) -> None:
    _arms_down(b)
    b.aim("右腕", "右ひじ", (-0.3, 0.6, -1.0))
    b.aim("右ひじ", "右手首", (-0.3, 0.6, -1.0))
    _curl_fingers(b, "右", 80, ("中指", "薬指", "小指"))
    b.turn("首", (0.0, 1.0, 0.0), 10)
    b.turn("頭", (1.0, 0.0, 0.0), 10)


def _arms_crossed(b: _PoseBuilder) -> None:
    b.aim("左腕", "左ひじ", (0.15, -1.0, -0.45))
    b.aim("左ひじ", "左手首", (-1.0, 0.1, -0.3))
    b.aim("右腕", "右ひじ", (-0.15, -1.0, -0.55))
    b.aim("右ひじ", "右手首", (1.0, 0.15, -0.45))
    _curl_fingers(b, "左", 40)
    _curl_fingers(b, "右", 40)


def _looking_back(b: _PoseBuilder) -> None:
    _arms_down(b)
    # Negative Y turns the face (-Z) toward +X: over the left shoulder.
    for bone, degrees in (("上半身", -20), ("上半身2", -20), ("首", -20), ("頭", -30)):
        b.turn(bone, (0.0, 1.0, 0.0), degrees)


def _kneeling(b: _PoseBuilder) -> None:
    b.shift("センター", (0.0, -5.0, 0.0))
    b.aim("左足", "左ひざ", (0.1, 0.0, -1.0))
    b.aim("左ひざ", "左足首", (0.0, -1.0, 0.0))
    b.aim("右足", "右ひざ", (-0.05, -1.0, 0.0))
    b.aim("右ひざ", "右足首", (0.0, -0.1, 1.0))
    _arms_down(b, bend=0.4)
    b.turn("上半身", (1.0, 0.0, 0.0), -8)


_BUILDERS = {
    "standing": _standing,
    "walking": _walking,
    "running": _running,
    "sitting": _sitting,
    "pointing": _pointing,
    "arms_crossed": _arms_crossed,
    "looking_back": _looking_back,
    "kneeling": _kneeling,
}


@cache
def _skeleton() -> Model:
    return build_mannequin()


def _build(name: str) -> Pose:
    builder = _PoseBuilder(_skeleton())
    _BUILDERS[name](builder)
    return builder.pose(name)


POSES: dict[str, Pose] = {name: _build(name) for name in _BUILDERS}
# The shipped library: the poses above written as VPD files by ``write_library``.
LIBRARY_DIR = Path(__file__).resolve().parent / "poses"


def write_library(folder: str | Path = LIBRARY_DIR) -> list[Path]:
    """Write every library pose as ``<name>.vpd`` (what ships in mmd/poses/)."""
    from .vpd import write_vpd

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, pose in POSES.items():
        path = folder / f"{name}.vpd"
        write_vpd(Pose("mannequin.osm", pose.bones, pose.morphs), path)
        written.append(path)
    return written


def get_pose(name: str) -> Pose:
    """The library pose ``name``, read from its shipped VPD file; KeyError names the known
    poses."""
    from . import read

    if name not in POSES:
        raise KeyError(f"no pose {name!r}; known: {', '.join(POSES)}")
    return read(LIBRARY_DIR / f"{name}.vpd")


if __name__ == "__main__":
    for written in write_library():
        print(written)

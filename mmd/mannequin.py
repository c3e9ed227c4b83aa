# SPDX-License-Identifier: GPL-3.0-or-later
"""The built-in mannequin: a clean anime-proportioned humanoid with the standard MMD bone set.

Built in code (no bpy) as an ordinary ``Model``, so it goes through the same importer, pose
and motion code as any PMX. MMD space: Y up, the character faces -Z, its left is +X; about
20 units tall (1.6 m at scale 0.08), head about 1/6.5 of the height.
"""

from __future__ import annotations

import math

import numpy as np

from .model import (
    BDEF1,
    BDEF2,
    BONE_ENABLED,
    BONE_IK,
    BONE_INHERIT_ROTATION,
    BONE_MOVABLE,
    BONE_ROTATABLE,
    BONE_TAIL_IS_BONE,
    BONE_VISIBLE,
    MORPH_VERTEX,
    Bone,
    IKLink,
    Material,
    Model,
    Morph,
)

_FLAGS = BONE_ROTATABLE | BONE_VISIBLE | BONE_ENABLED
_MOVABLE = _FLAGS | BONE_MOVABLE
_ARM_DOWN = math.radians(40.0)  # A-pose: arms 40 degrees below horizontal
_FULLWIDTH = str.maketrans("0123", "０１２３")

# Materials in face order: (name, English name, diffuse RGBA).
MATERIALS = (
    ("肌", "skin", (1.0, 0.86, 0.78, 1.0)),
    ("髪", "hair", (0.32, 0.22, 0.45, 1.0)),
    ("服", "clothes", (0.20, 0.30, 0.55, 1.0)),
    ("目", "eyes", (0.05, 0.12, 0.35, 1.0)),
)


def _side_bones(side: str, sign: float) -> list[tuple]:
    """(name, name_e, position, parent, tail, flags) of one side; sign +1 is the left (+X)."""
    s, e = side, "left" if sign > 0 else "right"
    down = np.array([math.cos(_ARM_DOWN) * sign, -math.sin(_ARM_DOWN), 0.0])
    shoulder = np.array([1.4 * sign, 15.0, 0.0])
    elbow = shoulder + 3.0 * down
    wrist = elbow + 2.7 * down
    bones = [
        (f"{s}肩", f"shoulder_{e}", (0.3 * sign, 15.3, 0.0), "上半身2", f"{s}腕", _FLAGS),
        (f"{s}腕", f"arm_{e}", tuple(shoulder), f"{s}肩", f"{s}ひじ", _FLAGS),
        (f"{s}ひじ", f"elbow_{e}", tuple(elbow), f"{s}腕", f"{s}手首", _FLAGS),
        (f"{s}手首", f"wrist_{e}", tuple(wrist), f"{s}ひじ", tuple(0.9 * down), _FLAGS),
    ]
    # Fingers fan out along Z (the palm faces the body in the A-pose).
    fingers = (("人指", "index", -0.3, 1), ("中指", "middle", -0.1, 1))
    fingers += (("薬指", "ring", 0.1, 1), ("小指", "little", 0.3, 1))
    for jp, en, z, first in fingers:
        base = wrist + 0.9 * down + np.array([0.0, 0.0, z])
        step = (0.55 if jp != "小指" else 0.4) * down
        names = [f"{s}{jp}{i}".translate(_FULLWIDTH) for i in range(first, first + 3)]
        for k, name in enumerate(names):
            parent = f"{s}手首" if k == 0 else names[k - 1]
            tail = names[k + 1] if k < 2 else tuple(step)
            bones.append((name, f"{en}{k + 1}_{e}", tuple(base + k * step), parent, tail, _FLAGS))
    thumb_dir = 0.8 * down / np.linalg.norm(down) + np.array([0.0, 0.0, -0.6])
    thumb_dir = 0.45 * thumb_dir / np.linalg.norm(thumb_dir)
    base = wrist + 0.25 * down + np.array([0.0, -0.1, -0.3])
    names = [f"{s}親指{i}".translate(_FULLWIDTH) for i in range(3)]
    for k, name in enumerate(names):
        parent = f"{s}手首" if k == 0 else names[k - 1]
        tail = names[k + 1] if k < 2 else tuple(thumb_dir)
        bones.append((name, f"thumb{k}_{e}", tuple(base + k * thumb_dir), parent, tail, _FLAGS))
    x = 0.9 * sign
    bones += [
        (f"{s}足", f"leg_{e}", (x, 10.0, 0.0), "下半身", f"{s}ひざ", _FLAGS),
        (f"{s}ひざ", f"knee_{e}", (x, 5.5, -0.1), f"{s}足", f"{s}足首", _FLAGS),
        (f"{s}足首", f"ankle_{e}", (x, 1.0, 0.1), f"{s}ひざ", f"{s}つま先", _FLAGS),
        (f"{s}つま先", f"toe_{e}", (x, 0.0, -1.5), f"{s}足首", (0.0, 0.0, -0.5), _FLAGS),
        (f"{s}足ＩＫ", f"leg IK_{e}", (x, 1.0, 0.1), "全ての親", (0.0, 0.0, 1.0), _MOVABLE),
        (f"{s}つま先ＩＫ", f"toe IK_{e}", (x, 0.0, -1.5), f"{s}足ＩＫ", (0, -1.0, 0), _MOVABLE),
    ]
    return bones


def _bone_table() -> list[tuple]:
    trunk = [
        ("全ての親", "master", (0.0, 0.0, 0.0), None, (0.0, 1.5, 0.0), _MOVABLE),
        ("センター", "center", (0.0, 8.0, 0.0), "全ての親", (0.0, -1.0, 0.0), _MOVABLE),
        ("グルーブ", "groove", (0.0, 8.2, 0.0), "センター", (0.0, 1.0, 0.0), _MOVABLE),
        ("腰", "waist", (0.0, 10.2, 0.2), "グルーブ", (0.0, 0.8, 0.0), _FLAGS),
        ("上半身", "upper body", (0.0, 11.0, 0.0), "腰", "上半身2", _FLAGS),
        ("上半身2", "upper body2", (0.0, 12.6, 0.0), "上半身", "首", _FLAGS),
        ("首", "neck", (0.0, 15.8, 0.0), "上半身2", "頭", _FLAGS),
        ("頭", "head", (0.0, 16.6, 0.0), "首", (0.0, 2.0, 0.0), _FLAGS),
        ("両目", "eyes", (0.0, 20.0, -0.5), "頭", (0.0, 0.0, -0.5), _FLAGS),
        ("左目", "eye_left", (0.5, 17.5, -1.1), "頭", (0.0, 0.0, -0.4), _FLAGS),
        ("右目", "eye_right", (-0.5, 17.5, -1.1), "頭", (0.0, 0.0, -0.4), _FLAGS),
        ("下半身", "lower body", (0.0, 11.0, 0.0), "腰", (0.0, -1.2, 0.0), _FLAGS),
    ]
    return trunk + _side_bones("左", 1.0) + _side_bones("右", -1.0)


def _build_bones() -> list[Bone]:
    table = _bone_table()
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
    for side in "左右":
        # Eyes follow 両目 as in standard models (付与 rotation).
        eye = bones[index[f"{side}目"]]
        eye.flags |= BONE_INHERIT_ROTATION
        eye.grant_parent, eye.grant_weight = index["両目"], 1.0
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


def _sphere_grid(rings: int, segments: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit sphere: (V, 3) points with +Y poles, (V,) latitude sign, (F, 3) outward faces."""
    lat = np.linspace(-np.pi / 2, np.pi / 2, rings + 1)[1:-1]
    lon = np.linspace(0.0, 2 * np.pi, segments, endpoint=False)
    la, lo = np.meshgrid(lat, lon, indexing="ij")
    ring_pts = np.stack([np.cos(la) * np.cos(lo), np.sin(la), np.cos(la) * np.sin(lo)], -1)
    pts = np.concatenate([[[0.0, -1.0, 0.0]], ring_pts.reshape(-1, 3), [[0.0, 1.0, 0.0]]])
    r = np.arange(rings - 2)[:, None]
    s = np.arange(segments)[None, :]
    a = 1 + r * segments + s
    b = 1 + r * segments + (s + 1) % segments
    c, d = a + segments, b + segments
    quads = np.concatenate([np.stack([a, c, b], -1), np.stack([b, c, d], -1)]).reshape(-1, 3)
    top = len(pts) - 1
    first = 1 + np.arange(segments)
    last = 1 + (rings - 2) * segments + np.arange(segments)
    south = np.stack([np.zeros(segments, int), first, np.roll(first, -1)], -1)
    north = np.stack([np.full(segments, top), np.roll(last, -1), last], -1)
    faces = np.concatenate([south, quads, north])
    return pts, np.sign(pts[:, 1]), faces


def _frame(direction: np.ndarray) -> np.ndarray:
    """A rotation whose Y column is ``direction`` (columns: X, Y, Z)."""
    y = direction / np.linalg.norm(direction)
    helper = np.array([0.0, 0.0, 1.0]) if abs(y[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    x = np.cross(y, helper)
    x /= np.linalg.norm(x)
    return np.stack([x, y, np.cross(x, y)], 1)


class _MeshBuilder:
    """Collects skinned primitives per material, vectorized per primitive."""

    def __init__(self, bone_index: dict[str, int], parents: list[int]) -> None:
        self.bone_index, self.parents = bone_index, parents
        self.parts: dict[int, list[tuple]] = {i: [] for i in range(len(MATERIALS))}

    def add(self, material, bone, start, end, radii, rings=10, segments=12, blend=0.0):
        """A capsule from start to end (ellipsoid when start == end) with radii (x, y, z).

        blend > 0 gives the first ``blend`` fraction of the part BDEF2 weights shared with
        the parent bone, so joints bend smoothly."""
        start, end = np.asarray(start, float), np.asarray(end, float)
        unit, lat_sign, faces = _sphere_grid(rings, segments)
        axis = end - start
        length = float(np.linalg.norm(axis))
        rot = _frame(axis) if length > 1e-6 else np.eye(3)
        local = unit * np.asarray(radii, float) + np.outer(lat_sign, [0.0, length / 2, 0.0])
        pos = (start + end) / 2 + local @ rot.T
        normals = (unit / np.asarray(radii, float) ** 2) @ rot.T
        normals /= np.linalg.norm(normals, axis=1, keepdims=True)
        n = len(pos)
        index = self.bone_index[bone]
        bones = np.zeros((n, 4), np.int32)
        weights = np.zeros((n, 4), np.float32)
        kinds = np.full(n, BDEF1, np.uint8)
        bones[:, 0], weights[:, 0] = index, 1.0
        parent = self.parents[index]
        if blend > 0 and parent >= 0 and length > 1e-6:
            t = np.clip(((pos - start) @ (axis / length)) / (length * blend), 0.0, 1.0)
            shared = t < 1.0
            kinds[shared] = BDEF2
            bones[shared, 1] = parent
            weights[shared, 0] = 0.5 + 0.5 * t[shared]
            weights[shared, 1] = 1.0 - weights[shared, 0]
        self.parts[material].append((pos, normals, faces, kinds, bones, weights, unit))


def _add_body(mb: _MeshBuilder, pos: dict[str, np.ndarray]) -> None:
    skin, hair, clothes, eyes = range(4)
    mb.add(skin, "頭", (0, 17.8, -0.1), (0, 17.8, -0.1), (1.35, 1.45, 1.45), 14, 18)
    mb.add(skin, "首", pos["首"] - (0, 0.2, 0), pos["頭"] + (0, 0.3, 0), (0.42,) * 3, 6, 10, 0.5)
    mb.add(hair, "頭", (0, 18.1, 0.2), (0, 18.1, 0.2), (1.5, 1.5, 1.55), 14, 18)
    mb.add(hair, "頭", (0, 17.6, 1.1), (0, 14.8, 1.3), (0.95, 0.95, 0.55), 8, 12)
    mb.add(clothes, "上半身2", (0, 13.8, 0), (0, 13.8, 0), (1.6, 1.9, 1.0), 10, 16)
    mb.add(clothes, "上半身", (0, 11.0, 0), (0, 12.6, 0), (1.05, 1.05, 0.85), 8, 14, 0.3)
    mb.add(clothes, "下半身", (0, 10.2, 0), (0, 10.2, 0), (1.55, 1.3, 1.05), 10, 16)
    for s, sign in (("左", 1.0), ("右", -1.0)):
        # Flat discs standing proud of the face, which bulges more vertically than sideways.
        eye = (0.5 * sign, 17.5, -1.5)
        mb.add(eyes, f"{s}目", eye, eye, (0.28, 0.38, 0.12), 6, 10)
        mb.add(clothes, f"{s}肩", pos[f"{s}肩"], pos[f"{s}腕"], (0.5,) * 3, 6, 10)
        mb.add(skin, f"{s}腕", pos[f"{s}腕"], pos[f"{s}ひじ"], (0.45,) * 3, 8, 12, 0.2)
        mb.add(skin, f"{s}ひじ", pos[f"{s}ひじ"], pos[f"{s}手首"], (0.38,) * 3, 8, 12, 0.25)
        down = pos[f"{s}手首"] - pos[f"{s}ひじ"]
        down /= np.linalg.norm(down)
        wrist = pos[f"{s}手首"]
        mb.add(skin, f"{s}手首", wrist, wrist + 0.75 * down, (0.3, 0.3, 0.4), 6, 10, 0.3)
        for finger in ("人指", "中指", "薬指", "小指"):
            names = [f"{s}{finger}{c}" for c in "１２３"]
            ends = [pos[n] for n in names] + [pos[names[2]] + (pos[names[2]] - pos[names[1]])]
            for k, name in enumerate(names):
                mb.add(skin, name, ends[k], ends[k + 1], (0.09,) * 3, 4, 6)
        names = [f"{s}親指{c}" for c in "０１２"]
        ends = [pos[n] for n in names] + [pos[names[2]] + (pos[names[2]] - pos[names[1]])]
        for k, name in enumerate(names):
            mb.add(skin, name, ends[k], ends[k + 1], (0.11,) * 3, 4, 6)
        mb.add(clothes, f"{s}足", pos[f"{s}足"], pos[f"{s}ひざ"], (0.75,) * 3, 8, 14, 0.15)
        mb.add(skin, f"{s}ひざ", pos[f"{s}ひざ"], pos[f"{s}足首"], (0.52,) * 3, 8, 12, 0.2)
        toe = pos[f"{s}つま先"]
        mb.add(clothes, f"{s}足首", pos[f"{s}足首"] - (0, 0.3, -0.2), toe + (0, 0.25, 0.1),
               (0.42, 0.3, 0.3), 6, 10)  # fmt: skip


def _blink_morph(model: Model, eye_slices: list[slice]) -> Morph:
    """まばたき: squashes both eyes onto their horizontal mid line."""
    index = np.concatenate([np.arange(s.start, s.stop) for s in eye_slices]).astype(np.int32)
    offset = np.zeros((len(index), 3), np.float32)
    offset[:, 1] = (17.5 - model.positions[index, 1]) * 0.95
    return Morph("まばたき", "blink", 2, MORPH_VERTEX, {"index": index, "offset": offset})


def build_mannequin() -> Model:
    """The mannequin as a PMX-like Model (bones, IK, skinned mesh, four materials, a morph)."""
    bones = _build_bones()
    bone_index = {b.name: i for i, b in enumerate(bones)}
    positions = {b.name: np.array(b.position) for b in bones}
    builder = _MeshBuilder(bone_index, [b.parent for b in bones])
    _add_body(builder, positions)

    arrays: dict[str, list] = {k: [] for k in ("pos", "nrm", "face", "kind", "bone", "w", "uv")}
    materials, eye_slices, offset = [], [], 0
    for m, (name, name_e, color) in enumerate(MATERIALS):
        count = 0
        for pos, nrm, faces, kinds, bone_ids, weights, unit in builder.parts[m]:
            if m == 3:
                eye_slices.append(slice(offset, offset + len(pos)))
            uv = np.stack([0.5 + np.arctan2(unit[:, 2], unit[:, 0]) / (2 * np.pi),
                           0.5 - np.arcsin(np.clip(unit[:, 1], -1, 1)) / np.pi], 1)  # fmt: skip
            values = (pos, nrm, faces + offset, kinds, bone_ids, weights, uv)
            for key, value in zip(arrays, values, strict=True):
                arrays[key].append(value)
            offset += len(pos)
            count += len(faces) * 3
        ambient = tuple(c * 0.5 for c in color[:3])
        edge = 0x10 if name_e != "eyes" else 0  # MMD edge flag: outlines, not on the eyes
        materials.append(Material(name, name_e, color, ambient=ambient, flags=edge,
                                  index_count=count))  # fmt: skip
    model = Model(name="マネキン", name_e="Mannequin", comment="mmd2anime built-in mannequin")
    model.positions = np.concatenate(arrays["pos"]).astype(np.float32)
    model.normals = np.concatenate(arrays["nrm"]).astype(np.float32)
    model.uvs = np.concatenate(arrays["uv"]).astype(np.float32)
    model.faces = np.concatenate(arrays["face"]).astype(np.int32)
    model.weight_types = np.concatenate(arrays["kind"])
    model.bone_indices = np.concatenate(arrays["bone"])
    model.bone_weights = np.concatenate(arrays["w"])
    model.edge_scale = np.ones(len(model.positions), np.float32)
    model.materials, model.bones = materials, bones
    model.morphs = [_blink_morph(model, eye_slices)]
    return model


def mannequin_model() -> Model:
    """The mannequin as our importer gets it: written as PMX by our writer, read back by our
    reader, so every use of the mannequin exercises the real file path."""
    from . import read_bytes
    from .pmx_write import pmx_bytes

    return read_bytes(pmx_bytes(build_mannequin()), "mannequin.pmx")

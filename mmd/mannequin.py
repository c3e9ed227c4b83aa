# SPDX-License-Identifier: GPL-3.0-or-later
"""The built-in mannequin: a clean anime-proportioned humanoid with the standard MMD bone set.

Built in code (no bpy) as an ordinary ``Model``, so it goes through the same importer, pose
and motion code as any PMX. MMD space: Y up, the character faces -Z, its left is +X; about
20 units tall (1.6 m at scale 0.08), head about 1/6.5 of the height.
"""

from __future__ import annotations

import numpy as np

from .characters.skeleton import Proportions, bone_table, build_bones
from .model import BDEF1, BDEF2, MORPH_VERTEX, Material, Model, Morph

# Materials in face order: (name, English name, diffuse RGBA).
MATERIALS = (
    ("肌", "skin", (1.0, 0.86, 0.78, 1.0)),
    ("髪", "hair", (0.32, 0.22, 0.45, 1.0)),
    ("服", "clothes", (0.20, 0.30, 0.55, 1.0)),
    ("目", "eyes", (0.05, 0.12, 0.35, 1.0)),
)


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
    # The skeleton at the default proportions (the characters' skeleton moves the landmarks).
    bones = build_bones(bone_table(Proportions()))
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

# SPDX-License-Identifier: GPL-3.0-or-later
"""PMD 1.0 reader (no bpy), mapped onto the PMX-shaped Model: bone types become PMX flags,
the IK table becomes IK bones, expression morphs become vertex morphs with absolute indices,
rigid-body positions become absolute."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from . import model as m
from ._binary import Cursor, decode_sjis
from .pmx import check_indices

MAGIC = b"Pmd"
_VERTEX = np.dtype(
    [
        ("pos", "<f4", (3,)),
        ("nrm", "<f4", (3,)),
        ("uv", "<f4", (2,)),
        ("bone", "<u2", (2,)),
        ("w", "u1"),
        ("edge", "u1"),
    ]
)
_MATERIAL = np.dtype(
    [
        ("diffuse", "<f4", (4,)),
        ("power", "<f4"),
        ("specular", "<f4", (3,)),
        ("ambient", "<f4", (3,)),
        ("toon", "u1"),
        ("edge", "u1"),
        ("count", "<u4"),
        ("texture", "S20"),
    ]
)
_BONE = np.dtype(
    [
        ("name", "S20"),
        ("parent", "<u2"),
        ("tail", "<u2"),
        ("type", "u1"),
        ("ik", "<u2"),
        ("pos", "<f4", (3,)),
    ]
)
_RIGID = np.dtype(
    [
        ("name", "S20"),
        ("bone", "<u2"),
        ("group", "u1"),
        ("mask", "<u2"),
        ("shape", "u1"),
        ("size", "<f4", (3,)),
        ("pos", "<f4", (3,)),
        ("rot", "<f4", (3,)),
        ("physics", "<f4", (5,)),  # mass, linear damping, angular damping, restitution, friction
        ("mode", "u1"),
    ]
)
_JOINT = np.dtype([("name", "S20"), ("a", "<u4"), ("b", "<u4"), ("v", "<f4", (8, 3))])
_KNEE_LIMITS = ((-math.pi, 0.0, 0.0), (-math.radians(0.5), 0.0, 0.0))  # as PMD's IK solver assumes


def _none(value: int, none: int = 0xFFFF) -> int:
    return -1 if value == none else int(value)


def _vec(values) -> tuple[float, ...]:
    return tuple(float(v) for v in values)


class _PMD(Cursor):
    def geometry(self, model: m.Model) -> None:
        self.section = "vertices"
        v = self.array(_VERTEX, self.count("I", _VERTEX.itemsize, "vertex"))
        n = len(v)
        model.positions, model.normals, model.uvs = v["pos"].copy(), v["nrm"].copy(), v["uv"].copy()
        model.additional_uvs = np.zeros((n, 0, 4), np.float32)
        model.weight_types = np.full(n, m.BDEF2, np.uint8)
        model.bone_indices = np.full((n, 4), -1, np.int32)
        model.bone_indices[:, :2] = np.where(v["bone"] == 0xFFFF, -1, v["bone"])
        w = np.minimum(v["w"], 100).astype(np.float32) / np.float32(100)
        model.bone_weights = np.zeros((n, 4), np.float32)
        model.bone_weights[:, 0], model.bone_weights[:, 1] = w, np.float32(1) - w
        model.sdef = np.zeros((n, 3, 3), np.float32)
        model.edge_scale = np.where(v["edge"] == 1, 0.0, 1.0).astype(np.float32)
        self.section = "faces"
        start = self.pos
        count = self.count("I", 2, "face index")
        if count % 3:
            raise self.fail(f"face index count {count} is not a multiple of 3", start)
        model.faces = self.array("<u2", count).astype(np.int32).reshape(-1, 3)

    def materials(self, model: m.Model) -> None:
        self.section = "materials"
        for rec in self.array(_MATERIAL, self.count("I", _MATERIAL.itemsize, "material")):
            mat = m.Material(
                f"材質{len(model.materials) + 1}", f"material{len(model.materials) + 1}"
            )
            mat.diffuse, mat.specular_power = _vec(rec["diffuse"]), float(rec["power"])
            mat.specular, mat.ambient = _vec(rec["specular"]), _vec(rec["ambient"])
            mat.flags = 0x10 if rec["edge"] else 0
            toon = _none(int(rec["toon"]), 0xFF)
            mat.toon_shared, mat.toon_texture = toon >= 0, toon  # toon01..toon10, or none
            mat.index_count = int(rec["count"])
            for name in self._sjis(rec["texture"]).split("*"):
                if not name:
                    continue
                if name not in model.textures:
                    model.textures.append(name)
                if name.lower().endswith((".sph", ".spa")):
                    mat.sphere_texture = model.textures.index(name)
                    mat.sphere_mode = 2 if name.lower().endswith(".spa") else 1
                else:
                    mat.texture = model.textures.index(name)
            model.materials.append(mat)

    @staticmethod
    def _sjis(raw: bytes) -> str:
        return decode_sjis(bytes(raw))

    def bones(self, model: m.Model) -> None:
        self.section = "bones"
        recs = self.array(_BONE, self.count("H", _BONE.itemsize, "bone"))
        for rec in recs:
            kind, tail = int(rec["type"]), int(rec["tail"])
            bone = m.Bone(
                self._sjis(rec["name"]), position=_vec(rec["pos"]), parent=_none(int(rec["parent"]))
            )
            bone.flags = m.BONE_ROTATABLE | m.BONE_VISIBLE | m.BONE_ENABLED | m.BONE_TAIL_IS_BONE
            bone.tail_bone = -1 if tail == 0 else tail
            if kind in (1, 2):  # rotate + move, IK
                bone.flags |= m.BONE_MOVABLE
            if kind in (6, 7):  # IK target, invisible
                bone.flags &= ~m.BONE_VISIBLE
            if kind == 5:  # rotation follows the bone in the IK-parent field
                bone.flags |= m.BONE_INHERIT_ROTATION
                bone.grant_parent, bone.grant_weight = _none(int(rec["ik"])), 1.0
            if kind == 9:  # rotation follows with the ratio (percent) stored in the tail field
                bone.flags = (bone.flags | m.BONE_INHERIT_ROTATION) & ~m.BONE_VISIBLE
                bone.grant_parent, bone.grant_weight, bone.tail_bone = (
                    _none(int(rec["ik"])),
                    tail / 100,
                    -1,
                )
            model.bones.append(bone)
        for bone, rec in zip(model.bones, recs, strict=True):
            if 0 <= bone.tail_bone < len(model.bones) and rec["type"] == 8:
                axis = np.subtract(model.bones[bone.tail_bone].position, bone.position)
                norm = float(np.linalg.norm(axis))
                if math.isfinite(norm) and norm > 0:  # twist bones turn only about their axis
                    bone.flags |= m.BONE_FIXED_AXIS
                    bone.fixed_axis = _vec((axis / norm).astype(np.float32))

    def ik(self, model: m.Model) -> None:
        self.section = "IK"
        for _ in range(self.count("H", 11, "IK chain")):
            start = self.pos
            index, target, length, loops, limit = self.unpack("HHBHf")
            chain = self.unpack(f"{length}H") if length else ()
            if index >= len(model.bones):
                raise self.fail(f"IK bone index {index} out of range", start)
            bone = model.bones[index]
            bone.flags |= m.BONE_IK | m.BONE_MOVABLE
            bone.ik_target, bone.ik_loops, bone.ik_limit_angle = (
                target,
                loops,
                limit * 4,
            )  # PMD unit
            for link in chain:
                name = model.bones[link].name if link < len(model.bones) else ""
                bone.ik_links.append(m.IKLink(link, _KNEE_LIMITS if "ひざ" in name else None))

    def morphs(self, model: m.Model) -> list[int]:
        self.section = "morphs"
        base = None
        kept = []  # PMD morph index -> Model morph index (the base morph has none)
        for _ in range(self.count("H", 25, "morph")):
            name, count, kind = self._sjis(self.raw(20)), self.one("I"), self.one("B")
            rec = self.array(
                [("i", "<u4"), ("o", "<f4", (3,))], self._fits(count, 16, "morph vertex")
            )
            if kind == 0:
                base = rec["i"].astype(np.int64)
                kept.append(-1)
                continue
            if base is None or (len(rec) and rec["i"].max() >= len(base)):
                raise self.fail(f"morph {name!r} refers past the base morph", self.pos)
            offsets = {"index": base[rec["i"]].astype(np.int32), "offset": rec["o"].copy()}
            kept.append(len(model.morphs))
            model.morphs.append(m.Morph(name, "", min(kind, 4), m.MORPH_VERTEX, offsets))
        return kept

    def _fits(self, count: int, size: int, what: str) -> int:
        if count * size > self.left:
            raise self.fail(f"{what} count {count} does not fit in the {self.left} bytes left")
        return count

    def display(self, model: m.Model, kept: list[int]) -> int:
        self.section = "display frames"
        shown = self.array("<u2", self.count("B", 2, "morph display"))
        items = [(1, kept[i]) for i in shown if i < len(kept) and kept[i] >= 0]
        model.display_frames = [
            m.DisplayFrame("Root", "Root", True, [(0, 0)] if model.bones else []),
            m.DisplayFrame("表情", "Exp", True, items),
        ]
        names = [self.sjis(50).strip() for _ in range(self.count("B", 50, "bone frame name"))]
        model.display_frames += [m.DisplayFrame(name) for name in names]
        pairs = self.array([("bone", "<u2"), ("frame", "u1")], self.count("I", 3, "bone display"))
        for bone, frame in pairs:
            if not 1 <= frame <= len(names):
                raise self.fail(f"bone display frame {frame} out of range")
            model.display_frames[1 + frame].items.append((0, int(bone)))
        return len(names)

    def english(self, model: m.Model, n_frames: int) -> None:
        self.section = "English names"
        if not self.one("B"):
            return
        model.name_e, model.comment_e = self.sjis(20), self.sjis(256)
        self.need(20 * len(model.bones) + 20 * len(model.morphs) + 50 * n_frames, "English names")
        for bone in model.bones:
            bone.name_e = self.sjis(20)
        for morph in model.morphs:
            morph.name_e = self.sjis(20)
        for frame in model.display_frames[2:]:
            frame.name_e = self.sjis(50)

    def physics(self, model: m.Model) -> None:
        self.section = "rigid bodies"
        for rec in self.array(_RIGID, self.count("I", _RIGID.itemsize, "rigid body")):
            bone = _none(int(rec["bone"]))
            origin = model.bones[bone].position if 0 <= bone < len(model.bones) else (0.0, 0.0, 0.0)
            position = _vec(np.float32(origin) + rec["pos"])  # PMD stores it relative to the bone
            mass, lin, ang, rest, fric = _vec(rec["physics"])
            model.rigid_bodies.append(
                m.RigidBody(
                    self._sjis(rec["name"]),
                    "",
                    bone,
                    int(rec["group"]),
                    int(rec["mask"]),
                    int(rec["shape"]),
                    _vec(rec["size"]),
                    position,
                    _vec(rec["rot"]),
                    mass,
                    lin,
                    ang,
                    rest,
                    fric,
                    int(rec["mode"]),
                )  # fmt: skip
            )
        self.section = "joints"
        if not self.left:
            return
        for rec in self.array(_JOINT, self.count("I", _JOINT.itemsize, "joint")):
            values = [_vec(row) for row in rec["v"]]
            model.joints.append(
                m.Joint(self._sjis(rec["name"]), "", 0, int(rec["a"]), int(rec["b"]), *values)
            )


def read_pmd(data: bytes, path: str | Path = "<bytes>") -> m.Model:
    """A Model from the bytes of a PMD file; raises MMDFormatError when invalid."""
    cur = _PMD(data, str(path))
    if cur.raw(3) != MAGIC:
        raise cur.fail("not a PMD file (magic is not 'Pmd')", 0)
    version = cur.one("f")
    if version != 1.0:
        raise cur.fail(f"unsupported PMD version {version}", 3)
    model = m.Model(format="pmd", version=1.0, encoding="cp932")
    model.name, model.comment = cur.sjis(20), cur.sjis(256)
    cur.geometry(model)
    cur.materials(model)
    cur.bones(model)
    cur.ik(model)
    kept = cur.morphs(model)
    n_frames = cur.display(model, kept)
    if cur.left:
        cur.english(model, n_frames)
    if cur.left:
        cur.section = "toon textures"
        model.toon_textures = [cur.sjis(100) for _ in range(10)]
    if cur.left:
        cur.physics(model)
    check_indices(model, str(path))
    return model

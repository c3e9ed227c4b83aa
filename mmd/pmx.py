# SPDX-License-Identifier: GPL-3.0-or-later
"""PMX 2.0 / 2.1 reader (no bpy). Vertices and morph offsets are read with numpy."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import model as m
from ._binary import Cursor
from .errors import MMDFormatError

MAGIC = b"PMX "
_INDEX_CODES = {1: "b", 2: "h", 4: "i"}
_VERTEX_CODES = {1: "B", 2: "H", 4: "i"}


class _PMX(Cursor):
    def header(self) -> m.Model:
        if self.raw(4) != MAGIC:
            raise self.fail("not a PMX file (magic is not 'PMX ')", 0)
        version = round(self.one("f"), 3)
        if version not in (2.0, 2.1):
            raise self.fail(f"unsupported PMX version {version}", 4)
        n_globals = self.one("B")
        if n_globals < 8:
            raise self.fail(f"{n_globals} header globals, PMX needs 8")
        g = self.raw(n_globals)
        if g[0] not in (0, 1):
            raise self.fail(f"unknown text encoding {g[0]}")
        if g[1] > 4:
            raise self.fail(f"{g[1]} additional UVs, PMX allows 0-4")
        for size in g[2:8]:
            if size not in (1, 2, 4):
                raise self.fail(f"index size {size}, PMX allows 1, 2 or 4")
        self.encoding = "utf-16-le" if g[0] == 0 else "utf-8"
        self.n_uv = g[1]
        self.vsize, self.tsize, self.msize, self.bsize, self.morph_size, self.rsize = g[2:8]
        self.vfmt = _VERTEX_CODES[self.vsize]
        self.tfmt, self.mfmt, self.bfmt, self.morph_fmt, self.rfmt = (
            _INDEX_CODES[s] for s in g[3:8]
        )
        model = m.Model(format="pmx", version=version, encoding=self.encoding)
        model.name, model.name_e, model.comment, model.comment_e = (self.text() for _ in range(4))
        return model

    def text(self) -> str:
        start = self.pos
        size = self.one("i")
        if size < 0 or size > self.left:
            raise self.fail(f"text length {size} does not fit in the {self.left} bytes left", start)
        return self.raw(size).decode(self.encoding, errors="replace")

    def vertices(self, model: m.Model) -> None:
        self.section = "vertices"
        a = self.n_uv
        base = 32 + 16 * a  # position, normal, uv, additional uvs, then the weight-type byte
        b = self.bsize
        tail = {0: b, 1: 2 * b + 4, 2: 4 * b + 16, 3: 2 * b + 40, 4: 4 * b + 16}
        sizes = [base + 1 + tail[t] + 4 if t in tail else 0 for t in range(256)]
        n = self.count("i", base + 1 + b + 4, "vertex")
        data, pos, end = self.data, self.pos, len(self.data)
        # Records differ in size only by weight type: hop from type byte to type byte.
        type_at = [0] * n
        at = pos + base
        try:
            for i in range(n):
                type_at[i] = at
                size = sizes[data[at]]
                if not size:
                    raise self.fail(f"vertex {i} has unknown weight type {data[at]}", at)
                at += size
        except IndexError:
            raise self.fail(f"truncated in the vertex section ({n} vertices declared)") from None
        if at - base > end:
            raise self.fail(f"truncated in vertex {n - 1}", at - base)
        self.pos = at - base
        buf = np.frombuffer(data, np.uint8)
        type_at = np.asarray(type_at, np.int64)
        types, starts = buf[type_at], type_at - base
        model.positions = np.empty((n, 3), np.float32)
        model.normals = np.empty((n, 3), np.float32)
        model.uvs = np.empty((n, 2), np.float32)
        model.additional_uvs = np.empty((n, a, 4), np.float32)
        model.weight_types = types
        model.bone_indices = np.full((n, 4), -1, np.int32)
        model.bone_weights = np.zeros((n, 4), np.float32)
        model.sdef = np.zeros((n, 3, 3), np.float32)
        model.edge_scale = np.empty(n, np.float32)
        bidx = {"b": "<i1", "h": "<i2", "i": "<i4"}[self.bfmt]
        for t in np.unique(types):
            k = {0: 1, 1: 2, 2: 4, 3: 2, 4: 4}[int(t)]
            fields = [("pos", "<f4", 3), ("nrm", "<f4", 3), ("uv", "<f4", 2)]
            fields += [("auv", "<f4", (a, 4)), ("type", "u1"), ("bone", bidx, (k,))]
            fields += [("w", "<f4", ({0: 0, 1: 1, 2: 4, 3: 1, 4: 4}[int(t)],))]
            if t == m.SDEF:
                fields.append(("sdef", "<f4", (3, 3)))
            fields.append(("edge", "<f4"))
            dtype = np.dtype(fields)
            rows = np.flatnonzero(types == t)
            gather = starts[rows, None] + np.arange(dtype.itemsize)
            rec = buf[gather].view(dtype).reshape(-1)
            model.positions[rows] = rec["pos"]
            model.normals[rows] = rec["nrm"]
            model.uvs[rows] = rec["uv"]
            model.additional_uvs[rows] = rec["auv"]
            model.bone_indices[rows, :k] = rec["bone"].reshape(-1, k)
            model.edge_scale[rows] = rec["edge"]
            w = rec["w"].reshape(len(rows), -1)
            if t == m.BDEF1:
                model.bone_weights[rows, 0] = 1.0
            elif t in (m.BDEF2, m.SDEF):
                model.bone_weights[rows, 0] = w[:, 0]
                model.bone_weights[rows, 1] = 1.0 - w[:, 0]
            else:
                model.bone_weights[rows] = w
            if t == m.SDEF:
                model.sdef[rows] = rec["sdef"]

    def faces(self, model: m.Model) -> None:
        self.section = "faces"
        start = self.pos
        n = self.count("i", self.vsize, "face index")
        if n % 3:
            raise self.fail(f"face index count {n} is not a multiple of 3", start)
        idx = self.array("<" + {"B": "u1", "H": "u2", "i": "i4"}[self.vfmt], n)
        model.faces = idx.astype(np.int32).reshape(-1, 3)

    def textures(self, model: m.Model) -> None:
        self.section = "textures"
        model.textures = [self.text() for _ in range(self.count("i", 4, "texture"))]

    def materials(self, model: m.Model) -> None:
        self.section = "materials"
        for _ in range(self.count("i", 8 + 68 + 2 * self.tsize + 6, "material")):
            mat = m.Material(self.text(), self.text())
            mat.diffuse, mat.specular = self.vec(4), self.vec(3)
            mat.specular_power = self.one("f")
            mat.ambient = self.vec(3)
            mat.flags = self.one("B")
            mat.edge_color, mat.edge_size = self.vec(4), self.one("f")
            mat.texture, mat.sphere_texture = self.unpack(self.tfmt * 2)
            mat.sphere_mode, shared = self.unpack("BB")
            mat.toon_shared = shared == 1
            mat.toon_texture = self.one("B" if mat.toon_shared else self.tfmt)
            mat.comment = self.text()
            mat.index_count = self.one("i")
            model.materials.append(mat)

    def bones(self, model: m.Model) -> None:
        self.section = "bones"
        bf = self.bfmt
        for _ in range(self.count("i", 8 + 12 + self.bsize + 6 + self.bsize, "bone")):
            bone = m.Bone(self.text(), self.text())
            bone.position = self.vec(3)
            bone.parent, bone.layer, bone.flags = self.unpack(bf + "iH")
            if bone.flags & m.BONE_TAIL_IS_BONE:
                bone.tail_bone = self.one(bf)
            else:
                bone.tail_offset = self.vec(3)
            if bone.flags & (m.BONE_INHERIT_ROTATION | m.BONE_INHERIT_TRANSLATION):
                bone.grant_parent, bone.grant_weight = self.unpack(bf + "f")
            if bone.flags & m.BONE_FIXED_AXIS:
                bone.fixed_axis = self.vec(3)
            if bone.flags & m.BONE_LOCAL_AXES:
                bone.local_x, bone.local_z = self.vec(3), self.vec(3)
            if bone.flags & m.BONE_EXTERNAL_PARENT:
                bone.external_key = self.one("i")
            if bone.flags & m.BONE_IK:
                bone.ik_target, bone.ik_loops, bone.ik_limit_angle = self.unpack(bf + "if")
                for _ in range(self.count("i", self.bsize + 1, "IK link")):
                    link = m.IKLink(self.one(bf))
                    if self.one("B"):
                        link.limits = (self.vec(3), self.vec(3))
                    bone.ik_links.append(link)
            model.bones.append(bone)

    def _records(self, n: int, fields: list) -> np.ndarray:
        return self.array(np.dtype(fields), n)

    def morphs(self, model: m.Model) -> None:
        self.section = "morphs"
        v = "<" + {"B": "u1", "H": "u2", "i": "i4"}[self.vfmt]
        code = {"b": "<i1", "h": "<i2", "i": "<i4"}
        b, mo, r = code[self.bfmt], code[self.morph_fmt], code[self.rfmt]
        for _ in range(self.count("i", 14, "morph")):
            morph = m.Morph(self.text(), self.text())
            start = self.pos
            morph.panel, morph.kind = self.unpack("BB")
            if morph.kind > m.MORPH_IMPULSE:
                raise self.fail(f"morph {morph.name!r} has unknown kind {morph.kind}", start + 1)
            k = self.count("i", 1, "morph offset")
            if morph.kind in (m.MORPH_GROUP, m.MORPH_FLIP):
                rec = self._records(k, [("i", mo), ("w", "<f4")])
                morph.offsets = {"index": rec["i"].astype(np.int32), "weight": rec["w"].copy()}
            elif morph.kind == m.MORPH_VERTEX:
                rec = self._records(k, [("i", v), ("o", "<f4", 3)])
                morph.offsets = {"index": rec["i"].astype(np.int32), "offset": rec["o"].copy()}
            elif morph.kind == m.MORPH_BONE:
                rec = self._records(k, [("i", b), ("t", "<f4", 3), ("q", "<f4", 4)])
                morph.offsets = {
                    "index": rec["i"].astype(np.int32),
                    "translation": rec["t"].copy(),
                    "rotation": rec["q"].copy(),
                }
            elif morph.kind < m.MORPH_MATERIAL:  # uv and additional uv 1-4
                rec = self._records(k, [("i", v), ("o", "<f4", 4)])
                morph.offsets = {"index": rec["i"].astype(np.int32), "offset": rec["o"].copy()}
            elif morph.kind == m.MORPH_MATERIAL:
                self.need(k * (self.msize + 113), "material morph offsets")
                morph.offsets = [self._material_offset() for _ in range(k)]
            else:  # impulse
                rec = self._records(
                    k, [("i", r), ("local", "u1"), ("v", "<f4", 3), ("t", "<f4", 3)]
                )
                morph.offsets = [
                    {
                        "index": int(x["i"]),
                        "local": int(x["local"]),
                        "velocity": tuple(map(float, x["v"])),
                        "torque": tuple(map(float, x["t"])),
                    }
                    for x in rec
                ]
            model.morphs.append(morph)

    def _material_offset(self) -> dict:
        index, op = self.unpack(self.mfmt + "B")
        out = {"index": index, "op": op, "diffuse": self.vec(4), "specular": self.vec(3)}
        out["specular_power"] = self.one("f")
        out["ambient"], out["edge_color"] = self.vec(3), self.vec(4)
        out["edge_size"] = self.one("f")
        out["texture_tint"], out["sphere_tint"], out["toon_tint"] = (self.vec(4) for _ in range(3))
        return out

    def display_frames(self, model: m.Model) -> None:
        self.section = "display frames"
        for _ in range(self.count("i", 13, "display frame")):
            frame = m.DisplayFrame(self.text(), self.text())
            frame.special = bool(self.one("B"))
            for _ in range(self.count("i", 2, "display item")):
                start = self.pos
                kind = self.one("B")
                if kind not in (0, 1):
                    raise self.fail(f"display item type {kind}, expected 0 or 1", start)
                frame.items.append((kind, self.one(self.bfmt if kind == 0 else self.morph_fmt)))
            model.display_frames.append(frame)

    def rigid_bodies(self, model: m.Model) -> None:
        self.section = "rigid bodies"
        for _ in range(self.count("i", 8 + self.bsize + 4 + 56 + 1, "rigid body")):
            body = m.RigidBody(self.text(), self.text())
            body.bone, body.group, body.no_collision_mask, body.shape = self.unpack(
                self.bfmt + "BHB"
            )
            body.size, body.position, body.rotation = self.vec(3), self.vec(3), self.vec(3)
            (
                body.mass,
                body.linear_damping,
                body.angular_damping,
                body.restitution,
                body.friction,
                body.mode,
            ) = self.unpack("5fB")
            model.rigid_bodies.append(body)

    def joints(self, model: m.Model) -> None:
        self.section = "joints"
        for _ in range(self.count("i", 8 + 1 + 2 * self.rsize + 96, "joint")):
            joint = m.Joint(self.text(), self.text())
            joint.kind, joint.body_a, joint.body_b = self.unpack("B" + self.rfmt * 2)
            (
                joint.position,
                joint.rotation,
                joint.linear_lower,
                joint.linear_upper,
                joint.angular_lower,
                joint.angular_upper,
                joint.spring_linear,
                joint.spring_angular,
            ) = (self.vec(3) for _ in range(8))
            model.joints.append(joint)

    def soft_bodies(self, model: m.Model) -> None:
        self.section = "soft bodies"
        for _ in range(self.count("i", 141 + self.msize, "soft body")):
            body = m.SoftBody(self.text(), self.text())
            f = body.fields
            f["shape"], f["material"], f["group"], f["no_collision_mask"], f["flags"] = self.unpack(
                "B" + self.mfmt + "BHB"
            )
            f["b_link_distance"], f["clusters"], f["total_mass"], f["margin"], f["aero_model"] = (
                self.unpack("iiffi")
            )
            f["config"], f["cluster"] = self.vec(12), self.vec(6)
            f["iteration"], f["material_params"] = self.unpack("4i"), self.vec(3)
            n = self.count("i", self.rsize + self.vsize + 1, "soft body anchor")
            f["anchors"] = [self.unpack(self.rfmt + self.vfmt + "B") for _ in range(n)]
            n = self.count("i", self.vsize, "soft body pin")
            f["pins"] = [self.one(self.vfmt) for _ in range(n)]
            model.soft_bodies.append(body)


def read_pmx(data: bytes, path: str | Path = "<bytes>") -> m.Model:
    """A Model from the bytes of a PMX 2.0/2.1 file; raises MMDFormatError when invalid."""
    cur = _PMX(data, str(path))
    model = cur.header()
    cur.vertices(model)
    cur.faces(model)
    cur.textures(model)
    cur.materials(model)
    cur.bones(model)
    cur.morphs(model)
    cur.display_frames(model)
    cur.rigid_bodies(model)
    cur.joints(model)
    if model.version >= 2.1 and cur.left:
        cur.soft_bodies(model)
    check_indices(model, str(path))
    return model


def _bad(path: str, section: str, message: str) -> MMDFormatError:
    return MMDFormatError(path, section, -1, message)


def _check(path: str, section: str, what: str, values, limit: int, allow_none: bool = True):
    arr = np.asarray(values, np.int64).ravel()
    if arr.size:
        low = -1 if allow_none else 0
        bad = (arr < low) | (arr >= limit)
        if bad.any():
            value = int(arr[np.argmax(bad)])
            raise _bad(path, section, f"{what} index {value} out of range (0..{limit - 1})")


def check_indices(model: m.Model, path: str) -> None:
    """Every cross reference points at an existing element (-1 = none where allowed)."""
    nv, nt, nm = len(model.positions), len(model.textures), len(model.materials)
    nb, nmo, nr = len(model.bones), len(model.morphs), len(model.rigid_bodies)
    _check(path, "vertices", "bone", model.bone_indices, nb)
    _check(path, "faces", "vertex", model.faces, nv, allow_none=False)
    if sum(mat.index_count for mat in model.materials) > model.faces.size:
        raise _bad(path, "materials", "materials cover more face indices than the file has")
    for mat in model.materials:
        if mat.index_count < 0 or mat.index_count % 3:
            raise _bad(path, "materials", f"material {mat.name!r}: bad face count")
        _check(path, "materials", "texture", [mat.texture, mat.sphere_texture], nt)
        if mat.toon_shared:
            _check(path, "materials", "shared toon", mat.toon_texture, 10)
        else:
            _check(path, "materials", "toon texture", mat.toon_texture, nt)
    for bone in model.bones:
        refs = [bone.parent, bone.tail_bone, bone.grant_parent, bone.ik_target]
        refs += [link.bone for link in bone.ik_links]
        _check(path, "bones", f"bone {bone.name!r}: bone", refs, nb)
    limits = {m.MORPH_GROUP: nmo, m.MORPH_FLIP: nmo, m.MORPH_VERTEX: nv, m.MORPH_BONE: nb}
    limits.update({kind: nv for kind in range(m.MORPH_UV, m.MORPH_MATERIAL)})
    limits.update({m.MORPH_MATERIAL: nm + 1, m.MORPH_IMPULSE: nr})  # material -1 = all
    for morph in model.morphs:
        offs = morph.offsets
        index = offs["index"] if isinstance(offs, dict) else [o["index"] for o in offs]
        _check(path, "morphs", f"morph {morph.name!r}: target", index, limits[morph.kind])
    for frame in model.display_frames:
        for kind, index in frame.items:
            _check(path, "display frames", "item", index, nb if kind == 0 else nmo)
    for body in model.rigid_bodies:
        _check(path, "rigid bodies", f"rigid body {body.name!r}: bone", body.bone, nb)
    for joint in model.joints:
        _check(path, "joints", f"joint {joint.name!r}: body", [joint.body_a, joint.body_b], nr)

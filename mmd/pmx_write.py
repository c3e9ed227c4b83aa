# SPDX-License-Identifier: GPL-3.0-or-later
"""PMX 2.0 / 2.1 writer (no bpy): the inverse of ``pmx.read_pmx``, vertices written with numpy."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from . import model as m

_SIGNED = {1: ("b", "<i1"), 2: ("h", "<i2"), 4: ("i", "<i4")}
_UNSIGNED = {1: ("B", "<u1"), 2: ("H", "<u2"), 4: ("i", "<i4")}
_BONES_PER_TYPE = {m.BDEF1: 1, m.BDEF2: 2, m.BDEF4: 4, m.SDEF: 2, m.QDEF: 4}
_WEIGHTS_PER_TYPE = {m.BDEF1: 0, m.BDEF2: 1, m.BDEF4: 4, m.SDEF: 1, m.QDEF: 4}


def _signed_size(count: int) -> int:
    return 1 if count < 128 else 2 if count < 32768 else 4


def _vertex_size(count: int) -> int:
    return 1 if count < 256 else 2 if count < 65536 else 4


class _Writer:
    def __init__(self, model: m.Model) -> None:
        self.model = model
        self.version = model.version if model.version in (2.0, 2.1) else 2.0  # PMD is 1.0
        self.parts: list[bytes] = []
        self.encoding = "utf-8" if model.encoding == "utf-8" else "utf-16-le"
        self.vsize = _vertex_size(len(model.positions))
        self.tsize, self.msize, self.bsize, self.morph_size, self.rsize = (
            _signed_size(len(items))
            for items in (
                model.textures,
                model.materials,
                model.bones,
                model.morphs,
                model.rigid_bodies,
            )
        )
        self.v, self.t, self.mat = (
            _UNSIGNED[self.vsize][0],
            _SIGNED[self.tsize][0],
            _SIGNED[self.msize][0],
        )
        self.b, self.mo, self.r = (_SIGNED[s][0] for s in (self.bsize, self.morph_size, self.rsize))

    def pack(self, fmt: str, *values) -> None:
        self.parts.append(struct.pack("<" + fmt, *values))

    def text(self, value: str) -> None:
        raw = value.encode(self.encoding)
        self.pack("i", len(raw))
        self.parts.append(raw)

    def vec(self, values) -> None:
        self.pack(f"{len(values)}f", *values)

    def header(self) -> None:
        model = self.model
        n_uv = model.additional_uvs.shape[1] if model.additional_uvs.ndim == 3 else 0
        self.parts.append(b"PMX ")
        self.pack("fB", self.version, 8)
        enc = 1 if self.encoding == "utf-8" else 0
        self.pack(
            "8B",
            enc,
            n_uv,
            self.vsize,
            self.tsize,
            self.msize,
            self.bsize,
            self.morph_size,
            self.rsize,
        )
        for text in (model.name, model.name_e, model.comment, model.comment_e):
            self.text(text)

    def vertices(self) -> None:
        model = self.model
        n = len(model.positions)
        n_uv = model.additional_uvs.shape[1] if model.additional_uvs.ndim == 3 else 0
        types = np.asarray(model.weight_types, np.uint8)
        bidx = _SIGNED[self.bsize][1]
        dtypes = {}
        for t, k in _BONES_PER_TYPE.items():
            fields = [("pos", "<f4", (3,)), ("nrm", "<f4", (3,)), ("uv", "<f4", (2,))]
            fields += [("auv", "<f4", (n_uv, 4)), ("type", "u1"), ("bone", bidx, (k,))]
            fields += [("w", "<f4", (_WEIGHTS_PER_TYPE[t],))]
            if t == m.SDEF:
                fields.append(("sdef", "<f4", (3, 3)))
            dtypes[t] = np.dtype(fields + [("edge", "<f4")])
        sizes = np.array([dtypes.get(t, dtypes[m.BDEF1]).itemsize for t in range(256)])[types]
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        out = np.zeros(int(sizes.sum()), np.uint8)
        for t in np.unique(types):
            dtype, k = dtypes[int(t)], _BONES_PER_TYPE[int(t)]
            rows = np.flatnonzero(types == t)
            rec = np.zeros(len(rows), dtype)
            rec["pos"], rec["nrm"], rec["uv"] = (
                model.positions[rows],
                model.normals[rows],
                model.uvs[rows],
            )
            if model.additional_uvs.size:  # (0, 0, 4) when a model has none
                rec["auv"] = model.additional_uvs[rows]
            rec["type"] = t
            rec["bone"] = model.bone_indices[rows, :k]
            nw = _WEIGHTS_PER_TYPE[int(t)]
            if nw:
                rec["w"] = model.bone_weights[rows, :nw]
            if t == m.SDEF:
                rec["sdef"] = model.sdef[rows]
            rec["edge"] = model.edge_scale[rows]
            out[starts[rows, None] + np.arange(dtype.itemsize)] = rec.view(np.uint8).reshape(
                len(rows), -1
            )
        self.pack("i", n)
        self.parts.append(out.tobytes())

    def faces(self) -> None:
        faces = np.asarray(self.model.faces).reshape(-1)
        self.pack("i", len(faces))
        self.parts.append(faces.astype(_UNSIGNED[self.vsize][1]).tobytes())

    def materials(self) -> None:
        self.pack("i", len(self.model.textures))
        for texture in self.model.textures:
            self.text(texture)
        self.pack("i", len(self.model.materials))
        for mat in self.model.materials:
            self.text(mat.name)
            self.text(mat.name_e)
            self.vec(mat.diffuse)
            self.vec(mat.specular)
            self.pack("f", mat.specular_power)
            self.vec(mat.ambient)
            self.pack("B", mat.flags)
            self.vec(mat.edge_color)
            self.pack("f", mat.edge_size)
            self.pack(
                self.t * 2 + "BB",
                mat.texture,
                mat.sphere_texture,
                mat.sphere_mode,
                int(mat.toon_shared),
            )
            self.pack("B" if mat.toon_shared else self.t, mat.toon_texture)
            self.text(mat.comment)
            self.pack("i", mat.index_count)

    def bones(self) -> None:
        b = self.b
        self.pack("i", len(self.model.bones))
        for bone in self.model.bones:
            self.text(bone.name)
            self.text(bone.name_e)
            self.vec(bone.position)
            self.pack(b + "iH", bone.parent, bone.layer, bone.flags)
            if bone.flags & m.BONE_TAIL_IS_BONE:
                self.pack(b, bone.tail_bone)
            else:
                self.vec(bone.tail_offset)
            if bone.flags & (m.BONE_INHERIT_ROTATION | m.BONE_INHERIT_TRANSLATION):
                self.pack(b + "f", bone.grant_parent, bone.grant_weight)
            if bone.flags & m.BONE_FIXED_AXIS:
                self.vec(bone.fixed_axis)
            if bone.flags & m.BONE_LOCAL_AXES:
                self.vec(bone.local_x)
                self.vec(bone.local_z)
            if bone.flags & m.BONE_EXTERNAL_PARENT:
                self.pack("i", bone.external_key)
            if bone.flags & m.BONE_IK:
                self.pack(
                    b + "ifi",
                    bone.ik_target,
                    bone.ik_loops,
                    bone.ik_limit_angle,
                    len(bone.ik_links),
                )
                for link in bone.ik_links:
                    self.pack(b + "B", link.bone, link.limits is not None)
                    if link.limits is not None:
                        self.vec(link.limits[0])
                        self.vec(link.limits[1])

    def morphs(self) -> None:
        index_dtype = {
            m.MORPH_GROUP: self.morph_size,
            m.MORPH_FLIP: self.morph_size,
            m.MORPH_BONE: self.bsize,
        }
        self.pack("i", len(self.model.morphs))
        for morph in self.model.morphs:
            self.text(morph.name)
            self.text(morph.name_e)
            self.pack(
                "BBi",
                morph.panel,
                morph.kind,
                len(morph.offsets["index"] if isinstance(morph.offsets, dict) else morph.offsets),
            )
            offs = morph.offsets
            if morph.kind == m.MORPH_MATERIAL:
                for o in offs:
                    self.pack(self.mat + "B", o["index"], o["op"])
                    for key in ("diffuse", "specular"):
                        self.vec(o[key])
                    self.pack("f", o["specular_power"])
                    self.vec(o["ambient"])
                    self.vec(o["edge_color"])
                    self.pack("f", o["edge_size"])
                    for key in ("texture_tint", "sphere_tint", "toon_tint"):
                        self.vec(o[key])
                continue
            if morph.kind == m.MORPH_IMPULSE:
                for o in offs:
                    self.pack(self.r + "B6f", o["index"], o["local"], *o["velocity"], *o["torque"])
                continue
            if morph.kind in index_dtype:
                idx = _SIGNED[index_dtype[morph.kind]][1]
            else:
                idx = _UNSIGNED[self.vsize][1]
            if morph.kind in (m.MORPH_GROUP, m.MORPH_FLIP):
                fields = [("i", idx), ("weight", "<f4")]
            elif morph.kind == m.MORPH_BONE:
                fields = [("i", idx), ("translation", "<f4", (3,)), ("rotation", "<f4", (4,))]
            else:
                width = 3 if morph.kind == m.MORPH_VERTEX else 4
                fields = [("i", idx), ("offset", "<f4", (width,))]
            rec = np.zeros(len(offs["index"]), fields)
            rec["i"] = offs["index"]
            for name, *_ in fields[1:]:
                rec[name] = offs[name]
            self.parts.append(rec.tobytes())

    def display_frames(self) -> None:
        self.pack("i", len(self.model.display_frames))
        for frame in self.model.display_frames:
            self.text(frame.name)
            self.text(frame.name_e)
            self.pack("Bi", frame.special, len(frame.items))
            for kind, index in frame.items:
                self.pack("B" + (self.b if kind == 0 else self.mo), kind, index)

    def physics(self) -> None:
        self.pack("i", len(self.model.rigid_bodies))
        for body in self.model.rigid_bodies:
            self.text(body.name)
            self.text(body.name_e)
            self.pack(self.b + "BHB", body.bone, body.group, body.no_collision_mask, body.shape)
            for v in (body.size, body.position, body.rotation):
                self.vec(v)
            self.pack(
                "5fB",
                body.mass,
                body.linear_damping,
                body.angular_damping,
                body.restitution,
                body.friction,
                body.mode,
            )
        self.pack("i", len(self.model.joints))
        for j in self.model.joints:
            self.text(j.name)
            self.text(j.name_e)
            self.pack("B" + self.r * 2, j.kind, j.body_a, j.body_b)
            for v in (j.position, j.rotation, j.linear_lower, j.linear_upper):
                self.vec(v)
            for v in (j.angular_lower, j.angular_upper, j.spring_linear, j.spring_angular):
                self.vec(v)

    def soft_bodies(self) -> None:
        self.pack("i", len(self.model.soft_bodies))
        for body in self.model.soft_bodies:
            f = body.fields
            self.text(body.name)
            self.text(body.name_e)
            self.pack(
                "B" + self.mat + "BHB",
                f["shape"],
                f["material"],
                f["group"],
                f["no_collision_mask"],
                f["flags"],
            )
            self.pack(
                "iiffi",
                f["b_link_distance"],
                f["clusters"],
                f["total_mass"],
                f["margin"],
                f["aero_model"],
            )
            self.vec(f["config"])
            self.vec(f["cluster"])
            self.pack("4i", *f["iteration"])
            self.vec(f["material_params"])
            self.pack("i", len(f["anchors"]))
            for anchor in f["anchors"]:
                self.pack(self.r + self.v + "B", *anchor)
            self.pack("i", len(f["pins"]))
            for pin in f["pins"]:
                self.pack(self.v, pin)


def pmx_bytes(model: m.Model) -> bytes:
    """The bytes of ``model`` as PMX (2.1 keeps its soft bodies); smallest index sizes."""
    w = _Writer(model)
    w.header()
    w.vertices()
    w.faces()
    w.materials()
    w.bones()
    w.morphs()
    w.display_frames()
    w.physics()
    if w.version >= 2.1:
        w.soft_bodies()
    return b"".join(w.parts)


def write_pmx(model: m.Model, path: str | Path) -> None:
    """Write ``model`` as a PMX file that ``mmd.read`` reads back to an equal Model."""
    Path(path).write_bytes(pmx_bytes(model))

# SPDX-License-Identifier: GPL-3.0-or-later
"""A character's parameters -> a PMX-like Model: skeleton, body, face, hair, outfit."""

from __future__ import annotations

import numpy as np

from ..model import BDEF1, BDEF2, MORPH_VERTEX, Material, Model, Morph
from .body import Figure, proportions
from .face import Head
from .geometry import Parts, vertex_normals
from .hair import build_hair
from .outfits import OUTFIT_BUILDERS
from .params import CharacterParams, check
from .skeleton import bone_table, build_bones, finish_character_bones, with_character_bones

# Material key -> (Japanese name, English name = role, edge size or 0 for none). Faces are
# ordered as listed; eyes, brows and mouth are drawn flat on the skin, without edges.
MATERIALS = {
    "skin": ("肌", "skin", 0.8),
    "eye_white": ("しろめ", "eye_white", 0.0),  # not "目": recolor looks keep it light
    "eyes": ("瞳", "eyes", 0.0),
    "lashes": ("まつげ", "eye_lashes", 0.0),
    "brows": ("眉", "brows", 0.0),
    "mouth": ("口", "mouth", 0.0),
    "hair": ("髪", "hair", 1.0),
    "legwear": ("靴下", "clothes_legwear", 0.8),
    "inner": ("シャツ", "clothes_inner", 0.8),
    "bottom": ("下衣", "clothes_bottom", 1.0),
    "top": ("上着", "clothes_top", 1.0),
    "accent": ("リボン", "clothes_accent", 0.8),
    "shoes": ("靴", "shoes", 1.0),
}


FULL_LENGTH_LEGS = ("blazer_trousers", "long_coat")
# Open surfaces (skirts, hems, the hair shell) show their inside when a pose turns them.
DOUBLE_SIDED = ("hair", "legwear", "inner", "bottom", "top", "accent")


def _colors(params: CharacterParams) -> dict[str, tuple[float, float, float]]:
    c = {k: tuple(float(v) for v in rgb) for k, rgb in params.colors.items()}
    hair = np.asarray(c["hair"])
    c["eye_white"] = (0.98, 0.98, 1.0)
    c["brows"] = tuple(float(v) for v in np.clip(hair * 0.35 + 0.02, 0, 1))
    c["lashes"] = (0.08, 0.06, 0.07)
    c["mouth"] = (0.62, 0.24, 0.26)
    return c


def _blink(model: Model, eye_rows: np.ndarray, centers: np.ndarray) -> Morph:
    """まばたき: every eye vertex (whites, irises, lashes) pressed onto its eye's mid line."""
    offset = np.zeros((len(eye_rows), 3), np.float32)
    offset[:, 1] = (centers - model.positions[eye_rows, 1]) * 0.9
    return Morph("まばたき", "blink", 2, MORPH_VERTEX, {"index": eye_rows.astype(np.int32),
                                                       "offset": offset})  # fmt: skip


def build(params: CharacterParams) -> Model:
    """The character as a Model (ours to write as PMX; see ``character_model``)."""
    check(params)
    p, dims = proportions(params.body)
    bones = build_bones(with_character_bones(bone_table(p), p))
    finish_character_bones(bones)
    fig = Figure(p, dims, bones)
    parts = Parts()
    head = Head(dims, fig.index["頭"])
    fig.trunk(parts)
    fig.neck(parts)
    head.skull(parts)
    for sign in (1.0, -1.0):
        fig.arm(parts, "skin", sign)
        fig.hand(parts, "skin", sign)
        trousers = params.outfit in FULL_LENGTH_LEGS or (params.outfit == "hoodie" and
                                                          dims.child <= 0.5)  # fmt: skip
        if not trousers:  # legs hidden under trousers are not built
            fig.leg(parts, "skin", sign)
    head.face(parts)
    build_hair(params.hair, head, fig, parts)
    OUTFIT_BUILDERS[params.outfit](fig, parts)
    return _assemble(params, parts, bones, p.eye[1])


def _assemble(params: CharacterParams, parts: Parts, bones, eye_y: float) -> Model:
    colors = _colors(params)
    arrays: dict[str, list] = {k: [] for k in ("pos", "nrm", "face", "bone", "w")}
    materials, eye_rows, offset = [], [], 0
    for key, (name, name_e, edge) in MATERIALS.items():
        count = 0
        for piece in parts.pieces.get(key, ()):
            n = len(piece.positions)
            normals = piece.normals
            if normals is None:
                normals = vertex_normals(piece.positions, piece.faces)
            for k, v in zip(arrays, (piece.positions, normals, piece.faces + offset,
                                     piece.bones, piece.weights), strict=True):  # fmt: skip
                arrays[k].append(v)
            if key in ("eye_white", "eyes", "lashes"):
                eye_rows.append(np.arange(offset, offset + n))
            offset += n
            count += 3 * len(piece.faces)
        if not count:
            continue
        rgb = colors[key]
        materials.append(Material(
            name, name_e, (*rgb, 1.0), ambient=tuple(0.5 * c for c in rgb),
            flags=(0x10 if edge else 0) | (0x01 if key in DOUBLE_SIDED else 0), edge_color=(*(0.25 * c for c in rgb), 1.0),
            edge_size=edge or 1.0, index_count=count, toon_shared=params.toon >= 0,
            toon_texture=params.toon,
        ))  # fmt: skip
    model = Model(
        name=params.name,
        name_e=params.name,
        comment=f"mmd2anime built-in character ({params.hair} hair, {params.outfit})",
    )
    model.positions = np.concatenate(arrays["pos"]).astype(np.float32)
    model.normals = np.concatenate(arrays["nrm"]).astype(np.float32)
    model.uvs = np.zeros((len(model.positions), 2), np.float32)
    model.faces = np.concatenate(arrays["face"]).astype(np.int32)
    two = np.concatenate(arrays["bone"]).astype(np.int32)
    w = np.concatenate(arrays["w"]).astype(np.float32)
    n = len(two)
    model.bone_indices = np.full((n, 4), -1, np.int32)
    model.bone_indices[:, :2] = two
    model.bone_weights = np.zeros((n, 4), np.float32)
    model.bone_weights[:, :2] = w
    blend = w[:, 1] > 1e-4
    model.weight_types = np.where(blend, BDEF2, BDEF1).astype(np.uint8)
    model.bone_indices[~blend, 1] = -1
    model.bone_weights[~blend] = (1.0, 0.0, 0.0, 0.0)
    model.edge_scale = np.ones(n, np.float32)
    model.bones = bones
    model.materials = materials
    rows = np.concatenate(eye_rows)
    model.morphs = [_blink(model, rows, np.full(len(rows), eye_y, np.float32))]
    return model

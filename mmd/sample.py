# SPDX-License-Identifier: GPL-3.0-or-later
"""A synthetic PMX Model that uses every feature of the format, for round-trip tests and benches."""

from __future__ import annotations

import numpy as np

from . import model as m


def sample_model(n_vertices: int = 300, seed: int = 0, version: float = 2.1) -> m.Model:
    """Random geometry with all weight types, morph kinds, bone options, physics (and 2.1 soft
    bodies); values are float32-exact so a write/read round trip can compare them exactly."""
    rng = np.random.default_rng(seed)
    n, n_bones, n_uv = max(n_vertices, 12), 6, 2

    def f32(*shape: int) -> np.ndarray:
        return rng.standard_normal(shape).astype(np.float32)

    def vec(k: int) -> tuple[float, ...]:
        return tuple(float(v) for v in f32(k))

    model = m.Model(version=version, name="サンプル", name_e="sample", comment="c", comment_e="ce")
    model.positions, model.normals, model.uvs = f32(n, 3), f32(n, 3), f32(n, 2)
    model.additional_uvs, model.edge_scale = f32(n, n_uv, 4), f32(n)
    kinds = 5 if version >= 2.1 else 4  # QDEF is 2.1 only
    model.weight_types = rng.integers(0, kinds, n).astype(np.uint8)
    model.bone_indices = np.full((n, 4), -1, np.int32)
    model.bone_weights = np.zeros((n, 4), np.float32)
    model.sdef = np.zeros((n, 3, 3), np.float32)
    for t, k in ((m.BDEF1, 1), (m.BDEF2, 2), (m.BDEF4, 4), (m.SDEF, 2), (m.QDEF, 4)):
        rows = model.weight_types == t
        model.bone_indices[rows, :k] = rng.integers(0, n_bones, (rows.sum(), k))
        if k == 1:
            model.bone_weights[rows, 0] = 1.0
        elif k == 2:
            w = rng.random(rows.sum()).astype(np.float32)
            model.bone_weights[rows, 0], model.bone_weights[rows, 1] = w, np.float32(1) - w
        else:
            w = rng.random((rows.sum(), 4)).astype(np.float32)
            model.bone_weights[rows] = w
    sdef = model.weight_types == m.SDEF
    model.sdef[sdef] = f32(int(sdef.sum()), 3, 3)
    n_faces = n // 3 * 3
    model.faces = rng.integers(0, n, (n_faces, 3)).astype(np.int32)
    model.textures = ["tex/body.png", "肌.bmp"]
    half = n_faces // 2 * 3
    model.materials = [
        m.Material(
            "体",
            "body",
            vec(4),
            vec(3),
            5.0,
            vec(3),
            0x13,
            vec(4),
            1.0,
            0,
            1,
            1,
            True,
            3,
            "memo",
            half,
        ),
        m.Material("髪", "hair", texture=1, toon_texture=0, index_count=n_faces * 3 - half),
    ]
    center = m.Bone("センター", "center", vec(3), flags=0x1E, tail_offset=vec(3))
    upper = m.Bone("上半身", "upper", vec(3), 0, 1, 0x1F | m.BONE_LOCAL_AXES, tail_bone=2)
    upper.local_x, upper.local_z = vec(3), vec(3)
    neck = m.Bone("首", "neck", vec(3), 1, flags=0x1B | m.BONE_INHERIT_ROTATION | m.BONE_FIXED_AXIS)
    neck.grant_parent, neck.grant_weight, neck.fixed_axis = 1, 0.5, vec(3)
    leg = m.Bone("左足", "leg", vec(3), 0, flags=0x1B | m.BONE_EXTERNAL_PARENT, external_key=3)
    knee = m.Bone("左ひざ", "knee", vec(3), 3)
    ik = m.Bone("左足ＩＫ", "leg IK", vec(3), 0, flags=0x3F, tail_bone=-1, ik_target=4, ik_loops=40)
    ik.ik_limit_angle = 2.0
    ik.ik_links = [m.IKLink(4, ((-3.0, 0.0, 0.0), (-0.5, 0.0, 0.0))), m.IKLink(3)]
    model.bones = [center, upper, neck, leg, knee, ik]

    def idx(k: int, limit: int) -> np.ndarray:
        return rng.integers(0, limit, k).astype(np.int32)

    morphs = [
        m.Morph("あ", "a", 3, m.MORPH_VERTEX, {"index": idx(5, n), "offset": f32(5, 3)}),
        m.Morph("グループ", "", 4, m.MORPH_GROUP, {"index": idx(2, 1), "weight": f32(2)}),
        m.Morph(
            "ボーン",
            "",
            4,
            m.MORPH_BONE,
            {"index": idx(2, n_bones), "translation": f32(2, 3), "rotation": f32(2, 4)},
        ),
    ]
    morphs += [
        m.Morph(f"uv{k}", "", 4, k, {"index": idx(3, n), "offset": f32(3, 4)}) for k in range(3, 8)
    ]
    material = {"index": -1, "op": 1, "specular_power": 2.0, "edge_size": 0.5}
    for key, k in (("diffuse", 4), ("specular", 3), ("ambient", 3), ("edge_color", 4)):
        material[key] = vec(k)
    for key in ("texture_tint", "sphere_tint", "toon_tint"):
        material[key] = vec(4)
    morphs.append(m.Morph("材質", "", 4, m.MORPH_MATERIAL, [material, dict(material, index=1)]))
    if version >= 2.1:
        morphs.append(
            m.Morph("フリップ", "", 4, m.MORPH_FLIP, {"index": idx(2, 1), "weight": f32(2)})
        )
        impulse = {"index": 0, "local": 1, "velocity": vec(3), "torque": vec(3)}
        morphs.append(m.Morph("インパルス", "", 4, m.MORPH_IMPULSE, [impulse]))
    model.morphs = morphs
    model.display_frames = [
        m.DisplayFrame("Root", "Root", True, [(0, 0)]),
        m.DisplayFrame("表情", "Exp", True, [(1, 0), (1, 1)]),
        m.DisplayFrame("体", "body", False, [(0, 1), (0, 2)]),
    ]
    model.rigid_bodies = [
        m.RigidBody("頭", "", 2, 1, 0xFFFE, 0, vec(3), vec(3), vec(3), 1.0, 0.5, 0.5, 0.0, 0.5, 0),
        m.RigidBody(
            "髪", "", -1, 2, 0xFFFC, 2, vec(3), vec(3), vec(3), 0.5, 0.75, 0.75, 0.0, 0.0, 1
        ),
    ]
    model.joints = [m.Joint("髪J", "", 0, 0, 1, *(vec(3) for _ in range(8)))]
    if version >= 2.1:
        fields = {
            "shape": 0, "material": 1, "group": 3, "no_collision_mask": 0xFFFF, "flags": 3,
            "b_link_distance": 2, "clusters": 4, "total_mass": 1.0, "margin": 0.25, "aero_model": 1,
            "config": vec(12), "cluster": vec(6), "iteration": (1, 2, 3, 4), "material_params": vec(3),
            "anchors": [(0, 1, 1), (1, 2, 0)], "pins": [3, 4],
        }  # fmt: skip
        model.soft_bodies = [m.SoftBody("スカート", "skirt", fields)]
    return model

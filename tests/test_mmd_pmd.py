# SPDX-License-Identifier: GPL-3.0-or-later
"""PMD reader on a PMD built byte by byte here from the format's layout."""

from __future__ import annotations

import math
import struct

import numpy as np
import pytest

from mmd2anime import mmd
from mmd2anime.mmd import model as mm


def sj(text: str, size: int) -> bytes:
    return text.encode("cp932").ljust(size, b"\0")


def build_pmd(english: bool = True, physics: bool = True) -> bytes:
    out = [b"Pmd", struct.pack("<f", 1.0), sj("テスト", 20), sj("コメント", 256)]
    # 4 vertices: weight 100 -> bone 0 only; edge flag 1 on the last (no outline).
    out.append(struct.pack("<I", 4))
    for i in range(4):
        out.append(
            struct.pack("<8f2HBB", i, i + 1, 0, 0, 0, 1, 0.25 * i, 0.5, 0, 1, 100 - 25 * i, i == 3)
        )
    out.append(struct.pack("<I6H", 6, 0, 1, 2, 2, 1, 3))
    out.append(struct.pack("<I", 1))
    out.append(struct.pack("<4ff3f3fBBI", 1, 0.5, 0.25, 1, 5, 0, 0, 0, 0.5, 0.5, 0.5, 2, 1, 6))
    out.append(sj("tex.bmp*env.spa", 20))
    # Bones: センター (rotate+move), 左ひざ, 左足首, 左足ＩＫ (type 2), 捩 (twist to 左足首).
    bones = [("センター", 0xFFFF, 1, 1, 0, (0, 0, 0)), ("左ひざ", 0, 2, 0, 0, (0, 5, 0))]
    bones += [("左足首", 1, 0, 6, 0, (0, 1, 0)), ("左足ＩＫ", 0, 0, 2, 0, (0, 1, 1))]
    bones += [("捩", 0, 2, 8, 0, (0, 3, 0))]
    out.append(struct.pack("<H", len(bones)))
    for name, parent, tail, kind, ik, pos in bones:
        out.append(sj(name, 20) + struct.pack("<HHBH3f", parent, tail, kind, ik, *pos))
    out.append(struct.pack("<H", 1) + struct.pack("<HHBHf2H", 3, 2, 2, 40, 0.5, 1, 0))
    # Morphs: base (vertices 1 and 3), then "あ" moving base entry 1 (= vertex 3).
    out.append(struct.pack("<H", 2))
    out.append(
        sj("base", 20) + struct.pack("<IB", 2, 0) + struct.pack("<I3fI3f", 1, 0, 0, 0, 3, 0, 0, 0)
    )
    out.append(sj("あ", 20) + struct.pack("<IB", 1, 3) + struct.pack("<I3f", 1, 0.5, 0, 0))
    out.append(struct.pack("<BH", 1, 1))
    out.append(struct.pack("<B", 1) + sj("足", 50))
    out.append(struct.pack("<I", 2) + struct.pack("<HBHB", 1, 1, 3, 1))
    if english:
        out.append(struct.pack("<B", 1) + sj("test", 20) + sj("comment", 256))
        out += [sj(n, 20) for n in ("center", "knee", "ankle", "leg IK", "twist", "a")]
        out.append(sj("Legs", 50))
        out += [sj(f"toon{i:02d}.bmp", 100) for i in range(1, 11)]
    if physics:
        out.append(struct.pack("<I", 2))
        for i in range(2):
            out.append(sj(f"剛体{i}", 20) + struct.pack("<HBHB", 1, 0, 0xFFFF, 1))
            out.append(struct.pack("<9f5fB", 1, 1, 1, 0, 1, 0, 0, 0, 0, 1, 0.5, 0.5, 0, 0.5, i))
        out.append(
            struct.pack("<I", 1)
            + sj("J", 20)
            + struct.pack("<II", 0, 1)
            + struct.pack("<24f", *range(24))
        )
    return b"".join(out)


def test_pmd_maps_onto_the_model():
    model = mmd.read_bytes(build_pmd(), "t.pmd")
    assert (model.format, model.name, model.comment, model.name_e) == (
        "pmd",
        "テスト",
        "コメント",
        "test",
    )
    assert len(model.positions) == 4 and model.faces.tolist() == [[0, 1, 2], [2, 1, 3]]
    assert np.allclose(model.bone_weights[:, :2].sum(axis=1), 1.0)
    assert model.bone_weights[:, 0].tolist() == [1.0, 0.75, 0.5, 0.25]
    assert model.edge_scale.tolist() == [1, 1, 1, 0]
    mat = model.materials[0]
    assert model.textures == ["tex.bmp", "env.spa"] and (mat.texture, mat.sphere_texture) == (0, 1)
    assert mat.sphere_mode == 2 and mat.toon_shared and mat.toon_texture == 2 and mat.flags & 0x10
    names = [b.name for b in model.bones]
    assert names == ["センター", "左ひざ", "左足首", "左足ＩＫ", "捩"]
    assert [b.name_e for b in model.bones] == ["center", "knee", "ankle", "leg IK", "twist"]
    ik = model.bones[3]
    assert ik.is_ik and ik.ik_target == 2 and ik.ik_loops == 40 and ik.ik_limit_angle == 2.0
    assert [link.bone for link in ik.ik_links] == [1, 0]
    assert ik.ik_links[0].limits[0][0] == pytest.approx(-math.pi) and ik.ik_links[1].limits is None
    assert model.bones[1].tail_bone == 2 and model.bones[0].flags & mm.BONE_MOVABLE
    assert not model.bones[2].flags & mm.BONE_VISIBLE  # IK target
    assert model.bones[4].fixed_axis == pytest.approx((0, -1, 0))
    assert len(model.morphs) == 1
    morph = model.morphs[0]
    assert (morph.name, morph.name_e, morph.panel) == ("あ", "a", 3)
    assert morph.offsets["index"].tolist() == [3]  # base entry 1 is vertex 3
    assert [f.items for f in model.display_frames] == [[(0, 0)], [(1, 0)], [(0, 1), (0, 3)]]
    assert model.display_frames[2].name_e == "Legs"
    assert model.toon_textures[0] == "toon01.bmp" and len(model.toon_textures) == 10
    body = model.rigid_bodies[1]
    assert body.bone == 1 and body.position == (0.0, 6.0, 0.0)  # relative to 左ひざ at y=5
    assert (
        body.mode == 1
        and model.joints[0].body_b == 1
        and model.joints[0].spring_angular == (21, 22, 23)
    )


def test_pmd_without_optional_tail():
    model = mmd.read_bytes(build_pmd(english=False, physics=False), "t.pmd")
    assert model.name_e == "" and model.toon_textures == [] and model.rigid_bodies == []


def test_pmd_truncations_fail_except_at_optional_section_ends():
    data = build_pmd()
    core, with_names = len(build_pmd(False, False)), len(build_pmd(True, False))
    english_end = with_names - 1000  # before the ten toon names
    rigid_end = len(data) - 4 - 124  # before the joint section
    ok = set()
    for end in range(len(data) + 1):
        try:
            mmd.read_bytes(data[:end], "t.pmd")
            ok.add(end)
        except mmd.MMDFormatError:
            pass
    assert ok == {core, english_end, with_names, rigid_end, len(data)}


def test_pmd_cli_inspect(tmp_path):
    from mmd2anime.mmd.__main__ import summary

    info = summary(mmd.read_bytes(build_pmd()))
    assert info["format"] == "pmd" and info["vertices"] == 4 and info["faces"] == 2
    assert info["bones"] == 5 and info["joints"] == 1 and info["additional_uvs"] == 0


def test_pmd_converts_to_pmx(tmp_path):
    from mmd2anime.mmd.pmx_write import write_pmx

    model = mmd.read_bytes(build_pmd(), "t.pmd")
    write_pmx(model, tmp_path / "t.pmx")
    again = mmd.read(tmp_path / "t.pmx")
    assert (again.format, again.version, again.encoding) == ("pmx", 2.0, "utf-16-le")
    assert [b.name for b in again.bones] == [b.name for b in model.bones]
    assert np.array_equal(again.bone_weights, model.bone_weights)
    assert again.morphs[0].offsets["index"].tolist() == [3]
    assert again.materials[0].toon_texture == 2 and again.rigid_bodies[1].position == (
        0.0,
        6.0,
        0.0,
    )

# SPDX-License-Identifier: GPL-3.0-or-later
"""The built-in characters without Blender: structure, budget, weights, variety, randomness."""

import itertools

import cv2
import numpy as np
import pytest
from conftest import run_without_bpy

from mmd2anime.mmd import characters
from mmd2anime.mmd.characters import PRESETS, params_for, random_params
from mmd2anime.mmd.characters.params import Body, CharacterParams
from mmd2anime.mmd.mannequin import build_mannequin
from mmd2anime.mmd.model import BDEF1, BDEF2

SPECS = [*PRESETS, "seed:0", "seed:1", "seed:2"]


@pytest.fixture(scope="module")
def models():
    return {spec: characters.character_model(spec) for spec in SPECS}


def test_characters_need_no_bpy():
    result = run_without_bpy(
        "from mmd2anime.mmd import characters\n"
        "m = characters.character_model('schoolgirl'); print(len(m.faces))"
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 1000


def test_the_cast_has_at_least_eight_distinct_presets():
    assert len(PRESETS) >= 8
    designs = {(p.body, p.hair, p.outfit) for p in PRESETS.values()}
    assert len(designs) == len(PRESETS)
    # Between them they show every age, hair style and outfit.
    assert {p.body.age for p in PRESETS.values()} == set(characters.AGES)
    assert {p.hair for p in PRESETS.values()} == set(characters.HAIR_STYLES)
    assert {p.outfit for p in PRESETS.values()} == set(characters.OUTFITS)


@pytest.mark.parametrize("spec", SPECS)
def test_every_character_round_trips_through_pmx_within_budget(models, spec):
    built, read = characters.build(spec), models[spec]
    assert len(read.faces) == len(built.faces) <= 20_000
    assert len(read.positions) == len(built.positions)
    np.testing.assert_allclose(read.positions, built.positions, atol=1e-5)
    assert [b.name for b in read.bones] == [b.name for b in built.bones]
    assert sum(m.index_count for m in read.materials) == 3 * len(read.faces)
    assert np.isfinite(read.normals).all()


@pytest.mark.parametrize("spec", ["schoolgirl", "child", "seed:1"])
def test_standard_bones_leg_ik_and_twist_bones(models, spec):
    model = models[spec]
    names = {b.name for b in model.bones}
    assert {b.name for b in build_mannequin().bones} <= names  # the full standard set
    assert {"左腕捩", "右腕捩", "左手捩", "右手捩"} <= names  # keyed by many motions
    leg_ik = model.bones[model.bone_index("左足ＩＫ")]
    assert leg_ik.is_ik and model.bones[leg_ik.ik_target].name == "左足首"
    assert [model.bones[link.bone].name for link in leg_ik.ik_links] == ["左ひざ", "左足"]
    toe_ik = model.bones[model.bone_index("右つま先ＩＫ")]
    assert toe_ik.is_ik and model.bones[toe_ik.ik_target].name == "右つま先"
    helper = model.bones[model.bone_index("左ひじ補助")]
    assert helper.grant_parent == model.bone_index("左ひじ")
    assert helper.grant_weight == pytest.approx(0.5)


def test_materials_are_named_by_role_with_mmd_edges(models):
    model = models["schoolgirl"]
    by_role = {m.name_e: m for m in model.materials}
    assert {"skin", "hair", "eyes", "brows", "mouth", "eye_white", "clothes_top"} <= set(by_role)
    for role in ("eyes", "brows", "mouth", "eye_white", "eye_lashes"):
        assert not by_role[role].flags & 0x10, role  # drawn flat on the face: no edge
    for role in ("skin", "hair", "clothes_top", "clothes_bottom", "shoes"):
        material = by_role[role]
        assert material.flags & 0x10 and material.edge_size > 0, role
        assert max(material.edge_color[:3]) < max(material.diffuse[:3])  # darker than fill


def test_weights_blend_across_elbows_and_knees(models):
    model = models["teacher"]
    kinds, index, weight = model.weight_types, model.bone_indices, model.bone_weights
    assert set(np.unique(kinds)) <= {BDEF1, BDEF2}
    total = np.where(kinds == BDEF2, 1.0, weight[:, 0])
    np.testing.assert_allclose(total, 1.0)
    for joint in ("左ひじ", "右ひざ"):
        helper, child = model.bone_index(f"{joint}補助"), model.bone_index(joint)
        near = np.linalg.norm(model.positions - model.bones[child].position, axis=1) < 1.0
        bones = set(index[near & (kinds == BDEF2)][:, :2].ravel())
        # Parent, helper and joint all take part: a blend, not a hinge of two rigid parts.
        assert {helper, child} <= bones and len(bones) >= 3, joint
        shares = weight[near & (kinds == BDEF2), 0]
        assert (shares > 0.2).any() and (shares < 0.8).any()


def test_random_characters_are_deterministic_and_in_range():
    assert random_params(7) == random_params(7)
    assert params_for("seed:7") == random_params(7)
    drawn = [random_params(seed) for seed in range(40)]
    assert len({(p.hair, p.outfit, p.body.age) for p in drawn}) > 15
    for p in drawn:
        lo, hi = characters.params.HEIGHTS[p.body.age]
        assert lo <= p.body.height <= hi and 5.0 <= p.body.heads <= 8.0
        assert set(p.colors) == set(characters.COLOR_PARTS)
    first = characters.build(random_params(3))
    again = characters.build(random_params(3))
    np.testing.assert_array_equal(first.positions, again.positions)
    # the cast covers real models' shading and colors: shared toons, saturated hair
    toons = {p.toon for p in drawn}
    assert -1 in toons and len(toons - {-1}) >= 4
    saturation = [max(p.colors["hair"]) - min(p.colors["hair"]) for p in drawn]
    assert max(saturation) > 0.8 and min(saturation) < 0.2
    shaded = next(p for p in drawn if p.toon >= 0)
    model = characters.build(shaded)
    assert all(m.toon_shared and m.toon_texture == shaded.toon for m in model.materials)
    assert not any(m.toon_shared for m in characters.build(PRESETS["child"]).materials)


def test_bad_parameters_and_names_say_what_is_wrong():
    with pytest.raises(KeyError, match="schoolgirl"):
        params_for("nobody")
    with pytest.raises(ValueError, match="hair 'mohawk'"):
        characters.build(CharacterParams(hair="mohawk"))
    with pytest.raises(ValueError, match="head-to-body ratio 9"):
        characters.build(CharacterParams(body=Body(heads=9.0)))
    with pytest.raises(ValueError, match="toon 12 is not"):
        characters.build(CharacterParams(toon=12))
    with pytest.raises(ValueError, match="color of top"):
        characters.build(PRESETS["child"].with_colors(top=(2.0, 0.0, 0.0)))


def _front_mask(model, pixels_per_unit: float = 10.0, size: int = 256, height=None):
    """Alpha mask seen by a fixed orthographic front camera (same camera for everyone), or
    with ``height`` every model scaled to that height first."""
    xy = model.positions[:, :2].astype(np.float64)
    if height is not None:
        xy *= height / xy[:, 1].max()
    px = np.stack([size / 2 + xy[:, 0] * pixels_per_unit, size - 12 - xy[:, 1] * pixels_per_unit],
                  1)  # fmt: skip
    triangles = np.round(px[model.faces] * 4).astype(np.int32)
    mask = np.zeros((size, size), np.uint8)
    cv2.fillPoly(mask, list(triangles), 1, lineType=cv2.LINE_8, shift=2)
    return mask.astype(bool)


@pytest.mark.parametrize("height", [None, 20.0])
def test_presets_rest_silhouettes_differ(models, height):
    """Variety target: pairwise IoU <= 0.85 of the rest-pose alpha masks seen by one fixed
    front camera, as they stand (a child reads smaller) and scaled to one height (the shapes
    alone differ too)."""
    masks = {name: _front_mask(models[name], height=height) for name in PRESETS}
    for a, b in itertools.combinations(masks, 2):
        iou = (masks[a] & masks[b]).sum() / (masks[a] | masks[b]).sum()
        assert iou <= 0.85, (a, b, iou)


def test_blink_morph_closes_both_eyes(models):
    model = models["child"]
    (blink,) = [m for m in model.morphs if m.name == "まばたき"]
    index, offset = blink.offsets["index"], np.asarray(blink.offsets["offset"])
    eye_materials = {"eyes", "eye_white", "eye_lashes"}
    start, owner = 0, np.empty(len(model.positions), object)
    for material in model.materials:
        rows = np.unique(model.faces.ravel()[start : start + material.index_count])
        owner[rows] = material.name_e
        start += material.index_count
    assert set(owner[index]) == eye_materials
    closed = model.positions[index, 1] + offset[:, 1]
    for side in (index[model.positions[index, 0] > 0], index[model.positions[index, 0] < 0]):
        assert len(side) > 50
    assert np.ptp(closed) < 0.25 * np.ptp(model.positions[index, 1])

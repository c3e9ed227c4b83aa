# SPDX-License-Identifier: GPL-3.0-or-later
"""Look files and the photography pass: bpy-free, so they run without Blender."""

import json

import numpy as np
import pytest
from conftest import run_without_bpy

from mmd2anime.bundle import FrameBundle
from mmd2anime.shaders import looks, photography

SHIPPED = ("lineart", "pastel", "storyboard", "vivid")


def test_shipped_looks_load_complete():
    assert set(SHIPPED) <= set(looks.list_looks())
    for name in SHIPPED:
        look = looks.load_look(name)
        assert look["name"] == name
        assert set(looks.CATEGORIES) <= set(look["palette"]) <= set(looks.ROLES)
        assert 1 <= len(look["bands"]["thresholds"]) <= 2


@pytest.mark.parametrize("name", SHIPPED)
def test_look_roundtrips_through_json(name, tmp_path):
    look = looks.load_look(name)
    written = looks.save_look(look, tmp_path / "mine.json")
    assert looks.load_look(written) == look
    assert looks.load_look("mine", user_dir=tmp_path) == look


def test_user_look_shadows_shipped_one(tmp_path):
    (tmp_path / "vivid.json").write_text(json.dumps({"background": "#123456"}), "utf-8")
    assert looks.load_look("vivid", user_dir=tmp_path)["background"] == "#123456"
    assert looks.load_look("vivid")["background"] != "#123456"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "not valid JSON at line 1"),
        ('{"bands": {"thresholds": [0.5, 0.9]}}', "'bands.thresholds' must be 1 or 2 descending"),
        ('{"palette": {"hair": {"base": "red"}}}', "'palette.hair.base' must be a color"),
        ('{"line": {"width": "thick"}}', "'line.width' must be a number"),
        ('{"colour": "#ffffff"}', "unknown key 'colour'"),
        ("[1, 2]", "a look must be a JSON object"),
    ],
)
def test_bad_look_file_names_file_and_field(tmp_path, content, expected):
    path = tmp_path / "broken.json"
    path.write_text(content, "utf-8")
    with pytest.raises(looks.LookError) as info:
        looks.load_look(path)
    assert str(path) in str(info.value)
    assert expected in str(info.value)


def test_missing_look_lists_known_ones():
    with pytest.raises(looks.LookError, match="no look named 'nope'.*storyboard"):
        looks.load_look("nope")


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("肌", "skin"), ("顔", "skin"), ("Face", "skin"), ("body_skin", "skin"),
        ("髪", "hair"), ("前髪", "hair"), ("後髪", "hair"), ("Hair_back", "hair"),
        ("目", "eyes"), ("白目", "eyes"), ("瞳", "eyes"), ("EyeLeft", "eyes"),
        ("服", "clothes"), ("スカート", "clothes"), ("shirt", "clothes"), ("Skirt", "clothes"),
        ("金属", "other"), ("Material.001", "other"),
    ],
)  # fmt: skip
def test_category_from_material_name(name, category):
    assert looks.category_of(name) == category


def test_loader_does_not_import_bpy():
    result = run_without_bpy(
        "from mmd2anime.shaders import looks, photography\nprint(looks.list_looks())\n"
    )
    assert result.returncode == 0, result.stderr
    assert "storyboard" in result.stdout


def _disc(size=64, radius=16):
    y, x = np.mgrid[0:size, 0:size]
    alpha = (((x - size / 2) ** 2 + (y - size / 2) ** 2) < radius**2).astype(np.float32)
    image = np.full((size, size, 3), 0.05, np.float32)
    image[alpha > 0] = (0.3, 0.2, 0.1)
    return image, alpha


def test_identity_photography_leaves_image_alone():
    image, alpha = _disc()
    out = photography.develop(image, alpha, {})
    np.testing.assert_allclose(out, image, atol=1e-5)


def test_bloom_spreads_bright_pixels_only():
    image = np.full((64, 64, 3), 0.1, np.float32)
    image[30:34, 30:34] = 4.0
    out = photography.bloom(image, strength=1.0, radius=0.05, threshold=1.0)
    assert out[32, 40].mean() > image[32, 40].mean() + 0.01  # glow beside the spot
    np.testing.assert_allclose(out[0, 0], image[0, 0], atol=1e-4)  # far corner untouched


def test_halo_tints_a_ring_outside_the_silhouette():
    image, alpha = _disc()
    out = photography.halo(image, alpha, 1.0, 0.06, (1.0, 0.0, 1.0))
    ring = out[32, 32 + 17]  # just outside the disc's edge
    assert ring[0] > image[32, 49, 0] + 0.1 and ring[2] > image[32, 49, 2] + 0.1
    np.testing.assert_allclose(out[32, 32], image[32, 32], atol=1e-6)  # inside unchanged
    np.testing.assert_allclose(out[0, 0], image[0, 0], atol=1e-3)  # far away unchanged


def test_hair_mask_limits_the_halo():
    image, alpha = _disc()
    hair = np.zeros_like(alpha)
    hair[:32] = alpha[:32]  # only the top half is "hair"
    out = photography.halo(image, alpha, 1.0, 0.06, (1.0, 1.0, 1.0), mask=hair)
    assert out[32 - 17, 32].mean() > image[32 - 17, 32].mean() + 0.1  # above: halo
    np.testing.assert_allclose(out[32 + 18, 32], image[32 + 18, 32], atol=1e-3)  # below: none


def test_vignette_darkens_corners_not_center():
    image = np.ones((48, 64, 3), np.float32)
    out = photography.vignette(image, 0.5)
    assert out[0, 0, 0] < 0.6 and out[24, 32, 0] > 0.99


def test_grading_saturation_zero_is_grey_and_gain_brightens():
    image, _ = _disc()
    grey = photography.grade(image, saturation=0.0)
    assert np.ptp(grey, axis=2).max() < 1e-5
    assert photography.grade(image, gain=2.0).mean() > image.mean() * 1.9


def test_lens_flare_adds_light_opposite_the_source():
    image = np.zeros((64, 64, 3), np.float32)
    image[8, 8] = 50.0
    out = photography.lens_flare(image, 1.0)
    assert out[56:, 56:].sum() > 0.0 and out.sum() > image.sum()


def test_develop_bundle_uses_the_bundle_alpha():
    image, alpha = _disc()
    bundle = FrameBundle(width=64, height=64, color=image, alpha=alpha)
    photo = {"halo": {"strength": 1.0, "radius": 0.06, "color": "#ffffff", "hair_only": False}}
    out = photography.develop_bundle(bundle, photo)
    np.testing.assert_allclose(out, photography.develop(image, alpha, photo))
    assert out[32, 49].mean() > image[32, 49].mean() + 0.1


def test_old_palette_mix_files_load_as_recolor(tmp_path):
    path = tmp_path / "old.json"
    path.write_text('{"palette_mix": 0.7}', "utf-8")
    assert looks.load_look(path)["recolor"] == 0.7
    path.write_text('{"palette_mix": 0.7, "recolor": 0.2}', "utf-8")
    with pytest.raises(looks.LookError, match="give 'recolor' only"):
        looks.load_look(path)


def test_colored_looks_keep_designs_and_recolor_looks_paint_the_palette():
    for name in ("pastel", "vivid"):
        assert looks.load_look(name)["recolor"] == 0.0
    for name in ("storyboard", "lineart"):
        assert looks.load_look(name)["recolor"] == 1.0


@pytest.mark.parametrize("name", ["pastel", "vivid"])
def test_colored_looks_carry_a_color_script(name):
    base = looks.load_look(name)
    assert {"day", "evening", "night"} <= set(base["variants"])
    night = looks.load_look(f"{name}:night")
    assert night["variant"] == "night" and night["name"] == name
    assert night["background"] != base["background"]
    assert looks.load_look(f"{name}:day")["background"] == base["background"]
    # A variant changes only what it names: the rest stays the base look's.
    assert night["bands"] == base["bands"] and night["palette"] == base["palette"]


def test_unknown_variant_names_the_known_ones():
    with pytest.raises(looks.LookError, match="no variant 'noon'.*day, evening, night"):
        looks.load_look("pastel:noon")


def test_variant_look_roundtrips(tmp_path):
    night = looks.load_look("vivid:night")
    assert looks.load_look(looks.save_look(night, tmp_path / "n.json")) == night


def test_tone_rules_take_role_changes_over_the_look():
    look = looks.validate_look(
        {"shading": {"shadow": {"value": 0.5}, "roles": {"skin": {"shadow": {"tint": "#ff0000"}}}}}
    )
    skin, hair = looks.tone_rules(look, "skin"), looks.tone_rules(look, "hair")
    assert skin["shadow"]["tint"] == "#ff0000" and skin["shadow"]["value"] == 0.5
    assert hair["shadow"]["tint"] == "#ffffff" and hair["lit"] == look["shading"]["lit"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"materials": {"材質3": {"role": "hat"}}}, "'materials.材質3.role' must be one of"),
        ({"materials": {"材質3": {"base": "teal"}}}, "'materials.材質3.base' must be a color"),
        ({"materials": {"材質3": {"colour": "#000000"}}}, "unknown key 'materials.材質3.colour'"),
        ({"shading": {"roles": {"face": {}}}}, "'shading.roles.face' is not a role"),
        ({"shading": {"shadow": {"blend": "screen"}}}, "'shading.shadow.blend' must be one of"),
        ({"variants": {"night": {"bands": {"thresholds": [2]}}}}, "'variants.night.bands"),
        ({"variants": {"night": {"variants": {}}}}, "'variants.night.variants' cannot be set"),
        ({"variants": {"late night": {}}}, "variant names are letters"),
    ],
)
def test_bad_new_keys_name_the_field(data, expected):
    with pytest.raises(looks.LookError, match=expected.replace(".", r"\.").replace("(", r"\(")):
        looks.validate_look(data, "mine.json")


def test_material_overrides_are_kept():
    look = looks.validate_look({"materials": {"材質2": {"role": "hair", "base": "#33aacc"}}})
    assert look["materials"]["材質2"] == {"role": "hair", "base": "#33aacc"}


def test_split_variant_leaves_paths_alone():
    assert looks.split_variant("pastel:night") == ("pastel", "night")
    assert looks.split_variant("pastel") == ("pastel", "")
    assert looks.split_variant("C:/looks/mine.json") == ("C:/looks/mine.json", "")


def test_halo_takes_the_hair_color_with_own_color():
    image, alpha = _disc()
    image[alpha > 0] = (0.0, 0.5, 0.5)  # teal "hair"
    white = photography.halo(image, alpha, 1.0, 0.06, (1.0, 1.0, 1.0))
    own = photography.halo(image, alpha, 1.0, 0.06, (1.0, 1.0, 1.0), own_color=1.0)
    ring = (32, 32 + 17)
    assert own[ring][0] < white[ring][0] - 0.1  # less red: toward the teal
    assert own[ring][1] > own[ring][0] + 0.05

# SPDX-License-Identifier: GPL-3.0-or-later
"""Material roles from names, textures, colors and bone weights (bpy-free)."""

import pytest
from conftest import run_without_bpy

from mmd2anime.shaders import roles

SKIN = (0.8, 0.71, 0.62)  # the shared Miku's skin diffuse
TEAL = (0.0, 0.56, 0.56)
GREY = (0.56, 0.56, 0.56)


@pytest.mark.parametrize(
    ("name", "shares", "textures", "color", "role"),
    [
        # Generic names, as real models have them: the bones decide.
        ("材質2", {"頭": 0.27, "左髪５": 0.35, "右髪５": 0.28, "首": 0.1}, [], TEAL, "hair"),
        ("材質6", {"左目": 0.5, "右目": 0.5}, [], (0.8, 0.8, 0.8), "eyes"),
        ("材質3", {"頭": 0.3, "左手首": 0.3, "上半身": 0.4}, [], SKIN, "skin"),
        ("材質5", {"上半身": 0.8, "下半身": 0.2}, [], GREY, "clothes"),
        ("材質7", {"頭": 1.0}, [], (0.12, 0.12, 0.12), "brows"),  # a dark face detail
        # Texture names and material names come first.
        ("材質9", {"上半身": 1.0}, ["tex\\hair_01.png"], GREY, "hair"),
        ("材質9", {}, ["face.bmp"], GREY, "skin"),
        ("スカート", {"頭": 1.0}, [], SKIN, "clothes"),
        ("Material", {}, [], (0.3, 0.3, 0.9), "other"),
    ],
)  # fmt: skip
def test_classify_role(name, shares, textures, color, role):
    assert roles.classify_role(name, shares, textures, color) == role


def test_skin_tones():
    assert roles.is_skin_tone(SKIN)
    assert roles.is_skin_tone((0.45, 0.3, 0.22))  # darker complexions too
    assert not roles.is_skin_tone(GREY) and not roles.is_skin_tone(TEAL)


def test_bone_families():
    assert roles.family_shares({"左髪１": 0.5, "頭": 0.25, "右目": 0.25}) == {
        "hair": 0.5, "eyes": 0.25, "head": 0.25, "body": 0.0,
    }  # fmt: skip


def test_roles_module_does_not_import_bpy():
    result = run_without_bpy("from mmd2anime.shaders import roles, look_metrics\nprint('ok')\n")
    assert result.returncode == 0, result.stderr

# SPDX-License-Identifier: GPL-3.0-or-later
"""Material roles (skin, hair, eyes, clothes, other) from everything a material tells (bpy-free).

Real MMD models rarely name materials by role (the shared Miku has 材質1..材質17), so a role
comes from, in this order:
1. keywords in the material's name (``looks.category_of``; brows and mouth are sub-roles of
   hair and skin, see ``looks.SUB_ROLES``);
2. keywords in its base texture's file name ("hair.png", "face_skin.bmp", "eye2.bmp");
3. the bones that weight its vertices: 目 bones -> eyes, 髪 chains -> hair;
4. face details, moved by 頭 alone: dark -> brows (brows, lashes, lines drawn on the face),
   a saturated red -> mouth; so recolor looks keep them (Miku's 材質7, 材質8, 材質13);
5. its color: a skin tone (warm hue, low saturation, light) -> skin;
6. bones again: a material weighted mostly by body bones (not 頭) -> clothes;
7. anything else (face details, ornaments) -> other.

``bone_shares`` maps the Japanese names of the bones weighting a material to their share of
its total vertex weight (they sum to 1). The Blender side that reads vertex groups is
``apply.material_bone_shares``.
"""

from __future__ import annotations

import colorsys
from collections.abc import Iterable, Mapping
from pathlib import PurePath

from .looks import category_of

EYE_BONES = ("左目", "右目", "両目", "目", "eye")
HEAD_BONES = ("頭", "head")
EYE_SHARE = 0.4  # a material mostly moved by the eye bones is an eye
HAIR_SHARE = 0.3  # hair is also weighted by 頭 at its roots, so a third of 髪 is enough
BODY_SHARE = 0.5
FACE_SHARE = 0.9  # a face detail moves with the head only
DARK_VALUE = 0.3  # brows and lashes: darker than any skin


def bone_family(name_j: str) -> str:
    """'hair', 'eyes', 'head' or 'body' for one bone, by its Japanese (or English) name."""
    lowered = name_j.lower()
    if "髪" in name_j or "hair" in lowered:
        return "hair"
    if name_j in EYE_BONES or lowered.startswith("eye"):
        return "eyes"
    if name_j in HEAD_BONES or lowered == "head":
        return "head"
    return "body"


def family_shares(bone_shares: Mapping[str, float]) -> dict[str, float]:
    """Bone shares summed per family (see bone_family)."""
    shares = {"hair": 0.0, "eyes": 0.0, "head": 0.0, "body": 0.0}
    for name, share in bone_shares.items():
        shares[bone_family(name)] += share
    return shares


def is_skin_tone(color: Iterable[float]) -> bool:
    """A light, warm, weakly saturated color: how skin is painted (any complexion)."""
    r, g, b = list(color)[:3]
    hue, saturation, value = colorsys.rgb_to_hsv(r, g, b)
    return (hue <= 50 / 360 or hue >= 345 / 360) and 0.08 <= saturation <= 0.6 and value >= 0.4


def face_detail_role(color: Iterable[float]) -> str | None:
    """'brows' for a dark color, 'mouth' for a saturated red, else None (a face detail's)."""
    r, g, b = list(color)[:3]
    hue, saturation, value = colorsys.rgb_to_hsv(r, g, b)
    if value <= DARK_VALUE:
        return "brows"
    if (hue <= 20 / 360 or hue >= 340 / 360) and saturation >= 0.5 and value >= 0.3:
        return "mouth"
    return None


def classify_role(
    name: str,
    bone_shares: Mapping[str, float] | None = None,
    texture_names: Iterable[str] = (),
    color: Iterable[float] = (0.8, 0.8, 0.8),
) -> str:
    """The role of one material (one of looks.ROLES), see the module docstring."""
    by_name = category_of(name)
    if by_name != "other":
        return by_name
    for texture in texture_names:
        by_texture = category_of(PurePath(texture.replace("\\", "/")).stem)
        if by_texture != "other":
            return by_texture
    shares = family_shares(bone_shares or {})
    if shares["eyes"] >= EYE_SHARE:
        return "eyes"
    if shares["hair"] >= HAIR_SHARE:
        return "hair"
    if shares["head"] >= FACE_SHARE and face_detail_role(color) is not None:
        return face_detail_role(color)
    if is_skin_tone(color):
        return "skin"
    if shares["body"] >= BODY_SHARE:
        return "clothes"
    return "other"

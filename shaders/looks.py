# SPDX-License-Identifier: GPL-3.0-or-later
"""Looks: a series' toon style as a JSON data file (bpy-free).

A look file is a JSON object; every key is optional and falls back to DEFAULTS::

    {
      "name": "pastel",                      # defaults to the file's stem
      "description": "Soft pastel ...",
      "palette_mix": 0.6,                    # 0 = the material's own colors, 1 = the palette
      "use_textures": true,                  # multiply the material's base texture in
      "honor_toon_textures": true,           # MMD toon ramps replace the bands where present
      "bands": {"thresholds": [0.1, -0.45]}, # 1 or 2 N·L cut points in -1..1, descending:
                                             # 2 or 3 tone bands
      "palette": {                           # per material category (see CATEGORIES)
        "skin": {"base": "#ffe6d9", "shadow": "#e8a6a0", "deep_shadow": "#b98088",
                 "highlight": "#ffffff"}, ...
      },                                     # shadow colors are multiplied onto the base
      "rim": {"color": "#ffffff", "width": 0.25, "strength": 0.2, "hair_strength": 0.6},
      "specular": {"strength": 0.0, "size": 0.06},  # anime highlight, palette "highlight"
      "line": {"enabled": true, "color": "#000000", "width": 0.004,  # fraction of the
               "category_widths": {"eyes": 0.0, "hair": 1.0, ...}},    # model's height
      "background": "#ffffff",
      "photography": {                       # 撮影 pass, see photography.develop
        "bloom": {"strength": 0.0, "radius": 0.02, "threshold": 0.8},
        "diffusion": {"strength": 0.0, "radius": 0.01},
        "halo": {"strength": 0.0, "radius": 0.01, "color": "#ffffff", "hair_only": true},
        "vignette": {"strength": 0.0},
        "grading": {"lift": 0.0, "gamma": 1.0, "gain": 1.0, "saturation": 1.0,
                    "contrast": 1.0, "tint": "#ffffff"},
        "lens_flare": {"strength": 0.0}
      }
    }

Colors are sRGB hex strings ("#rrggbb"), as a designer picks them; the bpy side converts them
to linear. Shipped looks live beside this module in ``looks/``; users keep their own in a user
folder the caller passes in (Blender: ``bpy.utils.extension_path_user(pkg, path="looks")``).
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

SHIPPED_DIR = Path(__file__).resolve().parent / "looks"
CATEGORIES = ("skin", "hair", "eyes", "clothes", "other")

# Checked in this order: "eyebrow" is hair-colored, "白目" is an eye, "髪飾り" is still hair.
_KEYWORDS = (
    ("hair", ("髪", "hair", "bang", "ponytail", "twintail", "眉", "brow", "もみあげ")),
    ("eyes", ("目", "瞳", "eye", "iris", "pupil", "まつげ", "lash", "ハイライト")),
    ("skin", ("肌", "skin", "face", "顔", "body", "体", "首", "neck", "hand", "手", "腕",
              "leg", "脚", "足", "head", "頭", "口", "mouth", "歯", "teeth", "tongue", "舌")),
    ("clothes", ("服", "cloth", "skirt", "shirt", "スカート", "シャツ", "上着", "dress", "jacket",
                 "coat", "靴", "shoe", "boot", "sock", "靴下", "ribbon", "リボン", "tie", "ネクタイ",
                 "glove", "手袋", "pants", "パンツ", "衣", "uniform", "制服", "hat", "帽子",
                 "sleeve", "袖", "collar", "襟", "belt", "ベルト")),
)  # fmt: skip

_GREY = {"base": "#d9d9d9", "shadow": "#8c8c8c", "deep_shadow": "#595959", "highlight": "#ffffff"}
DEFAULTS: dict = {
    "name": "",
    "description": "",
    "palette_mix": 0.0,
    "use_textures": True,
    "honor_toon_textures": True,
    "bands": {"thresholds": [0.0]},
    "palette": {category: dict(_GREY) for category in CATEGORIES},
    "rim": {"color": "#ffffff", "width": 0.25, "strength": 0.0, "hair_strength": 0.0},
    "specular": {"strength": 0.0, "size": 0.06},
    "line": {
        "enabled": True,
        "color": "#000000",
        "width": 0.004,
        "category_widths": {c: 0.0 if c == "eyes" else 1.0 for c in CATEGORIES},
    },
    "background": "#ffffff",
    "photography": {
        "bloom": {"strength": 0.0, "radius": 0.02, "threshold": 0.8},
        "diffusion": {"strength": 0.0, "radius": 0.01},
        "halo": {"strength": 0.0, "radius": 0.01, "color": "#ffffff", "hair_only": True},
        "vignette": {"strength": 0.0},
        "grading": {
            "lift": 0.0,
            "gamma": 1.0,
            "gain": 1.0,
            "saturation": 1.0,
            "contrast": 1.0,
            "tint": "#ffffff",
        },
        "lens_flare": {"strength": 0.0},
    },
}
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


class LookError(ValueError):
    """A look file is missing or malformed; the message names the file and the field."""


def category_of(material_name: str) -> str:
    """The palette category of a material, from Japanese or English keywords in its name."""
    lowered = material_name.lower()
    for category, words in _KEYWORDS:
        if any(word in lowered for word in words):
            return category
    return "other"


def srgb_to_linear(hex_color: str) -> tuple[float, float, float]:
    """'#rrggbb' (sRGB) -> linear RGB floats, the space Blender's shader sockets expect."""
    channels = [int(hex_color[i : i + 2], 16) / 255.0 for i in (1, 3, 5)]
    return tuple(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)


def _merge(defaults: dict, given: dict, source: str, path: str) -> dict:
    merged = copy.deepcopy(defaults)
    for key, value in given.items():
        where = f"{path}{key}"
        if key not in defaults:
            raise LookError(f"{source}: unknown key '{where}'")
        expected = defaults[key]
        if isinstance(expected, dict):
            if not isinstance(value, dict):
                raise LookError(f"{source}: '{where}' must be an object, got {value!r}")
            merged[key] = _merge(expected, value, source, where + ".")
        else:
            merged[key] = _check_value(expected, value, source, where)
    return merged


def _check_value(expected, value, source: str, where: str):
    if isinstance(expected, bool):
        if not isinstance(value, bool):
            raise LookError(f"{source}: '{where}' must be true or false, got {value!r}")
    elif isinstance(expected, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise LookError(f"{source}: '{where}' must be a number, got {value!r}")
        return float(value)
    elif isinstance(expected, str) and expected.startswith("#"):
        if not isinstance(value, str) or not _HEX.match(value):
            raise LookError(f"{source}: '{where}' must be a color '#rrggbb', got {value!r}")
    elif isinstance(expected, str):
        if not isinstance(value, str):
            raise LookError(f"{source}: '{where}' must be a string, got {value!r}")
    elif isinstance(expected, list):
        ok = (
            isinstance(value, list)
            and 1 <= len(value) <= 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
            and all(-1.0 <= v <= 1.0 for v in value)
            and value == sorted(value, reverse=True)
        )
        if not ok:
            raise LookError(
                f"{source}: '{where}' must be 1 or 2 descending numbers in -1..1, got {value!r}"
            )
        return [float(v) for v in value]
    return value


def validate_look(data: object, source: str = "<look>") -> dict:
    """A complete look (defaults filled in) from parsed JSON; LookError names what is wrong."""
    if not isinstance(data, dict):
        raise LookError(f"{source}: a look must be a JSON object, got {type(data).__name__}")
    look = _merge(DEFAULTS, data, source, "")
    if not look["name"]:
        look["name"] = Path(source).stem
    return look


def _folders(user_dir: str | Path | None) -> list[Path]:
    folders = [SHIPPED_DIR]
    if user_dir:
        folders.append(Path(user_dir))
    return folders


def list_looks(user_dir: str | Path | None = None) -> list[str]:
    """Names of the shipped looks and the user's own (a user look shadows a shipped one)."""
    names = {
        p.stem for folder in _folders(user_dir) if folder.is_dir() for p in folder.glob("*.json")
    }
    return sorted(names)


def load_look(name_or_path: str | Path, user_dir: str | Path | None = None) -> dict:
    """A look by name (user folder first, then shipped) or by path to a .json file."""
    candidate = Path(name_or_path)
    if candidate.suffix.lower() != ".json":
        found = [f / f"{name_or_path}.json" for f in reversed(_folders(user_dir))]
        found = [p for p in found if p.is_file()]
        if not found:
            raise LookError(
                f"no look named '{name_or_path}' (known: {', '.join(list_looks(user_dir))})"
            )
        candidate = found[0]
    try:
        text = candidate.read_text(encoding="utf-8")
    except OSError as exc:
        raise LookError(f"{candidate}: cannot read look file ({exc.strerror})") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LookError(f"{candidate}: not valid JSON at line {exc.lineno}: {exc.msg}") from exc
    return validate_look(data, str(candidate))


def save_look(look: dict, path: str | Path) -> Path:
    """Write a look as JSON after validating it; returns the path written."""
    path = Path(path)
    complete = validate_look(look, str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(complete, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path

# SPDX-License-Identifier: GPL-3.0-or-later
"""Looks: a series' toon style as a JSON data file (bpy-free).

A look transforms each character's design instead of replacing it, the way an anime color
designer (色彩設計) keeps the cast's colors and decides how they are lit and shadowed per
series and per scene. A look file is a JSON object; every key is optional and falls back to
DEFAULTS::

    {
      "name": "pastel",                      # defaults to the file's stem
      "description": "Soft pastel ...",
      "recolor": 0.0,                        # 0 keeps each material's own colors, 1 paints
                                             # the palette (storyboard, lineart); old files'
                                             # "palette_mix" is read as this
      "use_textures": true,                  # multiply the material's base texture in
      "honor_toon_textures": true,           # MMD toon ramps replace the bands where present
      "bands": {"thresholds": [0.1, -0.45]}, # 1 or 2 N·L cut points in -1..1, descending:
                                             # 2 or 3 tone bands
      "shading": {                           # how tones derive from a material's own color
        "lit":         {"tint": "#ffffff", "tint_strength": 0.0, "saturation": 1.0,
                        "value": 1.0},
        "shadow":      {"tint": "#8070b0", "tint_strength": 0.3, "saturation": 1.1,
                        "value": 0.7},
        "deep_shadow": {...}, "highlight": {...},
        "roles": {"skin": {"shadow": {"tint": "#e09090"}}, ...}  # per-role changes
      },
      "face_shadow": {"shift": -0.3},        # skin: band thresholds move by this (down =
                                             # less shadow) and no deep band: clean faces
      "palette": {                           # per role (see CATEGORIES): the recolor target
        "skin": {"base": "#ffe6d9", "shadow": "#e8a6a0", "deep_shadow": "#b98088",
                 "highlight": "#ffffff"}, ...
        "brows": {"base": "#333333"}         # a sub-role (SUB_ROLES): what it gives, else
      },                                     # its main role's colors
      "materials": {"材質3": {"role": "hair", "base": "#33aacc"}},  # per material name
      "rim": {"color": "#ffffff", "width": 0.25, "strength": 0.2, "hair_strength": 0.6,
              "own_color": 0.5},             # own_color: share of the material's highlight
      "specular": {"strength": 0.0, "size": 0.06},  # anime highlight spot
      "line": {"enabled": true, "color": "#000000", "width": 0.004,  # see looks/README.md
               "category_widths": {"eyes": 0.0, "hair": 1.0, ...}, "screen_space": true,
               "use_model_edges": true, "edge_color_mix": 0.0},
      "background": "#ffffff",
      "photography": {                       # 撮影 pass, see photography.develop
        "bloom": {"strength": 0.0, "radius": 0.02, "threshold": 0.8},
        "diffusion": {"strength": 0.0, "radius": 0.01},
        "halo": {"strength": 0.0, "radius": 0.01, "color": "#ffffff", "hair_only": true,
                 "own_color": 0.0},          # own_color: share of the hair's own color
        "vignette": {"strength": 0.0},
        "grading": {"lift": 0.0, "gamma": 1.0, "gain": 1.0, "saturation": 1.0,
                    "contrast": 1.0, "tint": "#ffffff"},
        "lens_flare": {"strength": 0.0}
      },
      "variants": {"evening": {...}, "night": {...}}  # color script: partial looks merged
    }                                                 # over this one ("NAME:VARIANT")

A tone rule turns a material's own color c into a tone: with ``"blend": "multiply"`` (the
default) c is multiplied by ``tint`` with ``tint_strength`` (a shadow takes the hue of a
colored light, e.g. lilac sky light), with ``"mix"`` (the highlight's default) it is mixed
toward ``tint`` (pastel: toward white); then saturation and value are scaled in HSV (linear
light). With ``recolor`` r each tone is then mixed toward the palette's color by r, so r = 1
paints exactly the palette.

Sub-roles (``SUB_ROLES``: brows of the hair, the mouth of the skin) are shaded as their main
role unless a look's ``palette`` or ``shading.roles`` names them: a recolor look (storyboard)
keeps a face readable by painting brows and mouth dark while hair and skin go light.

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
# Sub-role -> its main role, whose colors and rules it takes where a look says nothing of it.
SUB_ROLES = {"brows": "hair", "mouth": "skin"}
ROLES = CATEGORIES + tuple(SUB_ROLES)

# Checked in this order: "eyebrow" is a brow (not an eye), "白目" is an eye, "髪飾り" is still
# hair, "口" is a mouth unless a clothes word says otherwise ("袖口" is a cuff).
_KEYWORDS = (
    ("brows", ("眉", "brow")),
    ("hair", ("髪", "hair", "bang", "ponytail", "twintail", "もみあげ")),
    ("eyes", ("目", "瞳", "eye", "iris", "pupil", "まつげ", "lash", "ハイライト")),
    ("mouth", ("口", "mouth", "唇", "lip")),
    ("skin", ("肌", "skin", "face", "顔", "body", "体", "首", "neck", "hand", "手", "腕",
              "leg", "脚", "足", "head", "頭", "歯", "teeth", "tongue", "舌")),
    ("clothes", ("服", "cloth", "skirt", "shirt", "スカート", "シャツ", "上着", "dress", "jacket",
                 "coat", "靴", "shoe", "boot", "sock", "靴下", "ribbon", "リボン", "tie", "ネクタイ",
                 "glove", "手袋", "pants", "パンツ", "衣", "uniform", "制服", "hat", "帽子",
                 "sleeve", "袖", "collar", "襟", "belt", "ベルト")),
)  # fmt: skip

_GREY = {"base": "#d9d9d9", "shadow": "#8c8c8c", "deep_shadow": "#595959", "highlight": "#ffffff"}
TONES = ("lit", "shadow", "deep_shadow", "highlight")


BLENDS = ("multiply", "mix")  # how a tone rule's tint meets the material's color


def _tone(tint="#ffffff", strength=0.0, saturation=1.0, value=1.0, blend="multiply") -> dict:
    return {
        "tint": tint,
        "tint_strength": strength,
        "blend": blend,
        "saturation": saturation,
        "value": value,
    }


DEFAULTS: dict = {
    "name": "",
    "description": "",
    "variant": "",  # the variant this look was loaded as ("" = the base look)
    "recolor": 0.0,
    "use_textures": True,
    "honor_toon_textures": True,
    "bands": {"thresholds": [0.0]},
    "shading": {
        "lit": _tone(),
        "shadow": _tone(value=0.65),
        "deep_shadow": _tone(value=0.45),
        "highlight": _tone(strength=0.5, saturation=0.9, blend="mix"),
        "roles": {},  # role -> {tone: partial tone rule}
    },
    "face_shadow": {"shift": 0.0},
    "palette": {category: dict(_GREY) for category in CATEGORIES},
    "materials": {},  # material name -> {"role": ..., "base": "#rrggbb"}
    "rim": {"color": "#ffffff", "width": 0.25, "strength": 0.0, "hair_strength": 0.0,
            "own_color": 0.0},
    "specular": {"strength": 0.0, "size": 0.06},
    "line": {
        "enabled": True,
        "color": "#000000",
        "width": 0.004,
        "category_widths": {c: 0.0 if c == "eyes" else 1.0 for c in CATEGORIES},
        "screen_space": True,  # width x frame height in pixels, steady as the camera moves
        "use_model_edges": True,  # MMD's edge flag/size per material where it has them
        "edge_color_mix": 0.0,  # 0 = the look's line color, 1 = the model's edge color
    },
    "background": "#ffffff",
    "photography": {
        "bloom": {"strength": 0.0, "radius": 0.02, "threshold": 0.8},
        "diffusion": {"strength": 0.0, "radius": 0.01},
        "halo": {"strength": 0.0, "radius": 0.01, "color": "#ffffff", "hair_only": True,
                 "own_color": 0.0},
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
    "variants": {},  # variant name -> a partial look merged over this one
}  # fmt: skip
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


class LookError(ValueError):
    """A look file is missing or malformed; the message names the file and the field."""


def category_of(material_name: str) -> str:
    """The role of a material (one of ROLES), from Japanese or English keywords in its name."""
    lowered = material_name.lower()
    clothes = dict(_KEYWORDS)["clothes"]
    for category, words in _KEYWORDS:
        if any(word in lowered for word in words):
            if category == "mouth" and any(word in lowered for word in clothes):
                continue
            return category
    return "other"


def main_role(role: str) -> str:
    """The main role (one of CATEGORIES) of a role or sub-role."""
    return SUB_ROLES.get(role, role)


def palette_of(look: dict, role: str) -> dict:
    """The recolor colors of a role: a sub-role's own entries over its main role's."""
    palette = look["palette"]
    return {**palette[main_role(role)], **palette.get(role, {})}


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
            free_form = _FREE_FORM.get(_VARIANT_PREFIX.sub("", where))
            if free_form is not None:
                merged[key] = free_form(value, source, where)
            else:
                merged[key] = _merge(expected, value, source, where + ".")
        else:
            merged[key] = _check_value(expected, value, source, where)
    return merged


def _check_roles(value: dict, source: str, where: str) -> dict:
    tones = {k: v for k, v in DEFAULTS["shading"].items() if k in TONES}
    checked = {}
    for role, rules in value.items():
        if role not in ROLES:
            raise LookError(f"{source}: '{where}.{role}' is not a role (roles: {', '.join(ROLES)})")
        if not isinstance(rules, dict):
            raise LookError(f"{source}: '{where}.{role}' must be an object, got {rules!r}")
        merged = _merge(tones, rules, source, f"{where}.{role}.")
        # Keep only what the file gives: the rest comes from the look's own tone rules.
        checked[role] = {tone: {k: merged[tone][k] for k in rules[tone]} for tone in rules}
    return checked


def _check_materials(value: dict, source: str, where: str) -> dict:
    checked = {}
    for name, override in value.items():
        at = f"{where}.{name}"
        if not isinstance(override, dict):
            raise LookError(f"{source}: '{at}' must be an object, got {override!r}")
        unknown = set(override) - {"role", "base"}
        if unknown:
            raise LookError(f"{source}: unknown key '{at}.{sorted(unknown)[0]}'")
        role = override.get("role")
        if role is not None and role not in ROLES:
            raise LookError(
                f"{source}: '{at}.role' must be one of {', '.join(ROLES)}, got {role!r}"
            )
        if "base" in override:
            _check_value("#", override["base"], source, f"{at}.base")
        checked[name] = dict(override)
    return checked


def _check_palette(value: dict, source: str, where: str) -> dict:
    checked = copy.deepcopy(DEFAULTS["palette"])
    for role, colors in value.items():
        at = f"{where}.{role}"
        if role not in ROLES:
            raise LookError(f"{source}: '{at}' is not a role (roles: {', '.join(ROLES)})")
        if not isinstance(colors, dict):
            raise LookError(f"{source}: '{at}' must be an object, got {colors!r}")
        merged = _merge(_GREY, colors, source, at + ".")
        # A sub-role keeps only what the file gives: the rest is its main role's.
        checked[role] = merged if role in CATEGORIES else {k: merged[k] for k in colors}
    return checked


def _check_variants(value: dict, source: str, where: str) -> dict:
    checked = {}
    for name, partial in value.items():
        at = f"{where}.{name}"
        if not _VARIANT_NAME.match(name):
            raise LookError(f"{source}: '{at}': variant names are letters, digits, _ and -")
        if not isinstance(partial, dict):
            raise LookError(f"{source}: '{at}' must be an object, got {partial!r}")
        for key in ("name", "variant", "variants"):
            if key in partial:
                raise LookError(f"{source}: '{at}.{key}' cannot be set by a variant")
        _merge(DEFAULTS, partial, source, at + ".")  # reports a bad key with its full path
        checked[name] = copy.deepcopy(partial)
    return checked


_FREE_FORM = {
    "palette": _check_palette,
    "shading.roles": _check_roles,
    "materials": _check_materials,
    "variants": _check_variants,
}
_VARIANT_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_VARIANT_PREFIX = re.compile(r"^variants\.[^.]+\.")  # a variant's keys sit at the root


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
    elif isinstance(expected, str) and where.endswith(".blend"):
        if value not in BLENDS:
            raise LookError(
                f"{source}: '{where}' must be one of {', '.join(BLENDS)}, got {value!r}"
            )
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
    """A complete look (defaults filled in) from parsed JSON; LookError names what is wrong.

    A look that names a ``variant`` comes back with that variant merged in."""
    if not isinstance(data, dict):
        raise LookError(f"{source}: a look must be a JSON object, got {type(data).__name__}")
    data = dict(data)
    if "palette_mix" in data:  # files written before recolor existed
        if "recolor" in data:
            raise LookError(f"{source}: give 'recolor' only ('palette_mix' is its old name)")
        data["recolor"] = data.pop("palette_mix")
    look = _merge(DEFAULTS, data, source, "")
    if not 0.0 <= look["line"]["edge_color_mix"] <= 1.0:
        raise LookError(f"{source}: 'line.edge_color_mix' must be in 0..1")
    if not look["name"]:
        look["name"] = Path(source).stem
    if look["variant"]:
        look = with_variant(look, look["variant"], source)
    return look


def _deep_update(target: dict, changes: dict) -> None:
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep_update(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def with_variant(look: dict, variant: str, source: str = "<look>") -> dict:
    """The look re-colored for one scene of its color script (``variants[variant]``)."""
    if variant not in look["variants"]:
        known = ", ".join(look["variants"]) or "none"
        raise LookError(
            f"{source}: look '{look['name']}' has no variant '{variant}' (variants: {known})"
        )
    varied = copy.deepcopy(look)
    _deep_update(varied, look["variants"][variant])
    varied["variant"] = variant
    return varied


def split_variant(name: str) -> tuple[str, str]:
    """'pastel:night' -> ('pastel', 'night'); 'pastel' -> ('pastel', '')."""
    base, colon, variant = str(name).rpartition(":")
    if colon and len(base) > 1 and _VARIANT_NAME.match(variant):  # "C:..." is a drive
        return base, variant
    return str(name), ""


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
    """A look by name (user folder first, then shipped) or by path to a .json file, with an
    optional ``:VARIANT`` suffix choosing one of its variants (``pastel:night``)."""
    name_or_path, variant = split_variant(str(name_or_path))
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
    look = validate_look(data, str(candidate))
    return with_variant(look, variant, str(candidate)) if variant else look


def tone_rules(look: dict, role: str) -> dict:
    """The four tone rules (see TONES) of one role: the look's, changed by shading.roles
    (a sub-role: by its main role's changes, then by its own)."""
    shading = look["shading"]
    main = shading["roles"].get(main_role(role), {})
    own = shading["roles"].get(role, {}) if role != main_role(role) else {}
    return {tone: {**shading[tone], **main.get(tone, {}), **own.get(tone, {})} for tone in TONES}


def save_look(look: dict, path: str | Path) -> Path:
    """Write a look as JSON after validating it; returns the path written."""
    path = Path(path)
    complete = validate_look(look, str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(complete, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path

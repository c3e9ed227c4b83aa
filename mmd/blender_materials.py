# SPDX-License-Identifier: GPL-3.0-or-later
"""The Blender side of MMD materials: a PMX material -> a Blender material.

Each material records its MMD parameters in the ID property ``mmd2anime_mmd`` (MMD_KEY), for
looks and outlines: {"diffuse": [r, g, b, a], "ambient": [r, g, b], "specular": [r, g, b],
"shininess": float, "flags": int, "edge_color": [r, g, b, a], "edge_size": float,
"sphere_mode": 0 off | 1 multiply | 2 add | 3 sub-texture, "toon": shared index 0..9 or -1,
"toon_texture": the model's own toon texture as named in the file, or ""}.

Colors are the numbers stored in the file, unconverted. MMD uses them as display values;
Blender reads socket colors as linear, and we feed them in as they are, the way mmd_tools
does, so that scenes mixing both importers agree.
"""

from __future__ import annotations

import os
import re

import bpy

from .. import armatures
from ..shaders.mmd_material import build_tree
from ..shaders.toon_ramps import ramp_name, shared_toon_image
from ..shaders.traits import MMD_KEY
from .model import Material, Model

# MMD resolves an own toon texture named toon01.bmp..toon10.bmp to the shared toon when the
# model's folder lacks the file; PMD models name their toons that way too.
_SHARED_TOON_NAME = re.compile(r"^toon(0[1-9]|10)\.bmp$", re.IGNORECASE)


def texture_path(model: Model, index: int, texture_dir: str | None) -> str | None:
    if texture_dir is None or not 0 <= index < len(model.textures):
        return None
    return _existing(texture_dir, model.textures[index])


def _existing(texture_dir: str | None, name: str) -> str | None:
    if texture_dir is None or not name:
        return None
    path = os.path.join(texture_dir, name.replace("\\", "/"))
    return path if os.path.isfile(path) else None


def _toon_name(model: Model, mat: Material) -> str:
    """The file name of a material's own toon texture (PMX: a texture, PMD: its toon list)."""
    if model.format == "pmd":
        if mat.toon_shared and 0 <= mat.toon_texture < len(model.toon_textures):
            return model.toon_textures[mat.toon_texture]
        return ""
    if not mat.toon_shared and 0 <= mat.toon_texture < len(model.textures):
        return model.textures[mat.toon_texture]
    return ""


def toon_source(model: Model, mat: Material, texture_dir: str | None) -> tuple[int, str]:
    """(shared toon index 0..9 or -1, own toon texture name or "") of a material."""
    own = _toon_name(model, mat)
    if own:
        shared = _SHARED_TOON_NAME.match(os.path.basename(own.replace("\\", "/")))
        if shared and _existing(texture_dir, own) is None:
            return int(shared.group(1)) - 1, ""
        return -1, own
    if model.format == "pmx" and mat.toon_shared and 0 <= mat.toon_texture <= 9:
        return mat.toon_texture, ""
    if model.format == "pmd" and mat.toon_shared and 0 <= mat.toon_texture <= 9:
        return mat.toon_texture, ""  # no toon list: MMD's shared toons by index
    return -1, ""


def mmd_parameters(model: Model, mat: Material, texture_dir: str | None = None) -> dict:
    """The MMD_KEY record of a material (see the module docstring)."""
    toon, toon_texture = toon_source(model, mat, texture_dir)
    sphere_mode = mat.sphere_mode if 0 <= mat.sphere_texture < len(model.textures) else 0
    return {
        "diffuse": [float(c) for c in mat.diffuse],
        "ambient": [float(c) for c in mat.ambient],
        "specular": [float(c) for c in mat.specular],
        "shininess": float(mat.specular_power),
        "flags": int(mat.flags),
        "edge_color": [float(c) for c in mat.edge_color],
        "edge_size": float(mat.edge_size),
        "sphere_mode": int(sphere_mode) if 0 <= sphere_mode <= 3 else 0,
        "toon": toon,
        "toon_texture": toon_texture,
    }


def _load_image(path: str, created, non_color: bool = False) -> bpy.types.Image:
    known = len(bpy.data.images)
    image = bpy.data.images.load(path, check_existing=True)
    if len(bpy.data.images) > known:  # an image an earlier import loaded stays if this fails
        created.add(bpy.data.images, image)
    if non_color:  # an add sphere (.spa) adds its numbers as they are, as mmd_tools does
        image.colorspace_settings.name = "Non-Color"
    return image


def _missing(warnings, mat: Material, what: str, name: str, texture_dir: str | None) -> None:
    where = texture_dir or "(no texture folder given)"
    warnings.append(f"material {mat.name}: {what} {name} not found in {where}")


def _material_images(model, mat, params, texture_dir, created, warnings) -> dict:
    """The base, sphere and toon images of a material; missing files are warned about and
    left out (the material then shows its own colors, never Blender's pink)."""
    images = {"texture": None, "sphere": None, "toon": None}
    if 0 <= mat.texture < len(model.textures):
        path = texture_path(model, mat.texture, texture_dir)
        if path is None:
            _missing(warnings, mat, "texture", model.textures[mat.texture], texture_dir)
        else:
            images["texture"] = _load_image(path, created)
    if params["sphere_mode"]:
        path = texture_path(model, mat.sphere_texture, texture_dir)
        if path is None:
            name = model.textures[mat.sphere_texture]
            _missing(warnings, mat, "sphere texture", name, texture_dir)
        else:
            images["sphere"] = _load_image(path, created, non_color=params["sphere_mode"] == 2)
    if params["toon"] >= 0:
        known = bpy.data.images.get(ramp_name(params["toon"]))  # reused across imports
        images["toon"] = shared_toon_image(params["toon"])
        if known is None:
            created.add(bpy.data.images, images["toon"])
    elif params["toon_texture"]:
        path = _existing(texture_dir, params["toon_texture"])
        if path is None:
            _missing(warnings, mat, "toon texture", params["toon_texture"], texture_dir)
        else:
            images["toon"] = _load_image(path, created)
    return images


def make_material(model, mat, texture_dir, created, warnings) -> bpy.types.Material:
    """A Blender material following MMD's material model (shaders/mmd_material.py)."""
    material = created.add(bpy.data.materials, bpy.data.materials.new(mat.name))
    material[armatures.NAME_E_KEY] = mat.name_e
    params = mmd_parameters(model, mat, texture_dir)
    material[MMD_KEY] = params
    images = _material_images(model, mat, params, texture_dir, created, warnings)
    has_sub_uv = model.additional_uvs.ndim == 3 and model.additional_uvs.shape[1] > 0
    build_tree(material, params, **images, has_sub_uv=has_sub_uv)
    if mat.diffuse[3] < 1.0:
        material.surface_render_method = "BLENDED"
    material.use_backface_culling = not mat.flags & 0x01
    return material

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
from .model import Material, Model

MMD_KEY = "mmd2anime_mmd"
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


def make_material(model, mat, texture_dir, created, warnings) -> bpy.types.Material:
    material = created.add(bpy.data.materials, bpy.data.materials.new(mat.name))
    material[armatures.NAME_E_KEY] = mat.name_e
    material[MMD_KEY] = mmd_parameters(model, mat, texture_dir)
    material.diffuse_color = mat.diffuse
    tree = material.node_tree
    if tree is None:  # Blender before 5.0 needs use_nodes
        material.use_nodes = True
        tree = material.node_tree
    bsdf = next(n for n in tree.nodes if n.type == "BSDF_PRINCIPLED")
    bsdf.inputs["Base Color"].default_value = mat.diffuse
    bsdf.inputs["Alpha"].default_value = mat.diffuse[3]
    bsdf.inputs["Roughness"].default_value = 0.8
    path = texture_path(model, mat.texture, texture_dir)
    if path is not None:
        image = created.add(bpy.data.images, bpy.data.images.load(path, check_existing=True))
        tex = tree.nodes.new("ShaderNodeTexImage")
        tex.image = image
        mix = tree.nodes.new("ShaderNodeMix")
        mix.data_type, mix.blend_type = "RGBA", "MULTIPLY"
        mix.inputs["Factor"].default_value = 1.0
        mix.inputs["A"].default_value = mat.diffuse
        tree.links.new(tex.outputs["Color"], mix.inputs["B"])
        tree.links.new(mix.outputs["Result"], bsdf.inputs["Base Color"])
    elif 0 <= mat.texture < len(model.textures):
        where = texture_dir or "(no texture folder given)"
        warnings.append(
            f"material {mat.name}: texture {model.textures[mat.texture]} not found in {where}"
        )
    if mat.diffuse[3] < 1.0:
        material.surface_render_method = "BLENDED"
    material.use_backface_culling = not mat.flags & 0x01
    return material

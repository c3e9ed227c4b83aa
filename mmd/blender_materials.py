# SPDX-License-Identifier: GPL-3.0-or-later
"""The Blender side of MMD materials: a PMX material -> a Blender material."""

from __future__ import annotations

import os

import bpy

from .. import armatures
from .model import Model


def texture_path(model: Model, index: int, texture_dir: str | None) -> str | None:
    if texture_dir is None or not 0 <= index < len(model.textures):
        return None
    relative = model.textures[index].replace("\\", "/")
    path = os.path.join(texture_dir, relative)
    return path if os.path.isfile(path) else None


def make_material(model, mat, texture_dir, created, warnings) -> bpy.types.Material:
    material = created.add(bpy.data.materials, bpy.data.materials.new(mat.name))
    material[armatures.NAME_E_KEY] = mat.name_e
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

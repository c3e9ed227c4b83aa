# SPDX-License-Identifier: GPL-3.0-or-later
"""What an original material looks like: its colors and textures, read from its nodes."""

from __future__ import annotations

import bpy


def _linked_from(socket) -> bpy.types.Node | None:
    return socket.links[0].from_node if socket.is_linked else None


def _color(value) -> tuple[float, float, float, float]:
    return tuple(value)[:3] + (1.0,)


def material_traits(material: bpy.types.Material | None) -> dict:
    """Diffuse color, alpha, base texture and MMD toon texture of an original material.

    Understands Principled BSDF materials and mmd_tools' ``MMDShaderDev`` group; anything else
    falls back to the viewport diffuse color.
    """
    traits = {"color": (0.8, 0.8, 0.8, 1.0), "alpha": 1.0, "texture": None, "toon": None}
    if material is None:
        return traits
    traits["color"] = _color(material.diffuse_color)
    tree = material.node_tree
    if tree is None:
        return traits
    for node in tree.nodes:
        if node.bl_idname == "ShaderNodeBsdfPrincipled":
            traits["color"] = _color(node.inputs["Base Color"].default_value)
            traits["alpha"] = node.inputs["Alpha"].default_value
            source = _linked_from(node.inputs["Base Color"])
            if source is not None and source.bl_idname == "ShaderNodeTexImage":
                traits["texture"] = source.image
        elif node.bl_idname == "ShaderNodeGroup" and node.node_tree is not None:
            if not node.node_tree.name.startswith("MMDShaderDev"):
                continue
            sockets = node.inputs
            if "Diffuse Color" in sockets:
                traits["color"] = _color(sockets["Diffuse Color"].default_value)
            if "Alpha" in sockets:
                traits["alpha"] = sockets["Alpha"].default_value
            for key, name in (("texture", "Base Tex"), ("toon", "Toon Tex")):
                source = _linked_from(sockets[name]) if name in sockets else None
                if source is not None and source.bl_idname == "ShaderNodeTexImage":
                    traits[key] = source.image
    for node in tree.nodes:  # importers that leave the toon texture unlinked, named "toon"
        if node.bl_idname == "ShaderNodeTexImage" and traits["toon"] is None:
            names = f"{node.name} {node.label} {node.image.name if node.image else ''}".lower()
            if "toon" in names and node.image is not None and node.image != traits["texture"]:
                traits["toon"] = node.image
    return traits

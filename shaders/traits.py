# SPDX-License-Identifier: GPL-3.0-or-later
"""What an original material looks like: its colors, textures and MMD parameters.

``material_traits`` understands three kinds of materials:
- ours (mmd/blender_materials.py): the ``mmd2anime_mmd`` ID property and the texture nodes
  named in shaders/mmd_material.py;
- mmd_tools': ``material.mmd_material`` while mmd_tools is enabled; without it Blender 5.0
  keeps that group as a system property (``bl_system_properties_get()["mmd_material"]``),
  Blender 4.x as an ID property. Its sphere_texture_type enum is stored as 1..4 (off,
  multiply, add, sub-texture); fields it never set are absent and take mmd_tools' defaults;
- anything else: Principled BSDF inputs, or the viewport diffuse color.
"""

from __future__ import annotations

import contextlib

import bpy

MMD_KEY = "mmd2anime_mmd"  # mmd/blender_materials.py writes it (its docstring has the keys)
BASE_NODE, SPHERE_NODE, TOON_NODE = "MMD Base Texture", "MMD Sphere Texture", "MMD Toon Texture"
MMD_TOOLS_NODES = {"texture": "mmd_base_tex", "sphere": "mmd_sphere_tex", "toon": "mmd_toon_tex"}
EDGE_FLAG, DOUBLE_SIDED_FLAG = 0x10, 0x01

# mmd_tools' property defaults (properties/material.py), for fields a scene never set.
_MMD_TOOLS_DEFAULTS = {
    "ambient_color": (0.4, 0.4, 0.4),
    "diffuse_color": (0.8, 0.8, 0.8),
    "alpha": 1.0,
    "specular_color": (0.625, 0.625, 0.625),
    "shininess": 50.0,
    "is_double_sided": False,
    "enabled_toon_edge": False,
    "edge_color": (0.0, 0.0, 0.0, 1.0),
    "edge_weight": 1.0,
    "is_shared_toon_texture": False,
    "shared_toon_texture": 0,
    "toon_texture": "",
}
_SPHERE_MODES = {"0": 0, "1": 1, "2": 2, "3": 3}  # mmd_tools' enum identifiers (RNA)


def _linked_from(socket) -> bpy.types.Node | None:
    return socket.links[0].from_node if socket.is_linked else None


def _color(value) -> tuple[float, float, float, float]:
    return tuple(value)[:3] + (1.0,)


def _floats(value, n: int) -> tuple[float, ...]:
    return tuple(float(v) for v in tuple(value)[:n])


def _image_node(tree, name: str) -> bpy.types.Image | None:
    node = tree.nodes.get(name) if tree is not None else None
    return getattr(node, "image", None) if node is not None else None


def _defaults(traits: dict, material: bpy.types.Material) -> None:
    """MMD fields for a material that is not an MMD one: MMD's usual relations to the color."""
    color = traits["color"]
    traits.update(
        sphere=None,
        sphere_mode=0,
        ambient=tuple(0.5 * c for c in color[:3]),
        specular=(0.0, 0.0, 0.0),
        shininess=5.0,
        edge={"enabled": False, "color": (0.0, 0.0, 0.0, 1.0), "size": 1.0},
        double_sided=not material.use_backface_culling,
        toon_index=-1,
    )


def _ours(traits: dict, material: bpy.types.Material, record) -> None:
    flags = int(record["flags"])
    traits["color"] = _color(record["diffuse"])
    traits["alpha"] = float(record["diffuse"][3])
    traits.update(
        ambient=_floats(record["ambient"], 3),
        specular=_floats(record["specular"], 3),
        shininess=float(record["shininess"]),
        edge={
            "enabled": bool(flags & EDGE_FLAG),
            "color": _floats(record["edge_color"], 4),
            "size": float(record["edge_size"]),
        },
        double_sided=bool(flags & DOUBLE_SIDED_FLAG),
        toon_index=int(record["toon"]),
        sphere_mode=int(record["sphere_mode"]),
    )
    tree = material.node_tree
    for key, name in (("texture", BASE_NODE), ("sphere", SPHERE_NODE), ("toon", TOON_NODE)):
        traits[key] = _image_node(tree, name)


def _system_group(material: bpy.types.Material, key: str):
    getter = getattr(material, "bl_system_properties_get", None)
    stores = [getter()] if getter is not None else []
    stores.append(material)
    for store in stores:
        try:
            return store[key]
        except (KeyError, TypeError, IndexError):
            continue
    return None


def _mmd_tools_fields(material: bpy.types.Material) -> dict | None:
    """mmd_tools' mmd_material fields, or None for a material mmd_tools never touched."""
    live = getattr(material, "mmd_material", None)  # mmd_tools enabled
    fields = dict(_MMD_TOOLS_DEFAULTS)
    if live is not None:
        for name in fields:
            fields[name] = getattr(live, name, fields[name])
        fields["sphere_mode"] = _SPHERE_MODES.get(str(live.sphere_texture_type), 0)
        return fields if _has_mmd_shader(material) or live.name_j else None
    stored = _system_group(material, "mmd_material")
    if stored is None:
        return None
    for name in fields:
        with contextlib.suppress(KeyError, TypeError):
            fields[name] = stored[name]
    try:
        fields["sphere_mode"] = max(0, int(stored["sphere_texture_type"]) - 1)
    except (KeyError, TypeError, ValueError):
        fields["sphere_mode"] = 0
    return fields


def _has_mmd_shader(material: bpy.types.Material) -> bool:
    tree = material.node_tree
    return tree is not None and any(
        n.bl_idname == "ShaderNodeGroup"
        and n.node_tree is not None
        and n.node_tree.name.startswith("MMDShaderDev")
        for n in tree.nodes
    )


def _mmd_tools(traits: dict, material: bpy.types.Material, fields: dict) -> None:
    traits["color"] = _color(fields["diffuse_color"])
    traits["alpha"] = float(fields["alpha"])
    traits.update(
        ambient=_floats(fields["ambient_color"], 3),
        specular=_floats(fields["specular_color"], 3),
        shininess=float(fields["shininess"]),
        edge={
            "enabled": bool(fields["enabled_toon_edge"]),
            "color": _floats(fields["edge_color"], 4),
            "size": float(fields["edge_weight"]),
        },
        double_sided=bool(fields["is_double_sided"]),
        toon_index=int(fields["shared_toon_texture"]) if fields["is_shared_toon_texture"] else -1,
        sphere_mode=int(fields["sphere_mode"]),
    )
    for key, name in MMD_TOOLS_NODES.items():
        image = _image_node(material.node_tree, name)
        if image is not None:
            traits[key] = image


def _from_nodes(traits: dict, tree) -> None:
    """Colors and textures read from Principled BSDF and MMDShaderDev nodes."""
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
            for key, name in (
                ("texture", "Base Tex"),
                ("toon", "Toon Tex"),
                ("sphere", "Sphere Tex"),
            ):
                source = _linked_from(sockets[name]) if name in sockets else None
                if source is not None and source.bl_idname == "ShaderNodeTexImage":
                    traits[key] = source.image
    for node in tree.nodes:  # importers that leave the toon texture unlinked, named "toon"
        if node.bl_idname == "ShaderNodeTexImage" and traits["toon"] is None:
            names = f"{node.name} {node.label} {node.image.name if node.image else ''}".lower()
            if "toon" in names and node.image is not None and node.image != traits["texture"]:
                traits["toon"] = node.image


def is_mmd_material(material: bpy.types.Material | None) -> bool:
    """Whether the material carries MMD data: our importer's record or mmd_tools' fields
    (with or without mmd_tools enabled)."""
    if material is None:
        return False
    return material.get(MMD_KEY) is not None or _mmd_tools_fields(material) is not None


def material_traits(material: bpy.types.Material | None) -> dict:
    """What a material looks like, for looks and outlines.

    Keys: "color" (diffuse RGBA, alpha 1), "alpha", "texture", "toon", "sphere" (bpy images
    or None), "sphere_mode" (0 off, 1 multiply, 2 add, 3 sub-texture), "ambient",
    "specular" (RGB), "shininess", "edge" ({"enabled", "color" RGBA, "size"}),
    "double_sided" and "toon_index" (MMD's shared toon 0..9, or -1). Colors are as the
    material stores them (MMD's numbers, unconverted, for MMD materials).
    """
    traits = {"color": (0.8, 0.8, 0.8, 1.0), "alpha": 1.0, "texture": None, "toon": None}
    if material is None:
        traits.update(sphere=None, sphere_mode=0, ambient=(0.4, 0.4, 0.4), specular=(0.0,) * 3)
        traits.update(shininess=5.0, double_sided=False, toon_index=-1)
        traits["edge"] = {"enabled": False, "color": (0.0, 0.0, 0.0, 1.0), "size": 1.0}
        return traits
    traits["color"] = _color(material.diffuse_color)
    if material.node_tree is not None:
        _from_nodes(traits, material.node_tree)
    _defaults(traits, material)
    record = material.get(MMD_KEY)
    if record is not None:
        _ours(traits, material, record)
    else:
        fields = _mmd_tools_fields(material)
        if fields is not None:
            _mmd_tools(traits, material, fields)
    return traits

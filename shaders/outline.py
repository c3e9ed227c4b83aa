# SPDX-License-Identifier: GPL-3.0-or-later
"""Outlines as an inverted hull.

Why a hull and not Line Art / Freestyle: a Solidify modifier with flipped normals whose shell
takes an emission-black material renders in EEVEE and Cycles alike, costs one extra mesh copy
(no Grease Pencil object, no per-frame line computation, no Freestyle pass that Cycles and
EEVEE handle differently), follows armature deformation for free, and gives inner lines where
the surface folds (creases, overlapping limbs) as well as the silhouette.

How it shows: the shell's normals point inward, so the parts of the shell in front of the body
face away from the camera and are made transparent (Geometry > Backfacing; EEVEE also culls
them), while the parts behind the body face the camera and show only where they stick out past
the silhouette.

Width: the shell thickness is in world units (the look's ``line.width`` is a fraction of the
model's height), so lines get thinner on screen as the camera moves away, like pen lines on a
figure drawn smaller. Per-material widths: the look's ``line.category_widths`` (eyes get none
by default) become a vertex group ``OUTLINE_GROUP`` scaling the hull (a mesh whose materials
all have width 0 gets no hull); a group of that name the user painted is used as is.
"""

from __future__ import annotations

import bpy

from .looks import srgb_to_linear

MODIFIER_NAME = "MMD2Anime Outline"
OUTLINE_GROUP = "mmd2anime_outline"
OUTLINE_OF_KEY = "mmd2anime_outline"  # ID property marking our outline materials
MIN_WIDTH = 0.2


def wants_outline(look: dict, slot_widths: list[float]) -> bool:
    """Whether a mesh with these per-slot width factors gets a hull at all."""
    line = look["line"]
    return line["enabled"] and line["width"] > 0 and any(w > 0 for w in slot_widths)


def outline_material(look: dict) -> bpy.types.Material:
    """The look's outline material (one per look and line color)."""
    color = look["line"]["color"]
    name = f"MMD2Anime Outline [{look['name']} {color}]"
    material = bpy.data.materials.get(name)
    if material is not None:
        return material
    material = bpy.data.materials.new(name)
    material[OUTLINE_OF_KEY] = look["name"]
    material.use_backface_culling = True
    material.surface_render_method = "DITHERED"
    nodes, links = material.node_tree.nodes, material.node_tree.links
    nodes.clear()
    emission = nodes.new("ShaderNodeEmission")
    emission.inputs["Color"].default_value = (*srgb_to_linear(color), 1.0)
    transparent = nodes.new("ShaderNodeBsdfTransparent")
    geometry = nodes.new("ShaderNodeNewGeometry")
    mix = nodes.new("ShaderNodeMixShader")
    links.new(geometry.outputs["Backfacing"], mix.inputs["Fac"])
    links.new(emission.outputs[0], mix.inputs[1])
    links.new(transparent.outputs[0], mix.inputs[2])
    output = nodes.new("ShaderNodeOutputMaterial")
    links.new(mix.outputs[0], output.inputs["Surface"])
    return material


def width_group(obj: bpy.types.Object, slot_widths: list[float]) -> bpy.types.VertexGroup | None:
    """A vertex group scaling the hull per material slot (a vertex takes the widest of its
    faces), or None when every slot has full width or the user made their own group.

    A zero width inside a mesh that also has lined materials becomes MIN_WIDTH: a hull of zero
    thickness lies on the surface, and Cycles then renders the surface as transparent as the
    hull's front faces. A mesh whose slots all have zero width gets no hull (see wants_outline).
    """
    if all(w == 1.0 for w in slot_widths) or OUTLINE_GROUP in obj.vertex_groups:
        return None
    weights = [0.0] * len(obj.data.vertices)
    for polygon in obj.data.polygons:
        index = polygon.material_index
        width = max(slot_widths[index] if index < len(slot_widths) else 1.0, MIN_WIDTH)
        for vertex in polygon.vertices:
            weights[vertex] = max(weights[vertex], width)
    group = obj.vertex_groups.new(name=OUTLINE_GROUP)
    by_weight: dict[float, list[int]] = {}
    for vertex, weight in enumerate(weights):
        by_weight.setdefault(weight, []).append(vertex)
    for weight, vertices in by_weight.items():
        group.add(vertices, weight, "REPLACE")
    return group


def add_outline(
    obj: bpy.types.Object, look: dict, model_height: float, slot: int | None = None
) -> bpy.types.Modifier:
    """Append the outline slot (unless ``slot`` says where the shared mesh already has it) and
    the hull modifier to a mesh object; returns the modifier (``material_offset`` = the slot).

    The caller records the slot index and modifier name so revert can remove both; a vertex
    group from ``width_group`` (made before this call) scales the width per material.
    """
    if slot is None:
        obj.data.materials.append(outline_material(look))
        slot = len(obj.data.materials) - 1
    modifier = obj.modifiers.new(MODIFIER_NAME, "SOLIDIFY")
    scale = max(obj.matrix_world.to_scale()) or 1.0
    modifier.thickness = look["line"]["width"] * model_height / scale
    modifier.offset = 1.0  # grow outward, along the normals
    modifier.use_flip_normals = True
    modifier.use_even_offset = True
    modifier.use_rim = False
    modifier.use_quality_normals = True
    # Offsets beyond the last slot clamp to it: every shell face gets the outline material.
    modifier.material_offset = slot
    if OUTLINE_GROUP in obj.vertex_groups:
        modifier.vertex_group = OUTLINE_GROUP
        modifier.thickness_vertex_group = 0.0  # weight 0: no line at all
    return modifier

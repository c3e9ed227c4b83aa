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
figure drawn smaller. Per-material widths can come from a vertex group (``OUTLINE_GROUP``):
vertices in it with weight 0 get no outline (eyes, for instance).
"""

from __future__ import annotations

import bpy

from .looks import srgb_to_linear

MODIFIER_NAME = "MMD2Anime Outline"
OUTLINE_GROUP = "mmd2anime_outline"
OUTLINE_OF_KEY = "mmd2anime_outline"  # ID property marking our outline materials


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


def add_outline(
    obj: bpy.types.Object, look: dict, model_height: float, slot: int | None = None
) -> bpy.types.Modifier:
    """Append the outline slot (unless ``slot`` says where the shared mesh already has it) and
    the hull modifier to a mesh object; returns the modifier (``material_offset`` = the slot).

    The caller records the slot index and modifier name so revert can remove both.
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
    return modifier

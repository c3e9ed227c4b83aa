# SPDX-License-Identifier: GPL-3.0-or-later
"""The cel-shading node groups and the toon copy of a material.

Works the same in EEVEE and Cycles: no Shader-to-RGB (Cycles lacks it). N·L is computed in the
shader from the geometry normal and the key light's direction, which ``set_light_direction``
writes into the shared ``MMD2Anime Key Light v1`` group (one place, so every toon material
follows when the light moves; call it again after moving the light). The result is an
Emission shader, so the tone bands stay flat whatever the engine's lighting does, mixed with a
Transparent BSDF by the texture's alpha.

Groups are created once per .blend and versioned by name: a changed layout gets a new name
(``v2``) instead of silently altering materials saved with an older one.
"""

from __future__ import annotations

import bpy
from mathutils import Vector

from .looks import srgb_to_linear
from .traits import material_traits

KEY_LIGHT_GROUP = "MMD2Anime Key Light v1"
TOON_GROUP = "MMD2Anime Toon v1"
DIRECTION_NODE = "Light Direction"
TOON_OF_KEY = "mmd2anime_toon_of"  # ID property on toon copies: the original material (ID)
_FALLBACK_DIRECTION = Vector((0.4, -0.6, 0.7)).normalized()  # upper front-left, no light found


def _socket(group: bpy.types.NodeTree, name: str, in_out: str, kind: str, default=None):
    socket = group.interface.new_socket(name=name, in_out=in_out, socket_type=kind)
    if default is not None:
        socket.default_value = default
    return socket


def _math(nodes, operation: str, value=None):
    node = nodes.new("ShaderNodeMath")
    node.operation = operation
    if value is not None:
        node.inputs[1].default_value = value
    return node


def _vmath(nodes, operation: str):
    node = nodes.new("ShaderNodeVectorMath")
    node.operation = operation
    return node


def _mix_color(nodes, blend: str = "MIX"):
    """A color Mix node: inputs[0] factor, [6] A, [7] B, outputs[2] result (by index, since
    its float/vector/color sockets share names)."""
    node = nodes.new("ShaderNodeMix")
    node.data_type = "RGBA"
    node.blend_type = blend
    return node


def _key_light_group() -> bpy.types.NodeTree:
    """Outputs the world-space direction toward the key light and N·L (Lambert) per point."""
    group = bpy.data.node_groups.get(KEY_LIGHT_GROUP)
    if group is not None:
        return group
    group = bpy.data.node_groups.new(KEY_LIGHT_GROUP, "ShaderNodeTree")
    _socket(group, "Direction", "OUTPUT", "NodeSocketVector")
    _socket(group, "Lambert", "OUTPUT", "NodeSocketFloat")
    nodes, links = group.nodes, group.links
    out = nodes.new("NodeGroupOutput")
    direction = nodes.new("ShaderNodeCombineXYZ")
    direction.name = direction.label = DIRECTION_NODE
    for i, v in enumerate(_FALLBACK_DIRECTION):
        direction.inputs[i].default_value = v
    unit = _vmath(nodes, "NORMALIZE")
    geometry = nodes.new("ShaderNodeNewGeometry")
    dot = _vmath(nodes, "DOT_PRODUCT")
    links.new(direction.outputs[0], unit.inputs[0])
    links.new(geometry.outputs["Normal"], dot.inputs[0])
    links.new(unit.outputs["Vector"], dot.inputs[1])
    links.new(unit.outputs["Vector"], out.inputs["Direction"])
    links.new(dot.outputs["Value"], out.inputs["Lambert"])
    return group


def ensure_toon_group() -> bpy.types.NodeTree:
    """The shared cel-shading group (created once per .blend)."""
    group = bpy.data.node_groups.get(TOON_GROUP)
    if group is not None:
        return group
    group = bpy.data.node_groups.new(TOON_GROUP, "ShaderNodeTree")
    inputs = (
        ("Color", "NodeSocketColor", (0.8, 0.8, 0.8, 1.0)),
        ("Shadow Tint", "NodeSocketColor", (0.6, 0.6, 0.6, 1.0)),
        ("Deep Shadow Tint", "NodeSocketColor", (0.4, 0.4, 0.4, 1.0)),
        ("Threshold", "NodeSocketFloat", 0.0),
        ("Deep Threshold", "NodeSocketFloat", -2.0),
        ("Ramp", "NodeSocketColor", (1.0, 1.0, 1.0, 1.0)),
        ("Ramp Factor", "NodeSocketFloat", 0.0),
        ("Rim Color", "NodeSocketColor", (1.0, 1.0, 1.0, 1.0)),
        ("Rim Strength", "NodeSocketFloat", 0.0),
        ("Rim Width", "NodeSocketFloat", 0.25),
        ("Highlight Color", "NodeSocketColor", (1.0, 1.0, 1.0, 1.0)),
        ("Specular Strength", "NodeSocketFloat", 0.0),
        ("Specular Size", "NodeSocketFloat", 0.06),
        ("Alpha", "NodeSocketFloat", 1.0),
    )
    for name, kind, default in inputs:
        _socket(group, name, "INPUT", kind, default)
    _socket(group, "Shader", "OUTPUT", "NodeSocketShader")
    nodes, links = group.nodes, group.links
    gin, gout = nodes.new("NodeGroupInput"), nodes.new("NodeGroupOutput")
    light = nodes.new("ShaderNodeGroup")
    light.node_tree = _key_light_group()
    lambert = light.outputs["Lambert"]

    # Hard-edged bands: lit above Threshold, shadow between, deep shadow below Deep Threshold.
    lit_step = _math(nodes, "GREATER_THAN")
    links.new(lambert, lit_step.inputs[0])
    links.new(gin.outputs["Threshold"], lit_step.inputs[1])
    deep_step = _math(nodes, "GREATER_THAN")
    links.new(lambert, deep_step.inputs[0])
    links.new(gin.outputs["Deep Threshold"], deep_step.inputs[1])
    tint = _mix_color(nodes)
    links.new(deep_step.outputs[0], tint.inputs[0])
    links.new(gin.outputs["Deep Shadow Tint"], tint.inputs[6])
    links.new(gin.outputs["Shadow Tint"], tint.inputs[7])
    tint_or_lit = _mix_color(nodes)
    tint_or_lit.inputs[7].default_value = (1.0, 1.0, 1.0, 1.0)
    links.new(lit_step.outputs[0], tint_or_lit.inputs[0])
    links.new(tint.outputs[2], tint_or_lit.inputs[6])
    # An MMD toon ramp (sampled by the material at N·L) replaces the bands when present.
    ramped = _mix_color(nodes)
    links.new(gin.outputs["Ramp Factor"], ramped.inputs[0])
    links.new(tint_or_lit.outputs[2], ramped.inputs[6])
    links.new(gin.outputs["Ramp"], ramped.inputs[7])
    shaded = _mix_color(nodes, "MULTIPLY")
    shaded.inputs[0].default_value = 1.0
    links.new(gin.outputs["Color"], shaded.inputs[6])
    links.new(ramped.outputs[2], shaded.inputs[7])

    # Rim: a hard band where the surface turns away from the viewer (facing ratio).
    weight = nodes.new("ShaderNodeLayerWeight")
    weight.inputs["Blend"].default_value = 0.5
    rim_edge = _math(nodes, "SUBTRACT")
    rim_edge.inputs[0].default_value = 1.0
    links.new(gin.outputs["Rim Width"], rim_edge.inputs[1])
    rim_step = _math(nodes, "GREATER_THAN")
    links.new(weight.outputs["Facing"], rim_step.inputs[0])
    links.new(rim_edge.outputs[0], rim_step.inputs[1])
    rim_amount = _math(nodes, "MULTIPLY")
    links.new(rim_step.outputs[0], rim_amount.inputs[0])
    links.new(gin.outputs["Rim Strength"], rim_amount.inputs[1])
    with_rim = _mix_color(nodes)
    links.new(rim_amount.outputs[0], with_rim.inputs[0])
    links.new(shaded.outputs[2], with_rim.inputs[6])
    links.new(gin.outputs["Rim Color"], with_rim.inputs[7])

    # Anime specular: a hard-edged Blinn spot, N·H above 1 - size.
    geometry = nodes.new("ShaderNodeNewGeometry")
    half = _vmath(nodes, "ADD")
    links.new(light.outputs["Direction"], half.inputs[0])
    links.new(geometry.outputs["Incoming"], half.inputs[1])
    half_unit = _vmath(nodes, "NORMALIZE")
    links.new(half.outputs["Vector"], half_unit.inputs[0])
    n_dot_h = _vmath(nodes, "DOT_PRODUCT")
    links.new(geometry.outputs["Normal"], n_dot_h.inputs[0])
    links.new(half_unit.outputs["Vector"], n_dot_h.inputs[1])
    spec_edge = _math(nodes, "SUBTRACT")
    spec_edge.inputs[0].default_value = 1.0
    links.new(gin.outputs["Specular Size"], spec_edge.inputs[1])
    spec_step = _math(nodes, "GREATER_THAN")
    links.new(n_dot_h.outputs["Value"], spec_step.inputs[0])
    links.new(spec_edge.outputs[0], spec_step.inputs[1])
    spec_amount = _math(nodes, "MULTIPLY")
    links.new(spec_step.outputs[0], spec_amount.inputs[0])
    links.new(gin.outputs["Specular Strength"], spec_amount.inputs[1])
    spec_lit = _math(nodes, "MULTIPLY")  # no highlight inside the shadow
    links.new(spec_amount.outputs[0], spec_lit.inputs[0])
    links.new(lit_step.outputs[0], spec_lit.inputs[1])
    with_spec = _mix_color(nodes)
    links.new(spec_lit.outputs[0], with_spec.inputs[0])
    links.new(with_rim.outputs[2], with_spec.inputs[6])
    links.new(gin.outputs["Highlight Color"], with_spec.inputs[7])

    emission = nodes.new("ShaderNodeEmission")
    links.new(with_spec.outputs[2], emission.inputs["Color"])
    transparent = nodes.new("ShaderNodeBsdfTransparent")
    cutout = nodes.new("ShaderNodeMixShader")
    links.new(gin.outputs["Alpha"], cutout.inputs["Fac"])
    links.new(transparent.outputs[0], cutout.inputs[1])
    links.new(emission.outputs[0], cutout.inputs[2])
    links.new(cutout.outputs[0], gout.inputs["Shader"])
    return group


def key_light(scene: bpy.types.Scene) -> bpy.types.Object | None:
    """The scene's key light: the strongest visible sun, else the strongest visible light."""
    lights = [o for o in scene.objects if o.type == "LIGHT" and not o.hide_render]
    suns = [o for o in lights if o.data.type == "SUN"]
    pool = suns or lights
    return max(pool, key=lambda o: o.data.energy) if pool else None


def set_light_direction(scene: bpy.types.Scene) -> Vector:
    """Write the direction toward the key light into the shared group; returns it."""
    if scene.view_layers:
        scene.view_layers[0].update()  # matrix_world is stale after edits through the data API
    light = key_light(scene)
    if light is None:
        direction = _FALLBACK_DIRECTION.copy()
    else:
        # A light shines along its local -Z; toward the light is +Z.
        direction = (light.matrix_world.to_3x3() @ Vector((0.0, 0.0, 1.0))).normalized()
    node = _key_light_group().nodes[DIRECTION_NODE]
    for i, v in enumerate(direction):
        node.inputs[i].default_value = v
    return direction


def make_toon_material(
    original: bpy.types.Material | None, look: dict, category: str
) -> bpy.types.Material:
    """A new material painting ``original`` in ``look``'s style; the original is not touched."""
    traits = material_traits(original)
    palette = look["palette"][category]
    source_name = original.name if original is not None else "(empty)"
    material = bpy.data.materials.new(f"{source_name} [{look['name']}]")
    material[TOON_OF_KEY] = original if original is not None else ""
    material.surface_render_method = "DITHERED"
    tree = material.node_tree
    tree.nodes.clear()
    nodes, links = tree.nodes, tree.links
    toon = nodes.new("ShaderNodeGroup")
    toon.node_tree = ensure_toon_group()
    output = nodes.new("ShaderNodeOutputMaterial")
    links.new(toon.outputs["Shader"], output.inputs["Surface"])
    sockets = toon.inputs

    # Lit color: the material's own color (x its texture), pulled toward the palette.
    base = _mix_color(nodes)
    base.inputs[0].default_value = look["palette_mix"]
    base.inputs[6].default_value = traits["color"]
    base.inputs[7].default_value = (*srgb_to_linear(palette["base"]), 1.0)
    alpha = traits["alpha"]
    if traits["texture"] is not None and look["use_textures"]:
        texture = nodes.new("ShaderNodeTexImage")
        texture.image = traits["texture"]
        textured = _mix_color(nodes, "MULTIPLY")
        textured.inputs[0].default_value = 1.0
        textured.inputs[7].default_value = traits["color"]
        links.new(texture.outputs["Color"], textured.inputs[6])
        links.new(textured.outputs[2], base.inputs[6])
        alpha_mul = _math(nodes, "MULTIPLY", alpha)
        links.new(texture.outputs["Alpha"], alpha_mul.inputs[0])
        links.new(alpha_mul.outputs[0], sockets["Alpha"])
    sockets["Alpha"].default_value = alpha
    links.new(base.outputs[2], sockets["Color"])

    thresholds = look["bands"]["thresholds"]
    sockets["Threshold"].default_value = thresholds[0]
    sockets["Deep Threshold"].default_value = thresholds[1] if len(thresholds) > 1 else -2.0
    # Palette shadows are designed relative to the palette base: tint = shadow / base.
    _relative_tints(sockets, palette)

    if traits["toon"] is not None and look["honor_toon_textures"]:
        # MMD toon textures run bright (top) to dark (bottom): v = N·L * 0.5 + 0.5.
        light = nodes.new("ShaderNodeGroup")
        light.node_tree = _key_light_group()
        to_v = _math(nodes, "MULTIPLY_ADD")
        to_v.inputs[1].default_value = 0.5
        to_v.inputs[2].default_value = 0.5
        links.new(light.outputs["Lambert"], to_v.inputs[0])
        uv = nodes.new("ShaderNodeCombineXYZ")
        uv.inputs[0].default_value = 0.5
        links.new(to_v.outputs[0], uv.inputs[1])
        ramp = nodes.new("ShaderNodeTexImage")
        ramp.image = traits["toon"]
        ramp.extension = "EXTEND"
        links.new(uv.outputs[0], ramp.inputs["Vector"])
        links.new(ramp.outputs["Color"], sockets["Ramp"])
        sockets["Ramp Factor"].default_value = 1.0

    rim = look["rim"]
    rim_strength = rim["hair_strength"] if category == "hair" else rim["strength"]
    sockets["Rim Color"].default_value = (*srgb_to_linear(rim["color"]), 1.0)
    sockets["Rim Strength"].default_value = rim_strength
    sockets["Rim Width"].default_value = rim["width"]
    sockets["Highlight Color"].default_value = (*srgb_to_linear(palette["highlight"]), 1.0)
    sockets["Specular Strength"].default_value = look["specular"]["strength"]
    sockets["Specular Size"].default_value = look["specular"]["size"]
    return material


def _relative_tints(sockets, palette: dict) -> None:
    base = srgb_to_linear(palette["base"])
    for socket, key in (("Shadow Tint", "shadow"), ("Deep Shadow Tint", "deep_shadow")):
        shade = srgb_to_linear(palette[key])
        tint = tuple(min(s / b, 1.0) if b > 1e-4 else 0.0 for s, b in zip(shade, base, strict=True))
        sockets[socket].default_value = (*tint, 1.0)

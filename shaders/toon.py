# SPDX-License-Identifier: GPL-3.0-or-later
"""The cel-shading node groups and the toon copy of a material.

Works the same in EEVEE and Cycles: no Shader-to-RGB (Cycles lacks it). N·L is computed in the
shader from the geometry normal and the key light's direction, which ``set_light_direction``
writes into the shared ``MMD2Anime Key Light v1`` group (one place, so every toon material
follows when the light moves; call it again after moving the light). The result is an
Emission shader, so the tone bands stay flat whatever the engine's lighting does, mixed with a
Transparent BSDF by the texture's alpha (and on the back faces of single-sided MMD materials,
which Cycles would draw: it ignores backface culling).

Groups are created once per .blend and versioned by name: a changed layout gets a new name
(``v2``: finished tone colors in, where v1 took shadow tints) instead of silently altering
materials saved with an older one, which keep rendering with their own v1 group.
"""

from __future__ import annotations

import bpy
from mathutils import Vector

from .looks import main_role, palette_of, srgb_to_linear, tone_rules
from .traits import is_mmd_material, material_traits

KEY_LIGHT_GROUP = "MMD2Anime Key Light v1"
TOON_GROUP = "MMD2Anime Toon v2"
SUB_TEXTURE_UV = "UV1"  # the importer's first additional UV (sphere mode 3)
HAIR_AOV = "mmd2anime_hair"  # shader AOV: 1 on hair, for the photography halo
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
    """The shared cel-shading group (created once per .blend).

    v2 takes finished tone colors (lit, shadow, deep shadow, highlight: the material derives
    them from its own color) where v1 took shadow tints multiplied onto one color."""
    group = bpy.data.node_groups.get(TOON_GROUP)
    if group is not None:
        return group
    group = bpy.data.node_groups.new(TOON_GROUP, "ShaderNodeTree")
    inputs = (
        ("Color", "NodeSocketColor", (0.8, 0.8, 0.8, 1.0)),
        ("Shadow Color", "NodeSocketColor", (0.5, 0.5, 0.5, 1.0)),
        ("Deep Shadow Color", "NodeSocketColor", (0.3, 0.3, 0.3, 1.0)),
        ("Highlight Color", "NodeSocketColor", (1.0, 1.0, 1.0, 1.0)),
        ("Threshold", "NodeSocketFloat", 0.0),
        ("Deep Threshold", "NodeSocketFloat", -2.0),
        ("Ramp", "NodeSocketColor", (1.0, 1.0, 1.0, 1.0)),
        ("Ramp Factor", "NodeSocketFloat", 0.0),
        ("Rim Color", "NodeSocketColor", (1.0, 1.0, 1.0, 1.0)),
        ("Rim Strength", "NodeSocketFloat", 0.0),
        ("Rim Width", "NodeSocketFloat", 0.25),
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
    shade = _mix_color(nodes)
    links.new(deep_step.outputs[0], shade.inputs[0])
    links.new(gin.outputs["Deep Shadow Color"], shade.inputs[6])
    links.new(gin.outputs["Shadow Color"], shade.inputs[7])
    banded = _mix_color(nodes)
    links.new(lit_step.outputs[0], banded.inputs[0])
    links.new(shade.outputs[2], banded.inputs[6])
    links.new(gin.outputs["Color"], banded.inputs[7])
    # An MMD toon ramp (sampled by the material at N·L) shades the lit color instead, as MMD.
    ramp_shaded = _mix_color(nodes, "MULTIPLY")
    ramp_shaded.inputs[0].default_value = 1.0
    links.new(gin.outputs["Color"], ramp_shaded.inputs[6])
    links.new(gin.outputs["Ramp"], ramp_shaded.inputs[7])
    shaded = _mix_color(nodes)
    links.new(gin.outputs["Ramp Factor"], shaded.inputs[0])
    links.new(banded.outputs[2], shaded.inputs[6])
    links.new(ramp_shaded.outputs[2], shaded.inputs[7])

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


def key_light_direction(scene: bpy.types.Scene) -> Vector:
    """The world-space unit direction toward the key light, the one toon shading lights
    from (upper front-left when the scene has no light)."""
    if scene.view_layers:
        scene.view_layers[0].update()  # matrix_world is stale after edits through the data API
    light = key_light(scene)
    if light is None:
        return _FALLBACK_DIRECTION.copy()
    # A light shines along its local -Z; toward the light is +Z.
    return (light.matrix_world.to_3x3() @ Vector((0.0, 0.0, 1.0))).normalized()


def set_light_direction(scene: bpy.types.Scene) -> Vector:
    """Write the direction toward the key light into the shared group; returns it."""
    direction = key_light_direction(scene)
    node = _key_light_group().nodes[DIRECTION_NODE]
    for i, v in enumerate(direction):
        node.inputs[i].default_value = v
    return direction


def make_toon_material(
    original: bpy.types.Material | None,
    look: dict,
    category: str,
    base: tuple[float, float, float] | None = None,
) -> bpy.types.Material:
    """A new material painting ``original`` in ``look``'s style; the original is not touched.

    ``category`` is the material's role; ``base`` (linear RGB) replaces its own color (a
    per-material override of the look). The tones are derived from the material's own color
    (its texture and MMD sphere map included) by the look's tone rules for that role."""
    traits = material_traits(original)
    source_name = original.name if original is not None else "(empty)"
    label = look["name"] + (f":{look['variant']}" if look.get("variant") else "")
    material = bpy.data.materials.new(f"{source_name} [{label}]")
    material[TOON_OF_KEY] = original if original is not None else ""
    material.surface_render_method = "DITHERED"
    if "double_sided" in traits:
        material.use_backface_culling = not traits["double_sided"]
    elif original is not None:
        material.use_backface_culling = original.use_backface_culling
    tree = material.node_tree
    tree.nodes.clear()
    nodes, links = tree.nodes, tree.links
    toon = nodes.new("ShaderNodeGroup")
    toon.node_tree = ensure_toon_group()
    output = nodes.new("ShaderNodeOutputMaterial")
    links.new(toon.outputs["Shader"], output.inputs["Surface"])
    sockets = toon.inputs

    own = _own_color(nodes, links, traits, look, base, sockets, is_mmd_material(original))
    if not traits["double_sided"]:
        _hide_back_faces(nodes, links, sockets["Alpha"])
    palette = palette_of(look, category)
    rules = tone_rules(look, category)
    main = main_role(category)  # a sub-role's bands and face rule are its main role's
    tones = {}
    for tone, palette_key in (("lit", "base"), ("shadow", "shadow"),
                              ("deep_shadow", "deep_shadow"), ("highlight", "highlight")):  # fmt: skip
        derived = _derive_tone(nodes, links, own, rules[tone])
        recolored = _mix_color(nodes)
        recolored.inputs[0].default_value = look["recolor"]
        links.new(derived, recolored.inputs[6])
        recolored.inputs[7].default_value = (*srgb_to_linear(palette[palette_key]), 1.0)
        tones[tone] = recolored.outputs[2]
    links.new(tones["lit"], sockets["Color"])
    links.new(tones["shadow"], sockets["Shadow Color"])
    links.new(tones["deep_shadow"], sockets["Deep Shadow Color"])
    links.new(tones["highlight"], sockets["Highlight Color"])

    thresholds = list(look["bands"]["thresholds"])
    if main == "skin" and look["face_shadow"]["shift"]:
        # Anime faces carry little shading: fewer shadow pixels and no deep band on skin.
        thresholds = [max(thresholds[0] + look["face_shadow"]["shift"], -1.0)]
    sockets["Threshold"].default_value = thresholds[0]
    sockets["Deep Threshold"].default_value = thresholds[1] if len(thresholds) > 1 else -2.0

    if traits["toon"] is not None and look["honor_toon_textures"]:
        _toon_ramp(nodes, links, traits["toon"], sockets)

    rim = look["rim"]
    # Hair proper only: brows sit on the face, a hair rim or halo there would be a smudge.
    rim_strength = rim["hair_strength"] if category == "hair" else rim["strength"]
    rim_color = _mix_color(nodes)
    rim_color.inputs[0].default_value = rim["own_color"]
    rim_color.inputs[6].default_value = (*srgb_to_linear(rim["color"]), 1.0)
    links.new(tones["highlight"], rim_color.inputs[7])
    links.new(rim_color.outputs[2], sockets["Rim Color"])
    sockets["Rim Strength"].default_value = rim_strength
    sockets["Rim Width"].default_value = rim["width"]
    sockets["Specular Strength"].default_value = look["specular"]["strength"]
    sockets["Specular Size"].default_value = look["specular"]["size"]
    if category == "hair":
        # The photography pass finds the hair by this pass (its halo follows the hair only).
        aov = nodes.new("ShaderNodeOutputAOV")
        aov.aov_name = HAIR_AOV
        aov.inputs["Value"].default_value = 1.0
    return material


def _own_color(nodes, links, traits: dict, look: dict, base, sockets, is_mmd: bool):
    """The material's own lit color as MMD paints it: diffuse (+ ambient for MMD materials)
    x texture, then the sphere map; also links the alpha. Returns the color output socket."""
    diffuse = traits["color"]
    if base is not None:
        diffuse = (*base, 1.0)
    elif is_mmd:
        # MMD with a toon: ambient + diffuse x the default light (0.6), saturated.
        diffuse = tuple(
            min(a + 0.6 * d, 1.0) for a, d in zip(traits["ambient"], diffuse[:3], strict=False)
        ) + (1.0,)
    color = _mix_color(nodes, "MULTIPLY")
    color.inputs[0].default_value = 1.0
    color.inputs[6].default_value = diffuse
    color.inputs[7].default_value = (1.0, 1.0, 1.0, 1.0)
    alpha = traits["alpha"]
    sockets["Alpha"].default_value = alpha
    if traits["texture"] is not None and look["use_textures"]:
        texture = nodes.new("ShaderNodeTexImage")
        texture.image = traits["texture"]
        links.new(texture.outputs["Color"], color.inputs[7])
        alpha_mul = _math(nodes, "MULTIPLY", alpha)
        links.new(texture.outputs["Alpha"], alpha_mul.inputs[0])
        links.new(alpha_mul.outputs[0], sockets["Alpha"])
    out = color.outputs[2]
    sphere, mode = traits.get("sphere"), traits.get("sphere_mode", 0)
    if sphere is not None and mode in (1, 2, 3) and look["use_textures"]:
        sampled = nodes.new("ShaderNodeTexImage")
        sampled.image = sphere
        if mode == 3:  # a sub-texture through the first additional UV, multiplied
            uv_map = nodes.new("ShaderNodeUVMap")
            uv_map.uv_map = SUB_TEXTURE_UV
            links.new(uv_map.outputs["UV"], sampled.inputs["Vector"])
        else:  # sampled at the view-space normal, as MMD: gold trims come from add maps
            geometry = nodes.new("ShaderNodeNewGeometry")
            to_view = nodes.new("ShaderNodeVectorTransform")
            to_view.vector_type = "NORMAL"
            to_view.convert_from, to_view.convert_to = "WORLD", "CAMERA"
            links.new(geometry.outputs["Normal"], to_view.inputs[0])
            uv = _vmath(nodes, "MULTIPLY_ADD")
            uv.inputs[1].default_value = (0.5, 0.5, 0.0)
            uv.inputs[2].default_value = (0.5, 0.5, 0.0)
            links.new(to_view.outputs[0], uv.inputs[0])
            sampled.extension = "EXTEND"
            links.new(uv.outputs["Vector"], sampled.inputs["Vector"])
        with_sphere = _mix_color(nodes, "ADD" if mode == 2 else "MULTIPLY")
        with_sphere.inputs[0].default_value = 1.0
        with_sphere.clamp_result = True
        links.new(out, with_sphere.inputs[6])
        links.new(sampled.outputs["Color"], with_sphere.inputs[7])
        out = with_sphere.outputs[2]
    return out


def _hide_back_faces(nodes, links, alpha) -> None:
    """Alpha 0 on back faces, as MMD draws a single-sided material: Cycles ignores
    ``use_backface_culling`` (EEVEE honors both)."""
    geometry = nodes.new("ShaderNodeNewGeometry")
    front = _math(nodes, "SUBTRACT")
    front.inputs[0].default_value = 1.0
    links.new(geometry.outputs["Backfacing"], front.inputs[1])
    shown = _math(nodes, "MULTIPLY")
    if alpha.is_linked:
        links.new(alpha.links[0].from_socket, shown.inputs[0])
    else:
        shown.inputs[0].default_value = alpha.default_value
    links.new(front.outputs[0], shown.inputs[1])
    links.new(shown.outputs[0], alpha)


def _derive_tone(nodes, links, own, rule: dict):
    """One tone from the own color: tinted (multiplied or mixed, the rule's blend), then its
    saturation and value scaled in HSV. Returns the color output socket."""
    tinted = _mix_color(nodes, rule["blend"].upper())
    tinted.inputs[0].default_value = rule["tint_strength"]
    links.new(own, tinted.inputs[6])
    tinted.inputs[7].default_value = (*srgb_to_linear(rule["tint"]), 1.0)
    hsv = nodes.new("ShaderNodeHueSaturation")
    hsv.inputs["Hue"].default_value = 0.5  # no hue turn: the tint did that
    hsv.inputs["Saturation"].default_value = rule["saturation"]
    hsv.inputs["Value"].default_value = rule["value"]
    hsv.inputs["Fac"].default_value = 1.0
    links.new(tinted.outputs[2], hsv.inputs["Color"])
    return hsv.outputs["Color"]


def _toon_ramp(nodes, links, image, sockets) -> None:
    """MMD toon textures run bright (top) to dark (bottom): sampled at v = N·L * 0.5 + 0.5."""
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
    ramp.image = image
    ramp.extension = "EXTEND"
    links.new(uv.outputs[0], ramp.inputs["Vector"])
    links.new(ramp.outputs["Color"], sockets["Ramp"])
    sockets["Ramp Factor"].default_value = 1.0

# SPDX-License-Identifier: GPL-3.0-or-later
"""MMD's material model as a node group, for the materials our importer builds.

color = saturate(ambient + 0.6 diffuse) x base texture, then the sphere map (x multiply or
+ add, both sampled at the camera-space normal; the sub-texture mode samples the first
additional UV and multiplies), then x toon ramp sampled at the camera-space normal. 0.6 is
MMD's default light color, which MMD multiplies into the diffuse term. The color feeds a
Diffuse BSDF lit by the scene, plus a Glossy BSDF in the specular color with a roughness
matching MMD's specular power. alpha = material alpha x texture alpha, and 0 on the back of
single-sided faces (Cycles ignores the material's backface culling). The toon ramp is MMD's
shading, not the surface's color, yet it darkens the Diffuse BSDF's color and so Blender's
diffuse color pass; the group writes what it took away, color before the toon x (1 - toon) x
alpha, into the shader AOV ``UNTONED_AOV``, and the layout's albedo adds it back (a look
paints its fills from the color before the toon). Materials with neither
of MMD's casting flags (ground shadow 0x02, self-shadow map 0x04) are transparent to shadow
rays; the receiving flag (0x08) has no per-material equivalent in Blender and is recorded
only.

Each group is created once per .blend under a versioned name; change its version when its
sockets or math change, so old files keep their own (and an unchanged group is not copied
into them under a new name).
"""

from __future__ import annotations

import bpy

from .traits import BASE_NODE, SPHERE_NODE, TOON_NODE

MATERIAL_VERSION = 2  # v2: the UNTONED_AOV output
COORDINATES_VERSION = 1
MATERIAL_GROUP = f"MMD2Anime MMD Material v{MATERIAL_VERSION}"
COORDINATES_GROUP = f"MMD2Anime MMD Coordinates v{COORDINATES_VERSION}"
MMD_LIGHT = 0.6  # MMD's default light color (154/255), multiplied into the diffuse term
SPECULAR_WEIGHT = 0.1  # MMD lights only its highlight; a Glossy BSDF also mirrors the world
SUB_TEXTURE_UV = "UV1"  # the importer's name for the first additional UV
UNTONED_AOV = "mmd2anime_untoned"  # color AOV: the part of the color the toon ramp took
WHITE, BLACK = (1.0, 1.0, 1.0, 1.0), (0.0, 0.0, 0.0, 1.0)
DOUBLE_SIDED = 0x01
CASTS_SHADOW = 0x02 | 0x04  # MMD's ground shadow and self-shadow map flags


def _socket(group, name: str, in_out: str, kind: str, default=None, lo=None, hi=None):
    socket = group.interface.new_socket(name=name, in_out=in_out, socket_type=kind)
    if default is not None:
        socket.default_value = default
    if lo is not None:
        socket.min_value, socket.max_value = lo, hi
    return socket


def _math(nodes, operation: str, a=None, b=None, clamp: bool = False):
    node = nodes.new("ShaderNodeMath")
    node.operation, node.use_clamp = operation, clamp
    for i, value in enumerate((a, b)):
        if value is not None:
            node.inputs[i].default_value = value
    return node


def _mix(nodes, blend: str, factor: float = 1.0, clamp: bool = False):
    """Color Mix node: inputs[0] factor, [6] A, [7] B; outputs[2] result."""
    node = nodes.new("ShaderNodeMix")
    node.data_type, node.blend_type, node.clamp_result = "RGBA", blend, clamp
    node.inputs[0].default_value = factor
    return node


def ensure_coordinates_group() -> bpy.types.NodeTree:
    """Output "Normal UV": the camera-space normal mapped to (n.x/2 + 1/2, n.y/2 + 1/2, 0),
    where MMD samples sphere maps (and mmd_tools toon textures)."""
    group = bpy.data.node_groups.get(COORDINATES_GROUP)
    if group is not None:
        return group
    group = bpy.data.node_groups.new(COORDINATES_GROUP, "ShaderNodeTree")
    _socket(group, "Normal UV", "OUTPUT", "NodeSocketVector")
    nodes, links = group.nodes, group.links
    geometry = nodes.new("ShaderNodeNewGeometry")
    to_camera = nodes.new("ShaderNodeVectorTransform")
    to_camera.vector_type, to_camera.convert_from, to_camera.convert_to = (
        "NORMAL",
        "WORLD",
        "CAMERA",
    )
    mapping = nodes.new("ShaderNodeMapping")
    mapping.inputs["Location"].default_value = (0.5, 0.5, 0.0)
    mapping.inputs["Scale"].default_value = (0.5, 0.5, 0.0)
    out = nodes.new("NodeGroupOutput")
    links.new(geometry.outputs["Normal"], to_camera.inputs["Vector"])
    links.new(to_camera.outputs["Vector"], mapping.inputs["Vector"])
    links.new(mapping.outputs["Vector"], out.inputs["Normal UV"])
    return group


def ensure_material_group() -> bpy.types.NodeTree:
    """The shared MMD material group (see the module docstring)."""
    group = bpy.data.node_groups.get(MATERIAL_GROUP)
    if group is not None:
        return group
    group = bpy.data.node_groups.new(MATERIAL_GROUP, "ShaderNodeTree")
    _socket(group, "Ambient", "INPUT", "NodeSocketColor", (0.4, 0.4, 0.4, 1.0))
    _socket(group, "Diffuse", "INPUT", "NodeSocketColor", (0.8, 0.8, 0.8, 1.0))
    _socket(group, "Alpha", "INPUT", "NodeSocketFloat", 1.0, 0.0, 1.0)
    _socket(group, "Base Texture", "INPUT", "NodeSocketColor", WHITE)
    _socket(group, "Base Alpha", "INPUT", "NodeSocketFloat", 1.0, 0.0, 1.0)
    _socket(group, "Sphere Multiply", "INPUT", "NodeSocketColor", WHITE)
    _socket(group, "Sphere Add", "INPUT", "NodeSocketColor", BLACK)
    _socket(group, "Toon", "INPUT", "NodeSocketColor", WHITE)
    _socket(group, "Specular", "INPUT", "NodeSocketColor", BLACK)
    _socket(group, "Shininess", "INPUT", "NodeSocketFloat", 5.0, 0.0, 10000.0)
    _socket(group, "Double Sided", "INPUT", "NodeSocketFloat", 0.0, 0.0, 1.0)
    _socket(group, "Casts Shadow", "INPUT", "NodeSocketFloat", 1.0, 0.0, 1.0)
    _socket(group, "Shader", "OUTPUT", "NodeSocketShader")
    _socket(group, "Color", "OUTPUT", "NodeSocketColor")
    _socket(group, "Alpha", "OUTPUT", "NodeSocketFloat")
    nodes, links = group.nodes, group.links
    gin, out = nodes.new("NodeGroupInput"), nodes.new("NodeGroupOutput")

    # saturate(ambient + 0.6 diffuse) x texture x sphere multiply + sphere add, x toon.
    lit = _mix(nodes, "ADD", MMD_LIGHT, clamp=True)
    links.new(gin.outputs["Ambient"], lit.inputs[6])
    links.new(gin.outputs["Diffuse"], lit.inputs[7])
    textured = _mix(nodes, "MULTIPLY")
    links.new(lit.outputs[2], textured.inputs[6])
    links.new(gin.outputs["Base Texture"], textured.inputs[7])
    sphered = nodes.new("ShaderNodeVectorMath")
    sphered.operation = "MULTIPLY_ADD"
    links.new(textured.outputs[2], sphered.inputs[0])
    links.new(gin.outputs["Sphere Multiply"], sphered.inputs[1])
    links.new(gin.outputs["Sphere Add"], sphered.inputs[2])
    toned = _mix(nodes, "MULTIPLY")
    links.new(sphered.outputs["Vector"], toned.inputs[6])
    links.new(gin.outputs["Toon"], toned.inputs[7])
    links.new(toned.outputs[2], out.inputs["Color"])

    diffuse = nodes.new("ShaderNodeBsdfDiffuse")
    links.new(toned.outputs[2], diffuse.inputs["Color"])
    # Blinn-Phong exponent n ~ GGX alpha = sqrt(2 / (n + 2)); Blender's roughness = sqrt(alpha).
    plus_two = _math(nodes, "ADD", b=2.0)
    links.new(gin.outputs["Shininess"], plus_two.inputs[0])
    ratio = _math(nodes, "DIVIDE", a=2.0)
    links.new(plus_two.outputs[0], ratio.inputs[1])
    roughness = _math(nodes, "POWER", b=0.25, clamp=True)
    links.new(ratio.outputs[0], roughness.inputs[0])
    weight = _mix(nodes, "MULTIPLY")
    weight.inputs[7].default_value = (SPECULAR_WEIGHT,) * 3 + (1.0,)
    links.new(gin.outputs["Specular"], weight.inputs[6])
    glossy = nodes.new("ShaderNodeBsdfAnisotropic")  # the Glossy BSDF in Blender 4+
    links.new(weight.outputs[2], glossy.inputs["Color"])
    links.new(roughness.outputs[0], glossy.inputs["Roughness"])
    surface = nodes.new("ShaderNodeAddShader")
    links.new(diffuse.outputs[0], surface.inputs[0])
    links.new(glossy.outputs[0], surface.inputs[1])

    # alpha = material x texture, and 0 on back faces of single-sided materials.
    alpha = _math(nodes, "MULTIPLY", clamp=True)
    links.new(gin.outputs["Alpha"], alpha.inputs[0])
    links.new(gin.outputs["Base Alpha"], alpha.inputs[1])
    geometry = nodes.new("ShaderNodeNewGeometry")
    front = _math(nodes, "SUBTRACT", a=1.0)
    links.new(geometry.outputs["Backfacing"], front.inputs[1])
    shown = _math(nodes, "MAXIMUM")
    links.new(front.outputs[0], shown.inputs[0])
    links.new(gin.outputs["Double Sided"], shown.inputs[1])
    visible = _math(nodes, "MULTIPLY")
    links.new(alpha.outputs[0], visible.inputs[0])
    links.new(shown.outputs[0], visible.inputs[1])
    links.new(visible.outputs[0], out.inputs["Alpha"])
    # What the toon took from the diffuse color pass: sphered x (1 - toon) x alpha.
    untoned = _mix(nodes, "MULTIPLY")
    inverted = nodes.new("ShaderNodeInvert")
    links.new(gin.outputs["Toon"], inverted.inputs["Color"])
    links.new(sphered.outputs["Vector"], untoned.inputs[6])
    links.new(inverted.outputs["Color"], untoned.inputs[7])
    covered = _mix(nodes, "MIX")  # black x (1 - alpha) + untoned x alpha
    links.new(visible.outputs[0], covered.inputs[0])
    covered.inputs[6].default_value = BLACK
    links.new(untoned.outputs[2], covered.inputs[7])
    aov = nodes.new("ShaderNodeOutputAOV")
    aov.aov_name = UNTONED_AOV
    links.new(covered.outputs[2], aov.inputs["Color"])
    # Materials without MMD's shadow flags let shadow rays through.
    light_path = nodes.new("ShaderNodeLightPath")
    no_cast = _math(nodes, "SUBTRACT", a=1.0)
    links.new(gin.outputs["Casts Shadow"], no_cast.inputs[1])
    blocked = _math(nodes, "MULTIPLY")
    links.new(light_path.outputs["Is Shadow Ray"], blocked.inputs[0])
    links.new(no_cast.outputs[0], blocked.inputs[1])
    passes = _math(nodes, "SUBTRACT", a=1.0)
    links.new(blocked.outputs[0], passes.inputs[1])
    opacity = _math(nodes, "MULTIPLY")
    links.new(visible.outputs[0], opacity.inputs[0])
    links.new(passes.outputs[0], opacity.inputs[1])
    transparent = nodes.new("ShaderNodeBsdfTransparent")
    cutout = nodes.new("ShaderNodeMixShader")
    links.new(opacity.outputs[0], cutout.inputs["Fac"])
    links.new(transparent.outputs[0], cutout.inputs[1])
    links.new(surface.outputs[0], cutout.inputs[2])
    links.new(cutout.outputs[0], out.inputs["Shader"])
    return group


def _image_node(nodes, name: str, image: bpy.types.Image, extension: str = "REPEAT"):
    node = nodes.new("ShaderNodeTexImage")
    node.name = node.label = name
    node.image, node.extension = image, extension
    return node


def lit_color(params: dict) -> tuple[float, float, float, float]:
    """saturate(ambient + 0.6 diffuse) with the material alpha: the color MMD shows lit,
    before textures; Workbench and the viewport show it."""
    rgb = [
        min(1.0, max(0.0, a + MMD_LIGHT * d))
        for a, d in zip(params["ambient"], params["diffuse"][:3], strict=True)
    ]
    return (*rgb, float(params["diffuse"][3]))


def build_tree(
    material: bpy.types.Material,
    params: dict,
    texture: bpy.types.Image | None = None,
    sphere: bpy.types.Image | None = None,
    toon: bpy.types.Image | None = None,
    has_sub_uv: bool = False,
) -> None:
    """Replace ``material``'s nodes with the MMD material group fed from ``params`` (the
    mmd2anime_mmd record) and the given images (None: not used)."""
    tree = material.node_tree
    if tree is None:  # Blender before 5.0 needs use_nodes
        material.use_nodes = True
        tree = material.node_tree
    tree.nodes.clear()
    nodes, links = tree.nodes, tree.links
    shader = nodes.new("ShaderNodeGroup")
    shader.node_tree = ensure_material_group()
    shader.name = shader.label = "MMD Material"
    output = nodes.new("ShaderNodeOutputMaterial")
    links.new(shader.outputs["Shader"], output.inputs["Surface"])
    sockets = shader.inputs
    sockets["Ambient"].default_value = (*params["ambient"], 1.0)
    sockets["Diffuse"].default_value = (*params["diffuse"][:3], 1.0)
    sockets["Alpha"].default_value = params["diffuse"][3]
    sockets["Specular"].default_value = (*params["specular"], 1.0)
    sockets["Shininess"].default_value = params["shininess"]
    sockets["Double Sided"].default_value = float(params["flags"] & DOUBLE_SIDED)
    sockets["Casts Shadow"].default_value = float(bool(params["flags"] & CASTS_SHADOW))
    if texture is not None:
        node = _image_node(nodes, BASE_NODE, texture)
        links.new(node.outputs["Color"], sockets["Base Texture"])
        links.new(node.outputs["Alpha"], sockets["Base Alpha"])
    coordinates = None
    if sphere is not None or toon is not None:
        coordinates = nodes.new("ShaderNodeGroup")
        coordinates.node_tree = ensure_coordinates_group()
    mode = params["sphere_mode"]
    if sphere is not None and mode in (1, 2, 3):
        node = _image_node(nodes, SPHERE_NODE, sphere, "REPEAT" if mode == 3 else "EXTEND")
        if mode == 3 and has_sub_uv:
            uv = nodes.new("ShaderNodeUVMap")
            uv.uv_map = SUB_TEXTURE_UV
            links.new(uv.outputs["UV"], node.inputs["Vector"])
        elif mode != 3:
            links.new(coordinates.outputs["Normal UV"], node.inputs["Vector"])
        target = "Sphere Add" if mode == 2 else "Sphere Multiply"
        links.new(node.outputs["Color"], sockets[target])
    if toon is not None:
        node = _image_node(nodes, TOON_NODE, toon, "EXTEND")
        links.new(coordinates.outputs["Normal UV"], node.inputs["Vector"])
        links.new(node.outputs["Color"], sockets["Toon"])
    material.diffuse_color = lit_color(params)

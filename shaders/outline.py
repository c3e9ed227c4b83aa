# SPDX-License-Identifier: GPL-3.0-or-later
"""Outlines as an inverted hull, from the model's own MMD edge data.

Why a hull and not Line Art / Freestyle: a copy of the surface pushed outward with flipped
faces, in an emission material, renders in EEVEE and Cycles alike, follows armature
deformation for free, and gives inner lines where the surface folds as well as the
silhouette. MMD draws its edges the same way (the back faces of edge-flagged materials).

The hull is a Geometry Nodes modifier (group ``GROUP_NAME``, made once, versioned by name):
- Which faces and how wide: per material slot, MMD's edge flag (0x10) and edge size when the
  material carries MMD data and the look's ``line.use_model_edges`` is on, else the look's
  ``line.category_widths``; times the per-vertex MMD edge scale (``mmd_edge_scale``) and a
  vertex group ``OUTLINE_GROUP`` the user painted. Our code writes the per-slot part as mesh
  attributes (``WIDTH_ATTR`` per vertex, ``FACE_ATTR`` per face, ``COLOR_ATTR`` per face corner).
- Direction: the area-weighted normal summed over all vertices at the same rest position
  (``WELD_ATTR``, found once when the look is applied; MMD models split vertices at UV seams
  and hard edges, and per-vertex normals tear the hull apart there), so hard edges neither
  gap nor spike; zero-area faces weigh nothing.
- Width: with ``line.screen_space`` (the default) the hull is ``line.width`` x the frame's
  height wide in pixels, whatever the camera distance: the offset grows with the depth along
  the active camera's view axis, and follows its lens, sensor and the render resolution (the
  camera is read by the node tree every frame, the resolution and sensor fit by drivers).
  Otherwise ``line.width`` is a fraction of the model's height in world units.
- Poking through: each hull point is then moved away from the camera along its view ray,
  which leaves its place in the image unchanged but puts it behind surfaces that lie closer
  than a few line widths (skirts over legs, hair over the head), where a hull would otherwise
  paint black patches over them.
- Open borders: a hull copies a surface's outside, so a single sheet's border (a skirt's
  hem, a cuff) gets no line from it. Border edges of the lined faces (``BORDER_ATTR``, found
  once at apply, welded vertices counted as one so UV seams are none) grow a fin: a strip one
  line width wide, out across the border and tilted 45 degrees off the surface (clear of a
  layer beneath), both windings, in the outline material.

How it shows: the hull's faces point inward, so its parts in front of the body face away
from the camera and are made transparent (Geometry > Backfacing; EEVEE also culls them),
while the parts behind the body show only where they stick out past the silhouette.
"""

from __future__ import annotations

import bpy
import numpy as np

from . import traits
from .looks import srgb_to_linear

MODIFIER_NAME = "MMD2Anime Outline"
GROUP_NAME = "MMD2Anime Outline v3"
OUTLINE_GROUP = "mmd2anime_outline"  # a vertex group the user paints to scale the width
OUTLINE_OF_KEY = "mmd2anime_outline"  # ID property marking our outline materials
EDGE_SCALE_ATTR = "mmd_edge_scale"
WIDTH_ATTR = "mmd2anime_outline_width"
FACE_ATTR = "mmd2anime_outline_face"
COLOR_ATTR = "mmd2anime_outline_color"
DEPTH_PUSH = 3.0  # line widths the hull moves back along the view ray
WELD_ATTR = "mmd2anime_outline_weld"
BORDER_ATTR = "mmd2anime_outline_border"
WELD_FRACTION = 1e-5  # of the mesh's size: vertices closer than this share a normal


def mmd_edge(material: bpy.types.Material | None) -> dict | None:
    """A material's MMD edge {"enabled", "color" (RGBA), "size"}, or None for a material
    without MMD data (neither our importer's nor mmd_tools')."""
    if not traits.is_mmd_material(material):
        return None
    return traits.material_traits(material)["edge"]


def slot_lines(
    materials: list[bpy.types.Material | None], categories: list[str], look: dict
) -> list[tuple[float, tuple[float, float, float, float]]]:
    """(width factor, linear RGBA line color) per material slot, by the look's rules: MMD's
    edge flag, size and color where the material has them (``line.use_model_edges``), else
    the look's width for the slot's category and the look's color."""
    line = look["line"]
    look_color = (*srgb_to_linear(line["color"]), 1.0)
    mix = line["edge_color_mix"]
    lines = []
    for material, category in zip(materials, categories, strict=True):
        edge = mmd_edge(material) if line["use_model_edges"] else None
        if edge is None:
            lines.append((line["category_widths"][category], look_color))
            continue
        width = max(edge["size"], 0.0) if edge["enabled"] else 0.0
        # MMD stores edge colors as sRGB-ish display values, like its other colors.
        model = (*srgb_to_linear(_hex(edge["color"])), float(edge["color"][3]))
        color = tuple(a + (b - a) * mix for a, b in zip(look_color, model, strict=True))
        lines.append((width, color))
    return lines


def _hex(rgba) -> str:
    return "#" + "".join(f"{round(min(max(c, 0.0), 1.0) * 255):02x}" for c in rgba[:3])


def wants_outline(look: dict, slot_widths: list[float]) -> bool:
    """Whether a mesh with these per-slot width factors gets a hull at all."""
    line = look["line"]
    return line["enabled"] and line["width"] > 0 and any(w > 0 for w in slot_widths)


def outline_material(look: dict) -> bpy.types.Material:
    """The look's outline material: emits the hull's per-face line color, transparent where
    the hull faces away from the camera or the MMD edge color is transparent."""
    name = f"MMD2Anime Outline v1 [{look['name']}]"
    material = bpy.data.materials.get(name)
    if material is not None:
        return material
    material = bpy.data.materials.new(name)
    material[OUTLINE_OF_KEY] = look["name"]
    material.use_backface_culling = True
    material.surface_render_method = "DITHERED"
    nodes, links = material.node_tree.nodes, material.node_tree.links
    nodes.clear()
    attribute = nodes.new("ShaderNodeAttribute")
    attribute.attribute_type, attribute.attribute_name = "GEOMETRY", COLOR_ATTR
    emission = nodes.new("ShaderNodeEmission")
    links.new(attribute.outputs["Color"], emission.inputs["Color"])
    transparent = nodes.new("ShaderNodeBsdfTransparent")
    geometry = nodes.new("ShaderNodeNewGeometry")
    # Opacity: 0 where the hull faces away (in front of the body), else the edge alpha.
    opacity = nodes.new("ShaderNodeMath")
    opacity.operation = "MULTIPLY"
    invert = nodes.new("ShaderNodeMath")
    invert.operation = "SUBTRACT"
    invert.inputs[0].default_value = 1.0
    links.new(geometry.outputs["Backfacing"], invert.inputs[1])
    links.new(invert.outputs[0], opacity.inputs[0])
    links.new(attribute.outputs["Alpha"], opacity.inputs[1])
    mix = nodes.new("ShaderNodeMixShader")
    links.new(opacity.outputs[0], mix.inputs["Fac"])
    links.new(transparent.outputs[0], mix.inputs[1])
    links.new(emission.outputs[0], mix.inputs[2])
    output = nodes.new("ShaderNodeOutputMaterial")
    links.new(mix.outputs[0], output.inputs["Surface"])
    return material


def write_line_attributes(obj: bpy.types.Object, lines: list[tuple[float, tuple]]) -> None:
    """Per-face lined flag and color, and per-vertex width (the widest of its lined faces)."""
    mesh = obj.data
    remove_line_attributes(obj)
    n_faces, n_verts = len(mesh.polygons), len(mesh.vertices)
    index = np.zeros(n_faces, np.int32)
    mesh.polygons.foreach_get("material_index", index)
    widths = np.array([w for w, _ in lines] or [0.0], np.float32)
    colors = np.array([c for _, c in lines] or [(0.0, 0.0, 0.0, 1.0)], np.float32)
    index = np.clip(index, 0, len(widths) - 1)
    face_width = widths[index]
    loop_totals = np.zeros(n_faces, np.int32)
    mesh.polygons.foreach_get("loop_total", loop_totals)
    loop_verts = np.zeros(len(mesh.loops), np.int32)
    mesh.loops.foreach_get("vertex_index", loop_verts)
    vertex_width = np.zeros(n_verts, np.float32)
    np.maximum.at(vertex_width, loop_verts, np.repeat(face_width, loop_totals))
    attributes = mesh.attributes
    attributes.new(WIDTH_ATTR, "FLOAT", "POINT").data.foreach_set("value", vertex_width)
    welds = weld_groups(mesh)
    attributes.new(WELD_ATTR, "INT", "POINT").data.foreach_set("value", welds)
    lined = (face_width > 0).astype(bool)
    attributes.new(FACE_ATTR, "BOOLEAN", "FACE").data.foreach_set("value", lined)
    border = border_edges(mesh, welds, np.repeat(lined, loop_totals))
    attributes.new(BORDER_ATTR, "BOOLEAN", "EDGE").data.foreach_set("value", border)
    # Per face corner: EEVEE reads corner colors (Cycles reads either).
    corner_colors = np.repeat(colors[index], loop_totals, axis=0).ravel()
    attributes.new(COLOR_ATTR, "FLOAT_COLOR", "CORNER").data.foreach_set("color", corner_colors)


def weld_groups(mesh: bpy.types.Mesh) -> np.ndarray:
    """Per vertex, one id shared by all vertices at the same rest position (MMD splits
    vertices at UV seams and hard edges; they move together when skinned)."""
    co = np.zeros(len(mesh.vertices) * 3, np.float32)
    mesh.vertices.foreach_get("co", co)
    co = co.reshape(-1, 3)
    if not len(co):
        return np.zeros(0, np.int32)
    step = max(float(np.linalg.norm(np.ptp(co, axis=0))) * WELD_FRACTION, 1e-9)
    _, groups = np.unique(np.round(co / step).astype(np.int64), axis=0, return_inverse=True)
    return groups.astype(np.int32).ravel()


def border_edges(mesh: bpy.types.Mesh, welds: np.ndarray, lined_loops: np.ndarray) -> np.ndarray:
    """Per edge, whether it borders exactly one lined face, counting welded vertices as one
    (so UV seams are no border): a skirt's hem, a sleeve's cuff, where the hull draws none."""
    ends = np.zeros(len(mesh.edges) * 2, np.int32)
    mesh.edges.foreach_get("vertices", ends)
    pairs = np.sort(welds[ends.reshape(-1, 2)], axis=1).astype(np.int64)
    keys = pairs[:, 0] * (int(welds.max(initial=0)) + 1) + pairs[:, 1]
    loop_edges = np.zeros(len(mesh.loops), np.int32)
    mesh.loops.foreach_get("edge_index", loop_edges)
    used, counts = np.unique(keys[loop_edges[lined_loops]], return_counts=True)
    return np.isin(keys, used[counts == 1])


def remove_line_attributes(obj: bpy.types.Object) -> None:
    """Remove the attributes write_line_attributes made and the drivers add_outline made
    (revert calls this once the modifier is gone)."""
    animation = obj.animation_data
    if animation is not None:
        ours = f'modifiers["{MODIFIER_NAME}"]'
        for fcurve in [d for d in animation.drivers if d.data_path.startswith(ours)]:
            animation.drivers.remove(fcurve)
    attributes = obj.data.attributes
    for name in (WIDTH_ATTR, FACE_ATTR, COLOR_ATTR, WELD_ATTR, BORDER_ATTR):
        attribute = attributes.get(name)
        if attribute is not None:
            attributes.remove(attribute)


def add_outline(
    obj: bpy.types.Object,
    look: dict,
    model_height: float,
    slot: int | None = None,
    scene: bpy.types.Scene | None = None,
) -> bpy.types.Modifier:
    """Append the outline slot (unless ``slot`` says where the shared mesh already has it) and
    the hull modifier to a mesh object; returns the modifier (see modifier_slot).

    write_line_attributes must have run on the mesh. The caller records the slot index and
    modifier name so revert can remove both.
    """
    if slot is None:
        obj.data.materials.append(outline_material(look))
        slot = len(obj.data.materials) - 1
    scene = scene or bpy.context.scene
    line = look["line"]
    modifier = obj.modifiers.new(MODIFIER_NAME, "NODES")
    modifier.node_group = ensure_outline_group()
    inputs = _input_ids(modifier.node_group)
    modifier[inputs["Outline Slot"]] = slot
    modifier[inputs["Depth Push"]] = DEPTH_PUSH
    if line["screen_space"]:
        modifier[inputs["World Width"]] = 0.0
        modifier[inputs["Frame Width"]] = line["width"]
    else:
        modifier[inputs["World Width"]] = line["width"] * model_height
        modifier[inputs["Frame Width"]] = 0.0
    _drive_frame_inputs(obj, modifier, inputs, scene)
    return modifier


def modifier_slot(modifier: bpy.types.Modifier) -> int:
    """The material slot a hull modifier made by add_outline draws its lines with."""
    return int(modifier[_input_ids(modifier.node_group)["Outline Slot"]])


def _drive_frame_inputs(obj, modifier, inputs: dict[str, str], scene) -> None:
    """Drivers that keep the render resolution and sensor fit current in the node tree."""
    ratio = modifier.driver_add(f'["{inputs["Frame Ratio"]}"]').driver
    ratio.type = "SCRIPTED"
    # Pixels of frame height per pixel of the side the sensor spans (AUTO: the larger side).
    ratio.expression = "ry / (max(rx, ry) if fit == 0 else (rx if fit == 1 else ry))"
    fit = modifier.driver_add(f'["{inputs["Sensor Height"]}"]').driver
    fit.type = "SCRIPTED"
    fit.expression = "fit == 2"
    for driver in (ratio, fit):
        for name, path in (
            ("rx", "render.resolution_x"),
            ("ry", "render.resolution_y"),
            ("fit", "camera.data.sensor_fit"),
        ):
            variable = driver.variables.new()
            variable.name, variable.type = name, "SINGLE_PROP"
            variable.targets[0].id_type = "SCENE"
            variable.targets[0].id = scene
            variable.targets[0].data_path = path


def _input_ids(group: bpy.types.NodeTree) -> dict[str, str]:
    return {
        item.name: item.identifier
        for item in group.interface.items_tree
        if item.item_type == "SOCKET" and item.in_out == "INPUT"
    }


def ensure_outline_group() -> bpy.types.NodeTree:
    """The hull node group (made once per file; a new version gets a new name)."""
    group = bpy.data.node_groups.get(GROUP_NAME)
    if group is None:
        group = _build_group()
    return group


class _Builder:
    """Small helpers to wire a geometry node tree."""

    def __init__(self, group: bpy.types.NodeTree) -> None:
        self.nodes, self.links = group.nodes, group.links

    def node(self, kind: str, **props):
        node = self.nodes.new(kind)
        for key, value in props.items():
            setattr(node, key, value)
        return node

    def link(self, source, target) -> None:
        self.links.new(source, target)

    def math(self, operation: str, a, b=None):
        node = self.node("ShaderNodeMath", operation=operation)
        for socket, value in zip(node.inputs, (a, b), strict=False):
            self._feed(socket, value)
        return node.outputs[0]

    def vmath(self, operation: str, a, b=None, output: int = 0):
        node = self.node("ShaderNodeVectorMath", operation=operation)
        for socket, value in zip(node.inputs, (a, b), strict=False):
            self._feed(socket, value)
        return node.outputs[output]

    def scale(self, vector, factor):
        node = self.node("ShaderNodeVectorMath", operation="SCALE")
        self._feed(node.inputs[0], vector)
        self._feed(node.inputs["Scale"], factor)
        return node.outputs[0]

    def _feed(self, socket, value) -> None:
        if value is None:
            return
        if isinstance(value, bpy.types.NodeSocket):
            self.link(value, socket)
        else:
            socket.default_value = value


def _build_group() -> bpy.types.NodeTree:
    group = bpy.data.node_groups.new(GROUP_NAME, "GeometryNodeTree")
    interface = group.interface
    interface.new_socket("Geometry", in_out="INPUT", socket_type="NodeSocketGeometry")
    for name, kind, default in (
        ("World Width", "NodeSocketFloat", 0.0),
        ("Frame Width", "NodeSocketFloat", 0.004),
        ("Frame Ratio", "NodeSocketFloat", 1.0),
        ("Sensor Height", "NodeSocketBool", False),
        ("Outline Slot", "NodeSocketInt", 0),
        ("Depth Push", "NodeSocketFloat", DEPTH_PUSH),
    ):
        socket = interface.new_socket(name, in_out="INPUT", socket_type=kind)
        socket.default_value = default
    interface.new_socket("Geometry", in_out="OUTPUT", socket_type="NodeSocketGeometry")
    b = _Builder(group)
    given = b.node("NodeGroupInput").outputs
    out = b.node("NodeGroupOutput")
    geometry = given["Geometry"]

    # Averaged normals: area-weighted face normals, averaged over welded vertices.
    # (Read at points, a face field is the mean over the point's faces.)
    face_normal = b.node("GeometryNodeFieldOnDomain", domain="FACE", data_type="FLOAT_VECTOR")
    area = b.node("GeometryNodeInputMeshFaceArea").outputs[0]
    b.link(b.scale(b.node("GeometryNodeInputNormal").outputs[0], area), face_normal.inputs[0])
    weld = b.node("GeometryNodeInputNamedAttribute", data_type="INT")
    weld.inputs["Name"].default_value = WELD_ATTR
    summed = b.node("GeometryNodeAccumulateField", data_type="FLOAT_VECTOR", domain="POINT")
    b.link(face_normal.outputs[0], summed.inputs["Value"])
    b.link(weld.outputs["Attribute"], summed.inputs["Group ID"])
    # Captured on the surface: the hull's faces are flipped, so its own normals point inward.
    capture = b.node("GeometryNodeCaptureAttribute", domain="POINT")
    capture.capture_items.new("VECTOR", "Normal")
    b.link(geometry, capture.inputs["Geometry"])
    b.link(summed.outputs["Total"], capture.inputs["Normal"])
    normal = capture.outputs["Normal"]
    position = b.node("GeometryNodeInputPosition").outputs[0]

    # World space: the object's and the active camera's transforms.
    self_info = b.node("GeometryNodeObjectInfo")
    b.link(b.node("GeometryNodeSelfObject").outputs[0], self_info.inputs["Object"])
    to_world = self_info.outputs["Transform"]
    camera = b.node("GeometryNodeInputActiveCamera").outputs[0]
    camera_info = b.node("GeometryNodeObjectInfo")
    b.link(camera, camera_info.inputs["Object"])
    lens = b.node("GeometryNodeCameraInfo")
    b.link(camera, lens.inputs["Camera"])
    world_point = b.node("FunctionNodeTransformPoint")
    b.link(position, world_point.inputs["Vector"])
    b.link(to_world, world_point.inputs["Transform"])
    world_normal = b.node("FunctionNodeTransformDirection")
    b.link(normal, world_normal.inputs["Direction"])
    b.link(to_world, world_normal.inputs["Transform"])
    direction = b.vmath("NORMALIZE", world_normal.outputs[0])
    forward = b.node("FunctionNodeTransformDirection")
    forward.inputs["Direction"].default_value = (0.0, 0.0, -1.0)
    b.link(camera_info.outputs["Transform"], forward.inputs["Transform"])
    forward_unit = b.vmath("NORMALIZE", forward.outputs[0])
    eye = camera_info.outputs["Location"]
    depth = b.vmath("DOT_PRODUCT", b.vmath("SUBTRACT", world_point.outputs[0], eye),
                    forward_unit, output=1)  # fmt: skip

    # World units per frame height at this depth (perspective) or anywhere (orthographic).
    sensor = b.node("ShaderNodeSeparateXYZ")
    b.link(lens.outputs["Sensor"], sensor.inputs[0])
    sensor_size = b.node("ShaderNodeMix", data_type="FLOAT")
    b.link(given["Sensor Height"], sensor_size.inputs["Factor"])
    b.link(sensor.outputs["X"], sensor_size.inputs["A"])
    b.link(sensor.outputs["Y"], sensor_size.inputs["B"])
    perspective = b.math(
        "MULTIPLY", b.math("DIVIDE", sensor_size.outputs["Result"], lens.outputs["Focal Length"]),
        b.math("MAXIMUM", depth, 0.0),
    )  # fmt: skip
    frame_size = b.node("GeometryNodeSwitch", input_type="FLOAT")
    b.link(lens.outputs["Is Orthographic"], frame_size.inputs["Switch"])
    b.link(perspective, frame_size.inputs["False"])
    b.link(lens.outputs["Orthographic Scale"], frame_size.inputs["True"])
    frame_height = b.math("MULTIPLY", frame_size.outputs[0], given["Frame Ratio"])

    # Width: (world + frame width x frame height) x slot width x MMD edge scale x user group.
    width = b.math("ADD", given["World Width"],
                   b.math("MULTIPLY", given["Frame Width"], frame_height))  # fmt: skip
    for name in (WIDTH_ATTR, EDGE_SCALE_ATTR, OUTLINE_GROUP):
        factor = b.node("GeometryNodeInputNamedAttribute", data_type="FLOAT")
        factor.inputs["Name"].default_value = name
        present = b.node("GeometryNodeSwitch", input_type="FLOAT")
        b.link(factor.outputs["Exists"], present.inputs["Switch"])
        present.inputs["False"].default_value = 1.0
        b.link(factor.outputs["Attribute"], present.inputs["True"])
        width = b.math("MULTIPLY", width, present.outputs[0])

    # Hull point: out along the normal, then back along the view ray, into object space.
    pushed_out = b.vmath("ADD", world_point.outputs[0], b.scale(direction, width))
    ray = b.node("GeometryNodeSwitch", input_type="VECTOR")
    b.link(lens.outputs["Is Orthographic"], ray.inputs["Switch"])
    b.link(b.vmath("NORMALIZE", b.vmath("SUBTRACT", pushed_out, eye)), ray.inputs["False"])
    b.link(forward_unit, ray.inputs["True"])
    back = b.scale(ray.outputs[0], b.math("MULTIPLY", width, given["Depth Push"]))
    hull_world = b.vmath("ADD", pushed_out, back)
    to_object = b.node("FunctionNodeInvertMatrix")
    b.link(to_world, to_object.inputs["Matrix"])
    hull_point = b.node("FunctionNodeTransformPoint")
    b.link(hull_world, hull_point.inputs["Vector"])
    b.link(to_object.outputs["Matrix"], hull_point.inputs["Transform"])

    # The hull: lined faces only, flipped, moved, in the outline slot; joined to the surface.
    lined = b.node("GeometryNodeInputNamedAttribute", data_type="BOOLEAN")
    lined.inputs["Name"].default_value = FACE_ATTR
    unlined = b.node("FunctionNodeBooleanMath", operation="NOT")
    b.link(lined.outputs["Attribute"], unlined.inputs[0])
    delete = b.node("GeometryNodeDeleteGeometry", domain="FACE")
    b.link(capture.outputs["Geometry"], delete.inputs["Geometry"])
    b.link(unlined.outputs[0], delete.inputs["Selection"])
    flip = b.node("GeometryNodeFlipFaces")
    b.link(delete.outputs[0], flip.inputs["Mesh"])
    moved = b.node("GeometryNodeSetPosition")
    b.link(flip.outputs[0], moved.inputs["Geometry"])
    b.link(hull_point.outputs[0], moved.inputs["Position"])
    lines = b.node("GeometryNodeJoinGeometry")
    b.link(moved.outputs[0], lines.inputs[0])
    b.link(
        _border_fins(b, delete.outputs[0], width, direction, to_world, to_object), lines.inputs[0]
    )
    slot = b.node("GeometryNodeSetMaterialIndex")
    b.link(lines.outputs[0], slot.inputs["Geometry"])
    b.link(given["Outline Slot"], slot.inputs["Material Index"])
    join = b.node("GeometryNodeJoinGeometry")
    b.link(slot.outputs[0], join.inputs[0])
    b.link(geometry, join.inputs[0])
    b.link(join.outputs[0], out.inputs[0])
    return group


def _border_fins(b: _Builder, lined, width, normal, to_world, to_object):
    """Strips one line width wide out from the border edges of the lined faces, half out of
    the surface's plane along the hull's ``normal`` (world), both windings (one faces the
    camera, the outline material hides the other): the hull lines no open border, as the
    surface there has no outside to copy. The tilt lifts a fin off a layer beneath (a
    jacket's hem over a skirt), which a fin in the plane would only poke through in dots."""
    border = b.node("GeometryNodeInputNamedAttribute", data_type="BOOLEAN")
    border.inputs["Name"].default_value = BORDER_ATTR
    # Per border edge: from its face's center out through the edge, across the edge.
    ends = b.node("GeometryNodeInputMeshEdgeVertices").outputs
    along = b.vmath("NORMALIZE", b.vmath("SUBTRACT", ends["Position 1"], ends["Position 2"]))
    face_center = b.node("GeometryNodeFieldOnDomain", domain="FACE", data_type="FLOAT_VECTOR")
    b.link(b.node("GeometryNodeInputPosition").outputs[0], face_center.inputs[0])
    middle = b.node("GeometryNodeInputPosition").outputs[0]  # read on an edge: its middle
    out = b.vmath("SUBTRACT", middle, face_center.outputs[0])
    across = b.vmath("SUBTRACT", out, b.scale(along, b.vmath("DOT_PRODUCT", out, along, output=1)))
    edge_out = b.node("GeometryNodeSwitch", input_type="VECTOR")
    b.link(border.outputs["Attribute"], edge_out.inputs["Switch"])
    b.link(b.vmath("NORMALIZE", across), edge_out.inputs["True"])
    # Per point: the mean over its border edges, tilted out, one line width long.
    point_out = b.node("GeometryNodeFieldOnDomain", domain="EDGE", data_type="FLOAT_VECTOR")
    b.link(edge_out.outputs[0], point_out.inputs[0])
    world_out = b.node("FunctionNodeTransformDirection")
    b.link(point_out.outputs[0], world_out.inputs["Direction"])
    b.link(to_world, world_out.inputs["Transform"])
    offset = b.node("FunctionNodeTransformDirection")
    tilted = b.vmath("ADD", b.vmath("NORMALIZE", world_out.outputs[0]), normal)
    b.link(b.scale(b.vmath("NORMALIZE", tilted), width), offset.inputs["Direction"])
    b.link(to_object.outputs["Matrix"], offset.inputs["Transform"])
    extrude = b.node("GeometryNodeExtrudeMesh", mode="EDGES")
    b.link(lined, extrude.inputs["Mesh"])
    b.link(border.outputs["Attribute"], extrude.inputs["Selection"])
    b.link(offset.outputs[0], extrude.inputs["Offset"])
    keep = b.node("FunctionNodeBooleanMath", operation="NOT")
    b.link(extrude.outputs["Side"], keep.inputs[0])
    fins = b.node("GeometryNodeDeleteGeometry", domain="FACE")
    b.link(extrude.outputs["Mesh"], fins.inputs["Geometry"])
    b.link(keep.outputs[0], fins.inputs["Selection"])
    flipped = b.node("GeometryNodeFlipFaces")
    b.link(fins.outputs[0], flipped.inputs["Mesh"])
    both = b.node("GeometryNodeJoinGeometry")
    b.link(fins.outputs[0], both.inputs[0])
    b.link(flipped.outputs[0], both.inputs[0])
    return both.outputs[0]

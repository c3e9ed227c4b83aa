# SPDX-License-Identifier: GPL-3.0-or-later
"""Outlines from MMD edge data, on real renders (CPU Cycles, 1 sample, no pixel filter) of
the built-in mannequin through our importer, and of a cube with split vertices."""

import copy
import sys

import cv2
import numpy as np
import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import bench_stray_pixels as stray  # noqa: E402

from mmd2anime.shaders import apply, looks, outline, render_look  # noqa: E402

SIZE = 128
EDGE_FLAG = 0x10  # PMX material flag: draw the edge


def thickness(plain_alpha: np.ndarray, look_alpha: np.ndarray) -> float:
    """Mean line width (px) outside the plain silhouette: covered area / silhouette length."""
    figure = (plain_alpha >= stray.ALPHA_COVERED).astype(np.uint8)
    outside = ((look_alpha >= stray.ALPHA_COVERED) & (figure == 0)).sum()
    contours = cv2.findContours(figure, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)[0]
    return float(outside) / max(sum(len(c) for c in contours), 1)


@pytest.fixture
def mannequin(scene):
    stray.setup_render(scene, SIZE)
    armature = stray.import_figure(scene, None)
    stray.frame_figure(scene, armature, azimuth=35.0, distance_factor=1.0)
    return armature


def _look(width=0.025, **line):
    look = copy.deepcopy(looks.load_look("storyboard"))
    look["line"].update(width=width, **line)
    return looks.validate_look(look)


def _mesh(armature):
    return next(o for o in armature.children if o.type == "MESH")


def _set_edges(armature, **fields):
    for slot in _mesh(armature).material_slots:
        record = slot.material["mmd2anime_mmd"]
        for key, value in fields.items():
            record[key] = value(record[key]) if callable(value) else value


def _render(scene, armature, look):
    """(plain alpha, look RGBA): the look applied for one render, then reverted."""
    _, _, plain, rgba = stray.measure(scene, armature, look)
    return plain, rgba


def test_edge_flag_off_gives_that_material_no_hull(scene, mannequin):
    import bpy

    mesh = _mesh(mannequin)
    clothes = next(s.material for s in mesh.material_slots if s.material.name == "服")
    clothes["mmd2anime_mmd"]["flags"] &= ~EDGE_FLAG
    names = [s.material.name for s in mesh.material_slots]
    apply.apply_look(apply.look_targets([mannequin]), _look(), scene)
    index = np.array([p.material_index for p in mesh.data.polygons])
    lined = np.array([v.value for v in mesh.data.attributes[outline.FACE_ATTR].data])
    for i, name in enumerate(names):
        faces = lined[index == i]
        # The mannequin's eyes have no edge flag; clothes lost it here.
        assert len(faces) and faces.all() == (name in ("肌", "髪")), name
        assert faces.any() == faces.all()
    evaluated = mesh.evaluated_get(bpy.context.evaluated_depsgraph_get()).data
    assert len(evaluated.polygons) == len(mesh.data.polygons) + int(lined.sum())
    # No material with the flag: no hull at all.
    apply.revert_look(apply.look_targets([mannequin]), scene)
    assert mesh.animation_data is None or not mesh.animation_data.drivers
    assert not {outline.WIDTH_ATTR, outline.FACE_ATTR, outline.COLOR_ATTR} & set(
        mesh.data.attributes.keys()
    )
    _set_edges(mannequin, flags=lambda f: f & ~EDGE_FLAG)
    apply.apply_look(apply.look_targets([mannequin]), _look(), scene)
    assert not [m for m in mesh.modifiers if m.name == outline.MODIFIER_NAME]


def test_model_edge_color_is_used(scene, mannequin):
    _set_edges(mannequin, edge_color=[1.0, 0.0, 0.0, 1.0])
    means = []
    for mix in (1.0, 0.0):
        plain, rgba = _render(scene, mannequin, _look(edge_color_mix=mix))
        line = (rgba[..., 3] > 0.99) & (plain < stray.ALPHA_COVERED)
        assert line.sum() > 50
        means.append(rgba[..., :3][line].mean(axis=0))
    red, black = means
    assert red[0] > 0.6 and red[1] < 0.05 and red[2] < 0.05, red
    assert black.max() < 0.05, black


def test_edge_size_and_vertex_edge_scale_scale_the_width(scene, mannequin):
    look = _look(width=0.015)
    base = thickness(*_alpha(_render(scene, mannequin, look)))
    _set_edges(mannequin, edge_size=2.0)
    double_size = thickness(*_alpha(_render(scene, mannequin, look)))
    _set_edges(mannequin, edge_size=1.0)
    _edge_scale(mannequin, 2.0)
    double_scale = thickness(*_alpha(_render(scene, mannequin, look)))
    _edge_scale(mannequin, 0.0)
    none = thickness(*_alpha(_render(scene, mannequin, look)))
    assert base > 1.0, base
    for doubled in (double_size, double_scale):
        assert 1.5 < doubled / base < 2.6, (base, double_size, double_scale)
    assert none < 0.2 * base, none


def _edge_scale(armature, value: float) -> None:
    # Looked up each time: adding or removing attributes moves the others' data.
    data = _mesh(armature).data.attributes["mmd_edge_scale"].data
    data.foreach_set("value", np.full(len(data), value, np.float32))


def _alpha(rendered):
    plain, rgba = rendered
    return plain, rgba[..., 3]


def test_width_in_pixels_steady_when_the_camera_distance_doubles(scene, mannequin):
    look = _look(width=0.02)
    widths = []
    for factor in (1.0, 2.0):
        stray.frame_figure(scene, mannequin, azimuth=35.0, distance_factor=factor)
        widths.append(thickness(*_alpha(_render(scene, mannequin, look))))
    assert widths[0] > 1.0
    assert abs(widths[1] / widths[0] - 1.0) < 0.3, widths
    # World-space lines (screen_space off) thin out instead.
    look = _look(width=0.02, screen_space=False)
    far = thickness(*_alpha(_render(scene, mannequin, look)))
    stray.frame_figure(scene, mannequin, azimuth=35.0, distance_factor=1.0)
    near = thickness(*_alpha(_render(scene, mannequin, look)))
    assert far < 0.7 * near, (near, far)


def test_width_follows_frame_shape_and_sensor_fit(scene, mannequin):
    # Lines are width x frame height in pixels: the resolution and the sensor fit reach the
    # node tree through drivers, so a wider frame or a vertical fit leaves them as they are.
    look = _look(width=0.02)
    stray.frame_figure(scene, mannequin, azimuth=35.0, distance_factor=2.0)
    square = thickness(*_alpha(_render(scene, mannequin, look)))
    scene.render.resolution_x = 2 * SIZE
    wide = thickness(*_alpha(_render(scene, mannequin, look)))
    scene.render.resolution_x = SIZE
    scene.camera.data.sensor_fit = "VERTICAL"
    vertical = thickness(*_alpha(_render(scene, mannequin, look)))
    assert square > 1.0
    for other in (wide, vertical):
        assert abs(other / square - 1.0) < 0.3, (square, wide, vertical)


def _split_cube(scene):
    """A cube whose every face has its own vertices (hard edges), plus a zero-area triangle
    and a duplicated face, as PMX files have them."""
    import bmesh
    import bpy

    bm = bmesh.new()
    bmesh.ops.create_cube(bm, size=1.0)
    bmesh.ops.split_edges(bm, edges=list(bm.edges))
    corner = [bm.verts.new((0.5, -0.5, 0.5 + t)) for t in (0.0, 0.0, 0.0)]
    bm.faces.new(corner)  # degenerate: all three at one corner
    bm.faces.ensure_lookup_table()
    face = bm.faces[0]
    bm.faces.new([bm.verts.new(v.co) for v in face.verts])  # a duplicate of a side
    mesh = bpy.data.meshes.new("SplitCube")
    bm.to_mesh(mesh)
    bm.free()
    material = bpy.data.materials.new("服")
    mesh.materials.append(material)
    obj = bpy.data.objects.new("SplitCube", mesh)
    scene.collection.objects.link(obj)
    obj.rotation_euler = (0.5, 0.3, 0.6)
    camera = bpy.data.objects.new("Camera", bpy.data.cameras.new("Camera"))
    scene.collection.objects.link(camera)
    camera.location = (0.0, -4.0, 0.0)
    camera.rotation_euler = (1.5708, 0.0, 0.0)
    scene.camera = camera
    return obj


def test_split_vertex_cube_has_neither_gaps_nor_spikes(scene):
    stray.setup_render(scene, SIZE)
    cube = _split_cube(scene)
    look = _look(width=0.03)
    plain = render_look.render_rgba(scene)[..., 3]
    apply.apply_look([cube], look, scene)
    rgba = render_look.render_rgba(scene)
    figure = (plain >= stray.ALPHA_COVERED).astype(np.uint8)
    line = (rgba[..., 3] >= stray.ALPHA_COVERED) & (figure == 0)
    # No spikes: nothing reaches farther than the line width (0.03 x 128 px) and a pixel.
    assert stray.line_reach(plain, rgba[..., 3]) <= 0.03 * SIZE + 1.5
    assert stray.stray_pixels(plain, rgba[..., 3]) == 0
    # No gaps: every pixel around the silhouette is covered by the line.
    ring = (cv2.dilate(figure, np.ones((3, 3), np.uint8)) > 0) & (figure == 0)
    assert (ring & line).sum() / ring.sum() > 0.97

# SPDX-License-Identifier: GPL-3.0-or-later
"""The edges pass: real renders of simple meshes, checked against where their edges project."""

import numpy as np
import pytest

from mmd2anime.layout.camera import project
from mmd2anime.layout.passes import render_bundle


def _setup(bpy, scene, size=(96, 96)):
    scene.render.engine = "CYCLES"
    scene.cycles.samples = 1
    scene.cycles.use_denoising = False
    scene.render.resolution_x, scene.render.resolution_y = size
    scene.render.resolution_percentage = 100
    camera = bpy.data.objects.new("Camera", bpy.data.cameras.new("Camera"))
    camera.location = (0, 0, 6)  # looking down -Z
    scene.collection.objects.link(camera)
    scene.camera = camera


def _square(scene, z: float, half: float) -> np.ndarray:
    """Pixel (x, y) of the square's corners at height ``z``."""
    corners = [(-half, -half, z), (half, -half, z), (half, half, z), (-half, half, z)]
    return project(scene, np.array(corners))[:, :2]


def _on_outline(edges: np.ndarray, corners: np.ndarray) -> float:
    """The mean of ``edges`` at the pixels the closed polygon ``corners`` passes through."""
    values = []
    for a, b in zip(corners, np.roll(corners, -1, axis=0), strict=True):
        for t in np.linspace(0.1, 0.9, 20):
            x, y = a + t * (b - a)
            values.append(edges[int(y), int(x)])
    return float(np.mean(values))


@pytest.mark.parametrize("lens", ["PERSP", "ORTHO"])
def test_cube_draws_its_visible_edges_and_hides_the_far_ones(bpy_module, scene, lens):
    _setup(bpy_module, scene)
    scene.camera.data.type = lens
    scene.camera.data.ortho_scale = 4.0
    bpy_module.ops.mesh.primitive_cube_add(size=2)  # top face 5 from the camera
    bundle = render_bundle(scene, passes=("alpha", "depth", "edges"), keypoints=False)
    edges = bundle.edges
    assert edges.shape == (96, 96) and edges.dtype == np.float32
    assert edges.min() >= 0 and edges.max() <= 1
    top = _square(scene, 1, 1)  # the near face: silhouette and crease
    assert _on_outline(edges, top) > 0.4
    if lens == "PERSP":  # the far face, 7 away, projects inside the near one
        assert _on_outline(edges, _square(scene, -1, 1)) < 0.02
    (x0, y0), (x1, y1) = top.min(0), top.max(0)
    inner = edges[int(y0) + 3 : int(y1) - 2, int(x0) + 3 : int(x1) - 2]
    assert inner.max() < 0.02  # a flat face has no line inside
    outside = np.ones_like(edges, bool)
    outside[int(y0) - 2 : int(y1) + 3, int(x0) - 2 : int(x1) + 3] = False
    assert edges[outside].max() == 0


def test_smooth_sphere_has_only_its_silhouette_and_a_plane_its_border(bpy_module, scene):
    _setup(bpy_module, scene)
    bpy_module.ops.mesh.primitive_uv_sphere_add(
        radius=0.9, segments=48, ring_count=24, location=(-1, 0, 0)
    )
    bpy_module.ops.mesh.primitive_plane_add(size=1, location=(1.2, 0, 0))  # open: borders
    bundle = render_bundle(scene, passes=("alpha", "depth", "edges"), keypoints=False)
    edges, alpha = bundle.edges, bundle.alpha
    center = project(scene, np.array([[-1, 0, 0]]))[0, :2]
    ys, xs = np.mgrid[:96, :96] + 0.5
    radius = np.hypot(xs - center[0], ys - center[1])
    sphere = (alpha > 0.5) & (xs < center[0] + 25)
    outline_radius = radius[sphere].max()
    assert edges[radius < 0.75 * outline_radius].max() < 0.02  # no crease on a smooth surface
    ring = (np.abs(radius - outline_radius) < 2) & (xs < center[0] + 10)
    assert edges[ring].mean() > 0.2
    plane = [(1.2 + dx, dy, 0) for dx, dy in ((-0.5, -0.5), (0.5, -0.5), (0.5, 0.5), (-0.5, 0.5))]
    assert _on_outline(edges, project(scene, np.array(plane))[:, :2]) > 0.4


def test_an_occluded_border_is_not_drawn(bpy_module, scene):
    _setup(bpy_module, scene)
    bpy_module.ops.mesh.primitive_plane_add(size=1, location=(0, 0, 0))
    bpy_module.ops.mesh.primitive_plane_add(size=3, location=(0, 0, 1))  # in front of it
    bundle = render_bundle(scene, passes=("depth", "edges"), keypoints=False)
    assert _on_outline(bundle.edges, _square(scene, 0, 0.5)) < 0.02
    assert _on_outline(bundle.edges, _square(scene, 1, 1.5)) > 0.4

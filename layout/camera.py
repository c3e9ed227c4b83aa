# SPDX-License-Identifier: GPL-3.0-or-later
"""The render camera as numbers: output size, projection of world points to pixels, metadata.

Pixels have their origin at the top-left corner of the top-left pixel, x right, y down; a
point's depth is its distance along the camera's view axis (what the Depth pass stores).
"""

from __future__ import annotations

import bpy
import numpy as np

from .errors import LayoutError


def output_size(scene: bpy.types.Scene) -> tuple[int, int]:
    """Width and height of the rendered image, resolution percentage applied."""
    render = scene.render
    scale = render.resolution_percentage / 100.0
    return int(render.resolution_x * scale), int(render.resolution_y * scale)


def scene_camera(scene: bpy.types.Scene) -> bpy.types.Object:
    camera = scene.camera
    if camera is None or camera.type != "CAMERA":
        raise LayoutError(f"scene {scene.name!r} has no active camera to render from")
    return camera


def _matrices(scene: bpy.types.Scene, depsgraph=None) -> tuple[np.ndarray, np.ndarray]:
    """(projection, world -> camera) as 4 x 4 float64 arrays."""
    camera = scene_camera(scene)
    depsgraph = depsgraph or bpy.context.evaluated_depsgraph_get()
    evaluated = camera.evaluated_get(depsgraph)
    width, height = output_size(scene)
    projection = evaluated.calc_matrix_camera(
        depsgraph,
        x=width,
        y=height,
        scale_x=scene.render.pixel_aspect_x,
        scale_y=scene.render.pixel_aspect_y,
    )
    view = evaluated.matrix_world.inverted()
    return np.array(projection, np.float64), np.array(view, np.float64)


def project(scene: bpy.types.Scene, points: np.ndarray, depsgraph=None) -> np.ndarray:
    """World points (N, 3) -> (N, 3) rows of pixel x, pixel y, depth along the view axis.

    Points behind an orthographic camera's clip start or a perspective camera's eye get
    NaN pixels (their depth is still returned, <= 0 for perspective).
    """
    points = np.asarray(points, np.float64).reshape(-1, 3)
    projection, view = _matrices(scene, depsgraph)
    width, height = output_size(scene)
    homogeneous = np.concatenate([points, np.ones((len(points), 1))], axis=1)
    in_camera = homogeneous @ view.T
    clip = in_camera @ projection.T
    depth = -in_camera[:, 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        ndc = clip[:, :2] / clip[:, 3:4]
    out = np.empty((len(points), 3), np.float64)
    out[:, 0] = (ndc[:, 0] + 1.0) * 0.5 * width
    out[:, 1] = (1.0 - (ndc[:, 1] + 1.0) * 0.5) * height
    out[:, 2] = depth
    out[clip[:, 3] <= 0, :2] = np.nan
    return out


def camera_metadata(scene: bpy.types.Scene, depsgraph=None) -> dict:
    """A JSON-able description of the render camera, enough to redo the projection."""
    camera = scene_camera(scene)
    data = camera.data
    projection, view = _matrices(scene, depsgraph)
    width, height = output_size(scene)
    return {
        "name": camera.name,
        "type": data.type,
        "lens": data.lens,
        "ortho_scale": data.ortho_scale,
        "sensor_width": data.sensor_width,
        "sensor_height": data.sensor_height,
        "sensor_fit": data.sensor_fit,
        "shift_x": data.shift_x,
        "shift_y": data.shift_y,
        "clip_start": data.clip_start,
        "clip_end": data.clip_end,
        "resolution": [width, height],
        "pixel_aspect": [scene.render.pixel_aspect_x, scene.render.pixel_aspect_y],
        "matrix_world": np.linalg.inv(view).tolist(),
        "projection": projection.tolist(),
    }

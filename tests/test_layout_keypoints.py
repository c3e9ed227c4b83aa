# SPDX-License-Identifier: GPL-3.0-or-later
"""Keypoints: camera projection against Blender's own, visibility against ray casts."""

import math
import random

import numpy as np
import pytest
from layout_figure import build_figure, front_camera, pose_arm_behind
from mathutils import Vector

from mmd2anime.layout.camera import output_size, project
from mmd2anime.layout.keypoints import person_tolerance, world_keypoints
from mmd2anime.layout.passes import render_bundle


def _random_camera(scene, rng):
    camera = scene.camera
    data = camera.data
    data.type = rng.choice(["PERSP", "PERSP", "ORTHO"])
    data.lens = rng.uniform(18, 120)
    data.ortho_scale = rng.uniform(1, 10)
    data.sensor_fit = rng.choice(["AUTO", "HORIZONTAL", "VERTICAL"])
    data.sensor_width = rng.uniform(20, 40)
    data.sensor_height = rng.uniform(15, 30)
    data.shift_x, data.shift_y = rng.uniform(-0.5, 0.5), rng.uniform(-0.5, 0.5)
    render = scene.render
    # sizes that stay whole at every percentage: world_to_camera_view keeps the unrounded
    # aspect where the renderer (and our projection) rounds the size down to whole pixels
    render.resolution_x, render.resolution_y = rng.choice([(640, 360), (300, 500), (256, 252)])
    render.resolution_percentage = rng.choice([100, 50, 25])
    render.pixel_aspect_x, render.pixel_aspect_y = rng.choice([(1, 1), (2, 1), (1, 1.5)])
    camera.location = [rng.uniform(-5, 5) for _ in range(3)]
    target = Vector([rng.uniform(-1, 1) for _ in range(3)])  # mostly looking at the points
    look = (target - camera.location).to_track_quat("-Z", "Y").to_euler()
    camera.rotation_euler = [angle + rng.uniform(-0.3, 0.3) for angle in look]


def test_projection_matches_world_to_camera_view(bpy_module, scene):
    from bpy_extras.object_utils import world_to_camera_view

    front_camera(scene)
    rng = random.Random(4)
    checked = 0
    for _ in range(60):
        _random_camera(scene, rng)
        bpy_module.context.view_layer.update()
        points = np.array([[rng.uniform(-3, 3) for _ in range(3)] for _ in range(20)])
        ours = project(scene, points)
        width, height = output_size(scene)
        for point, (x, y, depth) in zip(points, ours, strict=True):
            ref = world_to_camera_view(scene, scene.camera, Vector(point))
            assert depth == pytest.approx(ref.z, abs=1e-5)
            if ref.z <= 0.01 or not (-1 < ref.x < 2 and -1 < ref.y < 2):
                continue
            assert x == pytest.approx(ref.x * width, abs=0.5)
            assert y == pytest.approx((1 - ref.y) * height, abs=0.5)
            checked += 1
    assert checked > 300


def _cycles(scene, size=(96, 128)):
    scene.render.engine = "CYCLES"
    scene.cycles.samples = 1
    scene.cycles.use_denoising = False
    scene.render.resolution_x, scene.render.resolution_y = size


def test_joints_of_a_front_view(bpy_module, scene):
    armature = build_figure(scene)
    points = world_keypoints(armature)
    np.testing.assert_allclose(points[5], (0.2, 0, 1.42))  # left shoulder = 左腕 head
    np.testing.assert_allclose(points[1], (0, 0, 1.45))  # neck = 首 head
    nose, r_ear, l_ear = points[0], points[16], points[17]
    assert nose[1] < -0.1 and nose[2] < 1.68  # in front of and below the eyes
    assert r_ear[0] < -0.04 < 0.04 < l_ear[0] and r_ear[1] > -0.1  # outside, behind
    front_camera(scene)
    pixels = project(scene, points)
    # seen from the front the character's left is on the image's right
    assert pixels[5, 0] > pixels[2, 0] and pixels[15, 0] > pixels[14, 0]
    assert pixels[0, 1] < pixels[1, 1] < pixels[8, 1] < pixels[10, 1]  # top to bottom


def _ray_cast_visibility(bpy, scene, camera, points, tolerance):
    """Independent reference: is the first surface hit toward each joint within tolerance
    of it, both measured along the view axis (as the depth pass measures)?"""
    depsgraph = bpy.context.evaluated_depsgraph_get()
    origin = camera.matrix_world.translation
    axis = -camera.matrix_world.to_3x3().col[2].normalized()
    result = []
    for point in points:
        direction = Vector(point) - origin
        hit, location, *_ = scene.ray_cast(depsgraph, origin, direction.normalized())
        seen = not hit or (location - origin).dot(axis) >= direction.dot(axis) - tolerance
        result.append(2 if seen else 1)
    return np.array(result)


def test_visibility_agrees_with_ray_cast(bpy_module, scene):
    _cycles(scene)
    armature = build_figure(scene)
    pose_arm_behind(armature)
    camera = front_camera(scene, distance=4.0, height=0.9, lens=35)
    bundle = render_bundle(scene, passes=("depth",))
    assert bundle.people == [armature.name]
    visibility = bundle.visibility[0]
    assert visibility[3] == 1 and visibility[4] == 1  # right elbow and wrist behind the body
    assert visibility[6] == 2 and visibility[7] == 2
    points = world_keypoints(armature)
    tolerance = person_tolerance(points)
    agree = total = 0
    for azimuth in range(0, 360, 45):  # all around the figure, a little from above
        turn = math.radians(azimuth)
        camera.location = (4 * math.sin(turn), -4 * math.cos(turn), 1.6)
        look = Vector((0, 0, 0.9)) - camera.location
        camera.rotation_euler = look.to_track_quat("-Z", "Y").to_euler()
        bpy_module.context.view_layer.update()
        visibility = render_bundle(scene, passes=("depth",)).visibility[0]
        reference = _ray_cast_visibility(bpy_module, scene, camera, points, tolerance)
        agree += int((visibility == reference).sum())
        total += len(points)
        assert (visibility == 1).any() or azimuth not in (0, 180)  # front and back hide joints
    assert agree / total >= 0.95, f"{agree}/{total} joints agree with ray casts"


def test_missing_bones_give_nan_and_zero_visibility(bpy_module, scene):
    _cycles(scene, size=(64, 96))
    build_figure(scene, name="NoEyes", skip={"左目", "右目", "左ひざ"})
    front_camera(scene)
    bundle = render_bundle(scene, passes=("depth",))
    keypoints, visibility = bundle.keypoints[0], bundle.visibility[0]
    for index in (0, 12, 14, 15, 16, 17):  # nose, left knee, eyes, ears
        assert np.isnan(keypoints[index]).all() and visibility[index] == 0
    assert not np.isnan(keypoints[[1, 2, 5, 8, 11]]).any()


def test_people_outside_the_view_are_left_out(bpy_module, scene):
    _cycles(scene, size=(64, 64))
    build_figure(scene, name="Seen")
    far = build_figure(scene, name="Behind")
    far.location = (0, -10, 0)  # behind the camera
    front_camera(scene)
    bundle = render_bundle(scene, passes=("depth",))
    assert bundle.people == ["Seen"]
    assert bundle.keypoints.shape == (1, 18, 2)


@pytest.mark.parametrize(
    "camera_type, shift, percentage, aspect",
    [("PERSP", (0.1, -0.2), 37, (1, 1)), ("ORTHO", (-0.15, 0.1), 50, (2, 1))],
)
def test_projection_lands_on_rendered_pixels(
    bpy_module, scene, camera_type, shift, percentage, aspect
):
    """A small ball renders centered where project() puts its center, even at a resolution
    percentage that rounds the image size and with non-square pixels."""
    _cycles(scene, size=(257, 190))
    scene.render.resolution_percentage = percentage
    scene.render.pixel_aspect_x, scene.render.pixel_aspect_y = aspect
    camera = front_camera(scene, distance=6, height=0)
    camera.data.type = camera_type
    camera.data.ortho_scale = 4
    camera.data.shift_x, camera.data.shift_y = shift
    center = (0.7, 0, 0.4)
    bpy_module.ops.mesh.primitive_uv_sphere_add(radius=0.12, location=center)
    bundle = render_bundle(scene, passes=("alpha",), keypoints=False)
    ys, xs = np.mgrid[: bundle.height, : bundle.width] + 0.5  # pixel centers
    weight = bundle.alpha / bundle.alpha.sum()
    rendered = ((xs * weight).sum(), (ys * weight).sum())
    x, y, _ = project(scene, np.array([center]))[0]
    assert (bundle.width, bundle.height) == output_size(scene)
    assert abs(x - rendered[0]) < 0.5 and abs(y - rendered[1]) < 0.5


def test_keypoints_of_an_mmd_tools_style_rig(bpy_module, scene):
    """Bones renamed to English, Japanese names kept as mmd_tools stores them without
    mmd_tools enabled, the armature under an mmd_tools root empty."""
    from mmd2anime.armatures import MODEL_KEY, NAME_J_KEY

    _cycles(scene, size=(64, 96))
    armature = build_figure(scene, name="Renamed")
    expected = world_keypoints(armature)
    del armature[MODEL_KEY]
    for index, pose_bone in enumerate(armature.pose.bones):
        pose_bone["mmd_bone"] = {"name_j": pose_bone.name}
        del pose_bone.bone[NAME_J_KEY]
        pose_bone.name = f"Bone{index}"
    root = bpy_module.data.objects.new("Root", None)
    root["mmd_type"] = 2  # mmd_tools' ROOT, stored as an int without mmd_tools
    scene.collection.objects.link(root)
    armature.parent = root
    front_camera(scene)
    bundle = render_bundle(scene, passes=("depth",))
    assert bundle.people == ["Renamed"]
    np.testing.assert_allclose(world_keypoints(armature), expected, atol=1e-6)
    assert (bundle.visibility[0] > 0).sum() >= 14

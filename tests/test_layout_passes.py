# SPDX-License-Identifier: GPL-3.0-or-later
"""render_bundle: real small renders, pass conventions, errors, settings restored."""

import math

import numpy as np
import pytest
from layout_figure import front_camera

from mmd2anime.layout.errors import LayoutError
from mmd2anime.layout.passes import render_bundle


def _setup(bpy, scene, engine="CYCLES", size=(64, 48)):
    scene.render.engine = engine
    scene.cycles.samples = 1
    scene.cycles.use_denoising = False
    scene.render.resolution_x, scene.render.resolution_y = size
    scene.render.resolution_percentage = 100
    camera = bpy.data.objects.new("Camera", bpy.data.cameras.new("Camera"))
    camera.location = (0, 0, 5)
    scene.collection.objects.link(camera)
    scene.camera = camera
    return camera


def _plane(bpy, scene, location=(0, 0, 0), size=2.0):
    mesh = bpy.data.meshes.new("Plane")
    h = size / 2
    mesh.from_pydata([(-h, -h, 0), (h, -h, 0), (h, h, 0), (-h, h, 0)], [], [(0, 1, 2, 3)])
    plane = bpy.data.objects.new("Plane", mesh)
    plane.location = location
    scene.collection.objects.link(plane)
    return plane


def test_depth_of_plane_at_known_distance_and_background_inf(bpy_module, scene):
    _setup(bpy_module, scene)
    _plane(bpy_module, scene, location=(0, 0.8, 1.5))  # 3.5 in front, upper half
    bundle = render_bundle(scene, passes=("color", "alpha", "depth"), keypoints=False)
    bundle.validate()
    assert (bundle.width, bundle.height) == (64, 48)
    covered = bundle.alpha > 0.99
    assert covered.any() and (~covered).any()
    np.testing.assert_allclose(bundle.depth[covered], 3.5, atol=1e-3)
    assert np.isinf(bundle.depth[bundle.alpha == 0]).all()
    # the plane sits above the view axis: row 0 is the top of the image
    assert covered[:10].mean() > 0.7 and covered[-10:].mean() == 0


def test_sphere_normals_in_camera_space(bpy_module, scene):
    camera = _setup(bpy_module, scene, size=(64, 64))
    # a tilted camera: world normals must be rotated into its frame
    camera.location = (3, -3, 2)
    bpy_module.ops.mesh.primitive_uv_sphere_add(radius=1, segments=64, ring_count=32)
    direction = -np.array(camera.location)
    camera.rotation_euler = (
        __import__("mathutils").Vector(direction).to_track_quat("-Z", "Y").to_euler()
    )
    bundle = render_bundle(scene, passes=("alpha", "normal"), keypoints=False)
    n = bundle.normal
    lengths = np.linalg.norm(n, axis=2)
    inside = bundle.alpha > 0.999
    np.testing.assert_allclose(lengths[inside], 1.0, atol=1e-3)
    assert (lengths[bundle.alpha == 0] == 0).all()
    centre = n[30:34, 30:34].reshape(-1, 3).mean(axis=0)
    assert centre[2] > 0.98  # facing the camera: +z
    # right side of the sphere leans +x, top leans +y
    ys, xs = np.nonzero(inside)
    right = n[ys[xs == xs.max()], xs.max()]
    top = n[ys.min(), xs[ys == ys.min()]]
    assert right[:, 0].mean() > 0.7 and top[:, 1].mean() > 0.7


def test_light_is_the_strongest_sun_toward_it_in_the_normals_camera_space(bpy_module, scene):
    camera = _setup(bpy_module, scene, size=(16, 16))
    camera.rotation_euler = (0, 0, math.pi / 2)  # camera x = world +y, camera y = world -x
    _plane(bpy_module, scene)
    bundle = render_bundle(scene, passes=("alpha", "normal"), keypoints=False)
    fallback = bundle.light  # no light: the direction toon shading falls back to
    assert fallback is not None and abs(np.linalg.norm(fallback) - 1) < 1e-6
    for name, energy, tilt in (("Key", 3.0, math.pi / 4), ("Fill", 1.0, -math.pi / 3)):
        sun = bpy_module.data.objects.new(name, bpy_module.data.lights.new(name, "SUN"))
        sun.data.energy = energy
        sun.rotation_euler = (0, tilt, 0)  # the key's +z leans to world +x
        scene.collection.objects.link(sun)
    bundle = render_bundle(scene, passes=("alpha", "normal"), keypoints=False)
    half = math.sqrt(0.5)
    np.testing.assert_allclose(bundle.light, [0.0, -half, half], atol=1e-5)
    assert not np.allclose(bundle.light, fallback, atol=0.1)


def test_motion_vectors_sign_and_magnitude(bpy_module, scene):
    _setup(bpy_module, scene)
    plane = _plane(bpy_module, scene, size=1.0)
    for frame, x, y in ((1, 0.0, 0.0), (2, 0.5, 0.25), (3, 1.0, 0.5)):
        plane.location = (x, y, 0)
        plane.keyframe_insert("location", frame=frame)
    for curve in plane.animation_data.action.layers[0].strips[0].channelbags[0].fcurves:
        for key in curve.keyframe_points:
            key.interpolation = "LINEAR"
    scene.frame_set(2)
    bundle = render_bundle(scene, passes=("alpha", "motion"), keypoints=False)
    # 50 mm lens on a 36 mm sensor at 5 units: 64 px span 3.6 units
    step = np.array([0.5, -0.25]) * 64 / 3.6  # per frame, right and (image) up
    inside = bundle.alpha > 0.999
    np.testing.assert_allclose(bundle.motion_prev[inside].mean(axis=0), -step, atol=0.05)
    np.testing.assert_allclose(bundle.motion_next[inside].mean(axis=0), step, atol=0.05)


def test_engine_lacking_a_pass_raises(bpy_module, scene):
    _setup(bpy_module, scene, engine="BLENDER_WORKBENCH")
    with pytest.raises(LayoutError, match="BLENDER_WORKBENCH has no normal"):
        render_bundle(scene, passes=("color", "normal"))
    scene.render.engine = "CYCLES"
    scene.render.use_motion_blur = True
    with pytest.raises(LayoutError, match="motion blur"):
        render_bundle(scene, passes=("motion",))
    with pytest.raises(LayoutError, match="unknown layout pass 'mist'"):
        render_bundle(scene, passes=("mist",))


def test_no_camera_is_a_clear_error(bpy_module, scene):
    with pytest.raises(LayoutError, match="no active camera"):
        render_bundle(scene)


def test_a_frame_too_big_for_memory_is_refused_before_rendering(bpy_module, scene, tmp_path):
    from mmd2anime.layout.passes import BYTES_PER_PIXEL, check_memory

    _setup(bpy_module, scene, size=(65536, 65536))  # Blender's largest: 640 GiB of passes
    scene.render.filepath = str(tmp_path / "mine")
    with pytest.raises(LayoutError, match=r"65536x65536 layout render needs about 640\.0 GiB"):
        render_bundle(scene)
    assert scene.render.filepath == str(tmp_path / "mine") and not any(tmp_path.iterdir())
    check_memory(1000, 1000, available=1000 * 1000 * BYTES_PER_PIXEL)  # just fits
    with pytest.raises(LayoutError, match="0.1 GiB is free: lower the resolution"):
        check_memory(1000, 1001, available=1000 * 1000 * BYTES_PER_PIXEL)


def _settings(scene):
    render, image, layer = scene.render, scene.render.image_settings, scene.view_layers[0]
    return (
        render.filepath, render.use_file_extension, render.film_transparent, render.engine,
        image.media_type, image.file_format, image.color_depth, image.exr_codec,
        layer.use_pass_z, layer.use_pass_normal, layer.use_pass_vector, scene.frame_current,
        render.pixel_aspect_x, render.pixel_aspect_y,
    )  # fmt: skip


def test_scene_settings_restored_and_temp_file_removed(bpy_module, scene, tmp_path):
    _setup(bpy_module, scene)
    _plane(bpy_module, scene)
    scene.render.filepath = "//user/frames_"
    scene.render.image_settings.file_format = "PNG"
    scene.render.pixel_aspect_x = 1.5  # Blender 5.0 cannot write it into a multilayer EXR
    before = _settings(scene)
    bundle = render_bundle(scene, tmp_dir=tmp_path)
    assert _settings(scene) == before
    assert list(tmp_path.iterdir()) == []
    assert bundle.present == dict.fromkeys(bundle.present, True)


@pytest.mark.usefixtures("requires_egl")
def test_workbench_gives_color_alpha_depth(bpy_module, scene):
    _setup(bpy_module, scene, engine="BLENDER_WORKBENCH")
    _plane(bpy_module, scene, location=(0, 0, 1))
    bundle = render_bundle(scene, passes=("color", "alpha", "depth"), keypoints=False)
    covered = bundle.alpha > 0.99
    np.testing.assert_allclose(bundle.depth[covered], 4.0, atol=1e-3)
    assert np.isinf(bundle.depth[bundle.alpha == 0]).all()
    assert bundle.color[covered].max() > 0


@pytest.mark.slow
@pytest.mark.usefixtures("requires_egl")
def test_eevee_all_passes(bpy_module, scene):
    camera = _setup(bpy_module, scene, engine="BLENDER_EEVEE")
    front_camera(scene, distance=5, height=0)
    camera = scene.camera
    camera.rotation_euler = (math.pi / 2, 0, 0)
    plane = _plane(bpy_module, scene, size=1.0)
    plane.rotation_euler = (math.pi / 2, 0, 0)  # faces -Y, the camera
    plane.location = (0, 0, 0)
    plane.keyframe_insert("location", frame=1)
    plane.location = (0.5, 0, 0)
    plane.keyframe_insert("location", frame=3)
    scene.frame_set(2)
    bundle = render_bundle(scene, keypoints=False)
    inside = bundle.alpha > 0.999
    np.testing.assert_allclose(bundle.depth[inside], 5.0, atol=1e-2)
    assert np.isinf(bundle.depth[bundle.alpha == 0]).all()
    assert np.abs(bundle.normal[inside][:, 2]).mean() > 0.99
    assert bundle.motion_next[inside][:, 0].mean() > 1
    assert bundle.motion_prev[inside][:, 0].mean() < -1


def test_a_scene_other_than_the_context_one(bpy_module, scene):
    other = bpy_module.data.scenes.new("Other")
    _setup(bpy_module, other)
    _plane(bpy_module, other, location=(0, 0, 2))
    bundle = render_bundle(other, passes=("alpha", "depth"), keypoints=False)
    assert bpy_module.context.scene == scene
    np.testing.assert_allclose(bundle.depth[bundle.alpha > 0.99], 3.0, atol=1e-3)
    assert bundle.camera["name"] == "Camera"


def _material(bpy, name, *, base=None, emission=None):
    material = bpy.data.materials.new(name)
    nodes = material.node_tree.nodes
    nodes.clear()
    out = nodes.new("ShaderNodeOutputMaterial")
    if emission is not None:
        shader = nodes.new("ShaderNodeEmission")
        shader.inputs["Color"].default_value = (*emission, 1)
    else:
        shader = nodes.new("ShaderNodeBsdfPrincipled")
        shader.inputs["Base Color"].default_value = (*base, 1)
    material.node_tree.links.new(shader.outputs[0], out.inputs["Surface"])
    return material


def test_albedo_is_the_unlit_color_of_diffuse_and_emission_materials(bpy_module, scene):
    """Black cloth in light and white cloth in shadow differ in albedo, not always in
    color; a toon (emission) material's albedo is its painted color."""
    _setup(bpy_module, scene, size=(96, 32))
    scene.world = bpy_module.data.worlds.new("Dim")
    scene.world.color = (0.02, 0.02, 0.02)
    colors = {"dark": ((0.03, 0.03, 0.03), None), "white": ((0.9, 0.9, 0.9), None),
              "toon": (None, (0.2, 0.6, 0.1))}  # fmt: skip
    for x, (name, (base, emission)) in zip((-1.1, 0.0, 1.1), colors.items(), strict=True):
        plane = _plane(bpy_module, scene, location=(x, 0, 0), size=1.0)
        plane.data.materials.append(_material(bpy_module, name, base=base, emission=emission))
    bundle = render_bundle(scene, passes=("color", "alpha", "albedo"), keypoints=False)
    assert bundle.present["albedo"]
    centers = {name: (16, 16 + 32 * i) for i, name in enumerate(colors)}
    albedo = {name: bundle.albedo[y, x] for name, (y, x) in centers.items()}
    np.testing.assert_allclose(albedo["dark"], 0.03, atol=0.01)
    # Principled's diffuse weight leaves out its specular share (0.87 here)
    np.testing.assert_allclose(albedo["white"], 0.9, rtol=0.06)
    np.testing.assert_allclose(albedo["toon"], (0.2, 0.6, 0.1), atol=0.02)
    # the dim world leaves white cloth darker than its albedo: the color pass alone
    # cannot tell the two materials' designs
    assert bundle.color[centers["white"]].max() < 0.1
    assert bundle.albedo[bundle.alpha == 0].max() == 0

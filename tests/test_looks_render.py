# SPDX-License-Identifier: GPL-3.0-or-later
"""Looks on rendered pixels: small Cycles renders (1 sample, no pixel filter: flat colors stay
exactly flat) of a stand-in MMD figure."""

import copy

import cv2
import numpy as np
import pytest
import standin_figure

from mmd2anime.shaders import apply, looks, outline, render_look, toon
from mmd2anime.shaders.traits import material_traits


@pytest.fixture
def figure(scene):
    armature = standin_figure.build(scene, size=128)
    standin_figure.use_cycles(scene)
    return armature


def _srgb8(scene, look=None):
    if look is None:
        rgba = render_look.render_rgba(scene)
        return render_look.to_srgb8(rgba[..., :3]), rgba[..., 3]
    color, alpha = render_look.render_look(scene, look)
    return render_look.to_srgb8(color), alpha


def _clusters(pixels: np.ndarray, share: float = 0.03) -> list[tuple[int, ...]]:
    """Colors (8-bit sRGB) covering at least ``share`` of the given pixels."""
    colors, counts = np.unique(pixels.reshape(-1, 3), axis=0, return_counts=True)
    return [
        tuple(int(v) for v in c)
        for c, n in zip(colors, counts, strict=True)
        if n >= share * counts.sum()
    ]


def _flat_look(thresholds, **changes):
    look = copy.deepcopy(looks.load_look("vivid"))
    look.update(recolor=1.0, use_textures=False, bands={"thresholds": thresholds})
    look.update(honor_toon_textures=True, shading=copy.deepcopy(looks.DEFAULTS["shading"]))
    look["face_shadow"]["shift"] = 0.0
    look["rim"]["strength"] = look["rim"]["hair_strength"] = 0.0
    look["specular"]["strength"] = 0.0
    look["line"]["enabled"] = False
    look["photography"] = copy.deepcopy(looks.DEFAULTS["photography"])
    look.update(changes)
    return looks.validate_look(look)


def _head_only(scene, figure):
    for child in figure.children:
        child.hide_render = child.name != "Head"
    standin_figure.frame_head(scene)
    return [o for o in figure.children if o.name == "Head"]


def _hex8(hex_color):
    return tuple(int(hex_color[i : i + 2], 16) for i in (1, 3, 5))


@pytest.mark.parametrize("thresholds", [[0.0], [0.35, -0.35]])
def test_head_shows_the_band_count_the_look_asks_for(scene, figure, thresholds):
    look = _flat_look(thresholds)
    apply.apply_look(_head_only(scene, figure), look, scene)
    image, alpha = _srgb8(scene, look)
    clusters = _clusters(image[alpha > 0.99])
    assert len(clusters) == len(thresholds) + 1, clusters
    # The bands are the designed palette colors (within 8-bit rounding), not just darker.
    skin = look["palette"]["skin"]
    expected = [skin["base"], skin["shadow"], skin["deep_shadow"]][: len(thresholds) + 1]
    for hex_color in expected:
        assert any(np.abs(np.subtract(c, _hex8(hex_color))).max() <= 2 for c in clusters), (
            hex_color,
            clusters,
        )


def test_bands_follow_the_key_light(scene, figure):
    look = _flat_look([0.0])
    apply.apply_look(_head_only(scene, figure), look, scene)
    image, alpha = _srgb8(scene, look)
    luma = image.mean(axis=2)
    left, right = luma[:, :64][alpha[:, :64] > 0.99], luma[:, 64:][alpha[:, 64:] > 0.99]
    assert left.mean() > right.mean() + 20  # sun from the viewer's left
    sun = scene.objects["Sun"]
    sun.rotation_euler.z = -sun.rotation_euler.z  # now from the right
    import bpy

    assert bpy.ops.mmd2anime.update_look_light() == {"FINISHED"}
    image, alpha = _srgb8(scene)  # a plain render: only the operator updated the direction
    luma = image.mean(axis=2)
    left, right = luma[:, :64][alpha[:, :64] > 0.99], luma[:, 64:][alpha[:, 64:] > 0.99]
    assert right.mean() > left.mean() + 20


def test_mmd_toon_texture_is_sampled_by_n_dot_l(scene, figure):
    head = _head_only(scene, figure)[0]
    material = head.material_slots[0].material
    principled = material.node_tree.nodes["Principled BSDF"]
    principled.inputs["Base Color"].default_value = (1.0, 1.0, 1.0, 1.0)
    ramp = bpy_image_two_tone()
    node = material.node_tree.nodes.new("ShaderNodeTexImage")
    node.name, node.image = "toon", ramp  # unlinked, as importers leave MMD toon textures
    look = _flat_look([0.0], recolor=0.0)
    apply.apply_look([head], look, scene)
    image, alpha = _srgb8(scene, look)
    image = image.astype(int)
    reddish = (image[..., 0] > 200) & (image[..., 2] < 60) & (alpha > 0.99)
    bluish = (image[..., 2] > 200) & (image[..., 0] < 60) & (alpha > 0.99)
    covered = (alpha > 0.99).sum()
    assert reddish.sum() > 0.2 * covered and bluish.sum() > 0.2 * covered
    columns = np.arange(image.shape[1])[None, :].repeat(image.shape[0], 0)
    assert columns[reddish].mean() < columns[bluish].mean()  # lit (red) toward the sun's left


def bpy_image_two_tone(lit=(1.0, 0.0, 0.0), shadow=(0.0, 0.0, 1.0)):
    import bpy

    image = bpy.data.images.new("toon01.bmp", 4, 32)
    pixels = np.zeros((32, 4, 4), np.float32)
    pixels[16:] = (*lit, 1.0)  # top (v > 0.5): lit
    pixels[:16] = (*shadow, 1.0)  # bottom: shadow
    image.pixels.foreach_set(pixels.ravel())
    return image


def test_outlines_trace_the_silhouette(scene, figure):
    targets = apply.look_targets([figure])
    look = _flat_look([0.0])
    look["line"].update(enabled=True, width=0.02)
    plain, _ = _srgb8(scene, _apply(scene, targets, look, line=False))
    image, alpha = _srgb8(scene, _apply(scene, targets, look))
    black = image.max(axis=2) < 40
    assert not (plain.max(axis=2) < 40).any()
    background = (alpha < 0.5).astype(np.uint8)
    near_background = cv2.dilate(background, np.ones((5, 5), np.uint8)) > 0
    assert black.sum() > 100
    assert (black & near_background).sum() / black.sum() > 0.6
    # Most of the silhouette's rim has a line pixel right beside it.
    rim = (cv2.dilate(background, np.ones((3, 3), np.uint8)) > 0) & (alpha >= 0.5)
    lined = cv2.dilate(black.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    assert (rim & lined).sum() / rim.sum() > 0.7


def _apply(scene, targets, look, line=True):
    look = copy.deepcopy(look)
    look["line"]["enabled"] = line
    apply.apply_look(targets, look, scene)
    return look


def test_storyboard_is_greyscale_with_lines(scene, figure):
    look = looks.load_look("storyboard")
    apply.apply_look(apply.look_targets([figure]), look, scene)
    image, alpha = _srgb8(scene, look)
    assert np.ptp(image.astype(int), axis=2).max() <= 2
    assert (image[alpha < 0.5] >= 253).all()  # white paper
    tones = _clusters(image[alpha > 0.99], share=0.05)
    assert len(tones) >= 2  # lit and shadow greys


def _lab(image8):
    return cv2.cvtColor(image8.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)


def test_color_looks_differ_in_palette(scene, figure):
    targets = apply.look_targets([figure])
    renders = {}
    for name in ("pastel", "vivid"):
        look = looks.load_look(name)
        apply.apply_look(targets, look, scene)
        renders[name] = _srgb8(scene, look)
    (pastel, alpha), (vivid, _) = renders["pastel"], renders["vivid"]
    mask = alpha > 0.99
    delta_e = np.linalg.norm(_lab(pastel)[mask] - _lab(vivid)[mask], axis=1).mean()
    assert delta_e > 15, delta_e
    saturation = [
        cv2.cvtColor(img, cv2.COLOR_RGB2HSV)[..., 1][mask].mean() for img in (pastel, vivid)
    ]
    assert saturation[1] > saturation[0] + 30  # vivid is the saturated one


def test_revert_gives_back_the_original_render_and_materials(scene, figure):
    import bpy

    targets = apply.look_targets([figure])
    before_slots = [[s.material.as_pointer() for s in o.material_slots] for o in targets]
    before_materials = {m.name.replace("肌", "skin renamed meanwhile") for m in bpy.data.materials}
    before_view = scene.view_settings.view_transform
    original, _ = _srgb8(scene)
    apply.apply_look(targets, looks.load_look("vivid"), scene)
    apply.apply_look(targets, looks.load_look("pastel"), scene)  # replaces vivid cleanly
    assert all(o[apply.APPLIED_KEY]["look"] == "pastel" for o in targets)
    assert not [m for m in bpy.data.materials if "[vivid]" in m.name]
    assert all(len(o.modifiers) == (not o.name.startswith("Eye")) for o in targets)
    bpy.data.materials["肌"].name = "skin renamed meanwhile"
    assert apply.revert_look(targets, scene) == len(targets)
    assert [[s.material.as_pointer() for s in o.material_slots] for o in targets] == before_slots
    assert {m.name for m in bpy.data.materials} == before_materials
    assert all(not o.modifiers and apply.APPLIED_KEY not in o for o in targets)
    assert scene.world is None and scene.view_settings.view_transform == before_view
    reverted, _ = _srgb8(scene)
    assert np.abs(reverted.astype(int) - original.astype(int)).max() <= 1


def test_meshes_shared_between_objects_revert_cleanly(scene, figure):
    import bpy

    head = scene.objects["Head"]
    twin = bpy.data.objects.new("HeadTwin", head.data)  # same mesh, so same material slots
    scene.collection.objects.link(twin)
    twin.parent = figure
    original = head.material_slots[0].material
    targets = apply.look_targets([figure])
    for name in ("vivid", "storyboard"):
        apply.apply_look(targets, looks.load_look(name), scene)
        assert len(head.data.materials) == 2  # one toon slot, one outline slot, not more
        assert outline.modifier_slot(head.modifiers[0]) == 1
        assert outline.modifier_slot(twin.modifiers[0]) == 1
    apply.revert_look(targets, scene)
    assert list(head.data.materials) == [original]
    assert not head.modifiers and not twin.modifiers
    assert not [
        m for m in bpy.data.materials if toon.TOON_OF_KEY in m or outline.OUTLINE_OF_KEY in m
    ]


def test_operators_apply_and_revert_selected_model(scene, figure):
    import bpy

    targets = apply.look_targets([figure])
    originals = [o.material_slots[0].material for o in targets]
    figure.select_set(True)
    bpy.context.view_layer.objects.active = figure
    assert bpy.ops.mmd2anime.apply_look(look="storyboard") == {"FINISHED"}
    for obj, original in zip(targets, originals, strict=True):
        assert obj.material_slots[0].material != original
        assert obj.material_slots[0].material[toon.TOON_OF_KEY] == original
        if obj.name.startswith("Eye"):  # the look gives eyes no outline
            assert len(obj.material_slots) == 1 and not obj.modifiers
            continue
        assert obj.material_slots[-1].material.get(outline.OUTLINE_OF_KEY) == "storyboard"
        assert obj.modifiers[0].name == outline.MODIFIER_NAME
    assert apply.scene_look_name(scene) == "storyboard"
    assert bpy.ops.mmd2anime.revert_look() == {"FINISHED"}
    assert [o.material_slots[0].material for o in targets] == originals
    assert all(len(o.material_slots) == 1 for o in targets)


def test_operators_report_errors_and_leave_scene_alone(scene, figure):
    import bpy

    for obj in scene.objects:
        obj.select_set(False)
    bpy.context.view_layer.objects.active = None
    names = sorted(m.name for m in bpy.data.materials)
    with pytest.raises(RuntimeError, match="Select an MMD model or a mesh"):
        bpy.ops.mmd2anime.apply_look(look="vivid")
    figure.select_set(True)
    with pytest.raises(RuntimeError, match="no look applied"):
        bpy.ops.mmd2anime.revert_look()
    assert sorted(m.name for m in bpy.data.materials) == names
    assert all(not o.modifiers for o in scene.objects)


def _mmd_tools_style_material(name: str, base_image, toon_image):
    """A material shaped like mmd_tools' (its MMDShaderDev group, images linked into it)."""
    import bpy

    group = bpy.data.node_groups.get("MMDShaderDev") or bpy.data.node_groups.new(
        "MMDShaderDev", "ShaderNodeTree"
    )
    if not group.interface.items_tree:
        for socket, kind in (("Diffuse Color", "NodeSocketColor"), ("Alpha", "NodeSocketFloat"),
                             ("Base Tex", "NodeSocketColor"), ("Base Alpha", "NodeSocketFloat"),
                             ("Toon Tex", "NodeSocketColor"), ("Sphere Tex", "NodeSocketColor")):  # fmt: skip
            group.interface.new_socket(socket, in_out="INPUT", socket_type=kind)
        group.interface.new_socket("Shader", in_out="OUTPUT", socket_type="NodeSocketShader")
    material = bpy.data.materials.new(name)
    nodes, links = material.node_tree.nodes, material.node_tree.links
    nodes.clear()
    shader = nodes.new("ShaderNodeGroup")
    shader.name, shader.node_tree = "mmd_shader", group
    shader.inputs["Diffuse Color"].default_value = (1.0, 1.0, 1.0, 1.0)
    shader.inputs["Alpha"].default_value = 1.0
    for image, socket in ((base_image, "Base Tex"), (toon_image, "Toon Tex")):
        texture = nodes.new("ShaderNodeTexImage")
        texture.image = image
        links.new(texture.outputs["Color"], shader.inputs[socket])
    return material


def _flat_image(name, rgb):
    import bpy

    image = bpy.data.images.new(name, 4, 4)
    image.pixels.foreach_set(np.tile([*rgb, 1.0], 16).astype(np.float32))
    return image


def test_mmd_tools_materials_keep_their_texture_and_toon_ramp(scene, figure):
    head = _head_only(scene, figure)[0]
    base = _flat_image("skin.png", (0.0, 1.0, 0.0))
    toon_ramp = bpy_image_two_tone(lit=(1.0, 1.0, 1.0), shadow=(0.2, 0.2, 0.2))
    material = _mmd_tools_style_material("肌", base, toon_ramp)
    head.material_slots[0].material = material
    traits = material_traits(material)
    assert traits["texture"] == base and traits["toon"] == toon_ramp
    look = _flat_look([0.0], recolor=0.0, use_textures=True)
    apply.apply_look([head], look, scene)
    image, alpha = _srgb8(scene, look)
    colors = _clusters(image[alpha > 0.99], share=0.1)
    # Green texture x (white lit / 0.2 grey shadow) ramp: pure green and a darker green; the
    # ramp's pixels are sRGB values, so its 0.2 shows as 0.2 x 255 = 51 in the render.
    assert sorted(colors) == [(0, 51, 0), (0, 255, 0)], colors
    traits_after = material_traits(material)
    assert traits_after == traits  # the original material is untouched


def test_line_width_per_category_leaves_eyes_unlined(scene, figure):
    from bpy_extras.object_utils import world_to_camera_view

    standin_figure.frame_head(scene)
    targets = apply.look_targets([figure])
    eye = scene.objects["Eye.1"]
    eye.location.y -= 0.05  # stand out of the face, so its outline would show
    dark = []
    for eye_width in (1.0, 0.0):
        look = looks.load_look("storyboard")
        look["line"]["width"] = 0.01
        look["line"]["category_widths"]["eyes"] = eye_width
        apply.apply_look(targets, look, scene)
        assert bool(eye.modifiers) == (eye_width > 0)  # eyes alone in their mesh: no hull
        image, _ = _srgb8(scene, look)
        x, y, _ = world_to_camera_view(scene, scene.camera, eye.matrix_world.translation)
        cx, cy = int(x * 128), int((1 - y) * 128)
        around = image[cy - 9 : cy + 10, cx - 9 : cx + 10]
        dark.append(int((around.max(axis=2) < 40).sum()))
        assert (np.abs(image[cy, cx].astype(int) - 128) <= 2).all()  # the grey eye still shows
    assert dark[0] > 10 and dark[1] == 0, dark


def test_line_width_per_material_inside_one_mesh(scene, figure):
    import bpy

    head = scene.objects["Head"]
    head.data.materials.append(bpy.data.materials["目"])
    for polygon in head.data.polygons:  # the front-most faces become "eyes"
        polygon.material_index = int(polygon.center.y < -0.38)
    look = looks.load_look("storyboard")
    apply.apply_look([head], look, scene)
    width = head.data.attributes[outline.WIDTH_ATTR].data
    front = [v.index for v in head.data.vertices if v.co.y < -0.41]
    back = [v.index for v in head.data.vertices if v.co.y > 0.0]
    assert {width[i].value for i in front} == {0.0}  # eye faces get no hull
    assert {width[i].value for i in back} == {1.0}
    apply.revert_look([head], scene)
    assert outline.WIDTH_ATTR not in head.data.attributes and not head.modifiers


def test_bad_user_look_is_reported_with_its_file(scene, figure):
    import os
    import sys

    import bpy
    from conftest import ADDON_MODULE

    folder = sys.modules[f"{ADDON_MODULE}.shaders.apply"].user_looks_dir()
    assert folder is not None
    bad = f"{folder}/broken_test_look.json"
    with open(bad, "w", encoding="utf-8") as handle:
        handle.write('{"bands": {"thresholds": "many"}}')
    try:
        figure.select_set(True)
        with pytest.raises(RuntimeError, match=r"broken_test_look\.json: 'bands\.thresholds'"):
            bpy.ops.mmd2anime.apply_look(look="broken_test_look")
        assert all(apply.APPLIED_KEY not in o and not o.modifiers for o in scene.objects)
    finally:
        os.remove(bad)

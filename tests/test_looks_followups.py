# SPDX-License-Identifier: GPL-3.0-or-later
"""Looks on MMD data: brows and mouth stay readable in recolor looks, single-sided materials
hide their backs in Cycles, and mmd_tools' own edges give way to the look's outline."""

import numpy as np
import pytest

from mmd2anime.shaders import looks

CELL = 32  # pixels per quad; 2 x 2 quads sit 3 units apart
TOWARD, AWAY = (0.0, 0.0, -1.0), (0.0, 0.0, 1.0)  # MMD -z faces the camera (Blender -Y)


# --- bpy-free: roles and palettes ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("眉", "brows"), ("eyebrow_L", "brows"), ("Brows", "brows"), ("口", "mouth"),
        ("mouth", "mouth"), ("唇", "mouth"), ("袖口", "clothes"), ("髪", "hair"),
        ("白目", "eyes"), ("歯", "skin"),
    ],
)  # fmt: skip
def test_brows_and_mouth_are_sub_roles(name, role):
    assert looks.category_of(name) == role
    assert looks.main_role(role) in looks.CATEGORIES


@pytest.mark.parametrize(
    ("shares", "color", "role"),
    [
        ({"頭": 1.0}, (0.12, 0.12, 0.12), "brows"),  # the shared Miku's 材質7
        ({"頭": 1.0}, (0.79, 0.18, 0.26), "mouth"),  # her 材質8
        ({"頭": 1.0}, (0.13, 0.62, 0.71), "other"),  # a teal ornament on the head
        ({"頭": 0.5, "上半身": 0.5}, (0.12, 0.12, 0.12), "clothes"),  # not by 頭 alone
    ],
)
def test_face_details_from_head_weights_and_color(shares, color, role):
    from mmd2anime.shaders import roles

    assert roles.classify_role("材質7", shares, [], color) == role


def test_sub_role_takes_its_main_role_unless_the_look_names_it():
    look = looks.validate_look(
        {
            "palette": {
                "hair": {"base": "#112233", "shadow": "#445566"},
                "brows": {"base": "#000000"},
            },
            "shading": {"roles": {"skin": {"shadow": {"value": 0.9}}}},
        }
    )
    brows = looks.palette_of(look, "brows")
    assert brows["base"] == "#000000" and brows["shadow"] == "#445566"
    assert looks.palette_of(look, "mouth") == look["palette"]["skin"]
    assert looks.tone_rules(look, "mouth") == looks.tone_rules(look, "skin")
    with pytest.raises(looks.LookError, match="'palette.lips' is not a role"):
        looks.validate_look({"palette": {"lips": {"base": "#000000"}}}, "mine.json")


@pytest.mark.parametrize("name", ["storyboard", "lineart"])
def test_recolor_looks_paint_face_details_dark(name):
    look = looks.load_look(name)

    def value(role: str) -> float:
        return max(looks.srgb_to_linear(looks.palette_of(look, role)["base"]))

    for detail, around in (("brows", "hair"), ("mouth", "skin")):
        assert value(detail) < 0.2 < value(around), (detail, around)
    assert value("eyes") < 0.25 < value("skin")


# --- Blender: quads written as a PMX by our writer -------------------------------------------


def _quads_model(materials: list, facings: list):
    """One 2 x 2 quad per material in a row along x (3 units apart), front toward ``facing``."""
    from mmd2anime.mmd import model as mm

    positions, normals, faces = [], [], []
    for i, facing in enumerate(facings):
        x = 3.0 * i
        corners = np.array([(x - 1, -1, 0), (x + 1, -1, 0), (x + 1, 1, 0), (x - 1, 1, 0)], float)
        tris = np.array([(0, 1, 2), (0, 2, 3)])
        if np.cross(corners[1] - corners[0], corners[2] - corners[0]) @ facing < 0:
            tris = tris[:, [0, 2, 1]]  # the importer expects this winding toward the front
        positions.append(corners)
        normals.append(np.tile(facing, (4, 1)))
        faces.append(tris + 4 * i)
    for material in materials:
        material.index_count = 6
    n = 4 * len(materials)
    model = mm.Model(name="quads")
    model.positions = np.concatenate(positions).astype(np.float32)
    model.normals = np.concatenate(normals).astype(np.float32)
    model.uvs = np.tile([(0, 1), (1, 1), (1, 0), (0, 0)], (len(materials), 1)).astype(np.float32)
    model.faces = np.concatenate(faces).astype(np.int32)
    model.additional_uvs = np.zeros((n, 0, 4), np.float32)
    model.weight_types = np.zeros(n, np.uint8)
    model.bone_indices = np.full((n, 4), -1, np.int32)
    model.bone_indices[:, 0] = 0
    model.bone_weights = np.zeros((n, 4), np.float32)
    model.bone_weights[:, 0] = 1.0
    model.sdef = np.zeros((n, 3, 3), np.float32)
    model.edge_scale = np.ones(n, np.float32)
    model.materials = list(materials)
    model.bones = [mm.Bone("センター")]
    return model


def _import_quads(bpy, folder, materials, facings):
    from mmd2anime import mmd
    from mmd2anime.mmd import blender_import
    from mmd2anime.mmd.pmx_write import write_pmx

    path = folder / "quads.pmx"
    write_pmx(_quads_model(materials, facings), path)
    return blender_import.import_model(mmd.read(path), scale=1.0)


def _render_quads(bpy, scene, count: int, engine: str) -> np.ndarray:
    """Linear RGBA (transparent film) of ``count`` quads seen from the front, orthographic."""
    from mmd2anime.shaders import render_look

    scene.render.engine = engine
    scene.eevee.taa_render_samples = 4
    scene.cycles.samples, scene.cycles.use_denoising = 4, False
    scene.render.resolution_x, scene.render.resolution_y = CELL * count, CELL
    camera = bpy.data.objects.new("camera", bpy.data.cameras.new("camera"))
    camera.data.type, camera.data.ortho_scale = "ORTHO", 3.0 * count
    camera.location = (1.5 * (count - 1), -20.0, 0.0)
    camera.rotation_euler = (np.pi / 2, 0.0, 0.0)  # looks along +Y, at the quads' fronts
    scene.collection.objects.link(camera)
    scene.camera = camera
    return render_look.render_rgba(scene)


def _at(pixels: np.ndarray, quad: int) -> np.ndarray:
    """Mean RGBA of a 5 x 5 patch at a quad's center."""
    x, y = int((quad + 0.5) * CELL), CELL // 2
    return pixels[y - 2 : y + 3, x - 2 : x + 3].reshape(-1, 4).mean(axis=0)


def test_storyboard_keeps_brows_and_mouth_dark(scene, bpy_module, tmp_path):
    from mmd2anime.mmd import model as mm
    from mmd2anime.shaders import apply

    names = ["髪", "眉", "肌", "口"]
    materials = [mm.Material(n, diffuse=(0.9, 0.8, 0.7, 1.0), flags=0x0C) for n in names]
    armature = _import_quads(bpy_module, tmp_path, materials, [TOWARD] * 4)
    look = looks.load_look("storyboard")
    targets = apply.look_targets([armature])
    apply.apply_look(targets, look, scene)
    assert [role for role, _ in apply.material_roles(targets[0], look)] == [
        "hair", "brows", "skin", "mouth"
    ]  # fmt: skip
    pixels = _render_quads(bpy_module, scene, 4, "CYCLES")
    hair, brows, skin, mouth = (_at(pixels, i)[:3].mean() for i in range(4))
    assert brows < 0.2 < hair, (brows, hair)
    assert mouth < 0.2 < skin, (mouth, skin)


@pytest.mark.parametrize("engine", ["CYCLES", "BLENDER_EEVEE"])
def test_toon_copy_hides_back_faces_of_single_sided_materials(scene, bpy_module, tmp_path, engine):
    from mmd2anime.mmd import model as mm
    from mmd2anime.shaders import apply

    white = (1.0, 1.0, 1.0, 1.0)
    materials = [
        mm.Material("front", diffuse=white, flags=0x0C),
        mm.Material("back", diffuse=white, flags=0x0C),
        mm.Material("two sides", diffuse=white, flags=0x0D),
    ]
    armature = _import_quads(bpy_module, tmp_path, materials, [TOWARD, AWAY, AWAY])
    look = looks.validate_look({"name": "test", "line": {"enabled": False}})
    apply.apply_look(apply.look_targets([armature]), look, scene)
    pixels = _render_quads(bpy_module, scene, 3, engine)
    alpha = [_at(pixels, i)[3] for i in range(3)]
    assert alpha[0] > 0.95 and alpha[2] > 0.95, alpha
    assert alpha[1] < 0.05, alpha  # the back of a single-sided material: not drawn


# --- mmd_tools' own toon edge ----------------------------------------------------------------


def _mmd_tools_style_scene(bpy, scene):
    """Laid out as mmd_tools leaves a model: root empty (mmd_type ROOT, saved as 2) > armature
    > mesh, whose toon edge is a Solidify 'mmd_edge_preview' drawing with 'mmd_edge.肌'."""
    import bmesh

    root = bpy.data.objects.new("Model", None)
    rig = bpy.data.objects.new("Model_arm", bpy.data.armatures.new("Model_arm"))
    mesh = bpy.data.meshes.new("Model_mesh")
    shape = bmesh.new()
    bmesh.ops.create_uvsphere(shape, u_segments=16, v_segments=8, radius=1.0)
    shape.to_mesh(mesh)
    shape.free()
    body = bpy.data.objects.new("Model_mesh", mesh)
    for obj in (root, rig, body):
        scene.collection.objects.link(obj)
    rig.parent, body.parent = root, rig
    root.bl_system_properties_get(do_create=True)["mmd_type"] = 2
    skin = bpy.data.materials.new("肌")
    skin.diffuse_color = (0.9, 0.7, 0.6, 1.0)
    edge = bpy.data.materials.new("mmd_edge.肌")
    edge.node_tree.nodes.clear()
    emission = edge.node_tree.nodes.new("ShaderNodeEmission")
    emission.inputs["Color"].default_value = (1.0, 0.0, 0.0, 1.0)  # red: easy to find
    output = edge.node_tree.nodes.new("ShaderNodeOutputMaterial")
    edge.node_tree.links.new(emission.outputs[0], output.inputs["Surface"])
    mesh.materials.append(skin)
    mesh.materials.append(edge)
    solidify = body.modifiers.new("mmd_edge_preview", "SOLIDIFY")
    solidify.material_offset, solidify.thickness, solidify.offset = 1, 0.3, 1.0
    solidify.use_flip_normals, solidify.use_rim = True, False
    solidify.show_viewport = False  # restored exactly as the user left it, not just "on"
    camera = bpy.data.objects.new("camera", bpy.data.cameras.new("camera"))
    camera.data.type, camera.data.ortho_scale = "ORTHO", 3.0
    camera.location, camera.rotation_euler = (0.0, -10.0, 0.0), (np.pi / 2, 0.0, 0.0)
    scene.collection.objects.link(camera)
    scene.camera = camera
    scene.render.engine = "CYCLES"
    scene.cycles.samples, scene.cycles.use_denoising = 4, False
    scene.render.resolution_x = scene.render.resolution_y = 48
    return root, body, solidify


def test_look_hides_mmd_tools_edge_and_revert_restores_it(scene, bpy_module):
    from mmd2anime.shaders import apply, outline, render_look

    root, body, solidify = _mmd_tools_style_scene(bpy_module, scene)
    edge = body.data.materials[1]
    assert apply.mmd_tools_edge_modifiers(body) == [solidify]
    look = looks.load_look("storyboard")
    (target,) = apply.look_targets([root])
    assert target == body
    apply.apply_look([body], look, scene)
    assert not solidify.show_render and not solidify.show_viewport
    assert body.material_slots[1].material == edge  # no toon copy of mmd_tools' edge
    assert body.modifiers.get(outline.MODIFIER_NAME) is not None  # our own outline instead
    worn = render_look.render_rgba(scene)
    red = (worn[..., 0] > 0.5) & (worn[..., 1] < 0.2) & (worn[..., 3] > 0.5)
    assert red.sum() == 0  # mmd_tools' red hull is not drawn

    apply.apply_look([body], look, scene)  # applying again keeps the first record's state
    apply.revert_look([body], scene)
    assert solidify.show_render and not solidify.show_viewport
    assert [m.name for m in body.data.materials] == ["肌", "mmd_edge.肌"]
    assert [m.name for m in body.modifiers] == ["mmd_edge_preview"]
    plain = render_look.render_rgba(scene)
    red = (plain[..., 0] > 0.5) & (plain[..., 1] < 0.2) & (plain[..., 3] > 0.5)
    assert red.sum() > 20  # the test's hull is real: it shows once the look is gone

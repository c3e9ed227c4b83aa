# SPDX-License-Identifier: GPL-3.0-or-later
"""MMD's material model in our importer: parameters recorded, traits, shading, warnings."""

import numpy as np
import pytest

from mmd2anime.layout.passes import shades_through_toons
from mmd2anime.mmd import model as mm
from mmd2anime.mmd.mannequin import build_mannequin
from mmd2anime.shaders.mmd_material import UNTONED_AOV

CONTRACT_KEYS = {
    "diffuse",
    "ambient",
    "specular",
    "shininess",
    "flags",
    "edge_color",
    "edge_size",
    "sphere_mode",
    "toon",
    "toon_texture",
}
TRAIT_KEYS = {
    "color",
    "alpha",
    "texture",
    "toon",
    "sphere",
    "sphere_mode",
    "ambient",
    "specular",
    "shininess",
    "edge",
    "double_sided",
    "toon_index",
}


def _bi():
    from mmd2anime.mmd import blender_import

    return blender_import


def _traits(material):
    from mmd2anime.shaders.traits import material_traits

    return material_traits(material)


def test_parameters_recorded_and_traits_contract(scene):
    model = build_mannequin()
    model.materials[0].flags = 0x11
    model.materials[0].edge_color, model.materials[0].edge_size = (0.2, 0.1, 0.0, 0.5), 1.5
    model.materials[1].toon_shared, model.materials[1].toon_texture = True, 3
    model.edge_scale = np.linspace(0.0, 1.0, len(model.positions)).astype(np.float32)
    (mesh_obj,) = _bi().skinned_meshes(_bi().import_model(model))
    skin, hair = mesh_obj.data.materials[:2]
    record = skin["mmd2anime_mmd"].to_dict()
    assert set(record) == CONTRACT_KEYS
    np.testing.assert_allclose(record["diffuse"], model.materials[0].diffuse, atol=1e-6)
    np.testing.assert_allclose(record["ambient"], model.materials[0].ambient, atol=1e-6)
    assert record["flags"] == 0x11 and record["toon"] == -1 and record["toon_texture"] == ""
    assert hair["mmd2anime_mmd"]["toon"] == 3
    traits = _traits(skin)
    assert set(traits) == TRAIT_KEYS
    assert traits["edge"]["enabled"] and traits["double_sided"]
    np.testing.assert_allclose(traits["edge"]["color"], (0.2, 0.1, 0.0, 0.5), atol=1e-6)
    assert traits["edge"]["size"] == pytest.approx(1.5)
    assert _traits(hair)["toon_index"] == 3 and not _traits(hair)["double_sided"]
    edge = mesh_obj.data.attributes["mmd_edge_scale"]
    assert edge.domain == "POINT" and edge.data_type == "FLOAT"
    values = np.empty(len(mesh_obj.data.vertices), np.float32)
    edge.data.foreach_get("value", values)
    np.testing.assert_allclose(values, model.edge_scale, atol=1e-6)


def test_traits_of_other_materials_have_every_key(scene, bpy_module):
    plain = bpy_module.data.materials.new("plain")
    assert set(_traits(plain)) == TRAIT_KEYS and set(_traits(None)) == TRAIT_KEYS
    assert _traits(plain)["sphere"] is None and _traits(plain)["toon_index"] == -1
    from mmd2anime.shaders.traits import is_mmd_material

    assert not is_mmd_material(plain) and not is_mmd_material(None)


def test_traits_of_an_mmd_tools_material_saved_without_mmd_tools(scene, bpy_module):
    bpy = bpy_module
    material = bpy.data.materials.new("mmd_tools made")
    fields = {
        "ambient_color": (0.1, 0.2, 0.3),
        "diffuse_color": (0.5, 0.4, 0.3),
        "shininess": 12.0,
        "is_double_sided": True,
        "enabled_toon_edge": True,
        "edge_weight": 0.7,
        "sphere_texture_type": 3,  # enum item "2" (add) is stored as its number, 3
        "is_shared_toon_texture": True,
        "shared_toon_texture": 4,
    }
    store = material.bl_system_properties_get(do_create=True)
    store["mmd_material"] = fields  # where Blender 5.0 keeps an absent add-on's properties
    sphere = bpy.data.images.new("metal.spa", 4, 4)
    node = material.node_tree.nodes.new("ShaderNodeTexImage")
    node.name, node.image = "mmd_sphere_tex", sphere
    traits = _traits(material)
    from mmd2anime.shaders.traits import is_mmd_material

    assert is_mmd_material(material)
    assert traits["sphere_mode"] == 2 and traits["sphere"] == sphere
    assert traits["toon_index"] == 4 and traits["double_sided"]
    assert traits["edge"]["enabled"] and traits["edge"]["size"] == pytest.approx(0.7)
    np.testing.assert_allclose(traits["edge"]["color"], (0.0, 0.0, 0.0, 1.0), atol=1e-6)
    np.testing.assert_allclose(traits["color"], (0.5, 0.4, 0.3, 1.0), atol=1e-6)
    np.testing.assert_allclose(traits["ambient"], (0.1, 0.2, 0.3), atol=1e-6)
    np.testing.assert_allclose(traits["specular"], (0.625,) * 3, atol=1e-6)  # mmd_tools' default
    assert traits["shininess"] == pytest.approx(12.0)


# --- Rendered checks: a PMX of our own, written with our writer, rendered small in Cycles.
# Lighting is a uniform white world and no bounces, so a convex sphere's pixel is its
# material's color: saturate(ambient + 0.6 diffuse) x texture x sphere x toon.

CELL = 32  # pixels per sphere; spheres of radius 1 sit 3 units apart


def _oriented(faces: np.ndarray, positions: np.ndarray, outward: np.ndarray) -> np.ndarray:
    """Triangles wound so cross(b - a, c - a) points along ``outward`` (in MMD's numbers the
    importer expects that winding)."""
    a, b, c = (positions[faces[:, k]] for k in range(3))
    flip = np.sum(np.cross(b - a, c - a) * outward, axis=1) < 0
    faces = faces.copy()
    faces[flip] = faces[flip][:, [0, 2, 1]]
    return faces


def _sphere(center: tuple[float, float, float], rings: int = 12, segments: int = 24):
    lat = np.linspace(0, np.pi, rings + 1)
    lon = np.linspace(0, 2 * np.pi, segments + 1)
    la, lo = np.meshgrid(lat, lon, indexing="ij")
    normals = np.stack([np.sin(la) * np.cos(lo), np.cos(la), np.sin(la) * np.sin(lo)], -1)
    normals = normals.reshape(-1, 3)
    positions = normals + np.asarray(center)
    uvs = np.stack([lo / (2 * np.pi), la / np.pi], -1).reshape(-1, 2)
    faces = []
    for i in range(rings):
        for j in range(segments):
            p, q = i * (segments + 1) + j, (i + 1) * (segments + 1) + j
            faces += [(p, q, q + 1), (p, q + 1, p + 1)]
    faces = np.asarray(faces)
    a, b, c = (positions[faces[:, k]] for k in range(3))
    keep = np.linalg.norm(np.cross(b - a, c - a), axis=1) > 1e-9  # pole slivers
    faces = faces[keep]
    centroid = positions[faces].mean(axis=1)
    faces = _oriented(faces, positions, centroid - np.asarray(center))
    return positions, normals, uvs, faces


def _quad(center, facing: tuple[float, float, float]):
    """A 2 x 2 square in the x/y plane (MMD), its front toward ``facing`` (±z)."""
    x, y, z = center
    positions = np.array(
        [(x - 1, y - 1, z), (x + 1, y - 1, z), (x + 1, y + 1, z), (x - 1, y + 1, z)]
    )
    normals = np.tile(np.asarray(facing, float), (4, 1))
    uvs = np.array([(0, 1), (1, 1), (1, 0), (0, 0)], float)
    faces = _oriented(np.array([(0, 1, 2), (0, 2, 3)]), positions, np.asarray([facing] * 2))
    return positions, normals, uvs, faces


def _model(parts, materials, textures, sub_uvs=None) -> mm.Model:
    """One material per part (positions, normals, uvs, faces), one bone weighting all."""
    model = mm.Model(name="materials test")
    offset, pos, nrm, uv, face = 0, [], [], [], []
    for (p, n, u, f), mat in zip(parts, materials, strict=True):
        pos.append(p)
        nrm.append(n)
        uv.append(u)
        face.append(f + offset)
        mat.index_count = 3 * len(f)
        offset += len(p)
    model.positions = np.concatenate(pos).astype(np.float32)
    model.normals = np.concatenate(nrm).astype(np.float32)
    model.uvs = np.concatenate(uv).astype(np.float32)
    model.faces = np.concatenate(face).astype(np.int32)
    n = len(model.positions)
    model.additional_uvs = np.zeros((n, 1 if sub_uvs is not None else 0, 4), np.float32)
    if sub_uvs is not None:
        model.additional_uvs[:, 0, :2] = np.concatenate(sub_uvs)
    model.weight_types = np.zeros(n, np.uint8)
    model.bone_indices = np.zeros((n, 4), np.int32)
    model.bone_indices[:, 1:] = -1
    model.bone_weights = np.zeros((n, 4), np.float32)
    model.bone_weights[:, 0] = 1.0
    model.sdef = np.zeros((n, 3, 3), np.float32)
    model.edge_scale = np.ones(n, np.float32)
    model.textures = list(textures)
    model.materials = list(materials)
    model.bones = [mm.Bone("センター")]
    return model


def _write_image(path, rgba: np.ndarray) -> None:
    """An 8-bit image file (PNG or BMP content, whatever the extension), rows top first."""
    import cv2

    ok, data = cv2.imencode(
        ".png", (np.clip(rgba, 0, 1) * 255 + 0.5).astype(np.uint8)[..., [2, 1, 0, 3]]
    )
    assert ok
    path.write_bytes(data.tobytes())


def _solid(path, rgb, alpha: float = 1.0, size: int = 8) -> None:
    rgba = np.ones((size, size, 4))
    rgba[..., :3], rgba[..., 3] = rgb, alpha
    _write_image(path, rgba)


def _import_and_render(bpy, model, folder, count: int, engine: str = "CYCLES"):
    """Write ``model`` as a PMX into ``folder``, read it back, import it (textures from that
    folder) and render ``count`` spheres in a row from the front: (linear RGBA H x W x 4,
    warnings, mesh object)."""
    from mmd2anime import mmd
    from mmd2anime.layout.exr import iter_passes
    from mmd2anime.mmd.pmx_write import write_pmx

    path = folder / "materials.pmx"
    write_pmx(model, path)
    warnings: list[str] = []
    arm = _bi().import_model(mmd.read(path), scale=1.0, texture_dir=str(folder), warnings=warnings)
    (mesh_obj,) = _bi().skinned_meshes(arm)
    scene = bpy.context.scene
    scene.render.engine = engine
    scene.eevee.taa_render_samples = 4
    scene.cycles.samples, scene.cycles.use_denoising = 16, False
    scene.cycles.diffuse_bounces = scene.cycles.glossy_bounces = 0
    scene.render.resolution_x, scene.render.resolution_y = CELL * count, CELL
    scene.view_settings.view_transform = "Standard"
    world = bpy.data.worlds.new("white")
    world.node_tree.nodes["Background"].inputs["Color"].default_value = (1.0, 1.0, 1.0, 1.0)
    scene.world = world
    camera = bpy.data.objects.new("camera", bpy.data.cameras.new("camera"))
    camera.data.type, camera.data.ortho_scale = "ORTHO", 3.0 * count
    camera.location = (1.5 * (count - 1), -20.0, 0.0)  # MMD x = 3i -> Blender x = 3i
    camera.rotation_euler = (np.pi / 2, 0.0, 0.0)  # looks along +Y, at the models' faces
    scene.collection.objects.link(camera)
    scene.camera = camera
    from mmd2anime.layout.passes import render_exr

    out = folder / "render.exr"
    render_exr(scene, scene.view_layers[0], str(out), ())
    ((_, pixels),) = iter_passes(out, scene.view_layers[0].name, ("Combined",))
    return pixels, warnings, mesh_obj


def _at(pixels, sphere: int, dy: int = 0) -> np.ndarray:
    """Mean RGBA of a 3 x 3 patch at a sphere's center, ``dy`` pixels below it."""
    x, y = int((sphere + 0.5) * CELL), CELL // 2 + dy
    return pixels[y - 1 : y + 2, x - 1 : x + 2].reshape(-1, 4).mean(axis=0)


def _mat(name, diffuse, ambient=(0.0, 0.0, 0.0), **fields) -> mm.Material:
    return mm.Material(name, diffuse=(*diffuse, 1.0), ambient=ambient, flags=0x0C, **fields)


def test_sphere_modes_toons_and_alpha_render(scene, bpy_module, tmp_path):
    _solid(tmp_path / "orange.spa", (1.0, 0.5, 0.0))
    _solid(tmp_path / "grey.sph", (0.5, 0.5, 0.5))
    sub = np.ones((8, 8, 4))
    sub[:, :4, :3], sub[:, 4:, :3] = (1.0, 0.0, 0.0), (0.0, 0.0, 1.0)  # red left, blue right
    _write_image(tmp_path / "sub.png", sub)
    toon = np.ones((32, 32, 4))
    toon[16:, :, :3] = (1.0, 0.0, 0.0)  # lit (top) white, shadow (bottom) red
    _write_image(tmp_path / "own_toon.bmp", toon)
    _solid(tmp_path / "clear.png", (1.0, 1.0, 1.0), alpha=0.0)
    textures = ["orange.spa", "grey.sph", "sub.png", "own_toon.bmp", "clear.png"]
    dark, white = (0.05, 0.05, 0.05), (1.0, 1.0, 1.0)
    materials = [
        _mat("plain dark", dark),  # 0
        _mat("add sphere", dark, sphere_texture=0, sphere_mode=2),  # 1
        _mat("multiply sphere", white, (0.4, 0.4, 0.4), sphere_texture=1, sphere_mode=1),  # 2
        _mat("sub-texture", white, (0.4, 0.4, 0.4), sphere_texture=2, sphere_mode=3),  # 3
        _mat("shared toon", white, (0.4, 0.4, 0.4), toon_shared=True, toon_texture=7),  # 4
        _mat("own toon", white, (0.4, 0.4, 0.4), toon_texture=3),  # 5
        _mat("cut out", white, (0.4, 0.4, 0.4), texture=4),  # 6
    ]
    parts = [_sphere((3.0 * i, 0.0, 0.0)) for i in range(len(materials))]
    sub_uvs = [np.tile((0.25, 0.5), (len(p[0]), 1)) for p in parts]  # UV1: the red half
    model = _model(parts, materials, textures, sub_uvs)
    pixels, warnings, mesh_obj = _import_and_render(bpy_module, model, tmp_path, len(materials))
    assert warnings == []

    np.testing.assert_allclose(_at(pixels, 0)[:3], 0.03, atol=0.02)  # 0.6 x 0.05
    added = _at(pixels, 1)[:3]  # 0.03 + the .spa's numbers, read as they are
    np.testing.assert_allclose(added, (1.0, 0.53, 0.03), atol=0.06)
    multiplied = _at(pixels, 2)[:3]  # saturate(0.4 + 0.6) x sRGB 0.5 = 0.214
    np.testing.assert_allclose(multiplied, 0.214, atol=0.03)
    red = _at(pixels, 3)[:3]  # the sub-texture's red half, through UV1
    assert red[0] > 0.8 and red[1] < 0.1 and red[2] < 0.1
    lit, shadow = _at(pixels, 4, -6)[:3], _at(pixels, 4, 6)[:3]  # toon08: dark grey shadow
    assert lit.min() > 0.9 and shadow.max() < 0.5 * lit.min()
    own_lit, own_shadow = _at(pixels, 5, -6)[:3], _at(pixels, 5, 6)[:3]
    assert own_lit.min() > 0.9 and own_shadow[0] > 0.8 and own_shadow[1:].max() < 0.1
    assert _at(pixels, 6)[3] < 0.05  # texture alpha 0: nothing drawn
    assert _at(pixels, 5)[3] > 0.95

    traits = [_traits(m) for m in mesh_obj.data.materials]
    assert [t["sphere_mode"] for t in traits] == [0, 2, 1, 3, 0, 0, 0]
    assert (
        traits[1]["sphere"] is not None
        and traits[1]["sphere"].colorspace_settings.name == "Non-Color"
    )
    assert traits[4]["toon_index"] == 7 and traits[4]["toon"].name.startswith("MMD2Anime toon08")
    assert traits[5]["toon_index"] == -1 and traits[5]["toon"] is not None
    assert mesh_obj.data.materials[5]["mmd2anime_mmd"]["toon_texture"] == "own_toon.bmp"


def _albedo(scene) -> np.ndarray:
    """The layout's albedo pass of the scene as ``_import_and_render`` left it."""
    from mmd2anime.layout.passes import render_bundle

    bundle = render_bundle(scene, passes=("color", "alpha", "albedo"), keypoints=False)
    assert UNTONED_AOV not in scene.view_layers[0].aovs  # added for the render only
    return np.dstack([bundle.albedo, bundle.alpha])


def test_albedo_keeps_the_color_a_toon_ramp_darkens(scene, bpy_module, tmp_path):
    """A toon's shadow is MMD's shading: the albedo pass shows the material's own color
    there, as a look's fills do, where Blender's diffuse color pass holds it darkened."""
    white, teal = (1.0, 1.0, 1.0), (0.0, 0.56, 0.56)
    materials = [
        _mat("shared toon", white, (0.4, 0.4, 0.4), toon_shared=True, toon_texture=7),
        _mat("teal hair", teal, (0.0, 0.35, 0.35), toon_shared=True, toon_texture=2),
        _mat("no toon", (0.5, 0.2, 0.1)),
    ]
    parts = [_sphere((3.0 * i, 0.0, 0.0)) for i in range(len(materials))]
    pixels, _, _ = _import_and_render(bpy_module, _model(parts, materials, []), tmp_path, 3)
    assert _at(pixels, 0, 6)[:3].max() < 0.5  # the render's toon shadow
    albedo = _albedo(scene)
    for dy in (-6, 0, 6):  # lit, middle, shadow: the own color saturate(ambient + 0.6 x d)
        np.testing.assert_allclose(_at(albedo, 0, dy)[:3], 1.0, atol=0.03)
        np.testing.assert_allclose(_at(albedo, 1, dy)[:3], (0.0, 0.686, 0.686), atol=0.03)
        np.testing.assert_allclose(_at(albedo, 2, dy)[:3], (0.3, 0.12, 0.06), atol=0.02)
    assert albedo[..., :3][albedo[..., 3] == 0].max() == 0
    # the AOV is rendered only where a toon needs it (it costs the render a pass)
    layer = scene.view_layers[0]
    assert shades_through_toons(scene, layer)
    for material in bpy_module.data.materials:
        group = material.node_tree.nodes.get("MMD Material") if material.node_tree else None
        if group is not None and group.inputs["Toon"].is_linked:
            material.node_tree.links.remove(group.inputs["Toon"].links[0])
    assert not shades_through_toons(scene, layer)


def test_missing_texture_warns_and_shows_the_diffuse(scene, bpy_module, tmp_path):
    materials = [
        _mat("髪", (0.2, 0.6, 0.3), texture=0),
        _mat("spheres", (0.5, 0.5, 0.5), sphere_texture=1, sphere_mode=2),
    ]
    parts = [_sphere((3.0 * i, 0.0, 0.0)) for i in range(2)]
    model = _model(parts, materials, ["tex\\gone.png", "gone.spa"])
    pixels, warnings, _ = _import_and_render(bpy_module, model, tmp_path, 2)
    assert len(warnings) == 2
    assert "髪" in warnings[0] and "tex\\gone.png" in warnings[0] and str(tmp_path) in warnings[0]
    assert "spheres" in warnings[1] and "gone.spa" in warnings[1]
    np.testing.assert_allclose(_at(pixels, 0)[:3], (0.12, 0.36, 0.18), atol=0.03)  # not pink


def test_single_sided_faces_hide_their_backs(scene, bpy_module, tmp_path):
    away = (0.0, 0.0, 1.0)  # MMD +z: away from the camera, which looks at the model's face
    one, two = _mat("one side", (1.0, 1.0, 1.0)), _mat("two sides", (1.0, 1.0, 1.0))
    two.flags |= 0x01
    parts = [_quad((0.0, 0.0, 0.0), away), _quad((3.0, 0.0, 0.0), away)]
    pixels, _, mesh_obj = _import_and_render(bpy_module, _model(parts, [one, two], []), tmp_path, 2)
    assert _at(pixels, 0)[3] < 0.05 and _at(pixels, 1)[3] > 0.95
    assert [_traits(m)["double_sided"] for m in mesh_obj.data.materials] == [False, True]


def test_real_model_every_material_recorded_and_nothing_pink(scene, real_model, tmp_path):
    from mmd2anime import demo_scene, mmd
    from mmd2anime.layout.exr import iter_passes
    from mmd2anime.layout.passes import render_exr

    model = mmd.read(real_model)
    warnings: list[str] = []
    arm = _bi().import_model(model, texture_dir=str(real_model.parent), warnings=warnings)
    (mesh_obj,) = _bi().skinned_meshes(arm)
    assert warnings == []
    materials = list(mesh_obj.data.materials)
    assert len(materials) == len(model.materials)
    for material, source in zip(materials, model.materials, strict=True):
        assert set(material["mmd2anime_mmd"].to_dict()) == CONTRACT_KEYS
        assert set(_traits(material)) == TRAIT_KEYS
        np.testing.assert_allclose(material["mmd2anime_mmd"]["diffuse"], source.diffuse, atol=1e-6)
        for node in material.node_tree.nodes:
            if node.type == "TEX_IMAGE":
                assert node.image is not None and node.image.size[0] > 0, material.name
    scene.render.engine = "CYCLES"
    scene.cycles.samples = 4
    scene.render.resolution_x, scene.render.resolution_y = 48, 64
    points = np.array([mesh_obj.matrix_world @ v.co for v in mesh_obj.data.vertices])
    demo_scene.frame_camera(scene, points, azimuth=0.0, elevation=0.0)
    demo_scene.add_key_light(scene)
    path = tmp_path / "miku.exr"
    render_exr(scene, scene.view_layers[0], str(path), ())
    ((_, pixels),) = iter_passes(path, scene.view_layers[0].name, ("Combined",))
    figure = pixels[..., 3] > 0.5
    assert figure.mean() > 0.1
    rgb = pixels[figure][:, :3] / pixels[figure][:, 3:]
    pink = (rgb[:, 0] > 0.6) & (rgb[:, 2] > 0.6) & (rgb[:, 1] < 0.3 * rgb[:, 0])
    assert pink.sum() == 0


def test_eevee_renders_add_sphere_and_toon(scene, bpy_module, tmp_path, requires_egl):
    _solid(tmp_path / "orange.spa", (1.0, 0.5, 0.0))
    dark, white = (0.05, 0.05, 0.05), (1.0, 1.0, 1.0)
    materials = [
        _mat("add sphere", dark, sphere_texture=0, sphere_mode=2),
        _mat("shared toon", white, (0.4, 0.4, 0.4), toon_shared=True, toon_texture=7),
    ]
    parts = [_sphere((3.0 * i, 0.0, 0.0)) for i in range(2)]
    model = _model(parts, materials, ["orange.spa"])
    pixels, _, _ = _import_and_render(bpy_module, model, tmp_path, 2, "BLENDER_EEVEE")
    added = _at(pixels, 0)[:3]
    assert added[0] > 0.8 and 0.35 < added[1] < 0.7 and added[2] < 0.15
    lit, shadow = _at(pixels, 1, -6)[:3], _at(pixels, 1, 6)[:3]
    assert lit.min() > 0.8 and shadow.max() < 0.5 * lit.min()
    # EEVEE writes the toon ramps' AOV too: the albedo's shadow is the own color
    np.testing.assert_allclose(_at(_albedo(scene), 1, 6)[:3], 1.0, atol=0.03)


def test_toon_sources_of_pmx_and_pmd(tmp_path):
    from mmd2anime.mmd.blender_materials import toon_source

    pmx = mm.Model(format="pmx", textures=["toon03.bmp", "skin_toon.png", "toon04.bmp"])
    (tmp_path / "skin_toon.png").write_bytes(b"")
    (tmp_path / "toon04.bmp").write_bytes(b"")
    folder = str(tmp_path)
    assert toon_source(pmx, mm.Material("a", toon_shared=True, toon_texture=5), folder) == (5, "")
    # An own toon named like a shared one and absent from the folder is the shared one.
    assert toon_source(pmx, mm.Material("b", toon_texture=0), folder) == (2, "")
    assert toon_source(pmx, mm.Material("c", toon_texture=1), folder) == (-1, "skin_toon.png")
    assert toon_source(pmx, mm.Material("d", toon_texture=2), folder) == (-1, "toon04.bmp")
    assert toon_source(pmx, mm.Material("e"), folder) == (-1, "")
    pmd = mm.Model(format="pmd", toon_textures=["toon01.bmp", "skin_toon.png"] + [""] * 8)
    assert toon_source(pmd, mm.Material("f", toon_shared=True, toon_texture=0), folder) == (0, "")
    own = mm.Material("g", toon_shared=True, toon_texture=1)
    assert toon_source(pmd, own, folder) == (-1, "skin_toon.png")
    assert toon_source(pmd, mm.Material("h"), folder) == (-1, "")


def test_failed_import_keeps_images_of_an_earlier_one(scene, bpy_module, tmp_path):
    _solid(tmp_path / "skin.png", (0.9, 0.7, 0.6))
    model = _model([_sphere((0.0, 0.0, 0.0))], [_mat("skin", (1, 1, 1), texture=0)], ["skin.png"])
    model.materials[0].toon_shared, model.materials[0].toon_texture = True, 0
    _bi().import_model(model, texture_dir=str(tmp_path))
    images = {i.name for i in bpy_module.data.images}
    assert {"skin.png", "MMD2Anime toon01 v1"} <= images
    bad = {"index": np.array([10**6], np.int32), "offset": np.zeros((1, 3), np.float32)}
    model.morphs = [mm.Morph("broken", offsets=bad)]  # fails after the materials are built
    with pytest.raises(IndexError):
        _bi().import_model(model, texture_dir=str(tmp_path))
    assert {i.name for i in bpy_module.data.images} == images


def test_workbench_shows_the_lit_color(scene, bpy_module, tmp_path, requires_egl):
    material = _mat("green", (0.2, 0.6, 0.3), (0.1, 0.1, 0.1))
    model = _model([_sphere((0.0, 0.0, 0.0))], [material], [])
    pixels, _, mesh_obj = _import_and_render(bpy_module, model, tmp_path, 1, "BLENDER_WORKBENCH")
    shown = mesh_obj.data.materials[0].diffuse_color
    np.testing.assert_allclose(shown, (0.22, 0.46, 0.28, 1.0), atol=1e-6)  # ambient + 0.6 diffuse
    r, g, b, a = _at(pixels, 0)
    assert a > 0.95 and g > 1.3 * max(r, b)

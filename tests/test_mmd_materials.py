# SPDX-License-Identifier: GPL-3.0-or-later
"""MMD's material model in our importer: parameters recorded, traits, shading, warnings."""

import numpy as np
import pytest

from mmd2anime.mmd.mannequin import build_mannequin

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
    assert traits["sphere_mode"] == 2 and traits["sphere"] == sphere
    assert traits["toon_index"] == 4 and traits["double_sided"]
    assert traits["edge"]["enabled"] and traits["edge"]["size"] == pytest.approx(0.7)
    np.testing.assert_allclose(traits["edge"]["color"], (0.0, 0.0, 0.0, 1.0), atol=1e-6)
    np.testing.assert_allclose(traits["color"], (0.5, 0.4, 0.3, 1.0), atol=1e-6)
    np.testing.assert_allclose(traits["ambient"], (0.1, 0.2, 0.3), atol=1e-6)
    np.testing.assert_allclose(traits["specular"], (0.625,) * 3, atol=1e-6)  # mmd_tools' default
    assert traits["shininess"] == pytest.approx(12.0)

# SPDX-License-Identifier: GPL-3.0-or-later
"""Looks keep a character's design and read at a glance: small Cycles renders of the shared
real model (skipped without ../shared/data) and of the built-in mannequin."""

import numpy as np
import pytest
import standin_figure

from mmd2anime.shaders import apply, look_metrics, looks, render_look

SIZE = 128
COLORED = ("pastel", "vivid")
SHIPPED = ("storyboard", "lineart", "pastel", "vivid")


def _miku(scene, path):
    from mmd2anime import mmd
    from mmd2anime.demo_scene import add_key_light, bone_heads, frame_camera
    from mmd2anime.mmd import blender_import

    armature = blender_import.import_model(mmd.read(path), texture_dir=str(path.parent))
    add_key_light(scene)
    frame_camera(scene, bone_heads(armature))
    return armature


def _mannequin(scene):
    from mmd2anime.demo_scene import build_demo_shot

    return build_demo_shot(scene, "standing")


@pytest.fixture(params=["miku", "mannequin"])
def model(request, scene):
    scene.render.resolution_x = scene.render.resolution_y = SIZE
    if request.param == "miku":
        armature = _miku(scene, request.getfixturevalue("real_model"))
    else:
        armature = _mannequin(scene)
    standin_figure.use_cycles(scene, samples=2)
    return apply.look_targets([armature])


def _plain(scene):
    rgba = render_look.render_rgba(scene)
    return render_look.to_srgb8(rgba[..., :3]), rgba[..., 3]


def _look(scene, targets, name):
    look = looks.load_look(name)
    apply.apply_look(targets, look, scene)
    color, alpha = render_look.render_look(scene, look)
    return look, render_look.to_srgb8(np.clip(color, 0.0, 1.0)), alpha


def test_colored_looks_keep_the_hues_and_every_look_reads(scene, model):
    plain, plain_alpha = _plain(scene)
    for name in SHIPPED:
        look, image, alpha = _look(scene, model, name)
        separation = look_metrics.separation(image, alpha, look_metrics.hex8(look["background"]))
        # The silhouette reads: its edge stands off the background (ink or fill).
        assert separation["rim"] >= 0.6, (name, separation)
        if name in COLORED:
            mask = (plain_alpha > 0.99) & (alpha > 0.99)
            kept, count = look_metrics.hue_keep(plain, image, mask)
            assert count > 200, (name, count)
            assert kept >= 0.8, (name, kept)
            # Colored looks separate by their fill too: no washed-out figure.
            assert separation["fill"] >= 15.0, (name, separation)


def test_real_model_roles_come_from_bones_and_colors(scene, real_model):
    targets = apply.look_targets([_miku(scene, real_model)])
    roles = {
        slot.material.name: role
        for obj in targets
        for slot, (role, _) in zip(obj.material_slots, apply.material_roles(obj), strict=True)
    }
    assert roles["材質2"] == "hair"  # weighted by the 髪 chains
    assert roles["材質3"] == "skin"  # face and arms: skin-colored
    assert roles["材質6"] == "eyes"  # weighted by 左目/右目 (and its texture is eye2.bmp)
    assert roles["材質5"] == "clothes"  # grey, on the upper body


def test_user_role_override_is_honored_and_reverted(scene, real_model):
    import bpy

    targets = apply.look_targets([_miku(scene, real_model)])
    mesh = targets[0]
    material = bpy.data.materials["材質5"]
    index = [s.material for s in mesh.material_slots].index(material)
    assert apply.material_roles(mesh)[index] == ("clothes", "auto")
    apply.apply_look(targets, looks.load_look("vivid"), scene)
    assert bpy.ops.mmd2anime.set_material_role(material="材質5", role="HAIR") == {"FINISHED"}
    assert material[apply.ROLE_KEY] == "hair"
    assert apply.material_roles(mesh)[index] == ("hair", "user")
    # The model wearing a look was re-dressed: its copy now shades as hair (hair AOV node).
    copy_tree = mesh.material_slots[index].material.node_tree
    assert any(n.bl_idname == "ShaderNodeOutputAOV" for n in copy_tree.nodes)
    assert bpy.ops.mmd2anime.set_material_role(material="材質5", role="AUTO") == {"FINISHED"}
    assert apply.ROLE_KEY not in material
    assert apply.material_roles(mesh)[index] == ("clothes", "auto")
    with pytest.raises(RuntimeError, match="No material named 'nope'"):
        bpy.ops.mmd2anime.set_material_role(material="nope", role="HAIR")


def test_look_material_override_sets_role_and_base(scene, real_model):
    import bpy

    targets = apply.look_targets([_miku(scene, real_model)])
    look = looks.validate_look(
        {**looks.load_look("vivid"), "materials": {"材質5": {"role": "eyes", "base": "#ff0000"}}}
    )
    mesh = targets[0]
    index = [s.material for s in mesh.material_slots].index(bpy.data.materials["材質5"])
    assert apply.material_roles(mesh, look)[index] == ("eyes", "look")
    apply.apply_look(targets, look, scene)
    toon_copy = mesh.material_slots[index].material
    colors = [
        tuple(round(c, 3) for c in n.inputs[6].default_value[:3])
        for n in toon_copy.node_tree.nodes
        if n.bl_idname == "ShaderNodeMix" and n.data_type == "RGBA"
    ]
    assert (1.0, 0.0, 0.0) in colors  # the base replaced the material's grey


def test_hair_halo_follows_the_hair_mask(scene, real_model):
    targets = apply.look_targets([_miku(scene, real_model)])
    scene.render.resolution_x = scene.render.resolution_y = SIZE
    standin_figure.use_cycles(scene, samples=1)
    apply.apply_look(targets, looks.load_look("pastel"), scene)
    rgba, hair = render_look.render_with_hair(scene)
    covered = rgba[..., 3] > 0.5
    assert 0.1 < (hair[covered] > 0.5).mean() < 0.8  # the twin tails, not the whole figure
    assert not (hair[~covered] > 0.5).any()


def test_render_cli_selects_a_variant(scene):
    from mmd2anime import headless

    figure = standin_figure.build(scene, size=64)
    args = headless.build_parser().parse_args(["--look", "vivid:night"])
    look = headless._apply_look(scene, args.look)
    assert (look["name"], look["variant"]) == ("vivid", "night")
    assert apply.scene_look_name(scene) == "vivid:night"
    assert all(o[apply.APPLIED_KEY]["variant"] == "night" for o in apply.look_targets([figure]))
    with pytest.raises(looks.LookError, match="no variant 'noon'"):
        headless._apply_look(scene, "vivid:noon")


def test_panel_lists_roles_and_variants(scene):
    import bpy

    figure = standin_figure.build(scene, size=64)
    figure.select_set(True)
    bpy.context.view_layer.objects.active = figure
    assert bpy.ops.mmd2anime.apply_look(look="pastel:evening") == {"FINISHED"}
    assert apply.scene_look_name(scene) == "pastel:evening"
    from mmd2anime.operators.looks import _look_items

    identifiers = [item[0] for item in _look_items(None, bpy.context)]
    assert {"pastel", "pastel:day", "pastel:evening", "pastel:night", "vivid:night"} <= set(
        identifiers
    )


def test_face_shadow_rule_leaves_faces_with_little_shadow(scene):
    import copy

    figure = standin_figure.build(scene, size=96)
    standin_figure.use_cycles(scene)
    for child in figure.children:
        child.hide_render = child.name != "Head"  # 肌: skin
    standin_figure.frame_head(scene)
    head = [o for o in figure.children if o.name == "Head"]
    shares = []
    for shift in (0.0, -0.5):
        look = copy.deepcopy(looks.load_look("vivid"))
        look.update(recolor=1.0, bands={"thresholds": [0.0]}, face_shadow={"shift": shift})
        look["line"]["enabled"] = False
        look["photography"] = copy.deepcopy(looks.DEFAULTS["photography"])
        look = looks.validate_look(look)
        apply.apply_look(head, look, scene)
        color, alpha = render_look.render_look(scene, look)
        image = render_look.to_srgb8(color).astype(int)
        shadow = look_metrics.hex8(look["palette"]["skin"]["shadow"])
        in_shadow = (np.abs(image - shadow).max(axis=2) <= 3) & (alpha > 0.99)
        shares.append(in_shadow.sum() / (alpha > 0.99).sum())
    assert shares[0] > 0.15 and shares[1] < shares[0] / 4, shares

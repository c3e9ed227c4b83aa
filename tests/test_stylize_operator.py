# SPDX-License-Identifier: GPL-3.0-or-later
"""The Stylize shot operator in background mode (synchronous), as render farms run it."""

import json

import numpy as np


def _shot(bpy, tmp_path):
    scene = bpy.context.scene
    scene.render.resolution_x, scene.render.resolution_y = 96, 96
    scene.render.engine = "CYCLES"
    scene.cycles.samples = 2
    assert bpy.ops.mmd2anime.add_mannequin(pose="walking") == {"FINISHED"}
    from mmd2anime import demo_scene

    demo_scene.add_key_light(scene)
    armature = next(o for o in scene.objects if o.type == "ARMATURE")
    demo_scene.frame_camera(scene, demo_scene.bone_heads(armature))
    scene.mmd2anime.output_dir = str(tmp_path)
    return scene


def test_poll_says_why_it_cannot_run(scene, bpy_module):
    assert not bpy_module.ops.mmd2anime.stylize_shot.poll()
    cam = bpy_module.data.objects.new("Cam", bpy_module.data.cameras.new("Cam"))
    scene.collection.objects.link(cam)
    scene.camera = cam
    assert not bpy_module.ops.mmd2anime.stylize_shot.poll()  # still no MMD armature
    assert bpy_module.ops.mmd2anime.add_mannequin() == {"FINISHED"}
    assert bpy_module.ops.mmd2anime.stylize_shot.poll()
    scene.mmd2anime.style_pack = "/nowhere/pack.safetensors"
    assert not bpy_module.ops.mmd2anime.stylize_shot.poll()


def test_stylize_shot_writes_frames_and_shows_the_image(scene, bpy_module, tmp_path):
    bpy = bpy_module
    scene = _shot(bpy, tmp_path)
    scene.mmd2anime.frame_mode = "RANGE"
    scene.frame_start, scene.frame_end = 1, 2
    objects_before = sorted(o.name for o in bpy.data.objects)
    assert bpy.ops.mmd2anime.stylize_shot() == {"FINISHED"}
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert [f["frame"] for f in manifest["frames"]] == [1, 2]
    for frame in (1, 2):
        assert (tmp_path / "stylized" / f"{frame:06d}.png").stat().st_size > 0
    image = bpy.data.images[f"{scene.name} stylized"]
    assert tuple(image.size) == (96, 96)
    pixels = np.empty(96 * 96 * 4, np.float32)
    image.pixels.foreach_get(pixels)
    assert pixels.reshape(96, 96, 4)[..., :3].std() > 0.01
    assert sorted(o.name for o in bpy.data.objects) == objects_before
    assert scene.frame_current == 1


def test_a_corrupt_style_pack_is_reported_not_raised(scene, bpy_module, tmp_path):
    bpy = bpy_module
    scene = _shot(bpy, tmp_path / "out")
    pack = tmp_path / "broken.safetensors"
    pack.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}")
    scene.mmd2anime.style_pack = str(pack)
    import pytest

    with pytest.raises(RuntimeError, match="broken.safetensors"):
        bpy.ops.mmd2anime.stylize_shot()


def test_pose_library_browser_poses_the_selected_armature(scene, bpy_module):
    bpy = bpy_module
    assert not bpy.ops.mmd2anime.apply_library_pose.poll()
    assert bpy.ops.mmd2anime.add_mannequin(pose="REST") == {"FINISHED"}
    armature = next(o for o in scene.objects if o.type == "ARMATURE")
    bpy.context.view_layer.objects.active = armature
    wrist = armature.pose.bones["右手首"]
    rest = (armature.matrix_world @ wrist.head).copy()
    assert bpy.ops.mmd2anime.apply_library_pose(pose="pointing") == {"FINISHED"}
    bpy.context.view_layer.update()
    assert ((armature.matrix_world @ wrist.head) - rest).length > 0.1
    assert bpy.ops.mmd2anime.apply_library_pose(pose="REST") == {"FINISHED"}
    bpy.context.view_layer.update()
    assert ((armature.matrix_world @ wrist.head) - rest).length < 1e-5


def test_style_packs_resolve_by_path_name_and_default(tmp_path, bpy_module):
    import shutil

    import pytest

    from mmd2anime.shot import PACKS_DIR, resolve_style

    assert resolve_style("default").parent == PACKS_DIR
    mine = tmp_path / "mine.safetensors"
    shutil.copy(PACKS_DIR / "initialized.safetensors", mine)
    assert resolve_style("mine", (tmp_path,)) == mine
    assert resolve_style(str(mine)) == mine
    with pytest.raises(FileNotFoundError, match="nope: no such style pack"):
        resolve_style("nope", (tmp_path,))


def test_a_pack_trained_on_plain_renders_warns_when_a_look_is_applied(bpy_module):
    from mmd2anime.shot import domain_warning

    def meta(source_look, kind="layouts"):
        data = {"source_kind": kind, "source_look": source_look}
        return {"name": "pastel", "training": {"data": data}}

    assert domain_warning(meta(None), None) is None
    assert domain_warning(meta("pastel"), {"name": "pastel"}) is None
    warning = domain_warning(meta(None), {"name": "vivid"})
    assert "'pastel' learned from plain renders" in warning and "'vivid'" in warning
    assert "revert the look" in warning
    assert "apply the look 'lineart'" in domain_warning(meta("lineart"), None)
    assert domain_warning(meta(None, kind="frames"), {"name": "vivid"}) is None  # anime2anime
    assert domain_warning({"name": "old", "training": {"data": {}}}, {"name": "vivid"}) is None


def test_the_default_pack_takes_scenes_with_or_without_a_look(scene, bpy_module, tmp_path):
    """The default pack learned from inputs rendered plainly and in several looks (paired
    training), so no look applied to the scene draws the domain warning (the warning for
    packs that learned from one look is checked above, on metadata)."""
    bpy = bpy_module
    _shot(bpy, tmp_path)
    assert bpy.ops.mmd2anime.stylize_shot() == {"FINISHED"}
    assert json.loads((tmp_path / "manifest.json").read_text())["warnings"] == []
    assert bpy.ops.mmd2anime.apply_look(look="vivid") == {"FINISHED"}
    assert bpy.ops.mmd2anime.stylize_shot() == {"FINISHED"}
    assert json.loads((tmp_path / "manifest.json").read_text())["warnings"] == []

# SPDX-License-Identifier: GPL-3.0-or-later
"""MMD on the Blender side: mannequin import, library poses, motions, mmd_tools armatures."""

import math
import sys

import numpy as np
import pytest
from conftest import ADDON_MODULE, run_without_bpy

from mmd2anime.mmd import model as mm
from mmd2anime.mmd.mannequin import build_mannequin
from mmd2anime.mmd.pose_library import _BUILDERS, POSES, _PoseBuilder, axis_angle, get_pose

SCALE = 0.08
STANDARD_BONES = [
    "全ての親",
    "センター",
    "グルーブ",
    "腰",
    "上半身",
    "上半身2",
    "首",
    "頭",
    "両目",
    "左目",
    "右目",
    "下半身",
    "左肩",
    "右肩",
    "左腕",
    "右腕",
    "左ひじ",
    "右ひじ",
    "左手首",
    "右手首",
    "左親指０",
    "左親指１",
    "左親指２",
    "左人指１",
    "左人指２",
    "左人指３",
    "左中指１",
    "左薬指１",
    "左小指１",
    "右親指０",
    "右人指１",
    "右小指３",
    "左足",
    "右足",
    "左ひざ",
    "右ひざ",
    "左足首",
    "右足首",
    "左つま先",
    "右つま先",
    "左足ＩＫ",
    "右足ＩＫ",
    "左つま先ＩＫ",
    "右つま先ＩＫ",
]


def _bi():
    from mmd2anime.mmd import blender_import

    return blender_import


def _heads(bpy, arm) -> dict[str, np.ndarray]:
    from mmd2anime import armatures

    bpy.context.view_layer.update()
    return {
        name: np.array(arm.matrix_world @ pb.head)
        for name, pb in armatures.bones_by_name_j(arm).items()
    }


def _datablock_counts(bpy) -> dict[str, int]:
    kinds = ("objects", "meshes", "armatures", "materials", "images", "shape_keys", "actions")
    return {k: len(getattr(bpy.data, k)) for k in kinds}


@pytest.fixture
def mannequin(scene):
    return _bi().import_model(build_mannequin(), scale=SCALE)


# --- the mannequin and the pose library (no bpy needed) ---


def test_mmd_modules_import_without_bpy():
    result = run_without_bpy(
        "import mmd2anime.mmd.mannequin, mmd2anime.mmd.pose_library\n"
        "print(len(mmd2anime.mmd.pose_library.POSES))\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "8"


def test_mannequin_is_a_well_formed_humanoid():
    model = build_mannequin()
    names = [b.name for b in model.bones]
    assert set(STANDARD_BONES) <= set(names)
    assert len(names) == len(set(names))
    n = len(model.positions)
    assert n <= 6000 and model.faces.min() >= 0 and model.faces.max() < n
    assert sum(m.index_count for m in model.materials) == 3 * len(model.faces)
    assert [(m.name, m.name_e) for m in model.materials] == [
        ("肌", "skin"),
        ("髪", "hair"),
        ("服", "clothes"),
        ("目", "eyes"),
    ]
    height = model.positions[:, 1].max() - model.positions[:, 1].min()
    assert 18.0 < height < 22.0
    skin_faces = model.faces[: model.materials[0].index_count // 3]
    skin = np.unique(skin_faces)
    face = skin[model.bone_indices[skin, 0] == model.bone_index("頭")]
    chin_to_top = model.positions[:, 1].max() - model.positions[face, 1].min()
    assert 1 / 7.5 < chin_to_top / height < 1 / 5.5
    # The character's left is +X; the face (eyes) looks toward -Z.
    assert model.bones[model.bone_index("左腕")].position[0] > 0
    assert model.bones[model.bone_index("左目")].position[2] < 0
    weights = model.bone_weights.copy()
    weights[model.weight_types == mm.BDEF1, 1:] = 0
    np.testing.assert_allclose(weights.sum(1), 1.0, atol=1e-6)
    leg_ik = model.bones[model.bone_index("左足ＩＫ")]
    assert leg_ik.is_ik and model.bones[leg_ik.ik_target].name == "左足首"
    assert [model.bones[link.bone].name for link in leg_ik.ik_links] == ["左ひざ", "左足"]


def test_pose_library_has_the_storyboard_poses():
    assert set(POSES) >= {
        "standing",
        "walking",
        "running",
        "sitting",
        "pointing",
        "arms_crossed",
        "looking_back",
        "kneeling",
    }
    for name, pose in POSES.items():
        assert pose.bones, name
        for key in pose.bones.values():
            assert abs(np.linalg.norm(key.rotation) - 1.0) < 1e-6
    for name in ("sitting", "kneeling"):
        assert get_pose(name).bones["センター"].translation[1] < -3.0
    with pytest.raises(KeyError, match="standing"):
        get_pose("flying")


# --- import ---


def test_import_places_every_bone_at_its_pmx_position(mannequin, bpy_module):
    from mmd2anime import armatures

    model = build_mannequin()
    arm = mannequin
    assert arm[armatures.MODEL_KEY] == model.name
    assert armatures.is_mmd_armature(arm)
    by_name = armatures.bones_by_name_j(arm)
    assert set(by_name) == {b.name for b in model.bones}
    for bone in model.bones:
        b = by_name[bone.name].bone
        assert b[armatures.NAME_J_KEY] == bone.name and b[armatures.NAME_E_KEY] == bone.name_e
        x, y, z = bone.position
        np.testing.assert_allclose(b.head_local, np.array([x, z, y]) * SCALE, atol=1e-5)
        assert b.length > 1e-3
        parent = model.bones[bone.parent].name if bone.parent >= 0 else None
        assert (b.parent[armatures.NAME_J_KEY] if b.parent else None) == parent


def test_import_builds_skinned_mesh_with_plain_materials(mannequin):
    (mesh_obj,) = _bi().skinned_meshes(mannequin)
    assert mesh_obj.parent == mannequin
    model = build_mannequin()
    mesh = mesh_obj.data
    assert len(mesh.vertices) == len(model.positions)
    assert len(mesh.polygons) == len(model.faces)
    assert [m.name for m in mesh.materials] == ["肌", "髪", "服", "目"]
    for material, source in zip(mesh.materials, model.materials, strict=True):
        nodes = material.node_tree.nodes
        assert not [n for n in nodes if n.type == "TEX_IMAGE" and n.image is None]
        shader = nodes["MMD Material"]  # shaders/mmd_material.py
        np.testing.assert_allclose(shader.inputs["Diffuse"].default_value[:3], source.diffuse[:3])
    counts = np.bincount([p.material_index for p in mesh.polygons], minlength=4)
    assert list(counts * 3) == [m.index_count for m in model.materials]
    # Outward faces: the flipped winding agrees with the imported custom normals.
    face_n = np.array([p.normal[:] for p in mesh.polygons])
    corner_n = np.array([mesh.corner_normals[p.loop_start].vector[:] for p in mesh.polygons])
    assert np.mean(np.sum(face_n * corner_n, 1) > 0) > 0.99
    blink = mesh.shape_keys.key_blocks[1]
    assert mesh.uv_layers and blink.name == "まばたき" and blink.value == 0.0
    assert {g.name for g in mesh_obj.vertex_groups} <= {b.name for b in mannequin.data.bones}


def _evaluated_positions(bpy, obj) -> np.ndarray:
    bpy.context.view_layer.update()
    evaluated = obj.evaluated_get(bpy.context.evaluated_depsgraph_get())
    co = np.zeros(len(evaluated.data.vertices) * 3)
    evaluated.data.vertices.foreach_get("co", co)
    return co.reshape(-1, 3)


def test_moving_a_bone_deforms_only_its_part(mannequin, bpy_module):
    bpy = bpy_module
    (mesh_obj,) = _bi().skinned_meshes(mannequin)
    before = _evaluated_positions(bpy, mesh_obj)
    pose = mm.Pose(bones={"左腕": mm.BoneKey(rotation=tuple(axis_angle((0, 0, 1), 60)))})
    assert _bi().apply_pose(mannequin, pose) == []
    moved = np.linalg.norm(_evaluated_positions(bpy, mesh_obj) - before, axis=1) > 1e-4
    group = mesh_obj.vertex_groups[mannequin.pose.bones["左ひじ"].name].index
    forearm = [v.index for v in mesh_obj.data.vertices if group in {g.group for g in v.groups}]
    assert moved[forearm].all()
    assert 0.05 < moved.mean() < 0.5  # the left arm and hand, not the body


def test_rigidly_weighted_vertices_follow_their_bone(mannequin, bpy_module):
    bpy = bpy_module
    model = build_mannequin()
    (mesh_obj,) = _bi().skinned_meshes(mannequin)
    rest = _evaluated_positions(bpy, mesh_obj)
    _bi().apply_pose(mannequin, get_pose("running"))
    posed = _evaluated_positions(bpy, mesh_obj)
    by_name = {pb.bone["mmd_name_j"]: pb for pb in mannequin.pose.bones}
    rigid = model.weight_types == mm.BDEF1
    for i, bone in enumerate(model.bones):
        verts = np.flatnonzero(rigid & (model.bone_indices[:, 0] == i))
        if not len(verts):
            continue
        pb = by_name[bone.name]
        deform = np.array(pb.matrix @ pb.bone.matrix_local.inverted())
        expected = rest[verts] @ deform[:3, :3].T + deform[:3, 3]
        np.testing.assert_allclose(posed[verts], expected, atol=1e-4, err_msg=bone.name)


def test_eye_grant_and_leg_ik_constraints(mannequin):
    bones = mannequin.pose.bones
    grant = bones["左目"].constraints[0]
    assert grant.type == "COPY_ROTATION" and grant.subtarget == "両目"
    assert grant.mix_mode == "ADD" and grant.influence == 1.0
    ik = bones["左ひざ"].constraints[0]
    assert ik.type == "IK" and ik.subtarget == "左足ＩＫ" and ik.chain_count == 2
    knee = bones["左ひざ"]
    assert knee.use_ik_limit_x and knee.use_ik_limit_y and knee.use_ik_limit_z  # MMD's hinge
    assert knee.ik_min_y == knee.ik_max_y == knee.ik_min_z == knee.ik_max_z == 0.0
    toe = bones["左足首"].constraints[0]
    assert toe.subtarget == "左つま先ＩＫ" and toe.chain_count == 1


def test_missing_texture_warns_and_found_texture_is_used(scene, bpy_module, tmp_path):
    bpy = bpy_module
    image = bpy.data.images.new("t", 4, 4)
    image.filepath_raw = str(tmp_path / "tex" / "skin.png")
    (tmp_path / "tex").mkdir()
    image.file_format = "PNG"
    image.save()
    bpy.data.images.remove(image)
    model = build_mannequin()
    model.textures = ["tex\\skin.png", "hair_missing.png"]
    model.materials[0].texture, model.materials[1].texture = 0, 1
    warnings: list[str] = []
    arm = _bi().import_model(model, texture_dir=str(tmp_path), warnings=warnings)
    (mesh_obj,) = _bi().skinned_meshes(arm)
    skin, hair = mesh_obj.data.materials[:2]
    (tex,) = [n for n in skin.node_tree.nodes if n.type == "TEX_IMAGE"]
    assert tex.image is not None and tex.image.size[0] == 4
    assert not [n for n in hair.node_tree.nodes if n.type == "TEX_IMAGE"]
    assert len(warnings) == 1 and "hair_missing.png" in warnings[0] and "髪" in warnings[0]


def test_degenerate_triangles_are_dropped(scene):
    model = build_mannequin()
    model.faces = np.concatenate([model.faces, [[5, 5, 6]]]).astype(np.int32)
    model.materials[-1].index_count += 3
    (mesh_obj,) = _bi().skinned_meshes(_bi().import_model(model))
    assert len(mesh_obj.data.polygons) == len(model.faces) - 1


def test_failed_import_leaves_nothing_behind(scene, bpy_module):
    bpy = bpy_module
    before = _datablock_counts(bpy)
    model = build_mannequin()
    model.faces = model.faces.copy()
    model.faces[-1, 0] = len(model.positions) + 7
    with pytest.raises(ValueError, match="face indices"):
        _bi().import_model(model)
    assert _datablock_counts(bpy) == before


# --- poses ---


def test_library_poses_match_their_forward_kinematics(mannequin, bpy_module):
    bi, model = _bi(), build_mannequin()
    rest = _heads(bpy_module, mannequin)
    legs = {f"{s}{b}" for s in "左右" for b in ("ひざ", "足首", "つま先")}
    for name in POSES:
        builder = _PoseBuilder(model)
        _BUILDERS[name](builder)
        builder.pose(name)  # places the leg IK bones
        assert bi.apply_pose(mannequin, get_pose(name)) == []
        heads = _heads(bpy_module, mannequin)
        moved = max(np.linalg.norm(heads[k] - rest[k]) for k in heads)
        assert moved > 0.05, name
        for i, bone in enumerate(model.bones):
            x, y, z = builder.world(i)[1]
            expected = np.array([x, z, y]) * SCALE
            # Legs are solved by Blender's IK toward the placed IK bones: close, not exact.
            tolerance = 0.03 if bone.name in legs else 1e-4
            assert np.linalg.norm(heads[bone.name] - expected) < tolerance, (name, bone.name)


def test_library_poses_are_plausible(mannequin, bpy_module):
    bi = _bi()
    rest = _heads(bpy_module, mannequin)
    bi.apply_pose(mannequin, get_pose("pointing"))
    h = _heads(bpy_module, mannequin)
    assert h["右手首"][2] > h["右腕"][2]
    assert h["右手首"][1] < h["右腕"][1] - 0.2  # in front of the body
    bi.apply_pose(mannequin, get_pose("sitting"))
    h = _heads(bpy_module, mannequin)
    assert h["下半身"][2] < rest["下半身"][2] - 0.25
    assert h["左ひざ"][1] < rest["左ひざ"][1] - 0.2  # knees forward
    assert abs(h["左足首"][2] - rest["左足首"][2]) < 0.05  # feet stay on the floor
    bi.apply_pose(mannequin, get_pose("looking_back"))
    h = _heads(bpy_module, mannequin)
    eyes = (h["左目"] + h["右目"]) / 2 - h["頭"]
    assert eyes[0] > 0.05  # the face turned to the character's left (+X)
    bi.apply_pose(mannequin, get_pose("walking"))
    h = _heads(bpy_module, mannequin)
    assert h["左足首"][1] < h["右足首"][1] - 0.2  # left foot ahead


@pytest.mark.parametrize(("side", "sign"), [("左", 1.0), ("右", -1.0)])
def test_elbow_bends_forward(mannequin, bpy_module, side, sign):
    # MMD: +Y turns +X toward -Z (the front), so the left elbow bends forward with +Y and
    # the right one (pointing -X) with -Y.
    rot = axis_angle((0, 1, 0), 90 * sign)
    pose = mm.Pose(bones={f"{side}ひじ": mm.BoneKey(rotation=tuple(rot))})
    _bi().apply_pose(mannequin, pose)
    h = _heads(bpy_module, mannequin)
    forearm = h[f"{side}手首"] - h[f"{side}ひじ"]
    # The A-pose forearm keeps its downward slant; its outward part now points forward.
    assert forearm[1] < -0.5 * np.linalg.norm(forearm)  # Blender front is -Y
    assert abs(forearm[0]) < 1e-3


def _simulate_mmd_tools(bpy, arm):
    """Rename bones the mmd_tools way, keep the Japanese name only in pb['mmd_bone'], roll
    the bones, and parent the armature to a root empty with mmd_type ROOT (as an int)."""
    from mmd2anime import armatures

    names = {}
    for i, bone in enumerate(arm.data.bones):
        name_j = bone[armatures.NAME_J_KEY]
        side = {"左": ".L", "右": ".R"}.get(name_j[0])
        names[name_j] = f"{name_j[1:]}{side}" if side else f"bone{i}"
        bone.name = names[name_j]
        del bone[armatures.NAME_J_KEY]
        arm.pose.bones[bone.name]["mmd_bone"] = {"name_j": name_j}
    del arm[armatures.MODEL_KEY]
    bpy.context.view_layer.objects.active = arm
    bpy.ops.object.mode_set(mode="EDIT")
    chain = {"ひざ.L", "ひざ.R", "足.L", "足.R", "足首.L", "足首.R"}
    for eb in arm.data.edit_bones:
        if eb.name not in chain:
            eb.roll = 0.7  # mmd_tools' bones carry rolls; ours are 0
    bpy.ops.object.mode_set(mode="OBJECT")
    root = bpy.data.objects.new("root", None)
    bpy.context.scene.collection.objects.link(root)
    root["mmd_type"] = armatures.MMD_TOOLS_ROOT
    arm.parent = root
    return names


def test_mmd_tools_armature_gets_the_same_pose(scene, bpy_module):
    from mmd2anime import armatures

    bpy, bi = bpy_module, _bi()
    ours = bi.import_model(build_mannequin(), name="ours")
    theirs = bi.import_model(build_mannequin(), name="theirs")
    names = _simulate_mmd_tools(bpy, theirs)
    assert armatures.is_mmd_armature(theirs) and "腕.L" in theirs.pose.bones
    for pose_name in ("pointing", "arms_crossed", "kneeling"):
        pose = get_pose(pose_name)
        assert bi.apply_pose(ours, pose) == bi.apply_pose(theirs, pose) == []
        a, b = _heads(bpy, ours), _heads(bpy, theirs)
        assert set(a) == set(b) == set(names)
        for name in a:
            assert np.linalg.norm(a[name] - b[name]) < 1e-4, (pose_name, name)


def test_mmd_tools_armature_gets_the_same_motion(scene, bpy_module):
    bpy, bi = bpy_module, _bi()
    ours = bi.import_model(build_mannequin(), name="ours")
    theirs = bi.import_model(build_mannequin(), name="theirs")
    _simulate_mmd_tools(bpy, theirs)
    keys = [(0, 0, 0, 1), tuple(axis_angle((1, 1, 0), 70)), tuple(axis_angle((0, 0, 1), -40))]
    motion = mm.Motion(
        bone_tracks={
            name: _track([0, 10, 20], keys, [(0, 0, 0), (1, 2, 3), (-1, 0, 2)])
            for name in ("センター", "上半身", "左腕", "右ひじ", "頭")
        }
    )
    assert bi.apply_motion(ours, motion) == bi.apply_motion(theirs, motion) == []
    for frame in (1, 7, 16, 21):
        scene.frame_set(frame)
        a, b = _heads(bpy, ours), _heads(bpy, theirs)
        for name in a:
            assert np.linalg.norm(a[name] - b[name]) < 1e-4, (frame, name)


def test_leg_ik_moves_the_knee(mannequin, bpy_module):
    rest = _heads(bpy_module, mannequin)
    lift = mm.Pose(bones={"左足ＩＫ": mm.BoneKey(translation=(0.0, 3.0, -1.0))})
    _bi().apply_pose(mannequin, lift)
    h = _heads(bpy_module, mannequin)
    ik_goal = rest["左足首"] + np.array([0.0, -1.0, 3.0]) * SCALE
    assert np.linalg.norm(h["左足首"] - ik_goal) < 0.01  # the ankle follows the IK bone
    assert h["左ひざ"][1] < rest["左ひざ"][1] - 0.05  # the knee bends forward, not back
    np.testing.assert_allclose(h["右ひざ"], rest["右ひざ"], atol=1e-6)


def test_unmatched_names_are_reported(mannequin):
    pose = get_pose("standing")
    pose.bones["存在しない骨"] = mm.BoneKey()
    pose.morphs["まばたき"] = 1.0
    pose.morphs["ない表情"] = 0.5
    assert _bi().apply_pose(mannequin, pose) == ["存在しない骨", "ない表情"]
    (mesh_obj,) = _bi().skinned_meshes(mannequin)
    assert mesh_obj.data.shape_keys.key_blocks["まばたき"].value == 1.0


# --- motion ---


def _track(frames, rotations, translations=None, curve=(20, 20, 107, 107)):
    k = len(frames)
    interpolation = np.tile(np.array(curve, np.uint8), (k, 4, 1))
    trans = np.zeros((k, 3), np.float32) if translations is None else translations
    return mm.BoneTrack(
        np.array(frames, np.int32),
        np.asarray(trans, np.float32),
        np.array(rotations, np.float32),
        interpolation,
    )


def test_motion_keys_land_on_frame_start_plus_n(mannequin, bpy_module):
    bpy, bi = bpy_module, _bi()
    scene = bpy.context.scene
    scene.frame_start = 5
    raised = axis_angle((0, 0, 1), 50)
    motion = mm.Motion(
        bone_tracks={
            "左腕": _track([0, 30], [(0, 0, 0, 1), raised]),
            "センター": _track([10], [(0, 0, 0, 1)], [(0.0, -2.0, 1.0)]),
            "ない骨": _track([0], [(0, 0, 0, 1)]),
        },
        morph_tracks={
            "まばたき": mm.MorphTrack(np.array([0, 12], np.int32), np.array([0, 1], np.float32)),
            "ない表情": mm.MorphTrack(np.array([0], np.int32), np.array([1], np.float32)),
        },
    )
    assert sorted(bi.apply_motion(mannequin, motion)) == ["ない表情", "ない骨"]
    action = mannequin.animation_data.action
    frames = {
        kp.co[0] for fc in bi.action_fcurves(action) for kp in fc.keyframe_points
    }  # all bone keys
    assert frames == {5.0, 35.0, 15.0}
    assert scene.frame_end >= 35
    # At the last key the armature holds the same pose apply_pose gives.
    scene.frame_set(35)
    animated = _heads(bpy, mannequin)
    mannequin.animation_data.action = None
    final = {"左腕": mm.BoneKey(rotation=tuple(raised)), "センター": mm.BoneKey((0, -2, 1))}
    bi.apply_pose(mannequin, mm.Pose(bones=final))
    posed = _heads(bpy, mannequin)
    np.testing.assert_allclose(animated["左手首"], posed["左手首"], atol=1e-5)
    (mesh_obj,) = bi.skinned_meshes(mannequin)
    scene.frame_set(5 + 6)
    assert mesh_obj.data.shape_keys.key_blocks["まばたき"].value == pytest.approx(0.5, abs=1e-4)


def test_motion_bezier_handles_follow_vmd_curves(mannequin, bpy_module):
    bpy, bi = bpy_module, _bi()
    bpy.context.scene.frame_start = 1
    # Ease in-out: (x1, y1) = (64, 0), (x2, y2) = (64, 127).
    track = _track([0, 40], [(0, 0, 0, 1), (0, 0, 0, 1)], [(0, 0, 0), (4, 0, 0)], (64, 0, 64, 127))
    bi.apply_motion(mannequin, mm.Motion(bone_tracks={"センター": track}))
    action = mannequin.animation_data.action
    path = mannequin.pose.bones["センター"].path_from_id("location")
    # センター points down (-Z), so MMD X is one of its local axes: find the moving curve.
    (fc,) = [
        fc
        for fc in bi.action_fcurves(action)
        if fc.data_path == path and abs(fc.keyframe_points[-1].co[1]) > 1e-6
    ]
    first, last = fc.keyframe_points
    assert first.handle_right[0] == pytest.approx(1 + 40 * 64 / 127, abs=1e-3)
    assert first.handle_right[1] == pytest.approx(0.0, abs=1e-6)
    assert last.handle_left[0] == pytest.approx(1 + 40 * 64 / 127, abs=1e-3)
    assert last.handle_left[1] == pytest.approx(last.co[1], abs=1e-6)
    end = last.co[1]
    assert abs(fc.evaluate(11)) < abs(end) / 4  # slow start
    assert fc.evaluate(21) == pytest.approx(end / 2, abs=abs(end) * 0.02)
    assert math.isclose(end, 4 * SCALE, rel_tol=1e-5) or math.isclose(end, -4 * SCALE, rel_tol=1e-5)


def test_motion_imported_again_replaces_the_keys_it_owns(mannequin, bpy_module):
    bi = _bi()
    turn = (0, 0, 0.3826834, 0.9238795)
    first = _track(
        [0, 10, 20], [(0, 0, 0, 1), turn, (0, 0, 0, 1)], [(0, 0, 0)] * 3, (20, 20, 107, 107)
    )
    second = _track([0, 30], [(0, 0, 0, 1), turn], [(0, 0, 0)] * 2, (20, 20, 107, 107))
    head = _track([0, 5], [(0, 0, 0, 1), turn], [(0, 0, 0)] * 2, (20, 20, 107, 107))
    bi.apply_motion(mannequin, mm.Motion(bone_tracks={"左腕": first, "頭": head}), frame_offset=0)
    bi.apply_motion(mannequin, mm.Motion(bone_tracks={"左腕": second}), frame_offset=0)
    curves = bi.action_fcurves(mannequin.animation_data.action)

    def frames(bone: str) -> set[tuple[float, ...]]:
        path = mannequin.pose.bones[bone].path_from_id("rotation_quaternion")
        return {tuple(p.co[0] for p in fc.keyframe_points) for fc in curves if fc.data_path == path}

    assert frames("左腕") == {(0.0, 30.0)}  # the second motion's keys only
    assert frames("頭") == {(0.0, 5.0)}  # a channel the second motion does not key stays


# --- operators ---


def test_add_mannequin_operator(scene, bpy_module):
    from mmd2anime import armatures

    bpy = bpy_module
    assert bpy.ops.mmd2anime.add_mannequin(pose="pointing") == {"FINISHED"}
    (arm,) = armatures.mmd_armatures(scene)
    h = _heads(bpy, arm)
    assert h["右手首"][2] > h["右腕"][2]


@pytest.mark.parametrize(
    ("operator", "suffix"),
    [("import_model", ".pmx"), ("import_pose", ".vpd"), ("import_motion", ".vmd")],
)
def test_operators_reject_bad_files_and_leave_the_scene(
    scene, bpy_module, tmp_path, operator, suffix
):
    bpy = bpy_module
    bpy.ops.mmd2anime.add_mannequin(pose="REST")
    before = _datablock_counts(bpy)
    pose_before = [tuple(pb.matrix_basis.col[3]) for pb in bpy.context.object.pose.bones]
    bad = tmp_path / f"broken{suffix}"
    bad.write_bytes(b"this is not an MMD file at all")
    for path in (bad, tmp_path / f"absent{suffix}"):
        with pytest.raises(RuntimeError, match=path.name):
            getattr(bpy.ops.mmd2anime, operator)(filepath=str(path))
    assert _datablock_counts(bpy) == before
    assert [tuple(pb.matrix_basis.col[3]) for pb in bpy.context.object.pose.bones] == pose_before


def test_pose_operator_needs_an_armature(scene, bpy_module, tmp_path):
    path = tmp_path / "p.vpd"
    path.write_text("Vocaloid Pose Data file\n")
    with pytest.raises(RuntimeError, match="Select an MMD armature"):
        bpy_module.ops.mmd2anime.import_pose(filepath=str(path))


def test_pose_operator_applies_what_the_reader_returns(scene, bpy_module, tmp_path, monkeypatch):
    mmd_import = sys.modules[f"{ADDON_MODULE}.operators.mmd_import"]  # the registered copy
    bpy = bpy_module
    bpy.ops.mmd2anime.add_mannequin(pose="REST")
    path = tmp_path / "sit.vpd"
    path.write_text("stand-in: the reader is replaced below")
    library = sys.modules[f"{ADDON_MODULE}.mmd.pose_library"]
    monkeypatch.setattr(mmd_import, "_read", lambda _path: library.get_pose("sitting"))
    rest = _heads(bpy, bpy.context.object)
    assert bpy.ops.mmd2anime.import_pose(filepath=str(path)) == {"FINISHED"}
    assert _heads(bpy, bpy.context.object)["下半身"][2] < rest["下半身"][2] - 0.25
    # A reader returning the wrong kind of data is refused.
    with pytest.raises(RuntimeError, match="not a Motion"):
        bpy.ops.mmd2anime.import_motion(filepath=str(path))


def test_import_model_without_mmd_tools_uses_our_reader(scene, bpy_module, tmp_path):
    bpy = bpy_module
    prefs = bpy.context.preferences.addons[ADDON_MODULE].preferences
    prefs.use_mmd_tools = True  # mmd_tools is not installed here: our path must run
    try:
        bad = tmp_path / "broken.pmx"
        bad.write_bytes(b"PMX \x00 truncated")
        with pytest.raises(RuntimeError, match="broken.pmx"):
            bpy.ops.mmd2anime.import_model(filepath=str(bad))
    finally:
        prefs.use_mmd_tools = False
    assert not list(bpy.data.objects)

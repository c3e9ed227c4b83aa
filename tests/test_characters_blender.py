# SPDX-License-Identifier: GPL-3.0-or-later
"""The built-in characters in Blender: poses, motions, keypoints, joints, looks, the operator."""

import math
import sys

import numpy as np
import pytest
from conftest import ROOT

from mmd2anime.mmd.characters import PRESETS

VMD = "physics_toggle_test_yyb10th.vmd"  # 439 tracks: trunk, legs, IK, physics
VMD_ARMS = "physics_toggle_test_v3_yyb10th.vmd"  # arms, shoulders, twist bones


def _bc():
    from mmd2anime.mmd import blender_characters

    return blender_characters


def _deformed(obj) -> np.ndarray:
    import bpy

    bpy.context.view_layer.update()
    evaluated = obj.evaluated_get(bpy.context.evaluated_depsgraph_get())
    mesh = evaluated.to_mesh()
    co = np.empty(len(mesh.vertices) * 3)
    mesh.vertices.foreach_get("co", co)
    evaluated.to_mesh_clear()
    return co.reshape(-1, 3)


def _framed(scene, armature):
    from mmd2anime import demo_scene

    scene.render.resolution_x = scene.render.resolution_y = 128
    camera = demo_scene.frame_camera(scene, demo_scene.bone_heads(armature), camera=scene.camera)
    demo_scene.bone_heads(armature)  # updates the view layer: the camera's matrix
    return camera


def test_every_preset_in_every_library_pose_gives_18_keypoints(scene):
    from bpy_extras.object_utils import world_to_camera_view
    from mathutils import Vector

    from mmd2anime.layout.keypoints import world_keypoints
    from mmd2anime.mmd.pose_library import POSES

    for name in PRESETS:
        armature = _bc().add_character(name)
        (mesh,) = [o for o in armature.children if o.type == "MESH"]
        for pose in POSES:
            assert _bc().apply_library_pose(armature, pose) == [], (name, pose)
            points = world_keypoints(armature)
            assert not np.isnan(points).any(), (name, pose)
            camera = _framed(scene, armature)
            for point in points:
                co = world_to_camera_view(scene, camera, Vector(point))
                assert 0.0 < co.x < 1.0 and 0.0 < co.y < 1.0 and co.z > 0, (name, pose)
            assert np.isfinite(_deformed(mesh)).all()
        armature.location.x += 2.0  # the next one beside it


def test_poses_fit_the_body_size(scene):
    """Library poses scale their translations to the legs: kneeling puts the child's right
    knee on the floor as it does the adult's (not sunk through it or floating)."""
    from mmd2anime.armatures import bones_by_name_j

    for name in ("child", "teacher"):
        armature = _bc().add_character(name)
        _bc().apply_library_pose(armature, "kneeling")
        heads = {n: (armature.matrix_world @ pb.head).z for n, pb in
                 bones_by_name_j(armature).items()}  # fmt: skip
        rest_hip = armature.data.bones[bones_by_name_j(armature)["左足"].name].head_local.z
        assert abs(heads["右ひざ"]) < 0.12 * rest_hip, name  # the kneeling knee is down
        armature.location.x += 3.0


def test_a_vmd_motion_for_standard_models_plays_on_a_character(scene, shared_data):
    """The shared VMDs (made for standard models) find their standard and semi-standard
    bones (twist bones included) on a character, and deform it without tearing it apart.
    (They move physics bones the characters have none of: their arm keys are at rest.)"""
    import bpy

    from mmd2anime import mmd
    from mmd2anime.mmd import blender_import

    (mesh,) = [o for o in _bc().add_character("schoolgirl").children if o.type == "MESH"]
    armature = mesh.parent
    rest = _deformed(mesh)
    for name in (VMD, VMD_ARMS):
        motion = mmd.read(shared_data / name)
        unmatched = set(blender_import.apply_motion(armature, motion, frame_offset=0))
        matched = set(motion.bone_tracks) - unmatched
        assert {"左腕", "右腕捩", "左手捩", "右ひじ"} <= matched
        assert not {"センター", "上半身", "左足ＩＫ", "首", "頭"} & unmatched
        for frame in (0, 20, 40):
            bpy.context.scene.frame_set(frame)
            co = _deformed(mesh)
            assert np.isfinite(co).all()
            assert np.ptp(co[:, 2]) < 1.2 * np.ptp(rest[:, 2])  # nothing flies off


def _section_area(co, faces, normal, center, keep) -> float:
    """Area of a closed surface's section by a plane (Green's theorem over the cut
    segments, each oriented by its triangle's outward normal)."""
    tri = faces[keep[faces].all(1)]
    d = (co - center) @ normal
    total = 0.0
    for a, b, c in tri:
        ds = d[[a, b, c]]
        if ds.min() >= 0 or ds.max() <= 0:
            continue
        p = co[[a, b, c]]
        cut = []
        for i, j in ((0, 1), (1, 2), (2, 0)):
            if (ds[i] > 0) != (ds[j] > 0):
                cut.append(p[i] + (p[j] - p[i]) * ds[i] / (ds[i] - ds[j]))
        if len(cut) != 2:
            continue
        outward = np.cross(p[1] - p[0], p[2] - p[0])
        q0, q1 = cut
        if np.dot(q1 - q0, np.cross(normal, outward)) < 0:
            q0, q1 = q1, q0
        total += 0.5 * np.dot(normal, np.cross(q0 - center, q1 - center))
    return total


ELBOW = ("左ひじ", "左腕", "左手首", ("左腕", "左腕捩", "左ひじ補助", "左ひじ", "左手捩"))
KNEE = ("右ひざ", "右足", "右足首", ("右足", "右ひざ補助", "右ひざ"))


@pytest.mark.parametrize(
    "joint, parent, child, bones, name, material",
    [
        (*ELBOW, "schoolgirl", "肌"),
        (*KNEE, "schoolgirl", "肌"),
        (*ELBOW, "sporty_boy", "上着"),  # a hoodie's sleeve
        (*KNEE, "teacher", "下衣"),  # trousers
    ],
)
def test_joints_hold_volume_at_120_degrees(scene, joint, parent, child, bones, name, material):
    """The limb's surface (skin or clothes) cut by planes at the joint (its bisector, and
    perpendicular to each bone one limb radius from it) keeps 70 % to 130 % of its rest
    area at 120 degrees."""
    from mathutils import Quaternion

    from mmd2anime.armatures import bones_by_name_j

    armature = _bc().add_character(name)
    (mesh,) = [o for o in armature.children if o.type == "MESH"]
    by_name = bones_by_name_j(armature)
    skin = [i for i, m in enumerate(mesh.data.materials) if m.name.startswith(material)]
    faces = np.array([p.vertices[:] for p in mesh.data.polygons if p.material_index in skin])
    groups = {mesh.vertex_groups[by_name[b].name].index for b in bones}
    limb = np.array([any(g.group in groups and g.weight > 0.5 for g in v.groups)
                     for v in mesh.data.vertices])  # fmt: skip

    radius = [0.0]  # the limb's, from its rest section at the joint

    def planes():
        mat = armature.matrix_world
        a, j, c = (np.array(mat @ by_name[n].head) for n in (parent, joint, child))
        up, down = (j - a) / np.linalg.norm(j - a), (c - j) / np.linalg.norm(c - j)
        mid = (up + down) / np.linalg.norm(up + down)
        # (the bisector a hair off the joint: a plane through a ring of vertices is ill-posed)
        return [
            (mid, j + 0.02 * radius[0] * mid),
            (up, j - radius[0] * up),
            (down, j + radius[0] * down),
        ]

    # Each plane cuts only the skin that lay on its side of the joint at rest (a bent
    # forearm folded back through the upper arm's plane is not the upper arm's section).
    spans = [(-0.012, 0.012), (-0.25, 0.002), (-0.002, 0.25)]  # along the limb, m

    def bend() -> float:
        up, down = planes()[1][0], planes()[2][0]
        return math.degrees(math.acos(float(np.clip(np.dot(up, down), -1.0, 1.0))))

    rest, rest_bend = _deformed(mesh), bend()
    along = (rest - planes()[0][1]) @ planes()[0][0]
    keeps = [limb & (lo < along) & (along < hi) for lo, hi in spans]
    radius[0] = math.sqrt(_section_area(rest, faces, *planes()[0], keeps[0]) / math.pi)
    rest_areas = [
        _section_area(rest, faces, n, c, k) for (n, c), k in zip(planes(), keeps, strict=True)
    ]
    for con in by_name[joint].constraints:  # the knee's IK would undo the bend
        con.mute = True
    pb = by_name[joint]
    pb.rotation_mode = "QUATERNION"
    pb.rotation_quaternion = Quaternion((1.0, 0.0, 0.0), math.radians(120.0))
    bent = _deformed(mesh)
    assert bend() - rest_bend == pytest.approx(120.0, abs=1.0)  # the knee starts bent
    for (normal, center), keep, before in zip(planes(), keeps, rest_areas, strict=True):
        assert before > 0
        after = _section_area(bent, faces, normal, center, keep)
        assert 0.7 * before <= after <= 1.3 * before


@pytest.fixture
def stray_bench():
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import bench_stray_pixels
    finally:
        sys.path.remove(str(ROOT / "bench"))
    return bench_stray_pixels


@pytest.mark.parametrize("name", ["twin_tails", "coat_boy"])
def test_every_look_is_clean_on_a_character(scene, stray_bench, name):
    """Every shipped look applies, keeps the face materials and paints no stray pixel
    (the looks' measure: > 8 px off the plain silhouette) in a hard library pose."""
    from mmd2anime.shaders import looks

    stray_bench.setup_render(scene, 96)
    armature = _bc().add_character(name)
    _bc().apply_library_pose(armature, "sitting")
    stray_bench.frame_figure(scene, armature, 35.0, 1.0)
    for look_name in looks.list_looks():
        stray, _, plain, rgba = stray_bench.measure(scene, armature, looks.load_look(look_name))
        assert (plain > 0.5).sum() > 500
        assert stray == 0, look_name


def test_add_character_operator_with_seed_and_colors(scene):
    import bpy

    from mmd2anime import armatures

    assert bpy.ops.mmd2anime.add_character(preset="child", pose="walking") == {"FINISHED"}
    assert bpy.ops.mmd2anime.add_character(preset="RANDOM", seed=5, top=(1.0, 0.0, 0.0)) == {
        "FINISHED"
    }
    found = armatures.mmd_armatures(scene)
    assert len(found) == 2
    random_one = bpy.context.active_object
    (mesh,) = [o for o in random_one.children if o.type == "MESH"]
    top = next(m for m in mesh.data.materials if m.name.startswith("上着"))
    assert tuple(top.diffuse_color)[:3] == pytest.approx((1.0, 0.0, 0.0))
    assert "random 5" in random_one[_bc().PARAMS_KEY]
    bpy.ops.ed.undo_push()


def test_demo_with_an_unknown_character_exits_2_with_the_names():
    import subprocess

    result = subprocess.run([sys.executable, str(ROOT / "render.py"), "--demo", "--character",
                             "nobody"], capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 2
    assert "unknown character 'nobody'" in result.stderr
    assert all(name in result.stderr for name in PRESETS)


def test_dataset_draws_a_character_per_sample_and_cleans_up(scene, tmp_path):
    import bpy

    from mmd2anime.layout.dataset import CharacterPuppets, write_dataset
    from mmd2anime.layout.errors import LayoutError

    before = {kind: len(getattr(bpy.data, kind)) for kind in ("objects", "meshes", "materials")}
    manifest = write_dataset(tmp_path / "a", 3, seed=4, size=(48, 48),
                             characters=CharacterPuppets("random", seed=4))  # fmt: skip
    again = write_dataset(tmp_path / "b", 3, seed=4, size=(48, 48),
                          characters=CharacterPuppets("random", seed=4))  # fmt: skip
    cast = [entry["choices"]["character"] for entry in manifest["frames"]]
    assert len({c["name"] for c in cast}) == 3  # a new character each sample
    assert cast == [entry["choices"]["character"] for entry in again["frames"]]
    assert {kind: len(getattr(bpy.data, kind)) for kind in before} == before
    for entry in manifest["frames"]:
        assert (tmp_path / "a" / entry["files"]["bundle"]).is_file()
    named = write_dataset(tmp_path / "c", 2, seed=1, size=(32, 32),
                          characters=CharacterPuppets("child,teacher", seed=1))  # fmt: skip
    assert {e["choices"]["character"]["name"] for e in named["frames"]} <= {"child", "teacher"}
    with pytest.raises(LayoutError, match="nobody.*schoolgirl"):
        CharacterPuppets("nobody")


def test_apply_library_pose_operator_fits_the_pose_to_a_character(scene):
    import bpy

    from mmd2anime.armatures import bones_by_name_j

    armature = _bc().add_character("little_sister")
    assert bpy.ops.mmd2anime.apply_library_pose(pose="kneeling") == {"FINISHED"}
    knee = armature.matrix_world @ bones_by_name_j(armature)["右ひざ"].head
    hip = armature.data.bones[bones_by_name_j(armature)["左足"].name].head_local.z
    assert abs(knee.z) < 0.12 * hip

# SPDX-License-Identifier: GPL-3.0-or-later
"""MMD's knee (ひざ) on a real model: a hinge about the knee's own X axis within the PMX's
limits, solved by the leg IK, checked against the analytic two-bone solution.

Units: the model is imported at mmd_tools' scale 0.08 (Blender units are metres), so the
1 mm tolerance is 0.001 Blender units, i.e. 0.0125 MMD units.
"""

import math

import numpy as np
import pytest

from mmd2anime.mmd import model as mm

MM = 0.001  # one millimetre in Blender units at scale 0.08
MIN_BEND = math.radians(0.5)  # PMX knee limits: x in [-180, -0.5] degrees, y = z = 0


@pytest.fixture
def miku(scene, real_model):
    from mmd2anime import armatures
    from mmd2anime.mmd import blender_import, read

    armature = blender_import.import_model(read(real_model), scale=0.08)
    return armature, armatures.bones_by_name_j(armature)


def _pose(armature, bones_by_name: dict) -> None:
    import bpy

    from mmd2anime.mmd import blender_import

    pose = mm.Pose(bones={k: mm.BoneKey(translation=t) for k, t in bones_by_name.items()})
    assert blender_import.apply_pose(armature, pose) == []
    bpy.context.view_layer.update()


def _head(armature, pose_bone) -> np.ndarray:
    return np.array(armature.matrix_world @ pose_bone.head)


def analytic_leg(armature, bones, side: str) -> tuple[np.ndarray, np.ndarray, float]:
    """(knee head, ankle head, knee bend) of the two-bone solution: the hip where the posed
    parent puts it, the knee a hinge about its own rest X axis bent within [0.5, 180]
    degrees, the thigh turned by the shortest arc that aims the leg at the IK target (no
    twist about the hip-target line)."""
    from mathutils import Matrix, Vector

    thigh, knee = bones[f"{side}足"], bones[f"{side}ひざ"]
    hip0, knee0 = np.array(thigh.bone.head_local), np.array(knee.bone.head_local)
    upper, lower = knee0 - hip0, np.array(knee.bone.tail_local) - knee0
    axis = np.array(knee.bone.matrix_local.col[0].xyz)
    hip, target = _head(armature, thigh), _head(armature, bones[f"{side}足ＩＫ"])
    distance = np.linalg.norm(target - hip)
    # |upper + R(axis, t) lower| = distance, by Rodrigues: a cos t + b sin t = c.
    along = axis * (axis @ lower)
    a, b = 2 * upper @ (lower - along), 2 * upper @ np.cross(axis, lower)
    c = distance**2 - upper @ upper - lower @ lower - 2 * upper @ along
    r, phase = math.hypot(a, b), math.atan2(b, a)
    bends = []
    if abs(c) <= r:
        for s in (1, -1):
            t = (phase + s * math.acos(c / r)) % (2 * math.pi)
            if MIN_BEND <= t <= math.pi:
                bends.append(t)
    bend = min(bends) if bends else MIN_BEND  # out of reach: as straight as allowed
    leg = upper + np.array(Matrix.Rotation(bend, 3, Vector(axis))) @ lower
    parent = armature.matrix_world @ thigh.parent.matrix @ thigh.parent.bone.matrix_local.inverted()
    turn = np.array(parent.to_3x3())
    aim = np.array(Vector(turn @ leg).rotation_difference(Vector(target - hip)).to_matrix())
    return hip + aim @ turn @ upper, hip + aim @ turn @ leg, bend


def _knee_rotation(pose_bone) -> tuple[float, np.ndarray]:
    """Angle and bone-local axis of the knee's rotation relative to the thigh."""
    rot = (pose_bone.parent.matrix.inverted() @ pose_bone.matrix).to_quaternion()
    rest = (pose_bone.parent.bone.matrix_local.inverted() @ pose_bone.bone.matrix_local).to_3x3()
    local = rest.to_quaternion().inverted() @ rot
    axis, angle = local.to_axis_angle()
    return angle, np.array(axis)


# MMD units: leg IK targets lifted and moved forward (-Z), and the centre lowered (a squat).
BENT = {
    "lifted forward": {"左足ＩＫ": (0.0, 3.0, -2.0), "右足ＩＫ": (0.0, 3.0, -2.0)},
    "knee high": {"左足ＩＫ": (0.0, 5.0, -4.0), "右足ＩＫ": (0.0, 1.5, 1.0)},
    "squat": {"センター": (0.0, -2.5, 0.0)},
}


@pytest.mark.parametrize("pose", BENT, ids=list(BENT))
def test_knees_follow_the_analytic_hinge_solution(miku, pose):
    armature, bones = miku
    _pose(armature, BENT[pose])
    for side in "左右":
        knee_at, ankle_at, bend = analytic_leg(armature, bones, side)
        assert bend > math.radians(30), "the pose must bend the knee"
        knee, ankle = _head(armature, bones[f"{side}ひざ"]), _head(armature, bones[f"{side}足首"])
        target = _head(armature, bones[f"{side}足ＩＫ"])
        assert np.linalg.norm(ankle_at - target) < 0.05 * MM  # the solution is reachable
        assert np.linalg.norm(ankle - target) < 0.5 * MM, f"{side}: the ankle misses its IK"
        assert np.linalg.norm(knee - knee_at) < 1.0 * MM, f"{side}: knee off the hinge solution"
        angle, axis = _knee_rotation(bones[f"{side}ひざ"])
        assert abs(angle - bend) < math.radians(0.5)
        assert abs(axis[0]) > 0.999, f"{side}: the knee turned about {axis}, not its X axis"


def test_an_unreachable_target_stretches_the_leg_without_bending_the_knee_backward(miku):
    armature, bones = miku
    _pose(armature, {"左足ＩＫ": (0.0, -4.0, -1.0)})
    angle, axis = _knee_rotation(bones["左ひざ"])
    # As in mmd_tools, the 0.5 degree minimum only starts the solve; the IK itself may go
    # down to 0 (never below: the knee does not bend backward).
    assert angle < math.radians(2.0) and (angle < 1e-4 or axis[0] > 0.999)
    hip, ankle = _head(armature, bones["左足"]), _head(armature, bones["左足首"])
    target = _head(armature, bones["左足ＩＫ"])
    direction = (target - hip) / np.linalg.norm(target - hip)
    assert np.linalg.norm(np.cross(ankle - hip, direction)) < 1 * MM  # the leg aims at it


def test_knee_limits_are_mmds_hinge(miku):
    armature, bones = miku
    knee = bones["左ひざ"]
    ik = knee.constraints[0]
    assert ik.type == "IK" and ik.subtarget == bones["左足ＩＫ"].name
    assert ik.iterations == 200  # the PMX's 40 loops x mmd_tools' IK loop factor 5
    assert knee.use_ik_limit_x and knee.use_ik_limit_y and knee.use_ik_limit_z
    assert not (knee.lock_ik_x or knee.lock_ik_y or knee.lock_ik_z)
    assert knee.ik_min_x == pytest.approx(0.0) and knee.ik_max_x == pytest.approx(math.pi)
    for letter in "yz":
        assert getattr(knee, f"ik_min_{letter}") == getattr(knee, f"ik_max_{letter}") == 0.0
    # Blender's IK cannot hold a minimum above zero: the Limit Rotation mmd_tools adds too.
    limit = knee.constraints[1]
    assert limit.type == "LIMIT_ROTATION" and limit.owner_space == "LOCAL"
    assert limit.use_limit_x and not (limit.use_limit_y or limit.use_limit_z)
    assert limit.min_x == pytest.approx(MIN_BEND, abs=1e-6)
    assert limit.max_x == pytest.approx(math.pi, abs=1e-6)


def _chain_model(limits) -> mm.Model:
    """Two links and an IK bone; the second link tilted 30 degrees out of MMD's XY plane,
    so none of its bone axes lies along MMD's Y or Z."""
    ik_flags = mm.BONE_ROTATABLE | mm.BONE_VISIBLE | mm.BONE_ENABLED | mm.BONE_IK
    upper = mm.Bone("上", position=(0.0, 10.0, 0.0), flags=0x1B, tail_bone=1)
    lower = mm.Bone("下", position=(0.0, 6.0, 0.0), parent=0, flags=0x1B, tail_bone=2)
    end = mm.Bone("先", position=(0.0, 6.0 - 3.5, 3.5 * math.tan(math.radians(30))), parent=1)
    ik = mm.Bone("先ＩＫ", position=end.position, flags=ik_flags | mm.BONE_MOVABLE)
    ik.ik_target, ik.ik_loops, ik.ik_links = 2, 40, [mm.IKLink(1, limits), mm.IKLink(0)]
    return mm.Model(name="chain", bones=[upper, lower, end, ik])


def test_a_limit_on_a_tilted_axis_still_holds(scene):
    """MMD's limit about its Z axis lands on the nearest bone axis (as mmd_tools snaps it);
    it used to be dropped when no bone axis was within 8 degrees of MMD's."""
    from mmd2anime import armatures
    from mmd2anime.mmd import blender_import

    limit = math.radians(30)
    armature = blender_import.import_model(_chain_model(((0.0, 0.0, -limit), (0.0, 0.0, 0.0))))
    bones = armatures.bones_by_name_j(armature)
    _pose(armature, {"先ＩＫ": (-4.0, 2.0, -1.0)})  # needs a bend far past the limit
    angle, axis = _knee_rotation(bones["下"])
    assert math.radians(5) < angle < limit + math.radians(0.5)
    assert abs(axis[2]) > 0.999, f"turned about {axis}, not the bone's Z axis"

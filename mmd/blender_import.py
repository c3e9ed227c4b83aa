# SPDX-License-Identifier: GPL-3.0-or-later
"""The Blender side of MMD: Model -> armature + mesh, Pose/Motion -> pose bones and actions.

Axis conversion. MMD is left-handed Y-up; PMX (x, y, z) becomes Blender (x, z, y) * scale,
which keeps the shape (the character still faces -Y, its left on +X). That swap is a mirror
of the number triples, so an MMD rotation by angle a about axis (x, y, z) becomes a rotation
by -a about (x, z, y): quaternion (x, y, z, w) -> Blender (w, -x, -z, -y). Faces are
reversed for the same reason.

Bones are built with roll 0 along their tails. MMD bones have no rest rotation, so a pose
rotation R (converted as above) is in world-aligned axes; Blender wants it in the bone's
rest frame B = bone.matrix_local: basis = B^-1 R B, and location = B^-1 t.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

import bpy
import numpy as np
from mathutils import Matrix, Quaternion, Vector

from .. import armatures
from .blender_materials import make_material
from .model import (
    BDEF1,
    BDEF2,
    BONE_INHERIT_ROTATION,
    BONE_INHERIT_TRANSLATION,
    BONE_TAIL_IS_BONE,
    MORPH_VERTEX,
    SDEF,
    Model,
    Motion,
    Pose,
)

EDGE_SCALE_ATTRIBUTE = "mmd_edge_scale"  # per-vertex PMX edge scale (POINT, float)
MIN_BONE_LENGTH = 0.5  # MMD units; PMX bones may have zero-length tails
# Blender's IK solver needs more iterations than MMD's CCD loops: with the PMX's own 40 a
# leg lifted forward stops 13 cm short of its target. 5 is mmd_tools' import default.
IK_LOOP_FACTOR = 5


def to_blender(v: Iterable[float], scale: float = 1.0) -> Vector:
    """MMD (x, y, z) -> Blender (x, z, y) * scale."""
    x, y, z = v
    return Vector((x * scale, z * scale, y * scale))


def rotation_to_blender(q: Iterable[float]) -> Quaternion:
    """MMD quaternion (x, y, z, w) -> Blender world-axes Quaternion (see module doc)."""
    x, y, z, w = q
    return Quaternion((w, -x, -z, -y))


def _positions(array: np.ndarray, scale: float) -> np.ndarray:
    return (np.asarray(array, np.float64)[:, [0, 2, 1]] * scale).astype(np.float32)


class _Created:
    """Every datablock an import makes, so a failure can remove them all."""

    def __init__(self) -> None:
        self.items: list[tuple[object, bpy.types.ID]] = []

    def add(self, collection, block):
        self.items.append((collection, block))
        return block

    def remove_all(self) -> None:
        for collection, block in reversed(self.items):
            with contextlib.suppress(ReferenceError):  # already gone with its owner
                collection.remove(block)


def _bone_tails(model: Model) -> list[tuple[float, float, float]]:
    """Tail of every bone in MMD space, forcing IK chains' first link to end on the target."""
    heads = [np.asarray(b.position, float) for b in model.bones]
    tails = []
    for i, bone in enumerate(model.bones):
        if bone.flags & BONE_TAIL_IS_BONE and 0 <= bone.tail_bone < len(model.bones):
            tail = heads[bone.tail_bone]
        else:
            tail = heads[i] + np.asarray(bone.tail_offset, float)
        tails.append(tail)
    for bone in model.bones:
        if bone.is_ik and bone.ik_links and 0 <= bone.ik_target < len(model.bones):
            first = bone.ik_links[0].bone
            if model.bones[bone.ik_target].parent == first:
                tails[first] = heads[bone.ik_target]
    for i, tail in enumerate(tails):
        if np.linalg.norm(tail - heads[i]) < MIN_BONE_LENGTH * 0.1:
            tails[i] = heads[i] + np.array([0.0, MIN_BONE_LENGTH, 0.0])
    return [tuple(t) for t in tails]


def _build_armature(model, name, scale, collection, created, context):
    """The armature object and its bone names in model order (Blender reorders bones)."""
    data = created.add(bpy.data.armatures, bpy.data.armatures.new(name))
    data.display_type = "STICK"
    obj = created.add(bpy.data.objects, bpy.data.objects.new(name, data))
    collection.objects.link(obj)
    obj[armatures.MODEL_KEY] = model.name
    context.view_layer.objects.active = obj
    tails = _bone_tails(model)
    bpy.ops.object.mode_set(mode="EDIT")
    try:
        edit_bones = []
        for bone, tail in zip(model.bones, tails, strict=True):
            eb = data.edit_bones.new(bone.name)
            eb.head = to_blender(bone.position, scale)
            eb.tail = to_blender(tail, scale)
            eb.roll = 0.0
            edit_bones.append(eb)
        for bone, eb in zip(model.bones, edit_bones, strict=True):
            if 0 <= bone.parent < len(edit_bones):
                eb.parent = edit_bones[bone.parent]
        names = [eb.name for eb in edit_bones]  # Blender may have de-duplicated them
    finally:
        bpy.ops.object.mode_set(mode="OBJECT")
    for bone, bname in zip(model.bones, names, strict=True):
        b = data.bones[bname]
        b[armatures.NAME_J_KEY] = bone.name
        b[armatures.NAME_E_KEY] = bone.name_e
    _add_constraints(model, obj, names)
    return obj, names


def _limit_axes(rest) -> list[tuple[int, float]]:
    """For MMD axes x, y, z: the bone-local axis that carries its angle limit and the sign
    of the angles there. A permutation, nearest axes first (MMD limits are per world axis,
    the IK's per bone axis); the mirror flips angles, hence the minus."""
    to_local = [rest.transposed() @ -to_blender(e) for e in ((1, 0, 0), (0, 1, 0), (0, 0, 1))]
    pairs = sorted(((-abs(v[j]), i, j) for i, v in enumerate(to_local) for j in range(3)))
    found: dict[int, tuple[int, float]] = {}
    used: set[int] = set()
    for _, i, j in pairs:
        if i not in found and j not in used:
            found[i] = (j, 1.0 if to_local[i][j] >= 0 else -1.0)
            used.add(j)
    return [found[i] for i in range(3)]


def _ik_limits(pose_bone, lo, hi) -> None:
    """MMD per-axis angle limits -> IK limits on all three bone axes, the way mmd_tools sets
    them: the knee (x in [-180, -0.5] degrees, y = z = 0) becomes a hinge about its X axis.
    Blender's IK holds only min <= 0 <= max; the rest of a limit (the knee's 0.5 degree
    minimum bend) goes into a Limit Rotation after the IK, as mmd_tools does. Blender applies
    it before solving, so it only seeds the bend: a fully stretched leg ends at 0 degrees."""
    low, high = [0.0] * 3, [0.0] * 3
    for axis, (j, sign) in enumerate(_limit_axes(pose_bone.bone.matrix_local.to_3x3())):
        low[j], high[j] = sorted((lo[axis] * sign, hi[axis] * sign))
    clamped = []
    for j, letter in enumerate("xyz"):
        setattr(pose_bone, f"lock_ik_{letter}", False)
        setattr(pose_bone, f"use_ik_limit_{letter}", True)
        setattr(pose_bone, f"ik_min_{letter}", min(max(low[j], -np.pi), 0.0))
        setattr(pose_bone, f"ik_max_{letter}", max(min(high[j], np.pi), 0.0))
        if low[j] > 1e-6 or high[j] < -1e-6:
            clamped.append(j)
    if clamped:
        con = pose_bone.constraints.new("LIMIT_ROTATION")
        con.name = "IK limits"
        con.owner_space = "LOCAL"
        for j in clamped:
            letter = "xyz"[j]
            setattr(con, f"use_limit_{letter}", True)
            setattr(con, f"min_{letter}", max(low[j], -np.pi))
            setattr(con, f"max_{letter}", min(high[j], np.pi))


def _add_constraints(model: Model, obj: bpy.types.Object, names: list[str]) -> None:
    pose_bones = obj.pose.bones
    for i, bone in enumerate(model.bones):
        if bone.is_ik and bone.ik_links and 0 <= bone.ik_target < len(names):
            target = model.bones[bone.ik_target]
            owner = bone.ik_links[0].bone if target.parent == bone.ik_links[0].bone else None
            if owner is None:
                continue  # a chain whose target is not its first link's child: unsupported
            con = pose_bones[names[owner]].constraints.new("IK")
            con.name = f"IK {bone.name}"
            con.target, con.subtarget = obj, names[i]
            con.chain_count = len(bone.ik_links)
            con.iterations = max(1, bone.ik_loops) * IK_LOOP_FACTOR
            con.use_stretch = False
            for link in bone.ik_links:
                pb = pose_bones[names[link.bone]]
                pb.ik_stretch = 0.0
                if link.limits is not None:
                    _ik_limits(pb, *link.limits)
        if 0 <= bone.grant_parent < len(names) and bone.grant_weight != 0.0:
            kinds = []
            if bone.flags & BONE_INHERIT_ROTATION:
                kinds.append("COPY_ROTATION")
            if bone.flags & BONE_INHERIT_TRANSLATION:
                kinds.append("COPY_LOCATION")
            for kind in kinds:
                con = pose_bones[names[i]].constraints.new(kind)
                con.name = f"Grant {model.bones[bone.grant_parent].name}"
                con.target, con.subtarget = obj, names[bone.grant_parent]
                con.target_space = con.owner_space = "LOCAL"
                con.influence = min(1.0, abs(bone.grant_weight))
                if kind == "COPY_ROTATION":
                    con.mix_mode = "ADD"
                else:
                    con.use_offset = True
                if bone.grant_weight < 0:
                    con.invert_x = con.invert_y = con.invert_z = True


def _skin_weights(model: Model) -> tuple[np.ndarray, np.ndarray]:
    """(N, 4) bone indices and weights with BDEF1/BDEF2/SDEF rows normalised as BDEF."""
    index = np.asarray(model.bone_indices, np.int64).copy()
    weight = np.asarray(model.bone_weights, np.float64).copy()
    kinds = np.asarray(model.weight_types)
    one = kinds == BDEF1
    weight[one] = (1.0, 0.0, 0.0, 0.0)
    two = (kinds == BDEF2) | (kinds == SDEF)
    weight[two, 1] = 1.0 - weight[two, 0]
    weight[two, 2:] = 0.0
    weight[index < 0] = 0.0
    return index, weight


def _add_vertex_groups(obj, model: Model, names: list[str]) -> None:
    index, weight = _skin_weights(model)
    vertex = np.broadcast_to(np.arange(len(index))[:, None], index.shape)
    used = weight > 0
    index, weight, vertex = index[used], weight[used], vertex[used]
    order = np.lexsort((weight, index))
    index, weight, vertex = index[order], weight[order], vertex[order]
    # One vertex group per bone; vertices sharing a weight are added in one call.
    breaks = np.flatnonzero((np.diff(index) != 0) | (np.diff(weight) != 0)) + 1
    groups: dict[int, bpy.types.VertexGroup] = {}
    for chunk in np.split(np.arange(len(index)), breaks):
        if not len(chunk):
            continue
        b = int(index[chunk[0]])
        if not 0 <= b < len(names):
            continue
        if b not in groups:
            groups[b] = obj.vertex_groups.new(name=names[b])
        groups[b].add(vertex[chunk].tolist(), float(weight[chunk[0]]), "REPLACE")


def _add_additional_uvs(mesh, model: Model, faces: np.ndarray) -> None:
    """PMX additional UVs 1-4 as UV layers UV1..UV4 (x, y; v flipped), named as mmd_tools
    names them; sphere mode 3 (sub-texture) samples UV1."""
    extra = np.asarray(model.additional_uvs, np.float32)
    if extra.ndim != 3 or extra.shape[0] != len(model.positions):
        return
    for a in range(extra.shape[1]):
        uv = extra[:, a, :2][faces.ravel()].copy()
        uv[:, 1] = 1.0 - uv[:, 1]
        mesh.uv_layers.new(name=f"UV{a + 1}").data.foreach_set("uv", uv.ravel())


def _build_mesh(model, name, scale, texture_dir, created, warnings) -> bpy.types.Mesh:
    faces = np.asarray(model.faces, np.int32).reshape(-1, 3)[:, [0, 2, 1]]  # mirror flips winding
    n, f = len(model.positions), len(faces)
    if f and (faces.min() < 0 or faces.max() >= n):
        raise ValueError(f"face indices outside the {n} vertices")
    if sum(m.index_count for m in model.materials) > 3 * f:
        raise ValueError(f"materials cover more than the {f} triangles")
    mesh = created.add(bpy.data.meshes, bpy.data.meshes.new(name))
    mesh.vertices.add(n)
    mesh.vertices.foreach_set("co", _positions(model.positions, scale).ravel())
    mesh.loops.add(3 * f)
    mesh.loops.foreach_set("vertex_index", faces.ravel())
    mesh.polygons.add(f)
    mesh.polygons.foreach_set("loop_start", np.arange(0, 3 * f, 3, dtype=np.int32))
    material_of_face = np.zeros(f, np.int32)
    start = 0
    for m, mat in enumerate(model.materials):
        count = mat.index_count // 3
        material_of_face[start : start + count] = m
        start += count
        mesh.materials.append(make_material(model, mat, texture_dir, created, warnings))
    mesh.polygons.foreach_set("material_index", material_of_face)
    if len(model.uvs) == n:
        uv = np.asarray(model.uvs, np.float32)[faces.ravel()].copy()
        uv[:, 1] = 1.0 - uv[:, 1]  # MMD's v runs down the image
        mesh.uv_layers.new(name="UVMap").data.foreach_set("uv", uv.ravel())
        _add_additional_uvs(mesh, model, faces)
    if len(model.edge_scale) == n:  # outlines scale their width by it
        edge = mesh.attributes.new(EDGE_SCALE_ATTRIBUTE, "FLOAT", "POINT")
        edge.data.foreach_set("value", np.asarray(model.edge_scale, np.float32))
    mesh.update(calc_edges=True)
    mesh.validate(clean_customdata=False)  # drops degenerate triangles, common in PMX files
    mesh.polygons.foreach_set("use_smooth", np.ones(len(mesh.polygons), bool))
    if len(model.normals) == n:
        normals = _positions(model.normals, 1.0)
        mesh.normals_split_custom_set_from_vertices([tuple(v) for v in normals])
    return mesh


def _add_shape_keys(obj, model: Model, scale: float) -> None:
    morphs = [m for m in model.morphs if m.kind == MORPH_VERTEX and isinstance(m.offsets, dict)]
    if not morphs:
        return
    obj.shape_key_add(name="Basis", from_mix=False)
    base = _positions(model.positions, scale)
    for morph in morphs:
        key = obj.shape_key_add(name=morph.name, from_mix=False)
        co = base.copy()
        index = np.asarray(morph.offsets.get("index", ()), np.int64)
        if len(index):
            co[index] += _positions(np.asarray(morph.offsets["offset"]).reshape(-1, 3), scale)
        key.data.foreach_set("co", co.ravel())
        key.value = 0.0  # shape_key_add starts new keys fully on


def import_model(
    model: Model,
    *,
    scale: float = 0.08,
    name: str | None = None,
    texture_dir: str | None = None,
    collection: bpy.types.Collection | None = None,
    warnings: list[str] | None = None,
) -> bpy.types.Object:
    """Build the armature and skinned mesh of ``model``; returns the armature object.

    Problems that do not stop the import (missing textures) are appended to ``warnings``.
    On any error every datablock made so far is removed and the error propagates."""
    context = bpy.context
    name = name or model.name or "MMD model"
    collection = collection or context.scene.collection
    warnings = warnings if warnings is not None else []
    created = _Created()
    previous_active = context.view_layer.objects.active
    if context.object is not None and context.object.mode != "OBJECT":
        bpy.ops.object.mode_set(mode="OBJECT")
    try:
        arm, names = _build_armature(model, name, scale, collection, created, context)
        mesh = _build_mesh(model, name, scale, texture_dir, created, warnings)
        obj = created.add(bpy.data.objects, bpy.data.objects.new(f"{name}_mesh", mesh))
        collection.objects.link(obj)
        obj.parent = arm
        _add_vertex_groups(obj, model, names)
        modifier = obj.modifiers.new("Armature", "ARMATURE")
        modifier.object = arm
        _add_shape_keys(obj, model, scale)
        if obj.data.shape_keys is not None:
            created.add(bpy.data.shape_keys, obj.data.shape_keys)
    except BaseException:
        if context.object is not None and context.object.mode != "OBJECT":
            bpy.ops.object.mode_set(mode="OBJECT")
        created.remove_all()
        if previous_active is not None and previous_active.name in context.view_layer.objects:
            context.view_layer.objects.active = previous_active
        raise
    for o in context.view_layer.objects:
        o.select_set(False)
    arm.select_set(True)
    context.view_layer.objects.active = arm
    return arm


def skinned_meshes(armature: bpy.types.Object) -> list[bpy.types.Object]:
    """Mesh objects deformed by ``armature`` (our importer's and mmd_tools' layouts)."""
    return [
        o
        for o in bpy.data.objects
        if o.type == "MESH"
        and any(m.type == "ARMATURE" and m.object == armature for m in o.modifiers)
    ]


def _basis(pose_bone, rotation, translation, scale: float) -> tuple[Quaternion, Vector]:
    rest = pose_bone.bone.matrix_local.to_quaternion()
    rot = rest.inverted() @ rotation_to_blender(rotation) @ rest
    loc = rest.inverted() @ to_blender(translation, scale)
    return rot, loc


def apply_pose(
    armature: bpy.types.Object, pose: Pose, *, scale: float = 0.08, reset: bool = True
) -> list[str]:
    """Pose ``armature`` like a VPD; returns the pose's bone and morph names that matched
    nothing. With ``reset`` bones the pose does not name go back to rest first."""
    bones = armatures.bones_by_name_j(armature)
    if reset:
        for pb in armature.pose.bones:
            pb.rotation_mode = "QUATERNION"
            pb.matrix_basis = Matrix.Identity(4)
    unmatched = []
    for name, key in pose.bones.items():
        pb = bones.get(name)
        if pb is None:
            unmatched.append(name)
            continue
        rot, loc = _basis(pb, key.rotation, key.translation, scale)
        pb.rotation_mode = "QUATERNION"
        pb.rotation_quaternion, pb.location = rot, loc
    keys = _shape_key_blocks(armature)
    for name, weight in pose.morphs.items():
        blocks = keys.get(name)
        if not blocks:
            unmatched.append(name)
        for block in blocks or ():
            block.value = weight
    bpy.context.view_layer.update()
    return unmatched


def _shape_key_blocks(armature) -> dict[str, list[bpy.types.ShapeKey]]:
    found: dict[str, list] = {}
    for obj in skinned_meshes(armature):
        key = obj.data.shape_keys
        for block in key.key_blocks[1:] if key else ():
            found.setdefault(block.name, []).append(block)
    return found


def _fill_fcurve(fcurve, frames, values, handles=None) -> None:
    """Keyframes at ``frames``, replacing the curve's old ones (a motion imported again, or
    over another, owns the channels it keys); ``handles`` (K, 4) = VMD (x1, y1, x2, y2) / 127
    per key, describing the curve *into* that key, or None for linear keys."""
    k = len(frames)
    points = fcurve.keyframe_points
    points.clear()
    points.add(k)
    co = np.stack([frames, values], 1).astype(np.float32)
    points.foreach_set("co", co.ravel())
    if handles is None:
        points.foreach_set("interpolation", np.full(k, 2, np.int32))  # LINEAR
        fcurve.update()
        return
    dt = np.diff(frames, prepend=frames[0]).astype(np.float64)
    dv = np.diff(values, prepend=values[0]).astype(np.float64)
    prev_f, prev_v = frames - dt, values - dv
    left = np.stack([prev_f + handles[:, 2] * dt, prev_v + handles[:, 3] * dv], 1)
    right = np.empty_like(left)
    # The curve into key i+1 sets key i's right handle.
    right[:-1, 0] = frames[:-1] + handles[1:, 0] * dt[1:]
    right[:-1, 1] = values[:-1] + handles[1:, 1] * dv[1:]
    right[-1] = (frames[-1] + 1.0, values[-1])
    left[0] = (frames[0] - 1.0, values[0])
    points.foreach_set("handle_left_type", np.zeros(k, np.int32))  # FREE
    points.foreach_set("handle_right_type", np.zeros(k, np.int32))
    points.foreach_set("handle_left", left.astype(np.float32).ravel())
    points.foreach_set("handle_right", right.astype(np.float32).ravel())
    fcurve.update()


def action_fcurves(action: bpy.types.Action) -> list[bpy.types.FCurve]:
    """Every F-curve of a (Blender 4.4+ layered) action, over all layers, strips and slots."""
    return [
        fc
        for layer in action.layers
        for strip in layer.strips
        for bag in strip.channelbags
        for fc in bag.fcurves
    ]


def _ensure_action(obj: bpy.types.ID, name: str) -> bpy.types.Action:
    anim = obj.animation_data or obj.animation_data_create()
    if anim.action is None:
        anim.action = bpy.data.actions.new(name)
    return anim.action


def apply_motion(
    armature: bpy.types.Object,
    motion: Motion,
    *,
    scale: float = 0.08,
    frame_offset: int | None = None,
) -> list[str]:
    """Keyframe ``motion`` on ``armature`` (VMD frame N -> Blender frame N + frame_offset,
    default scene.frame_start) with VMD Bézier curves as keyframe handles; morph tracks go to
    shape keys (linear). Returns the track names that matched no bone or shape key.

    Quaternion components share the rotation curve (component-wise, as mmd_tools does);
    each location channel takes the curve of the MMD axis that feeds it most."""
    offset = bpy.context.scene.frame_start if frame_offset is None else frame_offset
    bones = armatures.bones_by_name_j(armature)
    unmatched = []
    action = _ensure_action(armature, f"{armature.name} motion") if motion.bone_tracks else None
    last = offset
    for name, track in motion.bone_tracks.items():
        pb = bones.get(name)
        if pb is None:
            unmatched.append(name)
            continue
        order = np.argsort(track.frames, kind="stable")
        frames = np.asarray(track.frames, np.float64)[order] + offset
        last = max(last, frames[-1])
        curves = np.asarray(track.interpolation, np.float64)[order] / 127.0
        rest = pb.bone.matrix_local.to_quaternion()
        rest_inv = rest.inverted()
        rot = np.array(
            [rest_inv @ rotation_to_blender(q) @ rest for q in track.rotations[order]], np.float64
        )
        # Keep consecutive quaternions on one hemisphere, as MMD's slerp takes the short way.
        signs = np.cumprod(np.where(np.sum(rot[1:] * rot[:-1], 1) < 0, -1.0, 1.0))
        rot[1:] *= signs[:, None]
        rest_m = rest_inv.to_matrix()
        swap = np.array(rest_m) @ np.array([[1, 0, 0], [0, 0, 1], [0, 1, 0]], float)
        loc = np.asarray(track.translations, np.float64)[order] @ swap.T * scale
        pb.rotation_mode = "QUATERNION"
        path = pb.path_from_id()
        for i in range(4):
            fc = action.fcurve_ensure_for_datablock(
                armature, f"{path}.rotation_quaternion", index=i
            )
            _fill_fcurve(fc, frames, rot[:, i], curves[:, 3])
        for j in range(3):
            source = int(np.argmax(np.abs(swap[j])))
            fc = action.fcurve_ensure_for_datablock(armature, f"{path}.location", index=j)
            _fill_fcurve(fc, frames, loc[:, j], curves[:, source])
    keys = _shape_key_blocks(armature)
    for name, track in motion.morph_tracks.items():
        blocks = keys.get(name)
        if not blocks:
            unmatched.append(name)
            continue
        order = np.argsort(track.frames, kind="stable")
        frames = np.asarray(track.frames, np.float64)[order] + offset
        last = max(last, frames[-1])
        for block in blocks:
            key = block.id_data
            morph_action = _ensure_action(key, f"{key.name} motion")
            path = f'key_blocks["{bpy.utils.escape_identifier(block.name)}"].value'
            fc = morph_action.fcurve_ensure_for_datablock(key, path)
            _fill_fcurve(fc, frames, np.asarray(track.weights, np.float64)[order])
    scene = bpy.context.scene
    scene.frame_end = max(scene.frame_end, int(last))
    return unmatched

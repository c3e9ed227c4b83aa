# SPDX-License-Identifier: GPL-3.0-or-later
"""MMD import operators: model (PMX/PMD), pose (VPD), motion (VMD) and the mannequin."""

import os

import bpy
from bpy.props import BoolProperty, EnumProperty, FloatProperty, IntProperty, StringProperty
from bpy_extras.io_utils import ImportHelper

from .. import armatures, preferences
from ..mmd import blender_characters, blender_import, pose_library
from ..mmd.errors import MMDFormatError
from ..mmd.model import MOTION_FPS, Model, Motion, Pose

_SHOWN_NAMES = 5


class ReadError(Exception):
    """A file we cannot use, with a message fit for the user."""


def _read(path: str) -> object:
    """Model, Pose or Motion from an MMD file (the readers live in ``mmd``)."""
    from ..mmd import read  # the format readers are optional at import time of this module

    return read(path)


def _read_as(path: str, kind: type) -> object:
    if not os.path.isfile(path):
        raise ReadError(f"{path}: no such file")
    try:
        data = _read(path)
    except MMDFormatError as exc:
        raise ReadError(str(exc)) from exc
    except OSError as exc:
        raise ReadError(f"{path}: {exc.strerror or exc}") from exc
    except ImportError as exc:
        raise ReadError(f"{path}: MMD file reading is not available ({exc})") from exc
    if not isinstance(data, kind):
        raise ReadError(f"{path}: holds a {type(data).__name__}, not a {kind.__name__}")
    return data


def target_armature(context) -> bpy.types.Object | None:
    """The MMD armature the user means: the active object, its armature, or the only one."""
    obj = context.active_object
    candidates = [obj] if obj is not None else []
    if obj is not None:
        candidates += [obj.parent] if obj.parent is not None else []
        candidates += list(obj.children)
    candidates += [o for o in context.selected_objects if o is not obj]
    for candidate in candidates:
        if candidate is not None and armatures.is_mmd_armature(candidate):
            return candidate
    found = armatures.mmd_armatures(context.scene)
    return found[0] if len(found) == 1 else None


def _warn_unmatched(operator, unmatched: list[str]) -> None:
    if unmatched:
        shown = ", ".join(unmatched[:_SHOWN_NAMES])
        more = ", ..." if len(unmatched) > _SHOWN_NAMES else ""
        operator.report({"WARNING"}, f"{len(unmatched)} names matched nothing: {shown}{more}")


def _mmd_tools_can_import() -> bool:
    return "import_model" in dir(bpy.ops.mmd_tools)


class MMD2ANIME_OT_import_model(bpy.types.Operator, ImportHelper):
    """Import a PMX or PMD model as an armature with a skinned mesh"""

    bl_idname = "mmd2anime.import_model"
    bl_label = "Import MMD Model"
    bl_options = {"REGISTER", "UNDO"}

    filter_glob: StringProperty(default="*.pmx;*.pmd", options={"HIDDEN"})
    scale: FloatProperty(name="Scale", default=0.08, min=1e-4, soft_max=1.0)

    def execute(self, context):
        prefs = preferences.get()
        if prefs is not None and prefs.use_mmd_tools and _mmd_tools_can_import():
            return bpy.ops.mmd_tools.import_model(filepath=self.filepath, scale=self.scale)
        try:
            model = _read_as(self.filepath, Model)
        except ReadError as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        warnings: list[str] = []
        try:
            blender_import.import_model(
                model,
                scale=self.scale,
                name=model.name or bpy.path.display_name_from_filepath(self.filepath),
                texture_dir=os.path.dirname(self.filepath),
                warnings=warnings,
            )
        except Exception as exc:  # a malformed model must not reach the user as a traceback
            self.report({"ERROR"}, f"{self.filepath}: could not build the model: {exc}")
            return {"CANCELLED"}
        for warning in warnings:
            self.report({"WARNING"}, warning)
        return {"FINISHED"}


class _OntoArmature:
    """Shared by the pose and motion importers: a file applied to the target armature."""

    kind: type = object

    @classmethod
    def poll(cls, context):
        return context.mode == "OBJECT"

    def execute(self, context):
        armature = target_armature(context)
        if armature is None:
            self.report({"ERROR"}, "Select an MMD armature (or the model) first")
            return {"CANCELLED"}
        try:
            data = _read_as(self.filepath, self.kind)
        except ReadError as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        _warn_unmatched(self, self.apply(armature, data))
        return {"FINISHED"}


class MMD2ANIME_OT_import_pose(_OntoArmature, bpy.types.Operator, ImportHelper):
    """Pose the selected MMD armature from a VPD file"""

    bl_idname = "mmd2anime.import_pose"
    bl_label = "Import MMD Pose"
    bl_options = {"REGISTER", "UNDO"}
    kind = Pose

    filter_glob: StringProperty(default="*.vpd", options={"HIDDEN"})
    scale: FloatProperty(name="Scale", default=0.08, min=1e-4, soft_max=1.0)

    def apply(self, armature, pose: Pose) -> list[str]:
        return blender_import.apply_pose(armature, pose, scale=self.scale)


class MMD2ANIME_OT_import_motion(_OntoArmature, bpy.types.Operator, ImportHelper):
    """Keyframe the selected MMD armature from a VMD motion"""

    bl_idname = "mmd2anime.import_motion"
    bl_label = "Import MMD Motion"
    bl_options = {"REGISTER", "UNDO"}
    kind = Motion

    filter_glob: StringProperty(default="*.vmd", options={"HIDDEN"})
    scale: FloatProperty(name="Scale", default=0.08, min=1e-4, soft_max=1.0)
    margin: IntProperty(
        name="Margin",
        description="Frames between the scene's start and the motion's first frame (mmd_tools "
        "imports with 5 by default; match it to line motions up with its imports)",
        default=0,
        min=0,
    )
    mmd_frame_rate: BoolProperty(
        name="30 fps",
        description="Set the scene to MMD's 30 frames per second, so the motion plays at the "
        "speed it was made for (one VMD frame per Blender frame either way)",
        default=True,
    )

    def apply(self, armature, motion: Motion) -> list[str]:
        render = bpy.context.scene.render
        if self.mmd_frame_rate and render.fps / render.fps_base != MOTION_FPS:
            self.report({"INFO"}, f"Scene frame rate set to MMD's {MOTION_FPS} fps")
            render.fps, render.fps_base = MOTION_FPS, 1.0
        offset = bpy.context.scene.frame_start + self.margin
        return blender_import.apply_motion(armature, motion, scale=self.scale, frame_offset=offset)


_POSE_ITEMS = [("REST", "Rest", "The modelling pose (A-pose)")] + [
    (name, name.replace("_", " ").title(), f"Library pose '{name}'") for name in pose_library.POSES
]


class MMD2ANIME_OT_add_mannequin(bpy.types.Operator):
    """Add the built-in MMD mannequin, optionally in a library pose"""

    bl_idname = "mmd2anime.add_mannequin"
    bl_label = "Add MMD Mannequin"
    bl_options = {"REGISTER", "UNDO"}

    pose: EnumProperty(name="Pose", items=_POSE_ITEMS, default="standing")
    scale: FloatProperty(name="Scale", default=0.08, min=1e-4, soft_max=1.0)

    @classmethod
    def poll(cls, context):
        return context.mode == "OBJECT"

    def execute(self, context):
        from ..mmd.mannequin import mannequin_model

        armature = blender_import.import_model(mannequin_model(), scale=self.scale)
        armature.location = context.scene.cursor.location
        if self.pose != "REST":
            pose = pose_library.get_pose(self.pose)
            _warn_unmatched(self, blender_import.apply_pose(armature, pose, scale=self.scale))
        return {"FINISHED"}


class MMD2ANIME_OT_apply_library_pose(bpy.types.Operator):
    """Pose the selected MMD armature (ours or mmd_tools') from the storyboard pose library"""

    bl_idname = "mmd2anime.apply_library_pose"
    bl_label = "Apply Library Pose"
    bl_options = {"REGISTER", "UNDO"}

    pose: EnumProperty(name="Pose", items=_POSE_ITEMS, default="standing")
    scale: FloatProperty(name="Scale", default=0.08, min=1e-4, soft_max=1.0)

    @classmethod
    def poll(cls, context):
        if target_armature(context) is None:
            cls.poll_message_set("Select an MMD armature (or its mesh)")
            return False
        return True

    def execute(self, context):
        armature = target_armature(context)
        # REST: an empty pose sends every bone back to rest.
        pose = Pose() if self.pose == "REST" else pose_library.get_pose(self.pose)
        # A built-in character's translations scale with its legs (1 for other models).
        scale = blender_characters.pose_scale(armature, self.scale)
        _warn_unmatched(self, blender_import.apply_pose(armature, pose, scale=scale))
        return {"FINISHED"}


CLASSES = (
    MMD2ANIME_OT_apply_library_pose,
    MMD2ANIME_OT_import_model,
    MMD2ANIME_OT_import_pose,
    MMD2ANIME_OT_import_motion,
    MMD2ANIME_OT_add_mannequin,
)


def _import_menu(self, _context) -> None:
    self.layout.operator(MMD2ANIME_OT_import_model.bl_idname, text="MMD Model (.pmx/.pmd)")
    self.layout.operator(MMD2ANIME_OT_import_pose.bl_idname, text="MMD Pose (.vpd)")
    self.layout.operator(MMD2ANIME_OT_import_motion.bl_idname, text="MMD Motion (.vmd)")


def _add_menu(self, _context) -> None:
    self.layout.operator(MMD2ANIME_OT_add_mannequin.bl_idname, icon="OUTLINER_OB_ARMATURE")


MENUS = (("TOPBAR_MT_file_import", _import_menu), ("VIEW3D_MT_add", _add_menu))

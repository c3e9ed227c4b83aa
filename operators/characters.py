# SPDX-License-Identifier: GPL-3.0-or-later
"""Add Character: a built-in character (a preset or a random seed), colors editable."""

import bpy
from bpy.props import EnumProperty, FloatProperty, FloatVectorProperty, IntProperty

from ..mmd import blender_characters, pose_library
from ..mmd.characters import COLOR_PARTS, PRESETS, params_for, random_params

_PRESET_ITEMS = [("RANDOM", "Random", "A random character drawn from the seed")] + [
    (name, name.replace("_", " ").title(), f"{p.body.age}, {p.hair} hair, {p.outfit}")
    for name, p in PRESETS.items()
]
_POSE_ITEMS = [("REST", "Rest", "The modelling pose (A-pose)")] + [
    (name, name.replace("_", " ").title(), f"Library pose '{name}'") for name in pose_library.POSES
]


def _color(part: str):
    return FloatVectorProperty(
        name=part.title(), subtype="COLOR_GAMMA", size=3, min=0.0, max=1.0,
        default=PRESETS["schoolgirl"].colors[part],
    )  # fmt: skip


class MMD2ANIME_OT_add_character(bpy.types.Operator):
    """Add a built-in anime character (standard MMD bones), optionally in a library pose"""

    bl_idname = "mmd2anime.add_character"
    bl_label = "Add Character"
    bl_options = {"REGISTER", "UNDO"}

    preset: EnumProperty(name="Character", items=_PRESET_ITEMS, default="schoolgirl")
    seed: IntProperty(name="Seed", default=0, min=0,
                      description="Which random character (with Character: Random)")  # fmt: skip
    pose: EnumProperty(name="Pose", items=_POSE_ITEMS, default="standing")
    scale: FloatProperty(name="Scale", default=0.08, min=1e-4, soft_max=1.0)
    # Which character the color fields were filled from: another one (chosen in the redo
    # panel) refills them with its own colors.
    colors_from: bpy.props.StringProperty(options={"HIDDEN", "SKIP_SAVE"})
    skin: _color("skin")
    hair: _color("hair")
    eyes: _color("eyes")
    top: _color("top")
    bottom: _color("bottom")
    inner: _color("inner")
    accent: _color("accent")
    legwear: _color("legwear")
    shoes: _color("shoes")

    @classmethod
    def poll(cls, context):
        if context.mode != "OBJECT":
            cls.poll_message_set("Switch to Object Mode")
            return False
        return True

    def _spec(self):
        return random_params(self.seed) if self.preset == "RANDOM" else params_for(self.preset)

    def invoke(self, context, event):
        return self.execute(context)

    def execute(self, context):
        params = self._spec()
        key = f"{self.preset}:{self.seed}"
        if self.colors_from != key:  # a new character: show its own colors to edit
            first = self.colors_from == ""  # colors passed by the caller are kept
            for part in COLOR_PARTS:
                if not (first and self.properties.is_property_set(part)):
                    setattr(self, part, params.colors[part])
            self.colors_from = key
        params = params.with_colors(**{p: tuple(getattr(self, p)) for p in COLOR_PARTS})
        try:
            armature = blender_characters.add_character(params, scale=self.scale)
        except (KeyError, ValueError) as exc:
            self.report({"ERROR"}, f"Cannot build the character: {exc}")
            return {"CANCELLED"}
        armature.location = context.scene.cursor.location
        if self.pose != "REST":
            unmatched = blender_characters.apply_library_pose(armature, self.pose, self.scale)
            if unmatched:
                self.report({"WARNING"}, f"{len(unmatched)} pose names matched nothing")
        return {"FINISHED"}

    def draw(self, _context):
        layout = self.layout
        layout.prop(self, "preset")
        if self.preset == "RANDOM":
            layout.prop(self, "seed")
        layout.prop(self, "pose")
        layout.prop(self, "scale")
        col = layout.column(align=True)
        for part in COLOR_PARTS:
            col.prop(self, part)


CLASSES = (MMD2ANIME_OT_add_character,)


def _add_menu(self, _context) -> None:
    self.layout.operator(MMD2ANIME_OT_add_character.bl_idname, icon="OUTLINER_OB_ARMATURE")


MENUS = (("VIEW3D_MT_add", _add_menu),)

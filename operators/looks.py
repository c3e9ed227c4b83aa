# SPDX-License-Identifier: GPL-3.0-or-later
"""Apply and revert a toon look on the selected MMD model(s) or the active mesh."""

import bpy

from ..shaders import apply, looks, toon

_enum_items: list[tuple[str, str, str]] = []  # Blender needs the strings kept alive


def _look_items(_self, _context):
    _enum_items.clear()
    for name in looks.list_looks(apply.user_looks_dir()):
        _enum_items.append((name, name.capitalize(), f"Apply the '{name}' look"))
    return _enum_items or [("NONE", "None", "No looks found")]


def _targets(context) -> list[bpy.types.Object]:
    selected = list(context.selected_objects)
    if not selected and context.active_object is not None:
        selected = [context.active_object]
    return apply.look_targets(selected)


class MMD2ANIME_OT_apply_look(bpy.types.Operator):
    """Paint the selected MMD model(s) in a toon look; the original materials stay untouched"""

    bl_idname = "mmd2anime.apply_look"
    bl_label = "Apply Look"
    bl_options = {"REGISTER", "UNDO"}

    look: bpy.props.EnumProperty(name="Look", items=_look_items)

    def execute(self, context):
        targets = _targets(context)
        if not targets:
            self.report({"ERROR"}, "Select an MMD model or a mesh to apply a look to")
            return {"CANCELLED"}
        try:
            look = looks.load_look(self.look, apply.user_looks_dir())
        except looks.LookError as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        count = apply.apply_look(targets, look, context.scene)
        self.report({"INFO"}, f"Look '{look['name']}' applied to {count} mesh(es)")
        return {"FINISHED"}


class MMD2ANIME_OT_revert_look(bpy.types.Operator):
    """Give the selected MMD model(s) back their original materials and remove the outlines"""

    bl_idname = "mmd2anime.revert_look"
    bl_label = "Revert Look"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context):
        targets = _targets(context)
        if not any(obj.get(apply.APPLIED_KEY) is not None for obj in targets):
            self.report({"ERROR"}, "The selection has no look applied")
            return {"CANCELLED"}
        count = apply.revert_look(targets, context.scene)
        self.report({"INFO"}, f"Original materials restored on {count} mesh(es)")
        return {"FINISHED"}


class MMD2ANIME_OT_update_look_light(bpy.types.Operator):
    """Make the toon bands follow the key light again after moving or rotating it"""

    bl_idname = "mmd2anime.update_look_light"
    bl_label = "Update Key Light"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context):
        light = toon.key_light(context.scene)
        toon.set_light_direction(context.scene)
        where = f"'{light.name}'" if light is not None else "the default direction (no light)"
        self.report({"INFO"}, f"Toon bands now lit from {where}")
        return {"FINISHED"}


CLASSES = (MMD2ANIME_OT_apply_look, MMD2ANIME_OT_revert_look, MMD2ANIME_OT_update_look_light)

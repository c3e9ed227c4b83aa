# SPDX-License-Identifier: GPL-3.0-or-later
"""Apply and revert a toon look on the selected MMD model(s) or the active mesh."""

import bpy

from ..shaders import apply, looks, toon

_enum_items: list[tuple[str, str, str]] = []  # Blender needs the strings kept alive


def _look_items(_self, _context):
    """Every look and each of its color-script variants ("pastel", "pastel:night", ...)."""
    _enum_items.clear()
    user_dir = apply.user_looks_dir()
    for name in looks.list_looks(user_dir):
        _enum_items.append((name, name.capitalize(), f"Apply the '{name}' look"))
        try:
            variants = looks.load_look(name, user_dir)["variants"]
        except looks.LookError:
            continue  # a broken file is reported when it is applied
        for variant in variants:
            label = f"{name.capitalize()} · {variant.capitalize()}"
            tip = f"Apply the '{name}' look as its '{variant}' variant"
            _enum_items.append((f"{name}:{variant}", label, tip))
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


_ROLE_ITEMS = [("AUTO", "Automatic", "The role found from the material's name, texture, color "
                                       "and bones")] + [
    (role.upper(), role.capitalize(), f"Shade this material as {role}") for role in looks.ROLES
]  # fmt: skip


class MMD2ANIME_OT_set_material_role(bpy.types.Operator):
    """Choose how looks shade this material (skin, hair, eyes, clothes, other, brows, mouth)"""

    bl_idname = "mmd2anime.set_material_role"
    bl_label = "Material Role"
    bl_options = {"REGISTER", "UNDO"}

    material: bpy.props.StringProperty(name="Material")
    role: bpy.props.EnumProperty(name="Role", items=_ROLE_ITEMS)

    def invoke(self, context, event):
        return context.window_manager.invoke_props_dialog(self)

    def draw(self, context):
        self.layout.label(text=self.material)
        self.layout.prop(self, "role", expand=True)

    def execute(self, context):
        material = bpy.data.materials.get(self.material)
        if material is None:
            self.report({"ERROR"}, f"No material named '{self.material}'")
            return {"CANCELLED"}
        apply.set_material_role(material, None if self.role == "AUTO" else self.role.lower())
        # Models wearing a look show the new role at once.
        users = [
            o for o in context.scene.objects
            if o.type == "MESH" and any(apply.original_material(s.material) == material
                                        for s in o.material_slots)
        ]  # fmt: skip
        worn = {apply.applied_look_name(o) for o in users} - {None}
        for name in worn:
            try:
                look = looks.load_look(name, apply.user_looks_dir())
            except looks.LookError as exc:
                self.report({"ERROR"}, str(exc))
                return {"CANCELLED"}
            wearing = [o for o in context.scene.objects if apply.applied_look_name(o) == name]
            apply.apply_look(wearing, look, context.scene)
        self.report({"INFO"}, f"'{material.name}' is shaded as {self.role.lower()}")
        return {"FINISHED"}


CLASSES = (
    MMD2ANIME_OT_apply_look,
    MMD2ANIME_OT_revert_look,
    MMD2ANIME_OT_update_look_light,
    MMD2ANIME_OT_set_material_role,
)

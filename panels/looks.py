# SPDX-License-Identifier: GPL-3.0-or-later
"""The Looks sub-panel: pick a toon look (and its scene variant) for the selected model(s),
revert it, and see or change the role each material is shaded as."""

import bpy

from ..shaders import apply, looks

# Bone shares read every vertex: kept per mesh (and its vertex count) between redraws.
_shares_cache: dict[tuple[str, int, int], list[dict]] = {}


def _cached_shares(obj: bpy.types.Object) -> list[dict]:
    key = (obj.name, obj.data.as_pointer(), len(obj.data.vertices))
    if key not in _shares_cache:
        if len(_shares_cache) > 16:
            _shares_cache.clear()
        _shares_cache[key] = apply.material_bone_shares(obj)
    return _shares_cache[key]


def _model_meshes(context) -> list[bpy.types.Object]:
    selected = list(context.selected_objects)
    if not selected and context.active_object is not None:
        selected = [context.active_object]
    return apply.look_targets(selected)


class MMD2ANIME_PT_looks(bpy.types.Panel):
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "MMD2Anime"
    bl_label = "Looks"
    bl_parent_id = "MMD2ANIME_PT_main"
    bl_order = 1

    def draw(self, context):
        layout = self.layout
        current = apply.scene_look_name(context.scene)
        layout.label(text=f"Scene look: {current or 'none'}")
        layout.operator_menu_enum("mmd2anime.apply_look", "look", icon="SHADING_RENDERED")
        self._draw_variants(layout, current)
        layout.operator("mmd2anime.revert_look", icon="LOOP_BACK")
        layout.operator("mmd2anime.update_look_light", icon="LIGHT_SUN")
        self._draw_roles(layout, context)

    @staticmethod
    def _draw_variants(layout, current: str) -> None:
        """One button per scene variant of the applied look (its color script)."""
        if not current:
            return
        name, variant = looks.split_variant(current)
        try:
            variants = looks.load_look(name, apply.user_looks_dir())["variants"]
        except looks.LookError:
            return
        if not variants:
            return
        row = layout.row(align=True)
        base = row.operator("mmd2anime.apply_look", text="Base", depress=not variant)
        base.look = name
        for each in variants:
            button = row.operator(
                "mmd2anime.apply_look", text=each.capitalize(), depress=each == variant
            )
            button.look = f"{name}:{each}"

    @staticmethod
    def _draw_roles(layout, context) -> None:
        """Each material of the selected model with its role; a click changes the role."""
        meshes = _model_meshes(context)
        if not meshes:
            return
        box = layout.box()
        box.label(text="Material roles", icon="MATERIAL")
        seen = set()
        for obj in meshes:
            roles = apply.material_roles(obj, shares=_cached_shares(obj))
            for slot, (role, source) in zip(obj.material_slots, roles, strict=False):
                material = apply.original_material(slot.material)
                if material is None or material.name in seen or apply.is_outline(material):
                    continue
                seen.add(material.name)
                row = box.row(align=True)
                row.label(text=material.name)
                text = role.capitalize() + ("" if source == "user" else f" ({source})")
                button = row.operator("mmd2anime.set_material_role", text=text)
                button.material = material.name
                button.role = role.upper() if source == "user" else "AUTO"


CLASSES = (MMD2ANIME_PT_looks,)

# SPDX-License-Identifier: GPL-3.0-or-later
"""The Looks sub-panel: pick a toon look for the selected model(s), or revert it."""

import bpy

from ..shaders import apply


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
        layout.operator("mmd2anime.revert_look", icon="LOOP_BACK")
        layout.operator("mmd2anime.update_look_light", icon="LIGHT_SUN")


CLASSES = (MMD2ANIME_PT_looks,)

# SPDX-License-Identifier: GPL-3.0-or-later
"""The top panel of the sidebar tab: what the extension can do in this scene."""

import bpy

from .. import deps


class MMD2ANIME_PT_main(bpy.types.Panel):
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "MMD2Anime"
    bl_label = "MMD2Anime"

    def draw(self, context):
        layout = self.layout
        missing = deps.missing_modules()
        if missing:
            layout.label(text="Missing: " + ", ".join(missing), icon="ERROR")
            layout.operator("mmd2anime.install_dependencies", icon="IMPORT")
        if context.scene.camera is None:
            layout.label(text="The scene has no camera", icon="INFO")
        layout.prop(context.scene.mmd2anime, "output_dir")


CLASSES = (MMD2ANIME_PT_main,)

# SPDX-License-Identifier: GPL-3.0-or-later
"""The "MMD2Anime" tab of the 3D Viewport sidebar: Puppet, Stylize, Output (Looks: looks.py).

Buttons stay visible when they cannot run; their operators' poll says why in the tooltip.
"""

import bpy

from .. import deps, preferences


class _Tab:
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "MMD2Anime"


class MMD2ANIME_PT_main(_Tab, bpy.types.Panel):
    bl_label = "MMD2Anime"

    def draw(self, context):
        layout = self.layout
        missing = deps.missing_modules()
        if missing:
            layout.label(text="Missing: " + ", ".join(missing), icon="ERROR")
            layout.operator("mmd2anime.install_dependencies", icon="IMPORT")
        if context.scene.camera is None:
            layout.label(text="The scene has no camera", icon="INFO")


class MMD2ANIME_PT_puppet(_Tab, bpy.types.Panel):
    bl_label = "Puppet"
    bl_parent_id = "MMD2ANIME_PT_main"
    bl_order = 0

    def draw(self, context):
        col = self.layout.column(align=True)
        col.operator("mmd2anime.import_model", icon="IMPORT")
        col.operator("mmd2anime.add_mannequin", icon="OUTLINER_OB_ARMATURE")
        col.operator("mmd2anime.add_character", icon="COMMUNITY")
        col = self.layout.column(align=True)
        col.operator("mmd2anime.import_pose", icon="POSE_HLT")
        col.operator("mmd2anime.import_motion", icon="ACTION")
        self.layout.operator_menu_enum("mmd2anime.apply_library_pose", "pose", icon="ARMATURE_DATA")


class MMD2ANIME_PT_stylize(_Tab, bpy.types.Panel):
    bl_label = "Stylize"
    bl_parent_id = "MMD2ANIME_PT_main"
    bl_order = 2

    def draw(self, context):
        layout = self.layout
        settings = context.scene.mmd2anime
        render = context.scene.render
        layout.prop(settings, "style_pack")
        prefs = preferences.get()
        if prefs is not None:
            layout.prop(prefs, "device")
        col = layout.column(align=True)
        col.prop(render, "resolution_x", text="Resolution X")
        col.prop(render, "resolution_y", text="Y")
        col.prop(render, "resolution_percentage", text="%")
        layout.prop(settings, "frame_mode", expand=True)
        layout.prop(settings, "temporal")
        if settings.busy:
            layout.progress(factor=settings.progress / 100, text=settings.status or "Working...")
            layout.operator("mmd2anime.cancel_stylize", icon="CANCEL")
        else:
            layout.operator("mmd2anime.stylize_shot", icon="BRUSHES_ALL")
            if settings.status:
                layout.label(text=settings.status)


class MMD2ANIME_PT_output(_Tab, bpy.types.Panel):
    bl_label = "Output"
    bl_parent_id = "MMD2ANIME_PT_main"
    bl_order = 3

    def draw(self, context):
        settings = context.scene.mmd2anime
        layout = self.layout
        layout.prop(settings, "output_dir", text="")
        layout.prop(settings, "keep_passes")
        if settings.busy:
            layout.progress(factor=settings.progress / 100, text=settings.status or "Working...")
            layout.operator("mmd2anime.cancel_stylize", icon="CANCEL")
        else:
            layout.operator("mmd2anime.write_layout", icon="RENDERLAYERS")
        row = layout.row(align=True)
        row.prop(settings, "storyboard_paper", text="")
        row.operator("mmd2anime.export_storyboard", icon="DOCUMENTS")


CLASSES = (
    MMD2ANIME_PT_main,
    MMD2ANIME_PT_puppet,
    MMD2ANIME_PT_stylize,
    MMD2ANIME_PT_output,
)

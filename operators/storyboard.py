# SPDX-License-Identifier: GPL-3.0-or-later
"""Export the shot's storyboard sheet (絵コンテ)."""

import os

import bpy

from .. import properties


class MMD2ANIME_OT_export_storyboard(bpy.types.Operator):
    """Render one picture per cut (timeline/camera markers) and write storyboard pages"""

    bl_idname = "mmd2anime.export_storyboard"
    bl_label = "Export Storyboard"

    @classmethod
    def poll(cls, context):
        scene = context.scene
        if scene.camera is None and not any(m.camera for m in scene.timeline_markers):
            cls.poll_message_set("The scene has no camera")
            return False
        return True

    def execute(self, context):
        from ..storyboard.export import export_storyboard

        scene = context.scene
        try:
            out = os.path.join(properties.output_root(scene), "storyboard")
            written = export_storyboard(scene, out, paper=scene.mmd2anime.storyboard_paper)
        except (ValueError, OSError, RuntimeError) as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        self.report({"INFO"}, f"Storyboard: {len(written) - 1} page(s) in {out}")
        return {"FINISHED"}


CLASSES = (MMD2ANIME_OT_export_storyboard,)

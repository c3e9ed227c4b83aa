# SPDX-License-Identifier: GPL-3.0-or-later
"""Write layout passes (EXR, previews, OpenPose skeleton and JSON, bundles) for a shot."""

import bpy

from ..layout.errors import LayoutError
from ..layout.outputs import write_layout


class MMD2ANIME_OT_write_layout(bpy.types.Operator):
    """Render the layout passes and 2D keypoints of the scene's frames into a folder"""

    bl_idname = "mmd2anime.write_layout"
    bl_label = "Write Layout Passes"
    bl_options = {"REGISTER"}  # the scene is restored: nothing to undo

    directory: bpy.props.StringProperty(name="Folder", subtype="DIR_PATH")
    current_frame_only: bpy.props.BoolProperty(
        name="Current Frame Only", description="Write only the current frame, not the range"
    )

    def invoke(self, context, event):
        context.window_manager.fileselect_add(self)
        return {"RUNNING_MODAL"}

    def execute(self, context):
        scene = context.scene
        if not self.directory:
            self.report({"ERROR"}, "Choose a folder to write the layout passes into")
            return {"CANCELLED"}
        out_dir = bpy.path.abspath(self.directory)
        frames = None
        if self.current_frame_only:
            frames = range(scene.frame_current, scene.frame_current + 1)
        try:
            manifest = write_layout(scene, out_dir, frames=frames)
        except (LayoutError, OSError) as exc:
            self.report({"ERROR"}, f"Layout passes for {out_dir}: {exc}")
            return {"CANCELLED"}
        self.report({"INFO"}, f"Wrote {len(manifest['frames'])} frame(s) into {out_dir}")
        return {"FINISHED"}


CLASSES = (MMD2ANIME_OT_write_layout,)

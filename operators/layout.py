# SPDX-License-Identifier: GPL-3.0-or-later
"""Write layout passes (EXR, previews, OpenPose skeleton and JSON, bundles) for a shot.

In the UI one frame is rendered per timer step, with progress in the sidebar and the status
bar; Esc or Cancel stops after the current frame and keeps the frames written so far (the
manifest lists them). In background mode it runs straight through.
"""

import bpy

from ..layout.errors import LayoutError
from ..layout.outputs import LayoutRun


class MMD2ANIME_OT_write_layout(bpy.types.Operator):
    """Render the layout passes and 2D keypoints of the scene's frames into a folder"""

    bl_idname = "mmd2anime.write_layout"
    bl_label = "Write Layout Passes"
    bl_options = {"REGISTER"}  # the scene is restored: nothing to undo

    directory: bpy.props.StringProperty(name="Folder", subtype="DIR_PATH")
    current_frame_only: bpy.props.BoolProperty(
        name="Current Frame Only", description="Write only the current frame, not the range"
    )

    _run: LayoutRun | None = None
    _timer = None
    _index = 0

    @classmethod
    def poll(cls, context):
        if context.scene.mmd2anime.busy:
            cls.poll_message_set("Another MMD2Anime job is running")
            return False
        return True

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
            self._run = LayoutRun(scene, out_dir, frames=frames)
        except (LayoutError, OSError) as exc:
            self.report({"ERROR"}, f"Layout passes for {out_dir}: {exc}")
            return {"CANCELLED"}
        if bpy.app.background:
            while self._index < len(self._run.frames):
                if not self._step():
                    return {"CANCELLED"}
            return self._finish(context, cancelled=False)
        props = scene.mmd2anime
        props.busy, props.progress, props.cancel_requested = True, 0, False
        props.status = "Writing layout passes..."
        self._timer = context.window_manager.event_timer_add(0.05, window=context.window)
        context.window_manager.modal_handler_add(self)
        return {"RUNNING_MODAL"}

    def _step(self) -> bool:
        """Write the next frame; False (reported, scene restored) when it fails."""
        frame = self._run.frames[self._index]
        try:
            self._run.write(frame)
        except (LayoutError, OSError, RuntimeError) as exc:
            self._run.restore()
            self.report({"ERROR"}, f"Layout passes, frame {frame}: {exc}")
            return False
        self._index += 1
        return True

    def modal(self, context, event):
        props = self._run.scene.mmd2anime  # the run's scene, even if the user switched
        if event.type == "ESC" or props.cancel_requested:
            return self._finish(context, cancelled=True)
        if event.type != "TIMER":
            return {"PASS_THROUGH"}
        total = len(self._run.frames)
        props.status = f"Layout frame {self._run.frames[self._index]} ({self._index + 1}/{total})"
        context.workspace.status_text_set(f"MMD2Anime: {props.status} — Esc to cancel")
        if not self._step():
            self._end_ui(context)
            props.status = f"Failed after {self._index} frame(s)"
            return {"CANCELLED"}
        props.progress = round(100 * self._index / total)
        if self._index >= total:
            return self._finish(context, cancelled=False)
        return {"RUNNING_MODAL"}

    def _end_ui(self, context) -> None:
        if self._timer is not None:
            context.window_manager.event_timer_remove(self._timer)
            context.workspace.status_text_set(None)
        props = self._run.scene.mmd2anime
        props.busy = props.cancel_requested = False

    def _finish(self, context, *, cancelled: bool) -> set[str]:
        self._end_ui(context)
        manifest = self._run.finish()
        done = len(manifest["frames"])
        message = f"{'Cancelled after' if cancelled else 'Wrote'} {done} frame(s)"
        self._run.scene.mmd2anime.status = message
        self.report({"INFO"}, f"{message} into {self._run.out_dir}")
        return {"CANCELLED"} if cancelled else {"FINISHED"}


CLASSES = (MMD2ANIME_OT_write_layout,)

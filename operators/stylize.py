# SPDX-License-Identifier: GPL-3.0-or-later
"""Stylize shot: layout render on the main thread, torch on a worker thread, Esc cancels."""

import threading
from pathlib import Path

import bpy

from .. import armatures, deps, preferences, properties
from ..shaders.apply import scene_look_name, user_looks_dir
from ..shaders.looks import LookError, load_look


def _image_for_shot(scene: bpy.types.Scene, pixels_linear) -> bpy.types.Image:
    """Show the stylized frame in an Image Editor image named for the shot."""
    import numpy as np

    name = f"{scene.name} stylized"
    height, width = pixels_linear.shape[:2]
    image = bpy.data.images.get(name)
    if image is None or tuple(image.size) != (width, height):
        if image is not None:
            bpy.data.images.remove(image)
        image = bpy.data.images.new(name, width, height, alpha=True, float_buffer=True)
    rgba = np.ones((height, width, 4), np.float32)
    rgba[..., :3] = pixels_linear
    image.pixels.foreach_set(rgba[::-1].ravel())  # Blender's rows start at the bottom
    image.update()
    for area in bpy.context.screen.areas if bpy.context.screen else ():
        if area.type == "IMAGE_EDITOR":
            area.spaces.active.image = image
            area.tag_redraw()
    return image


def _settings(context) -> "object":
    from ..shot import ShotSettings

    scene = context.scene
    props = scene.mmd2anime
    frames = (
        list(range(scene.frame_start, scene.frame_end + 1))
        if props.frame_mode == "RANGE"
        else [scene.frame_current]
    )
    prefs = preferences.get()
    look = None
    applied = scene_look_name(scene)
    if applied:
        look = load_look(applied, user_looks_dir())
    return ShotSettings(
        out_dir=Path(properties.output_root(scene)),
        frames=frames,
        style=bpy.path.abspath(props.style_pack) if props.style_pack else "default",
        temporal=props.temporal,
        keep_passes=props.keep_passes,
        device=(prefs.device if prefs else "AUTO").lower(),
        look=look,
        pack_dirs=(Path(bpy.path.abspath(prefs.style_pack_dir)),)
        if prefs and prefs.style_pack_dir
        else (),
    )


class MMD2ANIME_OT_stylize_shot(bpy.types.Operator):
    """Render the layout passes of the shot and paint them in the style pack's look"""

    bl_idname = "mmd2anime.stylize_shot"
    bl_label = "Stylize Shot"

    _runner = None
    _timer = None
    _worker: threading.Thread | None = None
    _pending = None  # (frame, bundle, t_layout) being stylized on the worker
    _done = None  # (image, seconds) or an exception from the worker
    _index = 0

    @classmethod
    def poll(cls, context):
        scene = context.scene
        if scene.camera is None:
            cls.poll_message_set("The scene has no camera")
            return False
        if not armatures.mmd_armatures(scene):
            cls.poll_message_set(
                "The scene has no MMD armature: import a model or add the mannequin"
            )
            return False
        pack = scene.mmd2anime.style_pack
        if pack and not Path(bpy.path.abspath(pack)).is_file():
            cls.poll_message_set(f"Style pack not found: {pack}")
            return False
        if scene.mmd2anime.busy:
            cls.poll_message_set("Another MMD2Anime job is running")
            return False
        if deps.missing_modules():
            cls.poll_message_set("Missing Python packages: see the add-on preferences")
            return False
        return True

    def execute(self, context):
        """Synchronous path (background mode, scripts)."""
        from ..shot import run_shot

        def show(result, _done, _total):
            if result.image is not None:
                _image_for_shot(context.scene, result.image)

        try:
            manifest = run_shot(context.scene, _settings(context), show)
        except (ValueError, OSError, RuntimeError, LookError) as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        for warning in manifest["warnings"]:
            self.report({"WARNING"}, warning)
        last = manifest["frames"][-1]
        self.report({"INFO"}, f"Stylized {len(manifest['frames'])} frame(s): {last['files'][-1]}")
        return {"FINISHED"}

    def invoke(self, context, event):
        if bpy.app.background:
            return self.execute(context)
        from ..shot import ShotRunner

        try:
            self._runner = ShotRunner(context.scene, _settings(context))
        except (ValueError, OSError) as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        props = context.scene.mmd2anime
        props.busy, props.progress, props.status = True, 0, "Starting..."
        props.cancel_requested = False
        self._index = 0
        self._timer = context.window_manager.event_timer_add(0.1, window=context.window)
        context.window_manager.modal_handler_add(self)
        return {"RUNNING_MODAL"}

    def _start_worker(self, bundle) -> None:
        def work():
            try:
                self._done = self._runner.stylize(bundle)
            except Exception as exc:  # handed back to the main thread and reported there
                self._done = exc

        self._done = None
        self._worker = threading.Thread(target=work, daemon=True)
        self._worker.start()

    def modal(self, context, event):
        props = context.scene.mmd2anime
        if event.type == "ESC" or props.cancel_requested:
            return self._stop(context, cancelled=True)
        if event.type != "TIMER":
            return {"PASS_THROUGH"}
        if self._worker is not None and self._worker.is_alive():
            return {"RUNNING_MODAL"}
        frames = self._runner.settings.frames
        if self._pending is not None:  # the worker finished a frame
            frame, bundle, t_layout = self._pending
            self._pending, self._worker = None, None
            if isinstance(self._done, Exception):
                self.report({"ERROR"}, f"Stylizing frame {frame} failed: {self._done}")
                return self._stop(context, cancelled=True)
            image, t_style = self._done
            self._runner.finish_frame(
                frame, bundle, image, {"layout": t_layout, "stylize": t_style}
            )
            if image is not None:
                _image_for_shot(context.scene, image)
            props.progress = round(100 * self._index / len(frames))
        if self._index >= len(frames):
            return self._stop(context, cancelled=False)
        frame = frames[self._index]
        self._index += 1
        props.status = f"Frame {frame} ({self._index}/{len(frames)})"
        context.workspace.status_text_set(f"MMD2Anime: {props.status} — Esc to cancel")
        try:
            bundle, t_layout = self._runner.render_layout(frame)  # bpy: main thread
        except (ValueError, OSError, RuntimeError) as exc:
            self.report({"ERROR"}, str(exc))
            return self._stop(context, cancelled=True)
        self._pending = (frame, bundle, t_layout)
        self._start_worker(bundle)
        return {"RUNNING_MODAL"}

    def _stop(self, context, *, cancelled: bool) -> set[str]:
        if self._worker is not None:
            self._worker.join()  # torch work cannot be interrupted mid-frame
        context.window_manager.event_timer_remove(self._timer)
        context.workspace.status_text_set(None)
        manifest = self._runner.close()
        for warning in manifest["warnings"]:
            self.report({"WARNING"}, warning)
        props = context.scene.mmd2anime
        props.busy = props.cancel_requested = False
        done = len(manifest["frames"])
        props.status = f"{'Cancelled after' if cancelled else 'Done:'} {done} frame(s)"
        props.progress = 100 if not cancelled else props.progress
        return {"CANCELLED"} if cancelled else {"FINISHED"}


class MMD2ANIME_OT_cancel_stylize(bpy.types.Operator):
    """Stop the running job (stylize shot, layout passes) after the current frame"""

    bl_idname = "mmd2anime.cancel_stylize"
    bl_label = "Cancel"

    @classmethod
    def poll(cls, context):
        return context.scene.mmd2anime.busy

    def execute(self, context):
        context.scene.mmd2anime.cancel_requested = True
        context.scene.mmd2anime.status = "Cancelling..."
        return {"FINISHED"}


CLASSES = (MMD2ANIME_OT_stylize_shot, MMD2ANIME_OT_cancel_stylize)

# SPDX-License-Identifier: GPL-3.0-or-later
"""Installs the Python requirements into the extension's user folder without freezing the UI."""

import subprocess

import bpy

from .. import deps, preferences


class MMD2ANIME_OT_install_dependencies(bpy.types.Operator):
    """Install torch and the other requirements into this extension's user folder"""

    bl_idname = "mmd2anime.install_dependencies"
    bl_label = "Install Dependencies"

    _process: subprocess.Popen | None = None
    _timer = None

    def execute(self, context):
        target = bpy.utils.extension_path_user(
            preferences.PACKAGE, path="site-packages", create=True
        )
        command = deps.pip_install_command(target)
        if bpy.app.background:
            result = subprocess.run(command, capture_output=True, text=True)
            return self._finish(result.returncode, result.stderr, target)
        self._process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        self._timer = context.window_manager.event_timer_add(0.5, window=context.window)
        context.window_manager.modal_handler_add(self)
        context.workspace.status_text_set("MMD2Anime: installing dependencies (pip)...")
        return {"RUNNING_MODAL"}

    def modal(self, context, event):
        if event.type != "TIMER" or self._process.poll() is None:
            return {"PASS_THROUGH"}
        context.window_manager.event_timer_remove(self._timer)
        context.workspace.status_text_set(None)
        target = bpy.utils.extension_path_user(preferences.PACKAGE, path="site-packages")
        return self._finish(self._process.returncode, self._process.stderr.read(), target)

    def _finish(self, returncode: int, stderr: str, target: str) -> set[str]:
        if returncode != 0:
            last = (stderr or "").strip().splitlines()[-1:] or ["no output"]
            self.report({"ERROR"}, f"pip failed installing into {target}: {last[0]}")
            return {"CANCELLED"}
        deps.add_site_packages(target)
        self.report({"INFO"}, f"Dependencies installed into {target}")
        return {"FINISHED"}


CLASSES = (MMD2ANIME_OT_install_dependencies,)

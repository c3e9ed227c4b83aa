# SPDX-License-Identifier: GPL-3.0-or-later
"""MMD2Anime: turn posed MMD puppets into stylized anime frames.

Blender loads this folder as ``bl_ext.<repo>.mmd2anime``; a virtual environment or
``render.py`` imports it as ``mmd2anime``. The bpy-free layers (``mmd``, ``neural``) import
without Blender, so nothing here imports bpy at module level.
"""


def register() -> None:
    from . import registration

    registration.register()


def unregister() -> None:
    from . import registration

    registration.unregister()

# SPDX-License-Identifier: GPL-3.0-or-later
"""Per-scene settings of the extension, stored on ``Scene.mmd2anime`` (saved with the .blend)."""

import bpy
from bpy.props import EnumProperty, IntProperty, StringProperty


class MMD2AnimeSceneSettings(bpy.types.PropertyGroup):
    output_dir: StringProperty(
        name="Output Folder",
        description="Where layout passes, stylized frames and storyboards are written",
        subtype="DIR_PATH",
        default="//mmd2anime/",
    )
    frame_mode: EnumProperty(
        name="Frames",
        items=[
            ("CURRENT", "Current Frame", "Stylize the current frame only"),
            ("RANGE", "Frame Range", "Stylize the scene's frame range"),
        ],
        default="CURRENT",
    )
    style_pack: StringProperty(
        name="Style Pack",
        description="Style pack file (.safetensors) the stylizer paints with",
        subtype="FILE_PATH",
    )
    progress: IntProperty(name="Progress", min=0, max=100, subtype="PERCENTAGE")
    status: StringProperty(name="Status")


CLASSES = (MMD2AnimeSceneSettings,)


def attach() -> None:
    bpy.types.Scene.mmd2anime = bpy.props.PointerProperty(type=MMD2AnimeSceneSettings)


def detach() -> None:
    del bpy.types.Scene.mmd2anime

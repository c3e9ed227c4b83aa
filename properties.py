# SPDX-License-Identifier: GPL-3.0-or-later
"""Per-scene settings of the extension, stored on ``Scene.mmd2anime`` (saved with the .blend)."""

import bpy
from bpy.props import BoolProperty, EnumProperty, IntProperty, StringProperty


class MMD2AnimeSceneSettings(bpy.types.PropertyGroup):
    output_dir: StringProperty(
        name="Output Folder",
        description="Where layout passes, stylized frames and storyboards are written",
        subtype="DIR_PATH",
        options={"PATH_SUPPORTS_BLEND_RELATIVE"},
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
        description="Style pack file (.safetensors); empty uses the default pack",
        subtype="FILE_PATH",
        options={"PATH_SUPPORTS_BLEND_RELATIVE"},
    )
    temporal: BoolProperty(
        name="Temporal Consistency",
        description="Warp the previous stylized frame with the motion vectors to stop flicker",
        default=True,
    )
    keep_passes: BoolProperty(
        name="Layout Passes",
        description="Keep the EXR passes, previews and keypoints beside the stylized frames",
        default=True,
    )
    storyboard_paper: EnumProperty(
        name="Paper",
        items=[("A4", "A4", "210 x 297 mm"), ("B4", "B4", "JIS B4, 257 x 364 mm")],
        default="A4",
    )
    progress: IntProperty(name="Progress", min=0, max=100, subtype="PERCENTAGE")
    status: StringProperty(name="Status")
    busy: BoolProperty(name="Busy", description="A stylize job is running")
    cancel_requested: BoolProperty(name="Cancel Requested")


CLASSES = (MMD2AnimeSceneSettings,)


def attach() -> None:
    bpy.types.Scene.mmd2anime = bpy.props.PointerProperty(type=MMD2AnimeSceneSettings)


def detach() -> None:
    del bpy.types.Scene.mmd2anime


def output_root(scene: bpy.types.Scene) -> str:
    """The scene's output folder as an absolute path; ValueError when it cannot be resolved."""
    folder = scene.mmd2anime.output_dir.strip()
    if not folder:
        raise ValueError("Set an output folder in the MMD2Anime Output panel")
    if folder.startswith("//") and not bpy.data.filepath:
        raise ValueError(
            f"Output folder {folder!r} is relative to the .blend: save the file first "
            "or choose an absolute folder"
        )
    return bpy.path.abspath(folder)

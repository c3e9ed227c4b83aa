# SPDX-License-Identifier: GPL-3.0-or-later
"""Add-on preferences: compute device, style-pack folder, mmd_tools delegation, dependencies."""

import bpy
from bpy.props import BoolProperty, EnumProperty, StringProperty

from . import deps

PACKAGE = __package__


def get() -> "MMD2AnimePreferences | None":
    addon = bpy.context.preferences.addons.get(PACKAGE)
    return addon.preferences if addon else None


def apply_site_packages() -> None:
    prefs = get()
    if prefs and prefs.site_packages:
        deps.add_site_packages(bpy.path.abspath(prefs.site_packages))
    user = bpy.utils.extension_path_user(PACKAGE, path="site-packages", create=False)
    deps.add_site_packages(user)


def _site_packages_changed(self, _context) -> None:
    apply_site_packages()


class MMD2AnimePreferences(bpy.types.AddonPreferences):
    bl_idname = PACKAGE

    device: EnumProperty(
        name="Device",
        description="Where the stylizer runs",
        items=[
            ("AUTO", "Automatic", "CUDA, then Apple MPS, then the CPU"),
            ("CUDA", "CUDA", "NVIDIA GPU"),
            ("MPS", "Apple MPS", "Apple Silicon GPU"),
            ("CPU", "CPU", "Processor only (slowest)"),
        ],
        default="AUTO",
    )
    style_pack_dir: StringProperty(
        name="Style Pack Folder",
        description="Extra folder searched for style packs besides the shipped ones",
        subtype="DIR_PATH",
    )
    use_mmd_tools: BoolProperty(
        name="Import with mmd_tools",
        description="Hand model imports to mmd_tools when it is enabled",
        default=False,
    )
    site_packages: StringProperty(
        name="Extra site-packages",
        description="An existing folder with torch and the other requirements installed",
        subtype="DIR_PATH",
        update=_site_packages_changed,
    )

    def draw(self, _context) -> None:
        layout = self.layout
        layout.prop(self, "device")
        layout.prop(self, "style_pack_dir")
        layout.prop(self, "use_mmd_tools")
        box = layout.box()
        box.label(text="Python dependencies")
        missing = deps.missing_modules()
        if missing:
            box.label(text="Missing: " + ", ".join(missing), icon="ERROR")
        else:
            box.label(text="All dependencies found", icon="CHECKMARK")
        box.prop(self, "site_packages")
        box.operator("mmd2anime.install_dependencies", icon="IMPORT")

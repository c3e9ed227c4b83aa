# SPDX-License-Identifier: GPL-3.0-or-later
"""Registers every Blender class of the extension.

Operator and panel modules are discovered: each module in ``operators/`` and ``panels/``
exposes a ``CLASSES`` tuple (and optionally ``MENUS``: (menu type name, draw function)
pairs appended to Blender menus), so adding a feature never edits a central list.
"""

import importlib
import pkgutil
from types import ModuleType

import bpy

from . import operators, panels, preferences, properties


def _modules(package: ModuleType) -> list[ModuleType]:
    infos = sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name)
    return [importlib.import_module(f"{package.__name__}.{info.name}") for info in infos]


def _discover(package: ModuleType) -> list[type]:
    return [cls for module in _modules(package) for cls in getattr(module, "CLASSES", ())]


def all_menus() -> list[tuple[str, object]]:
    return [entry for module in _modules(operators) for entry in getattr(module, "MENUS", ())]


def all_classes() -> list[type]:
    """Every class the extension registers, in registration order."""
    panel_classes = _discover(panels)
    # A sub-panel needs its parent registered first.
    panel_classes.sort(key=lambda cls: bool(getattr(cls, "bl_parent_id", "")))
    return [
        preferences.MMD2AnimePreferences,
        *properties.CLASSES,
        *_discover(operators),
        *panel_classes,
    ]


_registered: list[type] = []


def register() -> None:
    for cls in all_classes():
        bpy.utils.register_class(cls)
        _registered.append(cls)
    properties.attach()
    for menu, draw in all_menus():
        getattr(bpy.types, menu).append(draw)
    preferences.apply_site_packages()


def unregister() -> None:
    for menu, draw in all_menus():
        getattr(bpy.types, menu).remove(draw)
    properties.detach()
    while _registered:
        bpy.utils.unregister_class(_registered.pop())

# SPDX-License-Identifier: GPL-3.0-or-later
"""The extension package: manifest, build, registration as Blender does it."""

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import ADDON_MODULE, ROOT, run_without_bpy

BLENDER_EXT = [sys.executable, str(ROOT / "tools" / "blender_ext.py")]


def test_manifest_passes_blenders_validator():
    result = subprocess.run([*BLENDER_EXT, "validate", str(ROOT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_build_makes_installable_zip_without_dev_files(tmp_path):
    result = subprocess.run(
        [*BLENDER_EXT, "build", "--source-dir", str(ROOT), "--output-dir", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (archive,) = tmp_path.glob("mmd2anime-*.zip")
    names = zipfile.ZipFile(archive).namelist()
    assert {"blender_manifest.toml", "__init__.py", "render.py"} <= set(names)
    for dev in ("tests/", "bench/", ".venv/", "out/", ".git/", "tools/", ".ci/"):
        assert not [n for n in names if n.startswith(dev)], f"{dev} leaked into {archive.name}"
    assert not [n for n in names if "__pycache__" in n]


def _registered_names(bpy, classes):
    found = []
    for cls in classes:
        if issubclass(cls, bpy.types.Operator):
            prefix, _, name = cls.bl_idname.partition(".")
            if hasattr(getattr(bpy.ops, prefix), name) and cls.is_registered:
                found.append(cls.__name__)
        elif getattr(cls, "is_registered", False):
            found.append(cls.__name__)
    return found


def test_enable_registers_everything_and_disable_removes_it(extension, bpy_module):
    import addon_utils

    bpy = bpy_module
    classes = extension.registration.all_classes()
    for kind in (bpy.types.Operator, bpy.types.Panel, bpy.types.PropertyGroup):
        assert any(issubclass(cls, kind) for cls in classes), f"no {kind.__name__} registered"
    assert len(_registered_names(bpy, classes)) == len(classes)
    assert isinstance(bpy.context.scene.mmd2anime.output_dir, str)
    assert bpy.context.preferences.addons[ADDON_MODULE].preferences.device == "AUTO"

    menus = extension.registration.all_menus()
    assert menus and all(draw in getattr(bpy.types, m).draw._draw_funcs for m, draw in menus)

    addon_utils.disable(ADDON_MODULE, default_set=True)
    try:
        assert _registered_names(bpy, classes) == []
        assert not any(draw in getattr(bpy.types, m).draw._draw_funcs for m, draw in menus)
        assert not hasattr(bpy.types.Scene, "mmd2anime")
        assert ADDON_MODULE not in bpy.context.preferences.addons
    finally:
        module = addon_utils.enable(ADDON_MODULE, default_set=True)
    # enable -> disable -> enable: everything is back.
    classes = module.registration.all_classes()
    assert len(_registered_names(bpy, classes)) == len(classes)
    assert hasattr(bpy.types.Scene, "mmd2anime")


def test_panel_lives_in_the_sidebar_tab(extension, bpy_module):
    panel = bpy_module.types.MMD2ANIME_PT_main
    assert (panel.bl_space_type, panel.bl_region_type, panel.bl_category) == (
        "VIEW_3D",
        "UI",
        "MMD2Anime",
    )


def test_scene_reset_keeps_extension(scene, bpy_module):
    assert list(bpy_module.data.objects) == []
    assert hasattr(scene, "mmd2anime")


@pytest.mark.parametrize("module", ["mmd2anime.mmd", "mmd2anime.neural", "mmd2anime.deps"])
def test_core_layers_import_without_bpy(module):
    result = run_without_bpy(f"import {module}\n")
    assert result.returncode == 0, result.stderr


def test_requirements_file_matches_runtime_requirements():
    from mmd2anime import deps

    pinned = {
        re.split(r"[<>=!]", line)[0].strip(): line.strip()
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for requirement in deps.RUNTIME_REQUIREMENTS.values():
        name = re.split(r"[<>=!]", requirement)[0]
        assert pinned.get(name) == requirement


def test_venv_imports_a_checkout_as_mmd2anime():
    """`python -m mmd2anime.<module>` works from the virtual environment."""
    code = "import mmd2anime, pathlib; print(pathlib.Path(mmd2anime.__file__).resolve().parent)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/")
    assert result.returncode == 0, result.stderr
    manifest = Path(result.stdout.strip()) / "blender_manifest.toml"
    assert 'id = "mmd2anime"' in manifest.read_text()

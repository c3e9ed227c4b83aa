# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs Blender's own extension tool (validate, build) from the bpy wheel, no Blender binary."""

import runpy
import sys
from pathlib import Path


def blender_ext_script() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("bpy")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("bpy is not installed in this Python (run `make setup`)")
    bpy_dir = Path(next(iter(spec.submodule_search_locations)))
    scripts = sorted(bpy_dir.glob("*/scripts/addons_core/bl_pkg/cli/blender_ext.py"))
    if not scripts:
        raise SystemExit(f"blender_ext.py not found under {bpy_dir}")
    return scripts[-1]


if __name__ == "__main__":
    script = blender_ext_script()
    sys.argv = [str(script), *sys.argv[1:]]
    runpy.run_path(str(script), run_name="__main__")

# SPDX-License-Identifier: GPL-3.0-or-later
"""The neural layer stays bpy-free: every module imports with bpy blocked."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted(p.stem for p in (ROOT / "neural").glob("*.py") if p.stem != "__init__")


def test_the_layer_has_its_modules():
    assert {"inputs", "model", "pack", "stylize", "temporal"} <= set(MODULES)


@pytest.mark.parametrize("module", MODULES)
def test_neural_module_imports_without_bpy(module):
    code = (
        "import sys; sys.modules['bpy'] = None\n"
        "import importlib.util as u\n"
        f"s = u.spec_from_file_location('mmd2anime', {str(ROOT / '__init__.py')!r},"
        f" submodule_search_locations=[{str(ROOT)!r}])\n"
        "m = u.module_from_spec(s); sys.modules['mmd2anime'] = m; s.loader.exec_module(m)\n"
        f"import mmd2anime.neural.{module}\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr

# SPDX-License-Identifier: GPL-3.0-or-later
"""The neural layer stays bpy-free: every module imports with bpy blocked."""

from pathlib import Path

import pytest
from conftest import run_without_bpy

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted(p.stem for p in (ROOT / "neural").glob("*.py") if p.stem != "__init__")


def test_the_layer_has_its_modules():
    assert {"inputs", "model", "pack", "stylize", "temporal"} <= set(MODULES)


@pytest.mark.parametrize("module", MODULES)
def test_neural_module_imports_without_bpy(module):
    result = run_without_bpy(f"import mmd2anime.neural.{module}\n")
    assert result.returncode == 0, result.stderr

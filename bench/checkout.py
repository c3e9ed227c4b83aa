# SPDX-License-Identifier: GPL-3.0-or-later
"""Bench scripts import the checkout they live in as ``mmd2anime``, whatever its folder."""

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load_checkout() -> None:
    if "mmd2anime" in sys.modules:
        return
    spec = importlib.util.spec_from_file_location(
        "mmd2anime", ROOT / "__init__.py", submodule_search_locations=[str(ROOT)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["mmd2anime"] = module
    spec.loader.exec_module(module)

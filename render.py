# SPDX-License-Identifier: GPL-3.0-or-later
"""Headless front door of mmd2anime.

    blender -b scene.blend -P render.py -- [options]
    python render.py [scene.blend] [options]        (Blender as the bpy module)

Both behave the same. Exit codes: 0 ok, 2 bad arguments, 1 failure (one clear line on stderr).
"""

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _script_args(argv: list[str]) -> list[str]:
    """The arguments meant for this script: after ``--`` when Blender parsed the rest."""
    if "--" in argv:
        return argv[argv.index("--") + 1 :]
    return argv[1:]


def _import_package():
    """This folder as the ``mmd2anime`` package, however the script was started."""
    loaded = sys.modules.get("mmd2anime")
    if loaded is not None and Path(loaded.__file__).resolve().parent == HERE:
        return loaded
    spec = importlib.util.spec_from_file_location(
        "mmd2anime", HERE / "__init__.py", submodule_search_locations=[str(HERE)]
    )
    package = importlib.util.module_from_spec(spec)
    sys.modules["mmd2anime"] = package
    spec.loader.exec_module(package)
    return package


def main(argv: list[str] | None = None) -> int:
    _import_package()
    from mmd2anime import headless

    return headless.main(_script_args(sys.argv if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())

# SPDX-License-Identifier: GPL-3.0-or-later
"""Python packages the extension needs beyond Blender's own, and where they may live.

Blender ships numpy but not torch; users install the rest with the preferences button
(into the extension's user folder) or point at an existing site-packages.
"""

import importlib.util
import sys
from pathlib import Path

# Keep in step with requirements.txt (a test checks it). Module name -> pip requirement.
RUNTIME_REQUIREMENTS: dict[str, str] = {
    "numpy": "numpy>=1.26,<2",
    "torch": "torch==2.13.0",
    "cv2": "opencv-python-headless<4.11",
    "safetensors": "safetensors>=0.4",
    "PIL": "pillow>=10",
}


def missing_modules() -> list[str]:
    """The pip requirements whose modules cannot be imported in this Python."""
    return [
        req for mod, req in RUNTIME_REQUIREMENTS.items() if importlib.util.find_spec(mod) is None
    ]


def add_site_packages(path: str | Path) -> bool:
    """Put an existing folder of packages on sys.path (idempotent). False if it is no folder."""
    folder = Path(path).expanduser()
    if not folder.is_dir():
        return False
    entry = str(folder.resolve())
    if entry not in sys.path:
        sys.path.append(entry)
    return True


def pip_install_command(target: str | Path) -> list[str]:
    """The command that installs the runtime requirements into ``target``.

    Inside Blender ``sys.executable`` is Blender's own Python.
    """
    return [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--target",
        str(target),
        *RUNTIME_REQUIREMENTS.values(),
    ]

# SPDX-License-Identifier: GPL-3.0-or-later
"""Test harness: the package under test is this checkout; Blender loads it as an extension.

- ``import mmd2anime`` always resolves to this checkout (worktrees and clones alike).
- ``extension``: registers the checkout as Blender does, through an extensions repository
  whose folder holds a link named ``mmd2anime``, then ``addon_utils.enable``.
- ``scene``: a factory-fresh empty scene for each test (extension stays enabled).
- ``requires_egl``: skips with a reason when EEVEE/Workbench cannot render here; a crash in
  Mesa's EGL would otherwise abort the whole run.
"""

import atexit
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
REPO_MODULE = "mmd2anime_test"
ADDON_MODULE = f"bl_ext.{REPO_MODULE}.mmd2anime"

# Blender writes preferences and caches under these; keep them out of the user's home.
_USER_DIRS = Path(tempfile.mkdtemp(prefix="mmd2anime-blender-user-"))
atexit.register(shutil.rmtree, _USER_DIRS, ignore_errors=True)
for _var in ("BLENDER_USER_CONFIG", "BLENDER_USER_SCRIPTS", "BLENDER_USER_EXTENSIONS"):
    os.environ.setdefault(_var, str(_USER_DIRS / _var.lower()))


def _load_checkout_package() -> None:
    spec = importlib.util.spec_from_file_location(
        "mmd2anime", ROOT / "__init__.py", submodule_search_locations=[str(ROOT)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["mmd2anime"] = module
    spec.loader.exec_module(module)


_load_checkout_package()


def run_without_bpy(code: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh Python where ``import bpy`` fails and ``mmd2anime`` is this
    checkout: proves a layer stays bpy-free."""
    loader = (
        "import sys, importlib.util as u\n"
        "sys.modules['bpy'] = None\n"  # any `import bpy` now raises ImportError
        f"s = u.spec_from_file_location('mmd2anime', {str(ROOT / '__init__.py')!r},"
        f" submodule_search_locations=[{str(ROOT)!r}])\n"
        "m = u.module_from_spec(s); sys.modules['mmd2anime'] = m; s.loader.exec_module(m)\n"
    )
    return subprocess.run([sys.executable, "-c", loader + code], capture_output=True, text=True)


_EGL_PROBE = """
import bpy
scene = bpy.context.scene
scene.render.engine = "BLENDER_WORKBENCH"
scene.render.resolution_x = scene.render.resolution_y = 8
scene.render.filepath = {path!r}
bpy.ops.render.render(write_still=True)
"""


def _egl_problem() -> str | None:
    """None when a Workbench render works in a separate process, else why not."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "probe.png")
        try:
            result = subprocess.run(
                [sys.executable, "-c", _EGL_PROBE.format(path=out)],
                capture_output=True,
                text=True,
                timeout=120,
            )
        except subprocess.TimeoutExpired:
            return "a Workbench render did not finish in 120 s"
        if result.returncode == 0 and os.path.exists(out):
            return None
        tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        return (
            "EEVEE/Workbench cannot render here (install libegl1 libegl-mesa0 "
            f"libgl1-mesa-dri): {tail[0]}"
        )


_egl_cache: list[str | None] = []


@pytest.fixture(scope="session")
def egl_problem() -> str | None:
    if not _egl_cache:
        _egl_cache.append(_egl_problem())
    return _egl_cache[0]


@pytest.fixture
def requires_egl(egl_problem):
    if egl_problem:
        pytest.skip(egl_problem)


@pytest.fixture(scope="session")
def bpy_module():
    import bpy

    bpy.context.preferences.use_preferences_save = False
    return bpy


@pytest.fixture(scope="session")
def extension(bpy_module, tmp_path_factory):
    """The extension enabled the way Blender enables an installed extension."""
    import addon_utils

    repo_dir = tmp_path_factory.mktemp("extensions")
    (repo_dir / "mmd2anime").symlink_to(ROOT, target_is_directory=True)
    repos = bpy_module.context.preferences.extensions.repos
    repo = repos.new(name=REPO_MODULE, module=REPO_MODULE, custom_directory=str(repo_dir))
    module = addon_utils.enable(ADDON_MODULE, default_set=True, handle_error=_raise)
    assert module is not None, f"enabling {ADDON_MODULE} failed"
    yield module
    addon_utils.disable(ADDON_MODULE, default_set=True, handle_error=_raise)
    repos.remove(repo)


def _raise(exc: BaseException) -> None:
    raise exc


@pytest.fixture
def scene(extension, bpy_module):
    """A factory-fresh, empty scene with the extension enabled."""
    bpy_module.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
    return bpy_module.context.scene


@pytest.fixture
def shared_data() -> Path:
    folder = SHARED_DATA / "babylon-mmd"
    if not folder.is_dir():
        pytest.skip(f"shared test data not found at {folder}")
    return folder

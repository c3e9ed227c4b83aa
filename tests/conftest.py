# SPDX-License-Identifier: GPL-3.0-or-later
"""Test harness: the package under test is this checkout; Blender loads it as an extension.

- ``import mmd2anime`` always resolves to this checkout (worktrees and clones alike).
- ``extension``: registers the checkout as Blender does, through an extensions repository
  whose folder holds a link named ``mmd2anime``, then ``addon_utils.enable``.
- ``scene``: a factory-fresh empty scene for each test (extension stays enabled).
- ``requires_egl``: skips with a reason when EEVEE/Workbench cannot render here; a crash in
  Mesa's EGL would otherwise abort the whole run.
- ``shared_data`` / ``real_model``: the third-party files of ``../shared/data`` (or of
  ``$MMD2ANIME_SHARED_DATA``; point it at a missing folder to run as a fresh clone would).
- The run ends with the skipped tests counted by reason, just above pytest's closing line;
  ``MMD2ANIME_TEST_ORDER=reverse`` runs the tests in reverse order (finds order dependence).
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
SHARED_DATA = Path(os.environ.get("MMD2ANIME_SHARED_DATA") or ROOT.parent / "shared" / "data")
REAL_MODEL = SHARED_DATA / "mmd-samples" / "初音ミク.pmx"
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


@pytest.fixture
def real_model() -> Path:
    """A real, complete third-party PMX model (testing only: never copy it into the repo)."""
    if not REAL_MODEL.is_file():
        pytest.skip(f"shared test data not found at {REAL_MODEL}")
    return REAL_MODEL


def pytest_collection_modifyitems(config, items) -> None:
    order = os.environ.get("MMD2ANIME_TEST_ORDER", "")
    if order == "reverse":
        items.reverse()
    elif order:
        raise pytest.UsageError(f"MMD2ANIME_TEST_ORDER={order!r}: only 'reverse' is known")


# Skip reasons -> the category the closing summary counts them under (first match wins).
SKIP_CATEGORIES = (
    ("shared data missing", ("shared test data", "shared data", "shared model")),
    ("no EGL (EEVEE/Workbench)", ("EEVEE/Workbench", "Workbench render", "EGL")),
    ("no CUDA", ("CUDA",)),
    ("no mmd_tools scenes", ("MMD2ANIME_MMD_TOOLS_SCENES", "mmd_tools scene")),
)


def skip_category(reason: str) -> str:
    for category, needles in SKIP_CATEGORIES:
        if any(needle in reason for needle in needles):
            return category
    return "other"


def _skip_reason(report) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Skips counted by category, after pytest's own summaries (the outermost wrapper) and
    before its closing "N passed, M skipped" line, which stays the run's last line for CI."""
    result = yield
    _write_skip_summary(terminalreporter)
    return result


def _write_skip_summary(terminalreporter) -> None:
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    counts: dict[str, int] = {}
    examples: dict[str, str] = {}
    for report in skipped:
        reason = _skip_reason(report)
        category = skip_category(reason)
        counts[category] = counts.get(category, 0) + 1
        examples.setdefault(category, reason)
    ran = sum(len(terminalreporter.stats.get(k, [])) for k in ("passed", "failed", "error"))
    terminalreporter.section(f"skipped: {len(skipped)} of {len(skipped) + ran}, by reason")
    for category, count in sorted(counts.items(), key=lambda kv: -kv[1]):
        example = examples[category]
        example = example if len(example) <= 90 else example[:87] + "..."
        terminalreporter.write_line(f"{count:4d}  {category}  (e.g. {example})")

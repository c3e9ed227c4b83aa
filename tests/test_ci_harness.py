# SPDX-License-Identifier: GPL-3.0-or-later
"""The harness of tests/conftest.py, run as CI runs it: a fresh pytest in a subprocess."""

import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import skip_category

ROOT = Path(__file__).resolve().parents[1]
# Two tests that skip without shared data or mmd_tools scenes, and one that always runs.
SUBSET = [
    "tests/test_mmd_motion.py::test_real_vmd_counts_and_sorting",
    "tests/test_mmd_tools_scenes.py",
    "tests/test_mmd_motion.py::test_old_vmd_without_optional_sections",
]


def _pytest(*args: str, **env: str) -> list[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MMD2ANIME_")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        env={**environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip().splitlines()


def test_a_fresh_clone_run_ends_with_skips_by_reason_then_pytests_closing_line(tmp_path):
    lines = _pytest(*SUBSET, MMD2ANIME_SHARED_DATA=str(tmp_path / "absent"))
    # CI parses the closing line: it must stay the last one.
    assert re.fullmatch(r"=+ 1 passed, 2 skipped in [\d.]+s( \([\d:]+\))? =+", lines[-1])
    summary = lines[lines.index(next(x for x in lines if "by reason" in x)) :]
    assert "skipped: 2 of 3, by reason" in summary[0]
    rows = sorted(re.split(r"\s{2,}", x.strip())[:2] for x in summary[1:-1])
    assert rows == [["1", "no mmd_tools scenes"], ["1", "shared data missing"]]


def test_skip_reasons_fall_into_categories():
    for reason in ("shared test data not found at /x/babylon-mmd", "shared model not found at"):
        assert skip_category(reason) == "shared data missing"
    egl = "EEVEE/Workbench cannot render here (install libegl1 ...): epoxy"
    assert skip_category(egl) == "no EGL (EEVEE/Workbench)"
    assert skip_category("needs a CUDA device") == "no CUDA"
    assert skip_category("set MMD2ANIME_MMD_TOOLS_SCENES to a folder") == "no mmd_tools scenes"
    assert skip_category("something else") == "other"


def test_reverse_order_runs_the_collected_tests_backwards():
    def collected(**env: str) -> list[str]:
        return [x for x in _pytest("--collect-only", "-q", *SUBSET, **env) if "::" in x]

    forward = collected()
    assert len(forward) == 3
    assert collected(MMD2ANIME_TEST_ORDER="reverse") == forward[::-1]

# SPDX-License-Identifier: GPL-3.0-or-later
"""render.py as a user runs it: exit codes, messages, files."""

import subprocess
import sys

from conftest import ROOT


def _render(*args, cwd=None):
    return subprocess.run(
        [sys.executable, str(ROOT / "render.py"), *args], capture_output=True, text=True, cwd=cwd
    )


def test_bad_arguments_exit_2():
    result = _render("--frames", "9-2")
    assert result.returncode == 2
    assert "--frames range is reversed" in result.stderr


def test_missing_scene_is_one_clear_line(tmp_path):
    result = _render(str(tmp_path / "nope.blend"), "--out", str(tmp_path / "o"))
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("render.py:")]
    assert errors == [f"render.py: error: {tmp_path / 'nope.blend'}: no such .blend file"]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "o").exists()


def test_demo_writes_under_out(tmp_path, requires_egl):
    result = _render("--demo", "--out", str(tmp_path / "demo"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "demo" / "color.png").stat().st_size > 0
    assert "wrote" in result.stdout

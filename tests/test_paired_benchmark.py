# SPDX-License-Identifier: GPL-3.0-or-later
"""The paired benchmark end to end in its --quick setting (renders, trains twice, scores)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# A guard against a hang, not a timing target: --quick runs well under 3 minutes alone on a
# 2-core CPU and went past 180 s when the machine was busy with something else.
HANG_GUARD_S = 900


@pytest.mark.slow
def test_quick_paired_benchmark_writes_the_table(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "paired_benchmark.py"), "--quick", "--out",
         str(tmp_path)],
        capture_output=True, text=True, timeout=HANG_GUARD_S,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    table = json.loads((tmp_path / "table.json").read_text())
    assert set(table["rows"]) == {"identity", "no-skeleton", "full", "ground truth (ceiling)"}
    for row in table["rows"].values():
        assert set(row) == {"ssim", "delta_e76", "edge_f1", "pck@0.05", "pck@0.05_shape"}
        # SSIM lies in [-1, 1]: the plain render against a look with a colored background
        # can score just below 0
        assert -1 <= row["ssim"] <= 1 and row["delta_e76"] >= 0
    assert table["rows"]["ground truth (ceiling)"]["ssim"] == pytest.approx(1.0)
    assert "| full |" in (tmp_path / "table.md").read_text()
    # a second run scores the packs it finds instead of training again
    again = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "paired_benchmark.py"), "--quick", "--out",
         str(tmp_path), "--reuse-packs"],
        capture_output=True, text=True, timeout=HANG_GUARD_S,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr[-2000:]
    assert json.loads((tmp_path / "table.json").read_text())["info"]["full"]["reused"] is True

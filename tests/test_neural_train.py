# SPDX-License-Identifier: GPL-3.0-or-later
"""Style training end to end on tiny synthetic data: packs, resume, switches, bad input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import mmd2anime
from mmd2anime.neural import synthetic, train
from mmd2anime.neural.pack import load_pack

ROOT = Path(mmd2anime.__file__).resolve().parent


@pytest.fixture(scope="module")
def data_dirs(tmp_path_factory):
    root = tmp_path_factory.mktemp("train-data")
    # subprocesses import the package through a link named mmd2anime to this checkout
    (root / "pkg").mkdir()
    (root / "pkg" / "mmd2anime").symlink_to(ROOT, target_is_directory=True)
    synthetic.layout_folder(root / "layouts", count=8, size=64)
    synthetic.style_frames(root / "style", count=8, size=64)
    return root


def _run(data_dirs, out, *extra, source="--layouts"):
    folder = data_dirs / ("layouts" if source == "--layouts" else "style")
    argv = ["--style-frames", str(data_dirs / "style"), source, str(folder), "--out", str(out)]
    argv += ["--size", "64", "--batch", "2", "--device", "cpu", *extra]
    return train.main(argv)


def test_arch_1_still_trains_and_an_unknown_one_is_refused(data_dirs, tmp_path, capsys):
    out = tmp_path / "v1.safetensors"
    assert _run(data_dirs, out, "--steps", "1", "--arch", "1", "--no-gan") == 0
    assert load_pack(out)[1]["arch_version"] == 1
    assert _run(data_dirs, tmp_path / "v3.safetensors", "--steps", "1", "--arch", "3") == 2
    assert "--arch 3: 1 or 2" in capsys.readouterr().err


def test_tiny_run_writes_a_loadable_pack_with_metadata(data_dirs, tmp_path):
    out = tmp_path / "style.safetensors"
    assert _run(data_dirs, out, "--steps", "3", "--series", "Test Series") == 0
    model, meta = load_pack(out)
    assert meta["initialized_only"] is False and meta["arch_version"] == 2  # the default
    assert meta["series"] == "Test Series" and meta["name"] == "style"
    training = meta["training"]
    assert training["steps"] == 3 and training["resolution"] == 64
    assert "frames you own" in training["terms"]
    assert training["data"]["style_frames"].endswith("style")
    assert training["data"]["source_look"] is None  # plain layouts
    assert "--steps 3" in training["command"]
    assert set(training["final_losses"]) >= {"g_gan", "g_nce", "d_gan", "keypoint_head"}
    measured = meta["metrics"]
    assert measured["frames"] == 8
    for key in ("palette_distance_source", "palette_distance_generated", "edge_f1_vs_source",
                "pck@0.05_source", "pck@0.05_generated"):  # fmt: skip
        assert 0 <= measured[key] < float("inf"), key
    ckpt = out.with_suffix(".ckpt")
    assert (ckpt / "preview.png").stat().st_size > 0
    rows = (ckpt / "losses.csv").read_text().splitlines()
    assert rows[0].startswith("step,") and len(rows) == 4


def test_resume_continues_the_step_count(data_dirs, tmp_path):
    out = tmp_path / "resumed.safetensors"
    assert _run(data_dirs, out, "--steps", "2") == 0
    assert _run(data_dirs, out, "--steps", "4", "--resume") == 0
    _, meta = load_pack(out)
    assert meta["training"]["steps"] == 4
    commands = meta["training"]["commands"]
    assert len(commands) == 2 and "--resume" not in commands[0] and "--resume" in commands[1]
    assert json.loads((out.with_suffix(".ckpt") / "checkpoint.json").read_text())["step"] == 4
    rows = (out.with_suffix(".ckpt") / "losses.csv").read_text().splitlines()
    assert [r.split(",")[0] for r in rows[1:]] == ["1", "2", "3", "4"]


@pytest.mark.parametrize(
    "flag",
    ["--no-gan", "--no-surface", "--no-texture", "--no-palette", "--no-nce", "--no-edge",
     "--no-pose", "--no-skeleton"],
)  # fmt: skip
def test_every_switch_trains(data_dirs, tmp_path, flag):
    out = tmp_path / "ablation.safetensors"
    assert _run(data_dirs, out, "--steps", "1", flag) == 0
    losses = load_pack(out)[1]["training"]["final_losses"]
    off = {"--no-gan": "g_gan", "--no-surface": "g_surface", "--no-texture": "g_texture",
           "--no-palette": "g_palette", "--no-nce": "g_nce", "--no-pose": "g_pose", "--no-edge": "g_edge"}  # fmt: skip
    if flag in off:
        assert off[flag] not in losses
    else:
        assert load_pack(out)[1]["training"]["options"]["no_skeleton"] is True


def test_anime2anime_from_plain_frames(data_dirs, tmp_path):
    out = tmp_path / "a2a.safetensors"
    assert _run(data_dirs, out, "--steps", "1", source="--source-frames") == 0
    assert load_pack(out)[1]["training"]["data"]["source_kind"] == "frames"


def _cli(data_dirs, *args, **kw):
    env = {**os.environ, "PYTHONPATH": str(data_dirs / "pkg")}
    return subprocess.Popen(
        [sys.executable, "-c", "import sys; from mmd2anime.neural.train import main; "
         "sys.exit(main(sys.argv[1:]))", *args],
        env=env, stderr=subprocess.PIPE, text=True, **kw,
    )  # fmt: skip


def test_bad_folders_exit_2_with_one_line(data_dirs, tmp_path):
    few = tmp_path / "few"
    synthetic.style_frames(few, count=3, size=32)
    broken = tmp_path / "broken"
    synthetic.style_frames(broken, count=8, size=32)
    (broken / "0003.png").write_bytes(b"not a png")
    cases = {
        str(tmp_path / "missing"): "not a folder",
        str(few): "3 images, need at least 8",
        str(broken): "0003.png: unreadable image",
    }
    for folder, message in cases.items():
        argv = ["--style-frames", folder, "--layouts", str(data_dirs / "layouts")]
        proc = _cli(data_dirs, *argv, "--out", str(tmp_path / "x.safetensors"))
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 2
        lines = err.strip().splitlines()
        assert len(lines) == 1 and message in lines[0] and folder in lines[0]


def test_sigint_writes_checkpoint_and_pack(data_dirs, tmp_path):
    out = tmp_path / "stopped.safetensors"
    args = ["--style-frames", str(data_dirs / "style"), "--layouts", str(data_dirs / "layouts"),
            "--out", str(out), "--size", "64", "--batch", "2", "--steps", "100000",
            "--device", "cpu"]  # fmt: skip
    proc = _cli(data_dirs, *args)
    deadline = time.monotonic() + 60
    line = ""
    while time.monotonic() < deadline and not line.startswith("step"):
        line = proc.stderr.readline()
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert (out.with_suffix(".ckpt") / "checkpoint.safetensors").exists()
    _, meta = load_pack(out)
    assert 1 <= meta["training"]["steps"] < 100000


def test_a_saturated_pixel_still_learns_in_training_and_is_clamped_in_use():
    import torch

    from mmd2anime.neural.inputs import IN_CHANNELS
    from mmd2anime.neural.model import build_generator

    model = build_generator(seed=0)
    with torch.no_grad():
        model.to_rgb.bias.fill_(3.0)  # every pixel far past white
    x = torch.zeros(1, IN_CHANNELS, 8, 8)
    out = model(x)
    assert (out > 1).all()
    out.sum().backward()
    assert model.to_rgb.bias.grad.abs().min() > 0  # a plain clamp would give zero here
    assert torch.equal(model.eval()(x), torch.ones_like(out))


def test_the_layouts_look_comes_from_their_dataset_manifest(tmp_path):
    from mmd2anime.neural.data import layouts_look

    assert layouts_look(tmp_path) is None  # no manifest
    (tmp_path / "manifest.json").write_text('{"look": "vivid", "count": 3}')
    assert layouts_look(tmp_path) == "vivid"
    (tmp_path / "manifest.json").write_text("{not json")
    assert layouts_look(tmp_path) is None

# SPDX-License-Identifier: GPL-3.0-or-later
"""render.py as a user runs it: exit codes, messages, files."""

import json
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


def test_demo_runs_the_whole_chain_under_out(tmp_path):
    out = tmp_path / "demo"
    result = _render("--demo", "--out", str(out), "--resolution", "128x128")
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    (frame,) = manifest["frames"]
    assert "stylized/000001.png" in frame["files"]
    assert "layout/000001_pose.json" in frame["files"]
    assert {"layout", "stylize", "write"} <= set(frame["seconds"])
    for name in frame["files"]:
        assert (out / name).stat().st_size > 0
    assert (out / "storyboard" / "storyboard.pdf").is_file()
    pose = json.loads((out / "layout" / "000001_pose.json").read_text())
    (person,) = pose["people"]
    assert sum(c > 0 for c in person["pose_keypoints_2d"][2::3]) >= 14
    written = [
        line.split("wrote ", 1)[1] for line in result.stdout.splitlines() if "wrote " in line
    ]
    assert written and all(path.startswith(str(out)) for path in written)


def test_style_none_skips_the_stylizer(tmp_path):
    out = tmp_path / "plain"
    result = _render("--demo", "--out", str(out), "--resolution", "64x64", "--style", "none")
    assert result.returncode == 0, result.stderr
    assert not (out / "stylized").exists()
    assert (out / "layout" / "000001_color.png").is_file()


def test_unknown_style_pack_is_a_usage_error(tmp_path):
    result = _render(
        "--demo", "--out", str(tmp_path), "--style", str(tmp_path / "nope.safetensors")
    )
    assert result.returncode == 2
    assert "no such style pack" in result.stderr


def test_blend_file_is_never_overwritten(tmp_path):
    import hashlib

    make = (
        "import sys, bpy; sys.path.insert(0, {root!r}); import render; render._import_package();"
        "from mmd2anime import demo_scene;"
        "bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True);"
        "s = bpy.context.scene; s.render.resolution_x = s.render.resolution_y = 64;"
        "demo_scene.build_demo_shot(s); bpy.ops.wm.save_as_mainfile(filepath={blend!r})"
    )
    blend = tmp_path / "shot.blend"
    subprocess.run(
        [sys.executable, "-c", make.format(root=str(ROOT), blend=str(blend))],
        check=True,
        capture_output=True,
    )
    before = hashlib.sha256(blend.read_bytes()).hexdigest()
    result = _render(
        str(blend),
        "--out",
        str(tmp_path / "o"),
        "--style",
        "none",
        "--look",
        "vivid",
        "--engine",
        "cycles",
    )
    assert result.returncode == 0, result.stderr
    assert hashlib.sha256(blend.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o", "shot.blend"]


def test_dataset_mode_writes_layouts(tmp_path):
    out = tmp_path / "ds"
    result = _render("--dataset", "2", "--resolution", "64x64", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "2 frame(s)" in result.stdout
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["frames"]) == 2
    assert len(list(out.glob("*_bundle.npz"))) == 2


def test_dataset_of_a_model_file_in_a_vmd_motion(tmp_path):
    from test_layout_dataset import _motion

    from mmd2anime.mmd.mannequin import mannequin_model
    from mmd2anime.mmd.pmx_write import write_pmx
    from mmd2anime.mmd.vmd import write_vmd

    write_pmx(mannequin_model(), tmp_path / "puppet.pmx")
    write_vmd(_motion([(0, "standing"), (8, "running")]), tmp_path / "run.vmd")
    out = tmp_path / "ds"
    args = ("--dataset", "2", "--resolution", "48x48", "--out", str(out), "--seed", "3")
    result = _render(*args, "--model", str(tmp_path / "puppet.pmx"), "--motion",
                     str(tmp_path / "run.vmd"))  # fmt: skip
    assert result.returncode == 0, result.stderr
    frames = json.loads((out / "manifest.json").read_text())["frames"]
    assert [f["choices"]["pose"]["motion"] for f in frames] == ["run.vmd", "run.vmd"]
    assert [f["people"] for f in frames] == [["マネキン"]] * 2  # the model's own name


def test_dataset_sources_fail_with_one_line(tmp_path):
    result = _render("--motion", "a.vmd", "--out", str(tmp_path / "o"))
    assert result.returncode == 2 and "--dataset" in result.stderr
    (tmp_path / "bad.pmx").write_bytes(b"PMX \x00\x00\x00\x40garbage")
    result = _render("--dataset", "1", "--model", str(tmp_path / "bad.pmx"), "--out",
                     str(tmp_path / "o"))  # fmt: skip
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("render.py:")]
    assert len(errors) == 1 and "bad.pmx" in errors[0], result.stderr
    assert "Traceback" not in result.stderr

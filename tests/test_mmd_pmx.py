# SPDX-License-Identifier: GPL-3.0-or-later
"""PMX reader against real third-party files, checked by parsing parts of them a second way."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import run_without_bpy

from mmd2anime import mmd
from mmd2anime.mmd import model as mm
from mmd2anime.mmd.pmx_write import pmx_bytes
from mmd2anime.mmd.vpd import write_vpd

PACKAGE_ROOT = Path(mmd.__file__).resolve().parents[1]


def _pmx_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.pmx"))


def _header_and_vertex_count(data: bytes) -> tuple[str, int]:
    """Model name and vertex count parsed by hand from the PMX header."""
    n_globals = data[8]
    encoding = "utf-16-le" if data[9] == 0 else "utf-8"
    pos = 9 + n_globals
    texts = []
    for _ in range(4):
        (size,) = struct.unpack_from("<i", data, pos)
        texts.append(data[pos + 4 : pos + 4 + size].decode(encoding))
        pos += 4 + size
    return texts[0], struct.unpack_from("<i", data, pos)[0]


def test_every_shared_pmx_reads_consistently(shared_data):
    files = _pmx_files(shared_data)
    assert files
    for path in files:
        model = mmd.read(path)
        name, n_vertices = _header_and_vertex_count(path.read_bytes())
        assert isinstance(model, mm.Model) and model.format == "pmx"
        assert model.name == name
        assert len(model.positions) == n_vertices
        if len(model.faces):
            assert model.faces.min() >= 0 and model.faces.max() < n_vertices
        assert sum(mat.index_count for mat in model.materials) == model.faces.size
        used = model.bone_indices[model.bone_indices >= 0]
        assert used.size == 0 or used.max() < len(model.bones)
        assert np.allclose(model.bone_weights.sum(axis=1), 1.0, atol=1e-5)


def test_bone_names_flags_and_grants(shared_data):
    model = mmd.read(shared_data / "bone_flag_test.pmx")
    names = [b.name for b in model.bones]
    assert names == ["センター", "新規ボーン2", "新規ボーン1"]
    # 0x39a: rotation + translation grant, so both bones have a grant parent and a weight.
    granted = [b for b in model.bones if b.flags & mm.BONE_INHERIT_ROTATION]
    assert len(granted) == 2
    for bone in granted:
        assert bone.grant_parent == -1 and bone.grant_weight == 1.0  # as saved by the editor
    hierarchy = mmd.read(shared_data / "bone_hierarchy_test.pmx")
    assert [b.name for b in hierarchy.bones][:4] == ["root", "bone1", "bone2", "bone3"]
    assert [b.parent for b in hierarchy.bones] == [-1, 0, -1, 0, -1]


def test_matcap_model_geometry(shared_data):
    model = mmd.read(shared_data / "matcap_sample.pmx")
    assert model.textures == ["./ref.jpg"]
    assert len(model.positions) == 2452 and len(model.faces) == 4900
    lengths = np.linalg.norm(model.normals, axis=1)
    assert np.allclose(lengths, 1.0, atol=1e-3)  # real normals, so records are aligned


def test_rigid_bodies_and_joints_reference_existing_items(shared_data):
    model = mmd.read(shared_data / "constraint_test.pmx")
    assert len(model.rigid_bodies) == 2 and len(model.joints) == 1
    joint = model.joints[0]
    assert {joint.body_a, joint.body_b} == {0, 1}
    assert all(-1 <= body.bone < len(model.bones) for body in model.rigid_bodies)


def cli(tmp_path_factory, *args: str) -> subprocess.CompletedProcess:
    """Run ``python -m mmd2anime.mmd`` on this checkout (through a link named mmd2anime)."""
    parent = tmp_path_factory.getbasetemp() / "pkg"
    if not parent.exists():
        parent.mkdir()
        (parent / "mmd2anime").symlink_to(PACKAGE_ROOT, target_is_directory=True)
    env = {"PYTHONPATH": str(parent), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "mmd2anime.mmd", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_cli_inspect_json_keys(shared_data, tmp_path_factory):
    out = cli(tmp_path_factory, "inspect", str(shared_data / "uv_morph_test.pmx"), "--json")
    assert out.returncode == 0, out.stderr
    info = json.loads(out.stdout)
    assert list(info) == [
        "format", "version", "name", "name_e", "vertices", "faces", "materials", "bones",
        "morphs", "rigid_bodies", "joints", "textures", "additional_uvs",
    ]  # fmt: skip
    assert info["name"] == "Uv Morph Test" and info["vertices"] == 24


def test_cli_text_output_and_errors(shared_data, tmp_path, tmp_path_factory):
    out = cli(tmp_path_factory, "inspect", str(shared_data / "matcap_sample.pmx"))
    assert out.returncode == 0 and "vertices:       2452" in out.stdout
    bad = tmp_path / "bad.pmx"
    bad.write_bytes(b"PMX \x00\x00\x00\x40" + b"\0" * 20)
    for args in (["inspect", str(bad)], ["inspect", str(tmp_path / "missing.pmx")]):
        out = cli(tmp_path_factory, *args)
        assert out.returncode == 1
        assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
    assert cli(tmp_path_factory, "frobnicate").returncode == 2
    assert (
        cli(
            tmp_path_factory,
        ).returncode
        == 2
    )


def test_forged_vertex_count_fails_fast(shared_data):
    data = bytearray((shared_data / "uv_morph_test.pmx").read_bytes())
    name, _ = _header_and_vertex_count(bytes(data))
    pos = 9 + data[8]
    for _ in range(4):
        pos += 4 + struct.unpack_from("<i", data, pos)[0]
    struct.pack_into("<i", data, pos, 2**31 - 1)
    with pytest.raises(mmd.MMDFormatError, match="vertex count"):
        mmd.read_bytes(bytes(data), "forged.pmx")


@pytest.mark.parametrize(
    ("name", "keys"),
    [
        ("physics_toggle_test_yyb10th.vmd", ["format", "model", "bone_tracks", "bone_keyframes",
                                             "morph_tracks", "morph_keyframes", "camera_keyframes"]),
        ("pose.vpd", ["format", "bones", "morphs"]),
    ],
)  # fmt: skip
def test_cli_json_keys_for_motions_and_poses(shared_data, tmp_path, tmp_path_factory, name, keys):
    path = shared_data / name
    if name.endswith(".vpd"):
        path = tmp_path / name
        pose = mm.Pose("m.osm", {"頭": mm.BoneKey()}, {"あ": 1.0})
        write_vpd(pose, path)
    out = cli(tmp_path_factory, "inspect", str(path), "--json")
    assert out.returncode == 0, out.stderr
    info = json.loads(out.stdout)
    assert list(info) == keys
    if name.endswith(".vmd"):
        assert (info["bone_keyframes"], info["morph_tracks"]) == (454, 100)
    else:
        assert (info["bones"], info["morphs"]) == (1, 1)


def test_format_modules_work_without_bpy(shared_data):
    result = run_without_bpy(
        "from mmd2anime.mmd import __main__, pmd, pmx, pmx_write, read, sample, vmd, vpd\n"
        f"print(len(read({str(shared_data / 'matcap_sample.pmx')!r}).positions))\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2452"


def test_extra_header_globals_are_ignored(shared_data):
    data = (shared_data / "uv_morph_test.pmx").read_bytes()
    assert data[8] == 8
    widened = data[:8] + bytes([10]) + data[9:17] + b"\x07\x07" + data[17:]
    a, b = mmd.read_bytes(data), mmd.read_bytes(widened)
    assert (a.name, len(a.positions), len(a.bones)) == (b.name, len(b.positions), len(b.bones))
    assert np.array_equal(a.positions, b.positions)


def test_out_of_range_bone_parent_is_reported(shared_data):
    model = mmd.read(shared_data / "bone_hierarchy_test.pmx")
    model.bones[1].parent = 5
    data = pmx_bytes(model)
    with pytest.raises(mmd.MMDFormatError, match="bone 'bone1': bone index 5 out of range"):
        mmd.read_bytes(data, "x.pmx")

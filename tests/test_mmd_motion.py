# SPDX-License-Identifier: GPL-3.0-or-later
"""VMD and VPD readers/writers against real motions and hand-written poses."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmd2anime import mmd
from mmd2anime.mmd import model as mm
from mmd2anime.mmd.vmd import CAMERA_DTYPE, write_vmd
from mmd2anime.mmd.vpd import write_vpd

VPD_TEXT = """Vocaloid Pose Data file

miku.osm;		// 親ファイル名
2;				// 総ポーズボーン数

Bone0{右腕
  0.000000,0.000000,0.000000;				// trans x,y,z
  0.000000,0.000000,0.382683,0.923880;		// Quaternion x,y,z,w
}

Bone1{センター
  1.5,-2.25,0.0;
  0,0,0,1;
}

Morph0{まばたき
  0.75;
}
"""


def _counts(data: bytes) -> tuple[int, int]:
    """Bone and morph keyframe counts read straight from the VMD layout."""
    (bones,) = struct.unpack_from("<I", data, 50)
    (morphs,) = struct.unpack_from("<I", data, 54 + 111 * bones)
    return bones, morphs


def test_real_vmd_counts_and_sorting(shared_data):
    files = sorted(shared_data.glob("*.vmd"))
    assert files
    for path in files:
        motion = mmd.read(path)
        assert isinstance(motion, mm.Motion)
        assert motion.model == "YYB式初音ミク_10th_v"
        assert (motion.bone_keyframes, motion.morph_keyframes) == _counts(path.read_bytes())
        for track in motion.bone_tracks.values():
            assert np.all(np.diff(track.frames) >= 0)
            assert np.all(track.interpolation <= 127)
            assert np.allclose(np.linalg.norm(track.rotations, axis=1), 1.0, atol=1e-3)


def test_real_vmd_morphs_and_ik_toggles(shared_data):
    motion = mmd.read(shared_data / "physics_toggle_test_yyb10th.vmd")
    assert len(motion.morph_tracks) == 100
    assert all(0.0 <= w <= 1.0 for t in motion.morph_tracks.values() for w in t.weights)
    assert motion.ik_toggles[0]["ik"]["右足ＩＫ"] is True
    assert set(motion.ik_toggles[0]["ik"]) == {
        "右足ＩＫ",
        "右つま先ＩＫ",
        "左足ＩＫ",
        "左つま先ＩＫ",
    }


def test_vmd_write_read_roundtrip(shared_data, tmp_path):
    motion = mmd.read(shared_data / "physics_toggle_test_yyb10th.vmd")
    motion.camera = np.zeros(2, CAMERA_DTYPE)
    motion.camera["frame"], motion.camera["fov"], motion.camera["distance"] = [0, 30], 30, -45.0
    write_vmd(motion, tmp_path / "out.vmd")
    again = mmd.read(tmp_path / "out.vmd")
    assert again.model == motion.model and set(again.bone_tracks) == set(motion.bone_tracks)
    for name, track in motion.bone_tracks.items():
        other = again.bone_tracks[name]
        for field in ("frames", "translations", "rotations", "interpolation"):
            assert np.array_equal(getattr(track, field), getattr(other, field)), (name, field)
    for name, track in motion.morph_tracks.items():
        assert np.array_equal(track.weights, again.morph_tracks[name].weights)
    assert np.array_equal(again.camera, motion.camera)
    assert again.ik_toggles == motion.ik_toggles


def test_old_vmd_without_optional_sections():
    data = b"Vocaloid Motion Data file".ljust(30, b"\0") + "初音ミク".encode("cp932").ljust(
        10, b"\0"
    )
    key = "頭".encode("cp932").ljust(15, b"\0") + struct.pack("<I3f4f", 7, 1, 2, 3, 0, 0, 0, 1)
    motion = mmd.read_bytes(data + struct.pack("<I", 1) + key + bytes(64))
    assert motion.model == "初音ミク" and list(motion.bone_tracks) == ["頭"]
    assert motion.bone_tracks["頭"].frames.tolist() == [7] and motion.morph_tracks == {}


def test_vpd_read(tmp_path):
    path = tmp_path / "pose.vpd"
    path.write_bytes(VPD_TEXT.encode("cp932"))
    pose = mmd.read(path)
    assert isinstance(pose, mm.Pose) and pose.model == "miku.osm"
    assert list(pose.bones) == ["右腕", "センター"]
    assert pose.bones["右腕"].rotation == pytest.approx((0, 0, 0.382683, 0.923880))
    assert pose.bones["センター"].translation == (1.5, -2.25, 0.0)
    assert pose.morphs == {"まばたき": 0.75}


def test_vpd_write_read_roundtrip(tmp_path):
    pose = mm.Pose(
        "model.osm",
        {"左ひじ": mm.BoneKey((0.1, 0.2, 0.3), (0.0, 0.7071067811865476, 0.0, 0.7071067811865476))},
        {"あ": 0.5},
    )
    write_vpd(pose, tmp_path / "p.vpd")
    assert mmd.read(tmp_path / "p.vpd") == pose


def test_vpd_errors_name_the_problem(tmp_path):
    bad = VPD_TEXT.replace("1.5,-2.25,0.0;", "1.5,oops;").encode("cp932")
    with pytest.raises(mmd.MMDFormatError, match="センター"):
        mmd.read_bytes(bad, "bad.vpd")
    with pytest.raises(mmd.MMDFormatError, match="unclosed"):
        mmd.read_bytes(VPD_TEXT.rsplit("}", 1)[0].encode("cp932"), "cut.vpd")
    cut = VPD_TEXT.split("Bone1")[0].encode("cp932")
    with pytest.raises(mmd.MMDFormatError, match="declares 2 bones, found 1"):
        mmd.read_bytes(cut, "cut.vpd")


NAMES = (
    st.text(alphabet="あいうえお左右腕足首ＩＫセンターabcXYZ0123 _.", min_size=1, max_size=12)
    .map(str.strip)
    .filter(bool)
)
FLOATS = st.floats(allow_nan=False, allow_infinity=False, width=32)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    bones=st.dictionaries(
        NAMES, st.tuples(st.tuples(*[FLOATS] * 3), st.tuples(*[FLOATS] * 4)), max_size=6
    ),
    morphs=st.dictionaries(NAMES, FLOATS, max_size=4),
)
def test_vpd_roundtrip_property(tmp_path_factory, bones, morphs):
    pose = mm.Pose("m.osm", {k: mm.BoneKey(t, q) for k, (t, q) in bones.items()}, morphs)
    path = tmp_path_factory.mktemp("vpd") / "p.vpd"
    write_vpd(pose, path)
    assert mmd.read(path) == pose

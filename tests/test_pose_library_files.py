# SPDX-License-Identifier: GPL-3.0-or-later
"""The shipped pose library (VPD files) and the mannequin come through the real file path."""

import numpy as np

from mmd2anime.mmd import pose_library
from mmd2anime.mmd.mannequin import build_mannequin, mannequin_model
from mmd2anime.mmd.vpd import read_vpd


def test_shipped_vpd_files_are_what_the_library_generates(tmp_path):
    # Parsed values with a tolerance: another CPU may round the generator's math differently
    # in the last bits, and that must not fail a fresh clone.
    for path in pose_library.write_library(tmp_path):
        shipped_path = pose_library.LIBRARY_DIR / path.name
        shipped, generated = read_vpd(shipped_path.read_bytes()), read_vpd(path.read_bytes())
        hint = f"regenerate {shipped_path} (python -m mmd2anime.mmd.pose_library)"
        assert shipped.model == generated.model, hint
        assert list(shipped.bones) == list(generated.bones), hint
        assert shipped.morphs.keys() == generated.morphs.keys(), hint
        for name, key in generated.bones.items():
            np.testing.assert_allclose(shipped.bones[name].rotation, key.rotation, atol=1e-7)
            np.testing.assert_allclose(shipped.bones[name].translation, key.translation, atol=1e-7)
    assert len(list(pose_library.LIBRARY_DIR.glob("*.vpd"))) == len(pose_library.POSES) >= 8


def test_generated_poses_are_rounded_before_formatting():
    for pose in pose_library.POSES.values():
        for key in pose.bones.values():
            for v in (*key.rotation, *key.translation):
                assert len(repr(v).split(".")[-1]) <= pose_library.DECIMALS, v


def test_get_pose_reads_the_vpd_file():
    for name, designed in pose_library.POSES.items():
        pose = pose_library.get_pose(name)
        assert pose.bones.keys() == designed.bones.keys()
        for bone, key in designed.bones.items():
            np.testing.assert_allclose(pose.bones[bone].rotation, key.rotation, atol=1e-6)
            np.testing.assert_allclose(pose.bones[bone].translation, key.translation, atol=1e-6)


def test_mannequin_survives_its_own_pmx_file():
    built, loaded = build_mannequin(), mannequin_model()
    assert [b.name for b in loaded.bones] == [b.name for b in built.bones]
    np.testing.assert_allclose(loaded.positions, built.positions, atol=1e-6)
    np.testing.assert_array_equal(loaded.faces, built.faces)
    assert [m.name for m in loaded.materials] == ["肌", "髪", "服", "目"]

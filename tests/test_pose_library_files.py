# SPDX-License-Identifier: GPL-3.0-or-later
"""The shipped pose library (VPD files) and the mannequin come through the real file path."""

import numpy as np

from mmd2anime.mmd import pose_library
from mmd2anime.mmd.mannequin import build_mannequin, mannequin_model


def test_shipped_vpd_files_are_what_the_library_generates(tmp_path):
    for path in pose_library.write_library(tmp_path):
        shipped = pose_library.LIBRARY_DIR / path.name
        assert shipped.read_bytes() == path.read_bytes(), f"regenerate {shipped}"
    assert len(list(pose_library.LIBRARY_DIR.glob("*.vpd"))) == len(pose_library.POSES) >= 8


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

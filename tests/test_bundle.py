# SPDX-License-Identifier: GPL-3.0-or-later
"""FrameBundle: the documented hand-off between the scene side and the neural side."""

import json

import numpy as np
import pytest

from mmd2anime.bundle import BUNDLE_VERSION, FrameBundle


def _bundle(h=6, w=8):
    rng = np.random.default_rng(0)
    depth = rng.uniform(1, 5, (h, w)).astype(np.float32)
    depth[0] = np.inf
    keypoints = rng.uniform(0, w, (1, 18, 2)).astype(np.float32)
    keypoints[0, 3] = np.nan
    visibility = np.full((1, 18), 2, np.uint8)
    visibility[0, 3] = 0
    return FrameBundle(
        width=w,
        height=h,
        color=rng.random((h, w, 3), np.float32),
        alpha=rng.random((h, w), np.float32),
        depth=depth,
        keypoints=keypoints,
        visibility=visibility,
        people=["Mannequin"],
        frame=7,
        engine="CYCLES",
        camera={"name": "Camera", "lens": 50.0},
    )


def test_load_skips_the_fields_asked(tmp_path):
    bundle = _bundle()
    bundle.save(tmp_path / "frame")
    loaded = FrameBundle.load(tmp_path / "frame", skip=("color", "normal"))
    assert loaded.color is None and loaded.present["color"] is False
    np.testing.assert_array_equal(loaded.depth, bundle.depth)


def test_save_load_roundtrip(tmp_path):
    bundle = _bundle()
    bundle.validate()
    bundle.save(tmp_path / "frame_0007")
    loaded = FrameBundle.load(tmp_path / "frame_0007")
    for name in ("color", "alpha", "depth", "keypoints", "visibility"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(bundle, name))
    assert loaded.normal is None and loaded.present["normal"] is False
    assert loaded.present["color"] is True
    assert (loaded.people, loaded.frame, loaded.camera) == (
        ["Mannequin"],
        7,
        {"name": "Camera", "lens": 50.0},
    )
    assert loaded.light is None  # none given: a plain frame's, or a bundle from before it


def test_light_direction_roundtrips_and_bad_ones_are_refused(tmp_path):
    bundle = _bundle()
    bundle.light = [0.6, 0.0, 0.8]
    bundle.save(tmp_path / "lit")
    np.testing.assert_allclose(FrameBundle.load(tmp_path / "lit").light, [0.6, 0.0, 0.8])
    for bad in ([1.0, 0.0], [float("nan"), 0.0, 1.0]):
        bundle.light = bad
        with pytest.raises(ValueError, match="FrameBundle.light"):
            bundle.validate()
    meta = json.loads((tmp_path / "lit.json").read_text())
    meta["light"] = "up"
    (tmp_path / "lit.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match=r"lit\.json: light is not a direction"):
        FrameBundle.load(tmp_path / "lit")


def test_validate_rejects_wrong_shapes():
    bundle = _bundle()
    bundle.depth = bundle.depth[:, :4]
    with pytest.raises(ValueError, match="FrameBundle.depth: expected float32"):
        bundle.validate()
    bundle = _bundle()
    bundle.color = bundle.color.astype(np.float64)
    with pytest.raises(ValueError, match="FrameBundle.color"):
        bundle.validate()


def test_load_refuses_newer_versions_and_garbage(tmp_path):
    path = _bundle().save(tmp_path / "f").with_suffix("")
    meta = json.loads(path.with_suffix(".json").read_text())
    meta["version"] = BUNDLE_VERSION + 1
    path.with_suffix(".json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="newer than this mmd2anime understands"):
        FrameBundle.load(path)
    path.with_suffix(".json").write_text("{not json")
    with pytest.raises(ValueError, match="not a FrameBundle metadata file"):
        FrameBundle.load(path)
    meta["version"] = BUNDLE_VERSION
    path.with_suffix(".json").write_text(json.dumps(meta))
    path.with_suffix(".npz").write_bytes(b"PK\x03\x04garbage")
    with pytest.raises(ValueError, match="unreadable FrameBundle"):
        FrameBundle.load(path)

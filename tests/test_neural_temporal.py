# SPDX-License-Identifier: GPL-3.0-or-later
"""Motion-vector warping, occlusion masks, temporal blending and the warping error."""

import numpy as np
import pytest

from mmd2anime.bundle import FrameBundle
from mmd2anime.neural import temporal
from mmd2anime.neural.synthetic import pan_sequence, texture


def _constant_motion(h, w, dx, dy):
    motion = np.zeros((h, w, 2), np.float32)
    motion[..., 0], motion[..., 1] = dx, dy
    return motion


def test_warp_of_a_known_shift_reproduces_the_shifted_image():
    image = texture(50, 40, seed=3)
    # Frame t shows what was 3 px right and 2 px up on t-1: J(x, y) = I(x + 3, y - 2).
    motion = _constant_motion(40, 50, 3, -2)
    warped = temporal.warp(image, motion)
    expected = image[0:38, 3:50]
    np.testing.assert_allclose(warped[2:40, 0:47], expected, atol=1e-6)
    inside = temporal.inside_mask(motion)
    assert inside[2:, :47].all() and not inside[:2].any() and not inside[:, 47:].any()


def test_fractional_shift_interpolates_linearly():
    ramp = np.tile(np.arange(20, dtype=np.float32), (6, 1))
    warped = temporal.warp(ramp, _constant_motion(6, 20, 0.25, 0))
    np.testing.assert_allclose(warped[:, :19], ramp[:, :19] + 0.25, atol=1e-5)


def test_pan_sequence_motion_vectors_are_exact():
    a, b = pan_sequence(32, 24, 2, shift=3)
    warped = temporal.warp(a.color, b.motion_prev)
    mask = temporal.consistency_mask(a, b)
    assert mask[:, :29].all() and not mask[:, 29:].any()  # the last 3 columns are new
    np.testing.assert_allclose(warped[:, :29], b.color[:, :29], atol=1e-6)


def test_depth_and_alpha_mark_disocclusions():
    h, w = 16, 24
    prev_depth = np.full((h, w), np.inf, np.float32)
    prev_depth[4:12, 4:10] = 2.0  # a box that moves 6 px right
    cur_depth = np.full((h, w), np.inf, np.float32)
    cur_depth[4:12, 10:16] = 2.0
    motion = np.zeros((h, w, 2), np.float32)
    motion[4:12, 10:16, 0] = -6
    prev = FrameBundle(width=w, height=h, depth=prev_depth)
    cur = FrameBundle(width=w, height=h, depth=cur_depth, motion_prev=motion)
    mask = temporal.consistency_mask(prev, cur)
    assert mask[4:12, 10:16].all()  # the box itself: same surface
    assert not mask[4:12, 4:10].any()  # background uncovered where the box was
    assert mask[0].all()  # background that stayed background
    prev.alpha = np.isfinite(prev_depth).astype(np.float32)
    cur.alpha = np.zeros((h, w), np.float32)  # alpha says the box vanished
    assert not temporal.consistency_mask(prev, cur)[4:12, 10:16].any()


def test_blending_halves_flicker_warping_error():
    bundles = pan_sequence(48, 32, 5)
    rng = np.random.default_rng(0)
    flicker = [b.color + rng.normal(0, 0.05, b.color.shape).astype(np.float32) for b in bundles]
    before = temporal.warping_error(flicker, bundles)
    after = temporal.warping_error(temporal.stabilize(flicker, bundles), bundles)
    assert after <= 0.5 * before
    exact = temporal.warping_error([b.color for b in bundles], bundles)
    assert exact < 1e-10  # the synthetic motion vectors are exact


def test_stabilize_restarts_on_a_frame_gap():
    bundles = pan_sequence(16, 12, 3)
    bundles[2].frame = 7
    outputs = [np.full((12, 16, 3), v, np.float32) for v in (0.0, 1.0, 1.0)]
    result = temporal.stabilize(outputs, bundles, strength=0.5)
    assert result[1][:, :10].max() == pytest.approx(0.5)
    assert (result[2] == 1.0).all()


def test_warping_error_needs_motion():
    frames = [np.zeros((4, 4, 3), np.float32)] * 2
    with pytest.raises(ValueError, match="motion vectors"):
        temporal.warping_error(frames, [FrameBundle(width=4, height=4)] * 2)

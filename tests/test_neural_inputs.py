# SPDX-License-Identifier: GPL-3.0-or-later
"""Generator inputs built from FrameBundles: layout, normalization, masks, skeleton maps."""

import numpy as np
import pytest

from mmd2anime.bundle import FrameBundle
from mmd2anime.neural import inputs
from mmd2anime.neural.synthetic import pan_sequence


def _one_keypoint_bundle(x: float, y: float, visibility: int = 2) -> FrameBundle:
    keypoints = np.full((1, 18, 2), np.nan, np.float32)
    keypoints[0, 4] = (x, y)
    vis = np.zeros((1, 18), np.uint8)
    vis[0, 4] = visibility
    return FrameBundle(width=64, height=48, keypoints=keypoints, visibility=vis, people=["a"])


def test_full_bundle_fills_every_group():
    bundle = pan_sequence(40, 32, 1)[0]
    x = inputs.build_inputs(bundle)
    assert x.shape == (inputs.IN_CHANNELS, 32, 40) and x.dtype == np.float32
    assert len(inputs.CHANNELS) == inputs.IN_CHANNELS == 35
    assert (x[inputs.MASKS] == 1).all()
    assert x[inputs.COLOR].min() >= -1 and x[inputs.COLOR].max() <= 1
    np.testing.assert_allclose(x[3], 1.0)  # constant depth is its own median
    np.testing.assert_allclose(x[6], 1.0)  # normal z faces the camera
    assert x[inputs.SKELETON].max() > 0.9


def test_color_only_frame_has_zero_groups_and_masks():
    color = np.full((8, 12, 3), 0.214, np.float32)  # linear 0.214 is about sRGB 0.5
    x = inputs.build_inputs(inputs.image_bundle(color))
    assert x[inputs.MASKS].reshape(3, -1)[:, 0].tolist() == [1, 0, 0]
    assert not x[inputs.GEOMETRY].any() and not x[inputs.SKELETON].any()
    np.testing.assert_allclose(x[inputs.COLOR], 0.0, atol=0.01)


def test_depth_is_relative_to_the_character_and_background_zero():
    depth = np.full((4, 4), np.inf, np.float32)
    depth[:2] = 2.0
    depth[2, :] = 4.0
    alpha = np.isfinite(depth).astype(np.float32)
    bundle = FrameBundle(width=4, height=4, depth=depth, alpha=alpha)
    x = inputs.build_inputs(bundle)
    assert inputs.depth_reference(bundle) == 2.0
    np.testing.assert_allclose(x[3, 0], 1.0)
    np.testing.assert_allclose(x[3, 2], 0.5)  # twice as far
    assert (x[3, 3] == 0).all()  # background
    assert x[inputs.MASKS.start + 1, 0, 0] == 1 and x[inputs.MASKS.start, 0, 0] == 0


@pytest.mark.parametrize("point", [(10.5, 20.5), (33.2, 7.9), (0.3, 47.6)])
def test_heatmap_peaks_at_the_keypoint_pixel(point):
    x = inputs.build_inputs(_one_keypoint_bundle(*point))
    heat = x[8 + 4]
    row, col = np.unravel_index(np.argmax(heat), heat.shape)
    assert (col, row) == (int(point[0]), int(point[1]))
    assert heat.max() > 0.8
    others = np.delete(x[inputs.SKELETON], 4, axis=0)
    assert not others.any()  # lone keypoint: no other heatmap, no limb


def test_occluded_keypoints_are_weaker_and_missing_ones_absent():
    visible = inputs.build_inputs(_one_keypoint_bundle(20.5, 20.5, 2))[12].max()
    occluded = inputs.build_inputs(_one_keypoint_bundle(20.5, 20.5, 1))[12].max()
    missing = inputs.build_inputs(_one_keypoint_bundle(20.5, 20.5, 0))[12].max()
    assert visible == pytest.approx(2 * occluded) and missing == 0


def test_limb_map_follows_the_segment():
    keypoints = np.full((1, 18, 2), np.nan, np.float32)
    keypoints[0, 2], keypoints[0, 3] = (10, 24), (50, 24)  # right shoulder -> elbow
    vis = np.zeros((1, 18), np.uint8)
    vis[0, [2, 3]] = 2
    bundle = FrameBundle(width=64, height=48, keypoints=keypoints, visibility=vis, people=["a"])
    arm = inputs.build_inputs(bundle)[inputs.CHANNELS.index("limbs_r_arm")]
    assert arm[23, 15:45].min() > 0.9  # on the line
    assert arm[5, :].max() < 0.01 and arm[23, 60] < 0.05  # far from it


def test_region_matches_the_crop_of_the_full_frame():
    bundle = pan_sequence(48, 40, 1)[0]
    full = inputs.build_inputs(bundle)
    part = inputs.build_inputs(bundle, (8, 4, 40, 36), inputs.depth_reference(bundle))
    np.testing.assert_allclose(part, full[:, 4:36, 8:40], atol=1e-6)


def test_srgb_roundtrip():
    values = np.linspace(0, 1, 101)
    np.testing.assert_allclose(inputs.srgb_to_linear(inputs.linear_to_srgb(values)), values,
                               atol=1e-6)  # fmt: skip


def test_the_alpha_index_names_the_alpha_channel():
    assert inputs.CHANNELS[inputs.ALPHA] == "alpha"


def test_albedo_group_is_appended_and_masked_by_presence():
    bundle = pan_sequence(40, 32, 1)[0]
    plain = inputs.build_inputs(bundle)
    without = inputs.build_inputs(bundle, albedo=True)
    assert without.shape == (inputs.IN_CHANNELS_ALBEDO, 32, 40)
    np.testing.assert_array_equal(without[: inputs.IN_CHANNELS], plain)  # same places
    assert not without[inputs.IN_CHANNELS :].any()  # no pass: zeros, mask 0
    bundle.albedo = np.full((32, 40, 3), 0.214, np.float32)
    x = inputs.build_inputs(bundle, albedo=True)
    np.testing.assert_allclose(x[inputs.ALBEDO], 0.0, atol=0.01)
    assert (x[inputs.ALBEDO_MASK] == 1).all()
    assert inputs.LAYOUTS[inputs.IN_CHANNELS_ALBEDO][inputs.ALBEDO_MASK] == "mask_albedo"


def test_edges_group_follows_the_albedo_group_and_is_masked_by_presence():
    bundle = pan_sequence(40, 32, 1)[0]
    albedo = inputs.build_inputs(bundle, albedo=True)
    without = inputs.build_inputs(bundle, edges=True)  # the edges layout has albedo's too
    assert without.shape == (inputs.IN_CHANNELS_EDGES, 32, 40)
    np.testing.assert_array_equal(without[: inputs.IN_CHANNELS_ALBEDO], albedo)
    assert not without[inputs.EDGES :].any()
    bundle.edges = np.zeros((32, 40), np.float32)
    bundle.edges[10, 5:30] = 1.0
    x = inputs.build_inputs(bundle, region=(4, 8, 36, 24), edges=True)
    assert x.shape == (inputs.IN_CHANNELS_EDGES, 16, 32)
    assert (x[inputs.EDGES, 2, 1:26] == 1).all() and x[inputs.EDGES].sum() == 25
    assert (x[inputs.EDGES_MASK] == 1).all()
    names = inputs.LAYOUTS[inputs.IN_CHANNELS_EDGES]
    assert (names[inputs.EDGES], names[inputs.EDGES_MASK]) == ("edges", "mask_edges")


def test_light_group_is_n_dot_l_after_the_edges_group_and_masked_by_presence():
    bundle = pan_sequence(40, 32, 1)[0]
    edges = inputs.build_inputs(bundle, edges=True)
    without = inputs.build_inputs(bundle, light=True)  # the light layout has both groups too
    assert without.shape == (inputs.IN_CHANNELS_LIGHT, 32, 40)
    np.testing.assert_array_equal(without[: inputs.IN_CHANNELS_EDGES], edges)
    assert not without[inputs.LAMBERT :].any()  # no light direction: zeros, mask 0
    normal = np.random.default_rng(3).normal(size=(32, 40, 3)).astype(np.float32)
    bundle.normal = normal / np.linalg.norm(normal, axis=2, keepdims=True)
    bundle.light = [0.0, 2.0, 0.0]  # straight up (not unit: normalized)
    x = inputs.build_inputs(bundle, region=(4, 8, 36, 24), light=True)
    assert x.shape == (inputs.IN_CHANNELS_LIGHT, 16, 32)
    np.testing.assert_allclose(x[inputs.LAMBERT], bundle.normal[8:24, 4:36, 1], atol=1e-6)
    assert (x[inputs.LIGHT_MASK] == 1).all()
    bundle.normal = None  # N·L needs the normals
    assert not inputs.build_inputs(bundle, light=True)[inputs.LAMBERT :].any()
    names = inputs.LAYOUTS[inputs.IN_CHANNELS_LIGHT]
    assert (names[inputs.LAMBERT], names[inputs.LIGHT_MASK]) == ("lambert", "mask_light")
    assert inputs.input_groups(inputs.IN_CHANNELS_LIGHT) == (True, True, True)
    assert inputs.input_groups(inputs.IN_CHANNELS_EDGES) == (True, True, False)

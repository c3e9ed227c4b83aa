# SPDX-License-Identifier: GPL-3.0-or-later
"""Metrics against values known by construction."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mmd2anime.neural import data, inputs, metrics, synthetic
from mmd2anime.neural.keypoint_head import KeypointHead, fit


def test_ssim_of_an_image_with_itself_is_one_and_noise_lowers_it():
    image = synthetic.texture(64, 48, seed=3)
    assert metrics.ssim(image, image) == pytest.approx(1.0)
    assert metrics.ssim(image, image, per_channel=True) == pytest.approx(1.0)
    noisy = np.clip(image + np.random.default_rng(0).normal(0, 0.1, image.shape), 0, 1)
    assert metrics.ssim(image, noisy) < 0.9


def test_lab_of_reference_colors_and_delta_e():
    white = metrics.linear_rgb_to_lab(np.array([1.0, 1.0, 1.0]))
    np.testing.assert_allclose(white, [100, 0, 0], atol=0.01)
    # sRGB red (1, 0, 0) is L* 53.24, a* 80.09, b* 67.20 under D65
    np.testing.assert_allclose(
        metrics.linear_rgb_to_lab(np.array([1.0, 0.0, 0.0])), [53.24, 80.09, 67.20], atol=0.05
    )
    black = np.zeros((4, 4, 3))
    assert metrics.delta_e76(black, black) == 0
    assert metrics.delta_e76(black, np.ones((4, 4, 3))) == pytest.approx(100, abs=0.01)


def test_pck_counts_visible_points_within_the_bbox_fraction():
    truth = np.zeros((1, 18, 2))
    truth[0, :, 0] = np.linspace(0, 30, 18)
    truth[0, :, 1] = np.linspace(0, 40, 18)  # bbox diagonal 50 -> threshold 2.5 px
    pred = truth.copy()
    pred[0, :, 0] += 2.0  # within
    pred[0, 5:13, 0] += 1.0  # outside, away from the bbox corners
    visible = np.ones((1, 18), bool)
    assert metrics.pck(pred, truth, visible) == pytest.approx(10 / 18)
    visible[0, 5:13] = False  # invisible misses do not count (the bbox stays the same)
    assert metrics.pck(pred, truth, visible) == pytest.approx(1.0)


def test_edge_f1_identical_is_one_shifted_within_tolerance_disjoint_is_zero():
    image = np.zeros((64, 64, 3))
    image[16:48, 16:48] = 1
    edges = metrics.canny_edges(image)
    assert edges.any()
    assert metrics.edge_f1(edges, edges) == 1.0
    assert metrics.edge_f1(np.roll(edges, 2, axis=1), edges) == 1.0
    assert metrics.edge_f1(np.roll(edges, 6, axis=1), edges) < 0.6
    assert metrics.edge_f1(np.zeros_like(edges), edges) == 0.0


def test_keypoint_detector_learns_synthetic_figures():
    bundles = synthetic.pan_sequence(64, 64, 16, shift=2, seed=0)
    x = torch.from_numpy(np.stack([inputs.build_inputs(b) for b in bundles]))
    # color = a bright figure drawn from the limb maps, so keypoints are visible in RGB
    rgb = x[:, inputs.SKELETON.start + 18 : inputs.SKELETON.stop].amax(1, keepdim=True) * 2 - 1
    rgb = rgb.expand(-1, 3, -1, -1).contiguous()
    torch.manual_seed(0)
    head = KeypointHead()
    fit(head, rgb, data.heatmap_targets(x), steps=150)
    detector = metrics.KeypointDetector(head)
    predicted = np.stack([detector((rgb[i].permute(1, 2, 0).numpy() + 1) / 2) for i in range(4)])
    truth = np.stack([b.keypoints[0] for b in bundles[:4]])
    score = metrics.pck(predicted, truth, np.ones((4, 18), bool), threshold=0.2)
    assert score > 0.3, score

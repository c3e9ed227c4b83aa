# SPDX-License-Identifier: GPL-3.0-or-later
"""Training losses against values known by construction."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from mmd2anime.neural import losses
from mmd2anime.neural.keypoint_head import decode, heatmap_loss


def test_separable_box_filter_equals_the_square_window_also_at_borders():
    x = torch.rand(2, 3, 23, 31, dtype=torch.float64)
    for radius in (1, 4):
        square = F.avg_pool2d(x, 2 * radius + 1, 1, radius, count_include_pad=False)
        torch.testing.assert_close(losses.box_filter(x, radius), square)


def test_palette_loss_ignores_layout_and_pulls_colors_towards_the_style():
    torch.manual_seed(0)
    style = torch.rand(2, 3, 32, 32) * 0.5 + 0.5  # bright palette
    shuffled = style.flatten(2)[:, :, torch.randperm(32 * 32)].reshape(style.shape)
    assert losses.palette_loss(shuffled, style, pixels=2048) < 2e-3  # same colors anywhere
    fake = (torch.rand(2, 3, 32, 32) * 0.5 - 1).requires_grad_()  # dark palette
    assert losses.palette_loss(fake, style) > 0.5
    losses.palette_loss(fake, style).backward()
    assert (fake.grad <= 0).all()  # every sampled dark pixel is pushed brighter
    assert (fake.grad < 0).float().mean() > 0.95


def test_heatmap_loss_is_lowest_at_the_true_peak_and_skips_absent_keypoints():
    target = torch.zeros(1, 2, 16, 16)
    target[0, 0, 5, 9] = 1.0  # keypoint 1 absent: an empty map
    right = torch.full((1, 2, 16, 16), -8.0)
    right[0, 0, 5, 9] = 8.0
    wrong = torch.roll(right, 4, dims=3)
    weight = torch.ones(1)
    assert heatmap_loss(right, target, weight) < 0.01 < heatmap_loss(wrong, target, weight)
    points, peak = decode(right)
    assert points[0, 0].tolist() == [(9 + 0.5) * 4, (5 + 0.5) * 4]
    assert peak[0, 0] > 0.99
    assert heatmap_loss(wrong, target, torch.zeros(1)) == 0  # no skeleton in the sample

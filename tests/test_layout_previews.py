# SPDX-License-Identifier: GPL-3.0-or-later
"""PNG previews of float passes (bpy-free helpers)."""

import numpy as np

from mmd2anime.layout.previews import depth_preview, normal_preview, srgb


def test_srgb_transfer_is_continuous_and_clipped():
    values = srgb(np.array([-1.0, 0.0, 0.0031308, 0.0031309, 0.18, 1.0, 4.0]))
    np.testing.assert_allclose(values[[0, 1, 5, 6]], [0, 0, 1, 1], atol=1e-6)
    assert abs(values[2] - values[3]) < 1e-5
    assert abs(values[4] - 0.4614) < 1e-3  # 18 % grey


def test_depth_preview_near_is_bright_background_black():
    depth = np.array([[1.0, 2.0, np.inf]], np.float32)
    image = depth_preview(depth)
    assert image.dtype == np.uint8 and image.shape == (1, 3)
    assert image[0, 0] == 255 and 0 < image[0, 1] < image[0, 0] and image[0, 2] == 0
    assert not depth_preview(np.full((2, 2), np.inf, np.float32)).any()


def test_normal_preview_maps_axes_to_channels():
    normal = np.zeros((1, 2, 3), np.float32)
    normal[0, 0] = (0, 0, 1)  # facing the camera: the familiar light blue
    image = normal_preview(normal)
    assert image[0, 0].tolist() == [128, 128, 255]
    assert image[0, 1].tolist() == [0, 0, 0]  # background
